// The YAML guard: limits every YAML document must keep before vigil builds a tree of it.
//
// A YAML document can name a node once (an anchor, &a) and repeat it anywhere (an alias, *a).
// A reader that walks the tree follows each alias, so nested anchors multiply: 500 bytes can
// stand for a billion nodes ("billion laughs"). CheckYaml reads the document's events once,
// without building anything, and refuses it when its aliases, the nodes a reader would see with
// every alias expanded, or its nesting exceed the limits. Every YAML reader in vigil goes through
// LoadYaml or LoadAllYaml (common/yaml_node.h), which run this check first; this header has no yaml-cpp in it.
// The price is a second pass of yaml-cpp's parser over the text: about 0.7 x the time of the load
// itself (a 1.9 MB pnpm lock file: 3.4 s of check, 4.9 s of load on a busy 2-core machine).
// Target: vigil::common_yaml (src/common/CMakeLists.txt), so that only the parts that read YAML
// link yaml-cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace vigil {

// What a YAML document may cost. The defaults suit every YAML input vigil reads (OSV YAML
// records, Alpine secdb, .vigilignore.yaml, pnpm and yarn lock files); a reader may lower them.
struct YamlLimits {
  // Largest document in bytes, checked before anything is parsed.
  uint64_t max_bytes = 64u << 20;
  // Deepest nesting of collections (a scalar at the top is depth 0, "[[x]]" is 2), counted with
  // aliases expanded: an alias at depth d of an anchor whose node nests h levels reaches d + h.
  size_t max_depth = 256;
  // Most aliases in a document.
  uint64_t max_aliases = 10'000;
  // The nodes a reader sees with every alias expanded (an alias costs the expanded size of its
  // anchor's node) may be at most expanded_factor × the document's own nodes + expanded_extra.
  uint64_t expanded_factor = 4;
  uint64_t expanded_extra = 100'000;
};

// What CheckYaml counted in the document.
struct YamlStats {
  uint64_t nodes = 0;           // nodes written in the text; an alias counts as one
  uint64_t aliases = 0;         // aliases (*a)
  uint64_t expanded_nodes = 0;  // nodes with every alias replaced by its anchor's node
  size_t depth = 0;             // deepest nesting, aliases expanded
  size_t documents = 0;         // documents checked (CheckYaml: 1, or 0 for an empty text)
};

// Checks the first document of `text` (the one a YAML load reads) against `limits`, reading
// its events without building a tree, in time linear in the text. `what` (a path, or path and
// entry) starts every message. Refusals say where: "what:LINE:COL: ..." with the mark of the
// offending alias, collection or syntax error (1-based line and column).
// Errors: kLimitExceeded when the text is larger than max_bytes, nesting exceeds max_depth,
// there are more than max_aliases aliases, the expanded node count exceeds its limit, or an
// alias names a node that contains it (a cycle: its expansion never ends); kCorrupt for text
// that is not YAML (the parser's reason, with line:col).
Result<YamlStats> CheckYaml(std::string_view text, std::string_view what, const YamlLimits& limits = {});

// As CheckYaml, for every document of a multi-document text ("---" separated), before any is
// built: max_bytes bounds the whole text; max_depth bounds each document; max_aliases bounds the
// aliases of all documents together; and the expanded-node bound holds for each document and
// for the sum over the documents (expanded_factor x all nodes written + expanded_extra, once),
// so that many small documents cannot add up to what one document may not. Returns the totals
// (depth: the deepest document). Errors: as CheckYaml, the first refusal found in text order.
Result<YamlStats> CheckAllYaml(std::string_view text, std::string_view what, const YamlLimits& limits = {});

}  // namespace vigil
