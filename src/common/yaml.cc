#include "common/yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <istream>
#include <limits>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "common/yaml_node.h"

namespace vigil {
namespace {

// An input stream over text that stays where it is: yaml-cpp reads from a std::istream, and the
// text may be a memory-mapped file of many MiB that need not be copied.
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view text) {
    char* p = const_cast<char*>(text.data());  // read only: no put area is set
    setg(p, p, p + text.size());
  }
};

uint64_t SatAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max() : a + b;
}

uint64_t SatMul(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return std::numeric_limits<uint64_t>::max();
  return a * b;
}

// Thrown by the guard from inside yaml-cpp's parser to stop it at the first refusal; caught in
// CheckYaml, never outside this file.
struct Refusal {
  Error error;
};

// Counts the events of one document. Each node written costs 1; an alias costs the expanded size
// of its anchor's node, which is known once that node has ended. Nothing of the document is kept
// but one small record per anchor and per alias (both bounded: anchors by the text, aliases by
// max_aliases).
class Guard final : public YAML::EventHandler {
 public:
  // `aliases_before`: aliases the earlier documents of the same text used (max_aliases bounds
  // the whole text).
  Guard(std::string_view what, const YamlLimits& limits, uint64_t aliases_before = 0)
      : what_(what), limits_(limits), aliases_before_(aliases_before) {}

