// From an opened image to its inventory: every layer streamed once (in parallel, cached by
// diff_id), every cataloger applied, layers merged with whiteouts, and each package attributed
// to the layer (and build step) that introduced it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "catalog/package.h"
#include "common/status.h"
#include "image/image.h"

namespace vigil::catalog {

// How one layer was read.
struct LayerReport {
  image::Layer layer;
  bool from_cache = false;
  uint64_t entries = 0;
  uint64_t uncompressed_size = 0;
};

// The result of analysing an image.
struct Inventory {
  image::ImageInfo image;
  Distro distro;
  std::vector<Package> packages;  // sorted by layer, type, name, version
  std::vector<LayerReport> layers;
  std::vector<std::string> warnings;  // cataloger failures and skipped files, each naming the file
};

struct AnalyzeOptions {
  std::string cache_dir;            // "" = do not cache
  image::LayerLimits limits;
  unsigned threads = 0;             // 0 = one per core
  // Called from worker threads with a short status line ("layer 3/12 done").
  std::function<void(const std::string&)> progress;
};

// Analyses `image`. Fails (naming the layer) when a layer cannot be read or its digests do not
// match; a cataloger that fails on one file only adds a warning.
Result<Inventory> Analyze(const image::Image& image, const AnalyzeOptions& options);

// $VIGIL_CACHE_DIR, else $XDG_CACHE_HOME/vigil, else $HOME/.cache/vigil.
std::string DefaultCacheDir();

}  // namespace vigil::catalog
