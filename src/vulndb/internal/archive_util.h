// libarchive helpers shared by the importer and `db update` (internal to src/vulndb).
#pragma once

#include <archive.h>

#include <string>

namespace vigil::vulndb {

// libarchive's message for the last error; it has none after some failures.
inline std::string ArchiveError(struct archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unknown error";
}

// Frees a libarchive reader (for std::unique_ptr).
struct ArchiveCloser {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

}  // namespace vigil::vulndb