  void OnDocumentStart(const YAML::Mark& mark) override { start_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { Leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    Leaf(mark, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    ++stats_.nodes;
    if (++stats_.aliases + aliases_before_ > limits_.max_aliases) {
      Refuse(mark, "more than " + std::to_string(limits_.max_aliases) + " aliases");
    }
    if (anchor == 0 || anchor >= anchors_.size() || !anchors_[anchor].defined) {
      Refuse(mark, "alias to an anchor that is not defined", ErrorCode::kCorrupt);
    }
    const Anchor& a = anchors_[anchor];
    if (!a.complete) {
      Refuse(mark, "alias " + Name(anchor) +
                       " refers to a node that contains it: expanded, it never ends (a cycle); refused");
    }
    if (stack_.size() + a.height > limits_.max_depth) {
      Refuse(mark, "alias " + Name(anchor) + " nests the document deeper than " + std::to_string(limits_.max_depth) +
                       " levels once expanded");
    }
    Add(a.expanded, a.height);
    aliases_.push_back(AliasSeen{running_, anchor, mark});
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnMapEnd() override { Close(); }

  void OnAnchor(const YAML::Mark&, const std::string& name) override { pending_name_ = name; }

  // Applies the expanded-size limit, which depends on the whole document's node count, and
  // returns the counts.
  Result<YamlStats> Finish() {
    stats_.expanded_nodes = running_;
    const uint64_t limit = SatAdd(SatMul(limits_.expanded_factor, stats_.nodes), limits_.expanded_extra);
    if (running_ <= limit) return stats_;
    std::string why = "more than " + std::to_string(limit) +
                      " nodes (the limit: " + std::to_string(limits_.expanded_factor) + " x the " +
                      std::to_string(stats_.nodes) + " nodes written + " + std::to_string(limits_.expanded_extra) +
                      "); anchors and aliases that multiply (\"billion laughs\") are refused";
    // The first alias after which the running count was over the limit is the one to blame.
    for (const AliasSeen& a : aliases_) {
      if (a.running_after > limit) {
        return Error(ErrorCode::kLimitExceeded, YamlLocation(what_, a.mark) + ": alias " + Name(a.anchor) +
                                                    " makes the document expand to " + why);
      }
    }
    return Error(ErrorCode::kLimitExceeded, YamlLocation(what_, start_) + ": the document expands to " + why);
  }

 private:
  struct Anchor {
    uint64_t expanded = 0;
    size_t height = 0;
    bool defined = false;
    bool complete = false;
    std::string name;
  };
  struct OpenNode {
    uint64_t expanded = 1;
    size_t height = 1;  // a collection nests one level, more with collections inside
    YAML::anchor_t anchor = 0;
  };
  struct AliasSeen {
    uint64_t running_after;
    YAML::anchor_t anchor;
    YAML::Mark mark;
  };

  [[noreturn]] void Refuse(const YAML::Mark& mark, const std::string& why, ErrorCode code = ErrorCode::kLimitExceeded) {
    throw Refusal{Error(code, YamlLocation(what_, mark) + ": " + why)};
  }

  std::string Name(YAML::anchor_t anchor) const {
    const std::string& n = anchor < anchors_.size() ? anchors_[anchor].name : std::string();
    return n.empty() ? "#" + std::to_string(anchor) : "*" + Clip(n, 64);
  }

  // yaml-cpp numbers anchors 1, 2, ... in the order they are defined (a redefined name gets a
  // new number, and later aliases name the newest).
  void Define(YAML::anchor_t anchor) {
    if (anchor == 0) return;
    if (anchor >= anchors_.size()) anchors_.resize(anchor + 1);
    anchors_[anchor].defined = true;
    anchors_[anchor].name = std::move(pending_name_);
    pending_name_.clear();
  }

  void Leaf(const YAML::Mark&, YAML::anchor_t anchor) {
    ++stats_.nodes;
    if (anchor != 0) {
      Define(anchor);
      anchors_[anchor].expanded = 1;
      anchors_[anchor].complete = true;
    }
    Add(1, 0);
  }

  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    ++stats_.nodes;
    if (stack_.size() + 1 > limits_.max_depth) {
      Refuse(mark, "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    Define(anchor);
    running_ = SatAdd(running_, 1);
    stack_.push_back(OpenNode{1, 1, anchor});
  }

  void Close() {
    if (stack_.empty()) return;  // not produced by yaml-cpp's parser
    OpenNode done = stack_.back();
    stack_.pop_back();
    if (done.anchor != 0) {
      anchors_[done.anchor].expanded = done.expanded;
      anchors_[done.anchor].height = done.height;
      anchors_[done.anchor].complete = true;
    }
    // The node's own 1 is in running_ already (counted when it opened).
    AddToParent(done.expanded, done.height);
  }

  // A finished child (a leaf or an alias) of `expanded` nodes nesting `height` levels.
  void Add(uint64_t expanded, size_t height) {
    running_ = SatAdd(running_, expanded);
    AddToParent(expanded, height);
  }

  void AddToParent(uint64_t expanded, size_t height) {
    if (stack_.empty()) {
      stats_.depth = std::max(stats_.depth, height);
      return;
    }
    OpenNode& parent = stack_.back();
    parent.expanded = SatAdd(parent.expanded, expanded);
    parent.height = std::max(parent.height, height + 1);
  }

  std::string_view what_;
  const YamlLimits& limits_;
  uint64_t aliases_before_ = 0;
  YAML::Mark start_;
  YamlStats stats_;
  uint64_t running_ = 0;  // expanded nodes so far, in document order
  std::vector<Anchor> anchors_;
  std::vector<OpenNode> stack_;
  std::vector<AliasSeen> aliases_;
  std::string pending_name_;
};

}  // namespace

std::string YamlLocation(std::string_view what, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return std::string(what);
  return std::string(what) + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Result<YamlStats> CheckYaml(std::string_view text, std::string_view what, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return LimitExceeded(std::string(what) + ": YAML document of " + std::to_string(text.size()) +
                         " bytes exceeds the limit of " + std::to_string(limits.max_bytes) + " bytes");
  }
  // Adapter boundary: yaml-cpp reports malformed input by throwing, and the guard stops the
  // parser by throwing a Refusal.
  try {
    ViewBuf buf(text);
    std::istream in(&buf);
    YAML::Parser parser(in);
    Guard guard(what, limits);
    if (!parser.HandleNextDocument(guard)) return YamlStats{};
    YamlStats stats;
    VIGIL_ASSIGN_OR_RETURN(stats, guard.Finish());
    stats.documents = 1;
    return stats;
  } catch (Refusal& r) {
    return std::move(r.error);
  } catch (const YAML::Exception& e) {
    return Corrupt(YamlLocation(what, e.mark) + ": malformed YAML: " + e.msg);
  } catch (const std::exception& e) {
    return Corrupt(std::string(what) + ": malformed YAML: " + e.what());
  }
}

Result<YamlStats> CheckAllYaml(std::string_view text, std::string_view what, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return LimitExceeded(std::string(what) + ": YAML text of " + std::to_string(text.size()) +
                         " bytes exceeds the limit of " + std::to_string(limits.max_bytes) + " bytes");
  }
  try {
    ViewBuf buf(text);
    std::istream in(&buf);
    YAML::Parser parser(in);
    YamlStats total;
    for (;;) {
      // yaml-cpp 0.7 can fail to advance on some malformed streams (", *&a [x, *a]" yields empty
      // documents for ever): a text of n bytes holds at most n + 1 documents, so more means the
      // parser is stuck, and the text is refused instead of hanging (found by fuzz/yaml_guard).
      if (total.documents > text.size()) {
        return Corrupt(std::string(what) + ": malformed YAML: the parser does not get past it (" +
                       std::to_string(total.documents) + " documents in " + std::to_string(text.size()) + " bytes)");
      }
      // yaml-cpp numbers anchors afresh in each document, and an alias cannot reach into another
      // document, so each document gets its own guard; only the alias count carries over.
      Guard guard(what, limits, total.aliases);
      if (!parser.HandleNextDocument(guard)) break;
      YamlStats doc;
      VIGIL_ASSIGN_OR_RETURN(doc, guard.Finish());
      ++total.documents;
      total.nodes = SatAdd(total.nodes, doc.nodes);
      total.aliases = SatAdd(total.aliases, doc.aliases);
      total.expanded_nodes = SatAdd(total.expanded_nodes, doc.expanded_nodes);
      total.depth = std::max(total.depth, doc.depth);
    }
    // Each document kept its own bound; the text as a whole keeps it too, so that many small
    // documents, each just under expanded_extra, cannot add up to a billion nodes.
    const uint64_t limit = SatAdd(SatMul(limits.expanded_factor, total.nodes), limits.expanded_extra);
    if (total.expanded_nodes > limit) {
      return LimitExceeded(std::string(what) + ": its " + std::to_string(total.documents) +
                           " documents expand to more than " + std::to_string(limit) +
                           " nodes (the limit: " + std::to_string(limits.expanded_factor) + " x the " +
                           std::to_string(total.nodes) + " nodes written + " + std::to_string(limits.expanded_extra) +
                           "); anchors and aliases that multiply (\"billion laughs\") are refused");
    }
    return total;
  } catch (Refusal& r) {
    return std::move(r.error);
  } catch (const YAML::Exception& e) {
    return Corrupt(YamlLocation(what, e.mark) + ": malformed YAML: " + e.msg);
  } catch (const std::exception& e) {
    return Corrupt(std::string(what) + ": malformed YAML: " + e.what());
  }
}

Result<YAML::Node> LoadYaml(std::string_view text, std::string_view what, const YamlLimits& limits) {
  VIGIL_RETURN_IF_ERROR(CheckYaml(text, what, limits).status());
  try {
    ViewBuf buf(text);
    std::istream in(&buf);
    return YAML::Load(in);
  } catch (const YAML::Exception& e) {
    return Corrupt(YamlLocation(what, e.mark) + ": malformed YAML: " + e.msg);
  } catch (const std::exception& e) {
    return Corrupt(std::string(what) + ": malformed YAML: " + e.what());
  }
}

Result<std::vector<YAML::Node>> LoadAllYaml(std::string_view text, std::string_view what, const YamlLimits& limits) {
  VIGIL_RETURN_IF_ERROR(CheckAllYaml(text, what, limits).status());
  try {
    ViewBuf buf(text);
    std::istream in(&buf);
    return YAML::LoadAll(in);
  } catch (const YAML::Exception& e) {
    return Corrupt(YamlLocation(what, e.mark) + ": malformed YAML: " + e.msg);
  } catch (const std::exception& e) {
    return Corrupt(std::string(what) + ": malformed YAML: " + e.what());
  }
}

}  // namespace vigil
