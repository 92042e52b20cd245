// The layer cache on disk: what `vigil cache` shows and cleans, and the size bound Analyze keeps.
//
// Entries live in <cache dir>/layers/v<N>/<sha256 hex>-<cataloger set>.json (analyzer.h says how
// they are keyed and verified). Using an entry refreshes its modification time, so eviction
// removes the least recently used entries first.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace vigil::catalog {

struct CacheUsage {
  uint64_t entries = 0;  // layer analyses, of every analysis version
  uint64_t bytes = 0;    // their size on disk
};

// Counts the entries under `cache_dir` (nothing there = zero usage, not an error).
// Errors: kIo when the folder exists but cannot be read.
Result<CacheUsage> MeasureCache(const std::string& cache_dir);

// Removes every layer analysis under `cache_dir` (every analysis version); other files in the
// folder are left alone. Returns what was removed.
Result<CacheUsage> CleanCache(const std::string& cache_dir);

// Removes the least recently used entries until the entries of the current analysis version
// take at most `max_bytes` (and entries of older analysis versions, which are never used again,
// first). Returns what was removed. 0 = no bound: only the old versions go.
Result<CacheUsage> EvictCache(const std::string& cache_dir, uint64_t max_bytes);

}  // namespace vigil::catalog
