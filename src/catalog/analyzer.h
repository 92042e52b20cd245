// From an opened image to its inventory: every layer streamed once (in parallel, cached by
// diff_id), every cataloger applied, layers merged with whiteouts, and each package attributed
// to the layer (and build step) that introduced it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "catalog/inventory.h"
#include "common/status.h"
#include "image/image.h"

namespace vigil::catalog {

struct AnalyzeOptions {
  std::string cache_dir;  // "" = do not cache
  // After writing new entries, least recently used ones are evicted down to this (layer_cache.h).
  // 0 = no bound.
  uint64_t cache_max_bytes = 2ull << 30;
  image::LayerLimits limits;
  unsigned threads = 0;  // layers analysed at once; 0 = one per core
  // Bytes of file content all workers together may hold at once (files are read whole and handed
  // to catalogers). A file larger than this is read alone, once the others are done. 0 = no bound.
  uint64_t memory_budget = 1ull << 30;
  // Called from worker threads with a short status line ("layer 3/12 done").
  std::function<void(const std::string&)> progress;
};

// Analyses `image`. Fails (naming the layer) when a layer cannot be read or its digests do not
// match; a cataloger that fails on one file only adds a warning. A wanted file over its
// cataloger's size limit, or a package database that does not parse, is listed in
// Inventory::unread (its packages unknown); it still hides lower layers' files at its path.
//
// The layer cache (options.cache_dir) is keyed by the SHA-256 of each layer's stored bytes,
// hashed again on every use (no decompression): an entry is used only when those bytes are the
// ones it was made from and the config's diff_id is the one they were verified to have.
Result<Inventory> Analyze(const image::Image& image, const AnalyzeOptions& options);

// An image to analyse by reference.
struct AnalyzeImageRequest {
  // Any form image::Image::Open reads: docker-archive or OCI archive, OCI layout folder, root
  // folder, with or without the "docker-archive:", "oci-archive:", "oci:", "dir:" prefixes.
  std::string ref;
  std::string platform;  // os/arch[/variant] to pick from a multi-platform index; "" = the host's
  AnalyzeOptions options;
};

// The image → inventory pipeline: opens `request.ref` and analyses it. Errors: those of
// image::Image::Open and of Analyze.
Result<Inventory> AnalyzeImage(const AnalyzeImageRequest& request);

// $VIGIL_CACHE_DIR, else $XDG_CACHE_HOME/vigil, else $HOME/.cache/vigil.
std::string DefaultCacheDir();

}  // namespace vigil::catalog
