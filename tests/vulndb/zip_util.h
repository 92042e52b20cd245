// Writes zip archives for tests/vulndb (libarchive, deflated entries).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <string>
#include <utility>
#include <vector>

namespace vigil::vulndb::test {

// A zip of (name, content) entries, in order.
inline std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  // No padding to libarchive's 10 KiB blocks: a zip ends with its end-of-central-directory record.
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& [name, content] : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_write_header(a, e);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

}  // namespace vigil::vulndb::test
