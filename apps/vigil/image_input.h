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
  bool accept_incomplete = false;  // an inventory with unread files (and a scan that could not
                                   // check everything) is accepted instead of failing
  unsigned parallel = 0;           // layers analysed at once; 0 = one per core
  uint64_t max_memory = 1ull << 30;
  uint64_t cache_max_size = 2ull << 30;
};

// Adds --platform, --cache-dir, --no-cache, --max-layer-size, --accept-incomplete, --parallel and
// --max-memory to `cmd`.
void AddImageFlags(CLI::App* cmd, ImageFlags* flags);

// The analysis options the flags ask for: the cache folder (none with --no-cache), the layer
// size limit, and progress lines on standard error when it is a terminal and not `quiet`.
catalog::AnalyzeOptions AnalyzeOptionsFrom(const ImageFlags& flags, bool quiet);

// When `inventory` is incomplete (files that list packages could not be read): prints each on
// standard error prefixed with `cmd` and returns false unless `flags.accept_incomplete`, in which
// case it prints them as warnings (unless `quiet`) and returns true.
bool CheckComplete(const catalog::Inventory& inventory, const ImageFlags& flags, const char* cmd, bool quiet);

// Clears the progress line, if `options` printed one.
void EndProgress(const catalog::AnalyzeOptions& options);

// Writes `doc` to standard output when `path` is "" or "-", else to `path` atomically.
Status WriteOutput(const std::string& path, const std::string& doc);

}  // namespace vigil::app
