#include "vulndb/internal/debian_tracker.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/json.h"
#include "common/strings.h"
#include "version/names.h"
#include "version/version.h"

namespace vigil::vulndb {
namespace {

using nlohmann::json;

// distro-info-data's debian.csv (version, series) for every release the tracker or the DSA/DLA
// lists name. OSV's "Debian:<release>" uses these numbers.
constexpr std::array<std::pair<std::string_view, std::string_view>, 15> kDebianReleases{{
    {"woody", "3.0"},
    {"sarge", "3.1"},
    {"etch", "4.0"},
    {"lenny", "5.0"},
    {"squeeze", "6.0"},
    {"wheezy", "7"},
    {"jessie", "8"},
    {"stretch", "9"},
    {"buster", "10"},
    {"bullseye", "11"},
    {"bookworm", "12"},
    {"trixie", "13"},
    {"forky", "14"},
    {"duke", "15"},
    {"sid", "sid"},
}};

// Nesting of the export: top, package, issue, releases, release, repositories. Anything much
// deeper is not the tracker's export.
constexpr int kMaxDepth = 32;

// ---- SAX reader: one top-level member at a time ----------------------------------------------
// nlohmann's DOM parser would hold the whole ~70 MB export as a tree (several times its size in
// memory); this handler builds a tree for one top-level member (one source package), hands it
// over, and forgets it.
class MemberReader {
 public:
  using OnMember = std::function<void(std::string&, json&)>;

  // Members below the top level whose key is `skip_key` are not built (the parser still checks
  // their syntax): the export's "repositories" maps are most of its bytes and say nothing the
  // advisories need.
  MemberReader(std::string_view what, std::string_view skip_key, OnMember on_member)
      : what_(what), skip_key_(skip_key), on_member_(std::move(on_member)) {}

