// Internal: what the analyzer keeps of one layer, and its cache encoding.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalogers/cataloger.h"
#include "common/status.h"
#include "image/layer_reader.h"

namespace vigil::catalog {

struct LayerAnalysis {
  std::vector<std::pair<std::string, FileResult>> files;  // wanted files, in layer order
  std::map<std::string, std::string> symlinks;            // path -> raw target
  std::vector<std::string> whiteouts;                     // paths removed from lower layers
  std::vector<std::string> opaques;                       // folders whose lower content is hidden
  std::vector<std::string> warnings;
  image::LayerDigests digests;
};

// Encodes / decodes a LayerAnalysis for the layer cache (JSON).
std::string EncodeLayerAnalysis(const LayerAnalysis& a);
Result<LayerAnalysis> DecodeLayerAnalysis(std::string_view text);

// Bumped whenever what catalogers produce changes, so old cache entries are not reused.
inline constexpr int kAnalysisVersion =
    4;  // 2: keyed by stored bytes, unread files; 3: pnpm documents, runtime packs, usr/lib apk, file warnings

}  // namespace vigil::catalog
