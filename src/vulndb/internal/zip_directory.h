// A zip archive's central directory, read from the bytes alone (no decompression), so that the
// importer can refuse a zip bomb by its declared entry count and sizes before inflating anything
// (internal to src/vulndb).
//
//   Result<ZipDirectory> dir = ReadZipDirectory(data, /*max_entries=*/2'000'000);
//   if (dir.ok() && dir->total_uncompressed > limit) ... refuse the archive ...
//
// The declared sizes are what the archive claims; a hostile archive can lie, so whoever inflates
// the entries still bounds what it reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::vulndb {

// One central-directory entry, as declared.
struct ZipEntryInfo {
  std::string name;
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;
  bool directory = false;  // the name ends with '/'
};

struct ZipDirectory {
  uint64_t declared_entries = 0;  // from the end-of-central-directory record (zip64 followed)
  std::vector<ZipEntryInfo> entries;
  uint64_t total_uncompressed = 0;  // sum over entries (saturating)
};

// Finds the end-of-central-directory record (within the last 64 KiB + 22 bytes, its comment
// reaching exactly the end of `data`; zip64 records followed) and reads every entry of the
// central directory it points to. Errors:
//   kLimitExceeded when the end record declares more than `max_entries` entries (checked before
//   any entry is read);
//   kCorrupt when there is no end record (an archive cut short), the directory lies outside
//   `data`, an entry's signature or lengths are wrong, or the directory holds another number of
//   entries than declared.
Result<ZipDirectory> ReadZipDirectory(std::string_view data, uint64_t max_entries);

}  // namespace vigil::vulndb