  bool null() { return Value(json(nullptr)); }
  bool boolean(bool v) { return Value(json(v)); }
  bool number_integer(json::number_integer_t v) { return Value(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return Value(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return Value(json(v)); }
  bool string(std::string& v) { return skipping_ > 0 || Value(json(std::move(v))); }
  bool binary(json::binary_t&) { return Fail(Corrupt(std::string(what_) + ": binary value in JSON")); }

  bool start_object(std::size_t) { return Open(json::object()); }
  bool start_array(std::size_t) { return Open(json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(std::string& k) {
    if (skipping_ == 0) key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    return Fail(Corrupt(std::string(what_) + ": malformed JSON at byte " + std::to_string(position) + ": " + e.what()));
  }

  // The first error, if parsing stopped early.
  Status status() const { return status_; }
  bool saw_top() const { return saw_top_; }

 private:
  bool Fail(Error e) {
    if (status_.ok()) status_ = std::move(e);
    return false;
  }

  // A scalar: at depth 0 the document is not an object; at depth 1 it is a whole member; deeper
  // it goes into the member being built.
  bool Value(json v) {
    if (skipping_ > 0) return true;
    if (depth_ == 0) return TopIsNotObject(v.type_name());
    if (depth_ == 1) {
      on_member_(key_, v);
      return true;
    }
    Insert(std::move(v));
    return true;
  }

  bool TopIsNotObject(std::string_view type) {
    return Fail(
        Corrupt(std::string(what_) + ": top level is a " + std::string(type) + ", not an object of source packages"));
  }

  void Insert(json v) {
    json& parent = *stack_.back();
    if (parent.is_object()) {
      parent[key_] = std::move(v);
    } else {
      parent.push_back(std::move(v));
    }
  }

  bool Open(json container) {
    if (depth_ == 0) {
      if (!container.is_object()) return TopIsNotObject("array");
      saw_top_ = true;
      depth_ = 1;
      return true;
    }
    if (++depth_ > kMaxDepth) {
      return Fail(Corrupt(std::string(what_) + ": JSON nested deeper than " + std::to_string(kMaxDepth) + " levels"));
    }
    if (skipping_ > 0 || (depth_ > 2 && stack_.back()->is_object() && key_ == skip_key_)) {
      ++skipping_;
      return true;
    }
    if (depth_ == 2) {
      member_key_ = key_;
      member_ = std::move(container);
      stack_.assign(1, &member_);
      return true;
    }
    json& parent = *stack_.back();
    // A pointer into the parent stays valid while its children are built: objects are maps
    // (stable nodes) and an array only grows after its last child is closed.
    json* child;
    if (parent.is_object()) {
      child = &(parent[key_] = std::move(container));
    } else {
      parent.push_back(std::move(container));
      child = &parent.back();
    }
    stack_.push_back(child);
    return true;
  }

  bool Close() {
    if (depth_ == 1) {
      depth_ = 0;
      return true;
    }
    --depth_;
    if (skipping_ > 0) {
      --skipping_;
      return true;
    }
    stack_.pop_back();
    if (stack_.empty()) {
      on_member_(member_key_, member_);
      member_ = json();
    }
    return true;
  }

  std::string_view what_;
  std::string_view skip_key_;
  OnMember on_member_;
  Status status_;
  int depth_ = 0;     // containers open
  int skipping_ = 0;  // containers open inside a skipped member
  bool saw_top_ = false;
  std::string key_;         // the last key read
  std::string member_key_;  // the top-level key of the member being built
  json member_;
  std::vector<json*> stack_;
};

// ---- the tracker -------------------------------------------------------------------------------

// "12", "6.0", "sid": a release as DebianReleaseNumber returns it.
bool IsReleaseNumber(std::string_view s) {
  return std::any_of(kDebianReleases.begin(), kDebianReleases.end(), [&](const auto& r) { return r.second == s; });
}

bool IsSourcePackageName(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '+' ||
              c == '-' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}

// The tracker exports CVE ids and its TEMP-nnnnnnn-XXXXXX names for issues without one.
bool IsIssueId(std::string_view s) {
  if (IsCveId(s)) return true;
  if (!s.starts_with("TEMP-") || s.size() > 64 || s.size() < 6) return false;
  return std::all_of(s.begin() + 5, s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
  });
}

// The first sentence of a description, for the summary: up to the first ". " or line end.
std::string FirstSentence(std::string_view text) {
  std::string_view t = Trim(text);
  size_t end = t.find('\n');
  if (end != std::string_view::npos) t = Trim(t.substr(0, end));
  size_t dot = t.find(". ");
  if (dot != std::string_view::npos) t = t.substr(0, dot + 1);
  constexpr size_t kMax = 300;
  if (t.size() > kMax) {
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 start
    return std::string(t.substr(0, cut)) + "...";
  }
  return std::string(t);
}

bool IsRating(std::string_view urgency) {
  if (urgency.ends_with("**")) urgency.remove_suffix(2);
  return urgency == "low" || urgency == "medium" || urgency == "high" || urgency == "unimportant";
}

// Release order for sorting affected entries: numbers ascending, sid last.
double ReleaseOrder(const std::string& release) {
  if (release == "sid") return 1e9;
  return std::strtod(release.c_str(), nullptr);
}

std::string StringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

class Tracker {
 public:
  Tracker(std::string_view what, const DebianTrackerOptions& options)
      : what_(what), modified_(options.modified), dpkg_(version::FindScheme("dpkg")) {
    for (const auto& [release, packages] : options.support_ended) {
      std::string number = DebianReleaseNumber(release);
      if (number.empty()) number = release;  // given as a number already
      for (const std::string& p : packages) {
        bool pattern = p.find_first_of(".*\\") != std::string::npos;
        if (pattern) {
          ended_patterns_[number].push_back(p);
        } else {
          ended_names_[number].insert(p);
        }
      }
    }
  }

  void Package(const std::string& name, const json& issues);
  FeedResult Finish();

 private:
  void Problem(std::string where, std::string reason) {
    out_.problems.Add(std::string(what_) + ": " + std::move(where), std::move(reason));
  }
  bool SupportEnded(const std::string& release, const std::string& package) const;
  Advisory& AdvisoryFor(const std::string& id);
  void Issue(const std::string& package, const std::string& id, const json& issue);

  std::string_view what_;
  std::string modified_;
  const version::Scheme* dpkg_;
  std::unordered_map<std::string, std::unordered_set<std::string>> ended_names_;
  std::unordered_map<std::string, std::vector<std::string>> ended_patterns_;
  std::unordered_map<std::string, size_t> index_;  // issue id -> out_.advisories
  FeedResult out_;
};

bool Tracker::SupportEnded(const std::string& release, const std::string& package) const {
  if (auto it = ended_names_.find(release); it != ended_names_.end() && it->second.count(package)) {
    return true;
  }
  if (auto it = ended_patterns_.find(release); it != ended_patterns_.end()) {
    for (const std::string& p : it->second) {
      if (SupportPatternMatches(p, package)) return true;
    }
  }
  return false;
}

Advisory& Tracker::AdvisoryFor(const std::string& id) {
  auto [it, fresh] = index_.try_emplace(id, out_.advisories.size());
  if (!fresh) return out_.advisories[it->second];
  Advisory& a = out_.advisories.emplace_back();
  a.id = "DEBIAN-TRACKER-" + id;
  if (IsCveId(id)) a.aliases.push_back(id);
  a.published = modified_;
  a.modified = modified_;
  a.references.push_back({"WEB", "https://security-tracker.debian.org/tracker/" + id});
  return a;
}

void Tracker::Package(const std::string& name, const json& issues) {
  if (!IsSourcePackageName(name)) {
    Problem(QuoteForMessage(name), "skipped: not a Debian source package name");
    return;
  }
  if (!issues.is_object()) {
    Problem(name, std::string("skipped: a ") + issues.type_name() + ", not an object of issues");
    return;
  }
  for (const auto& [id, issue] : issues.items()) Issue(name, id, issue);
}

void Tracker::Issue(const std::string& package, const std::string& id, const json& issue) {
  const std::string where = package + "/" + id;
  if (!IsIssueId(id)) {
    Problem(package + "/" + QuoteForMessage(id), "skipped: not a CVE or TEMP issue id");
    return;
  }
  if (!issue.is_object()) {
    Problem(where, std::string("skipped: a ") + issue.type_name() + ", not an object");
    return;
  }
  auto rels = issue.find("releases");
  if (rels == issue.end() || rels->is_null() || (rels->is_array() && rels->empty())) return;
  if (!rels->is_object()) {
    Problem(where + "/releases", std::string("skipped: a ") + rels->type_name() + ", not an object");
    return;
  }
  std::vector<Affected> affected;
  for (const auto& [codename, rel] : rels->items()) {
    const std::string rwhere = where + "/releases/" + codename;
    std::string number = DebianReleaseNumber(codename);
    if (number.empty()) {
      Problem(where + "/releases/" + QuoteForMessage(codename), "skipped: unknown Debian release");
      continue;
    }
    if (!rel.is_object()) {
      Problem(rwhere, std::string("skipped: a ") + rel.type_name() + ", not an object");
      continue;
    }
    const std::string status = StringField(rel, "status");
    const std::string urgency = StringField(rel, "urgency");
    const std::string nodsa = StringField(rel, "nodsa");
    const std::string nodsa_reason = StringField(rel, "nodsa_reason");
    const bool has_nodsa = rel.contains("nodsa") || rel.contains("nodsa_reason");
    auto npu = rel.find("next_point_update");
    const bool next_point_update = npu != rel.end() && npu->is_boolean() && npu->get<bool>();

    Affected af;
    af.ecosystem = ParseEcosystem("Debian:" + number);
    af.name = package;
    af.normalized_name = version::NormalizeName(af.ecosystem.text, package);
    af.database_specific = "{\"codename\":" + json(codename).dump(-1, ' ', false, json::error_handler_t::replace) + "}";
    version::RangeSpec range;
    range.type = version::RangeSpec::Type::kEcosystem;
    range.type_name = "ECOSYSTEM";
    range.events.push_back({version::RangeEvent::Kind::kIntroduced, "0"});
    std::vector<std::string> notes;
    if (!urgency.empty() && urgency != "not yet assigned") notes.push_back("urgency: " + urgency);

    if (status == "resolved") {
      auto fv = rel.find("fixed_version");
      if (fv == rel.end() || !fv->is_string() || fv->get_ref<const std::string&>().empty()) {
        Problem(rwhere, "skipped: resolved without a fixed_version");
        continue;
      }
      const std::string& fixed = fv->get_ref<const std::string&>();
      if (fixed == "0") {
        af.status = FixStatus::kNotAffected;
      } else {
        Result<version::Version> v = dpkg_->Parse(fixed);
        if (v.ok()) v = version::RefuseWarned(*dpkg_, std::move(v).value());
        if (!v.ok()) {
          Problem(rwhere, "skipped: fixed_version: " + v.error().message());
          continue;
        }
        af.status = FixStatus::kFixed;
        range.events.push_back({version::RangeEvent::Kind::kFixed, fixed});
        af.spec.ranges.push_back(std::move(range));
      }
    } else if (status == "open" || status == "undetermined") {
      if (status == "undetermined") {
        af.status = FixStatus::kUndetermined;
      } else if (urgency == "end-of-life") {
        af.status = FixStatus::kEndOfLife;
      } else if (SupportEnded(number, package)) {
        af.status = FixStatus::kEndOfLife;
        notes.push_back("security support ended");
      } else if (nodsa_reason == "ignored") {
        af.status = FixStatus::kWillNotFix;
      } else if (has_nodsa) {
        // Plain <no-dsa> and <postponed> both mean "fix later, in a point release or with a
        // future DSA"; only <ignored> says the release will not get a fix.
        af.status = FixStatus::kPostponed;
      } else {
        af.status = FixStatus::kNotFixed;
      }
      af.spec.ranges.push_back(std::move(range));
    } else {
      Problem(rwhere, "skipped: unknown status " + QuoteForMessage(status));
      continue;
    }
    if (has_nodsa) {
      std::string label = nodsa_reason == "ignored" || nodsa_reason == "postponed" ? nodsa_reason : "no-dsa";
      notes.push_back(nodsa.empty() ? label : label + ": " + nodsa);
    }
    if (next_point_update) notes.push_back("fix planned for the next point release");
    for (std::string& n : notes) {
      if (!af.status_note.empty()) af.status_note += "; ";
      af.status_note += n;
    }
    if (IsRating(urgency)) af.severity.push_back({"Debian", urgency});
    affected.push_back(std::move(af));
  }
  if (affected.empty()) return;

  Advisory& a = AdvisoryFor(id);
  if (a.details.empty()) {
    std::string description = StringField(issue, "description");
    if (!description.empty()) {
      a.summary = FirstSentence(description);
      a.details = std::move(description);
    }
  }
  if (a.database_specific.empty()) {
    std::string scope = StringField(issue, "scope");
    if (!scope.empty()) {
      a.database_specific = json{{"scope", scope}}.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  auto bug = issue.find("debianbug");
  if (bug != issue.end() && bug->is_number_unsigned()) {
    Reference ref{"REPORT", "https://bugs.debian.org/" + std::to_string(bug->get<uint64_t>())};
    bool seen =
        std::any_of(a.references.begin(), a.references.end(), [&](const Reference& r) { return r.url == ref.url; });
    if (!seen) a.references.push_back(std::move(ref));
  }
  for (Affected& af : affected) a.affected.push_back(std::move(af));
}

FeedResult Tracker::Finish() {
  for (Advisory& a : out_.advisories) {
    std::stable_sort(a.affected.begin(), a.affected.end(), [](const Affected& x, const Affected& y) {
      if (x.name != y.name) return x.name < y.name;
      return ReleaseOrder(x.ecosystem.release) < ReleaseOrder(y.ecosystem.release);
    });
  }
  std::sort(out_.advisories.begin(), out_.advisories.end(),
            [](const Advisory& x, const Advisory& y) { return x.id < y.id; });
  return std::move(out_);
}

}  // namespace

std::string DebianReleaseNumber(std::string_view codename) {
  for (const auto& [name, number] : kDebianReleases) {
    if (name == codename) return std::string(number);
  }
  return {};
}

Result<FeedResult> ParseDebianTrackerJson(std::string_view text, std::string_view what,
                                          const DebianTrackerOptions& options) {
  if (!IsRfc3339(options.modified)) {
    return InvalidArgument(std::string(what) + ": the record timestamp " + QuoteForMessage(options.modified) +
                           " is not an RFC 3339 date-time");
  }
  for (const auto& [release, packages] : options.support_ended) {
    if (DebianReleaseNumber(release).empty() && !IsReleaseNumber(release)) {
      return InvalidArgument(std::string(what) + ": support_ended names the release " + QuoteForMessage(release) +
                             ", which is neither a codename nor a number");
    }
  }
  Tracker tracker(what, options);
  MemberReader reader(what, "repositories", [&](std::string& key, json& value) { tracker.Package(key, value); });
  try {
    bool ok = json::sax_parse(text.begin(), text.end(), &reader, json::input_format_t::json, true);
    if (!ok || !reader.status().ok()) {
      if (!reader.status().ok()) return reader.status().error();
      return Corrupt(std::string(what) + ": malformed JSON");
    }
  } catch (const std::exception& e) {
    return Corrupt(std::string(what) + ": malformed JSON: " + e.what());
  }
  if (!reader.saw_top()) return Corrupt(std::string(what) + ": empty document");
  return tracker.Finish();
}

// ---- debian-security-support ---------------------------------------------------------------

SupportEndedList ParseSecuritySupportEnded(std::string_view text, std::string_view what) {
  SupportEndedList out;
  size_t line_no = 0;
  ForEachLine(text, [&](std::string_view line) {
    ++line_no;
    std::string_view t = Trim(line);
    if (t.empty() || t[0] == '#') return;
    // Three columns separated by runs of blanks, then the free-text rest.
    std::string_view fields[3];
    std::string_view rest = t;
    for (std::string_view& f : fields) {
      rest = Trim(rest);
      size_t end = rest.find_first_of(" \t");
      f = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    }
    const std::string where = std::string(what) + ": line " + std::to_string(line_no);
    if (fields[2].empty()) {
      out.problems.Add(where, "skipped: expected '<package> <version> <date> [details]', got " + QuoteForMessage(t));
      return;
    }
    if (!IsIsoDate(fields[2])) {
      out.problems.Add(where, "skipped: " + QuoteForMessage(fields[2]) + " is not a YYYY-MM-DD date");
      return;
    }
    out.entries.push_back(
        {std::string(fields[0]), std::string(fields[1]), std::string(fields[2]), std::string(Trim(rest))});
  });
  return out;
}

std::set<std::string> EndedPackages(const SupportEndedList& list, std::string_view as_of) {
  std::set<std::string> out;
  for (const SupportEndedEntry& e : list.entries) {
    if (as_of.empty() || e.date <= as_of) out.insert(e.package);
  }
  return out;
}

bool SupportPatternMatches(std::string_view pattern, std::string_view package) {
  struct Atom {
    char c;
    bool any;
    bool star;
  };
  if (pattern.size() > 256) return false;
  std::vector<Atom> atoms;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*' && !atoms.empty() && !atoms.back().star) {
      atoms.back().star = true;
    } else if (c == '\\' && i + 1 < pattern.size()) {
      atoms.push_back({pattern[++i], false, false});
    } else {
      atoms.push_back({c, c == '.', false});
    }
  }
  // can[j]: atoms[0, i) can match package[0, j); one row per atom.
  std::vector<char> can(package.size() + 1, 0), next(package.size() + 1, 0);
  can[0] = 1;
  for (const Atom& a : atoms) {
    auto eq = [&](char ch) { return a.any || ch == a.c; };
    std::fill(next.begin(), next.end(), 0);
    for (size_t j = 0; j <= package.size(); ++j) {
      if (a.star) {
        next[j] = can[j] || (j > 0 && next[j - 1] && eq(package[j - 1]));
      } else {
        next[j] = j > 0 && can[j - 1] && eq(package[j - 1]);
      }
    }
    std::swap(can, next);
  }
  return can[package.size()] != 0;
}

}  // namespace vigil::vulndb
