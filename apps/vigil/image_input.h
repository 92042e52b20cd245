// What `vigil sbom` and `vigil scan` share: the flags that say how an image is read, reading it
// into an inventory (with progress on a terminal), and writing a document out.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "catalog/analyzer.h"
#include "common/status.h"

namespace vigil::app {

struct ImageFlags {
  std::string platform;
  std::string cache_dir;
  bool no_cache = false;
  uint64_t max_layer_size = 32ull << 30;
};

// Adds --platform, --cache-dir, --no-cache and --max-layer-size to `cmd`.
void AddImageFlags(CLI::App* cmd, ImageFlags* flags);

// The analysis options the flags ask for: the cache folder (none with --no-cache), the layer
// size limit, and progress lines on standard error when it is a terminal and not `quiet`.
catalog::AnalyzeOptions AnalyzeOptionsFrom(const ImageFlags& flags, bool quiet);

// Clears the progress line, if `options` printed one.
void EndProgress(const catalog::AnalyzeOptions& options);

// Writes `doc` to standard output when `path` is "" or "-", else to `path` atomically.
Status WriteOutput(const std::string& path, const std::string& doc);

}  // namespace vigil::app
