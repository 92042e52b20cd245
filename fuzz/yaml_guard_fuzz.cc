// libFuzzer target for the YAML guard (src/common/yaml.cc): CheckYaml and LoadYaml, and
// CheckAllYaml and LoadAllYaml over every document of the text.
//
// Whatever the input, the guard must not crash, hang or throw, and must keep its promises: a
// refusal is kLimitExceeded or kCorrupt and says where ("f.yaml" first); an accepted document
// loads, and walking its tree with every alias followed visits no more nodes than the guard
// counted, nested no deeper than it measured, both within the limits. Any violation aborts.
// Seeds: fuzz/corpus/yaml_guard/ (billion laughs, deep nesting, cycles, anchors used as people
// use them, lock-file and OSV shapes).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "common/yaml.h"
#include "common/yaml_node.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "yaml_guard_fuzz: %s\n", what);
  std::abort();
}

// Counts the nodes of `n` with aliases followed (yaml-cpp shares aliased nodes, so this is the
// expanded size); stops past `budget` so that a guard that let a bomb through is caught, not
// run for hours.
void Walk(const YAML::Node& n, size_t depth, uint64_t budget, uint64_t& count, size_t& max_depth) {
  if (++count > budget) Fail("the tree has more nodes than the guard counted");
  if (depth > max_depth) max_depth = depth;
  if (n.IsSequence()) {
    for (const YAML::Node& c : n) Walk(c, depth + 1, budget, count, max_depth);
  } else if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      Walk(it->first, depth + 1, budget, count, max_depth);
      Walk(it->second, depth + 1, budget, count, max_depth);
    }
  }
}

// The same promises for every document of `text` together.
void CheckAllDocuments(std::string_view text, const vigil::YamlLimits& limits) {
  vigil::Result<vigil::YamlStats> stats = vigil::CheckAllYaml(text, "f.yaml", limits);
  if (!stats.ok()) {
    vigil::ErrorCode c = stats.error().code();
    if (c != vigil::ErrorCode::kLimitExceeded && c != vigil::ErrorCode::kCorrupt) Fail("unexpected error code (all)");
    if (!stats.error().message().starts_with("f.yaml")) Fail("a refusal that does not say where (all)");
    return;
  }
  const uint64_t limit = limits.expanded_factor * stats->nodes + limits.expanded_extra;
  if (stats->expanded_nodes > limit) Fail("accepted documents beyond the expanded-node limit");
  if (stats->aliases > limits.max_aliases) Fail("accepted documents beyond the alias limit");
  if (stats->depth > limits.max_depth) Fail("accepted documents beyond the depth limit");
  vigil::Result<std::vector<YAML::Node>> docs = vigil::LoadAllYaml(text, "f.yaml", limits);
  if (!docs.ok()) {
    if (docs.error().code() != vigil::ErrorCode::kCorrupt) Fail("load refused what the guard accepted (all)");
    return;
  }
  uint64_t count = 0;
  size_t depth = 0;
  for (const YAML::Node& d : *docs) Walk(d, 0, stats->expanded_nodes + docs->size(), count, depth);
  if (depth > limits.max_depth) Fail("a document nests deeper than the guard measured");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigil::YamlLimits limits;
  limits.max_bytes = 1 << 16;
  limits.max_aliases = 1000;
  limits.expanded_extra = 10'000;
  CheckAllDocuments(text, limits);
  vigil::Result<vigil::YamlStats> stats = vigil::CheckYaml(text, "f.yaml", limits);
  if (!stats.ok()) {
    vigil::ErrorCode c = stats.error().code();
    if (c != vigil::ErrorCode::kLimitExceeded && c != vigil::ErrorCode::kCorrupt) Fail("unexpected error code");
    if (!stats.error().message().starts_with("f.yaml")) Fail("a refusal that does not say where");
    return 0;
  }
  const uint64_t limit = limits.expanded_factor * stats->nodes + limits.expanded_extra;
  if (stats->expanded_nodes > limit) Fail("accepted beyond the expanded-node limit");
  if (stats->aliases > limits.max_aliases) Fail("accepted beyond the alias limit");
  if (stats->depth > limits.max_depth) Fail("accepted beyond the depth limit");
  vigil::Result<YAML::Node> root = vigil::LoadYaml(text, "f.yaml", limits);
  if (!root.ok()) {
    if (root.error().code() != vigil::ErrorCode::kCorrupt) Fail("load refused what the guard accepted");
    return 0;
  }
  uint64_t count = 0;
  size_t depth = 0;
  // The tree may hold a node or two more than the events (yaml-cpp keeps an empty document as
  // one null node).
  Walk(*root, 0, stats->expanded_nodes + 1, count, depth);
  if (depth > limits.max_depth) Fail("the tree nests deeper than the guard measured");
  return 0;
}
