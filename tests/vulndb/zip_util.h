// Writes zip archives for tests/vulndb (libarchive, deflated entries).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
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

// Rewrites the uncompressed size every central-directory entry of `zip` declares (the entries
// for which `which(name)` is true) to `size`: a zip that lies about its sizes. For archives
// without zip64 records, as MakeZip writes them for small entries.
template <typename Which>
void SetDeclaredSizes(std::string* zip, uint32_t size, Which which) {
  auto le = [&](size_t pos, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>((*zip)[pos + i])} << (8 * i);
    return v;
  };
  size_t end = zip->rfind(std::string("PK\x05\x06", 4));
  size_t count = le(end + 10, 2), pos = le(end + 16, 4);
  for (size_t i = 0; i < count; ++i) {
    size_t name_len = le(pos + 28, 2), extra_len = le(pos + 30, 2), comment_len = le(pos + 32, 2);
    if (which(zip->substr(pos + 46, name_len))) {
      for (size_t b = 0; b < 4; ++b) (*zip)[pos + 24 + b] = static_cast<char>((size >> (8 * b)) & 0xff);
    }
    pos += 46 + name_len + extra_len + comment_len;
  }
}

}  // namespace vigil::vulndb::test
