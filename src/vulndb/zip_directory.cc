#include "vulndb/internal/zip_directory.h"

namespace vigil::vulndb {
namespace {

uint64_t Le(std::string_view d, size_t pos, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(d[pos + i])} << (8 * i);
  return v;
}

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kEntrySignature = 0x02014b50;
constexpr size_t kEndSize = 22;
constexpr size_t kEntrySize = 46;

}  // namespace

Result<ZipDirectory> ReadZipDirectory(std::string_view d, uint64_t max_entries) {
  if (d.size() < kEndSize) return Corrupt("not a zip archive: shorter than an end-of-central-directory record");
  size_t lowest = d.size() > 65535 + kEndSize ? d.size() - 65535 - kEndSize : 0;
  size_t end = SIZE_MAX;
  for (size_t pos = d.size() - kEndSize + 1; pos-- > lowest;) {
    if (Le(d, pos, 4) == kEndSignature && pos + kEndSize + Le(d, pos + 20, 2) == d.size()) {
      end = pos;
      break;
    }
  }
  if (end == SIZE_MAX) {
    return Corrupt("no end-of-central-directory record at the end of the zip (cut short?)");
  }
  ZipDirectory out;
  out.declared_entries = Le(d, end + 10, 2);
  uint64_t cd_size = Le(d, end + 12, 4);
  uint64_t cd_offset = Le(d, end + 16, 4);
  if (out.declared_entries == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    // Zip64: the locator sits right before the end record and points at the zip64 end record.
    if (end >= 20 && Le(d, end - 20, 4) == kZip64LocatorSignature) {
      uint64_t z64 = Le(d, end - 20 + 8, 8);
      if (z64 > d.size() || d.size() - z64 < 56 || Le(d, static_cast<size_t>(z64), 4) != kZip64EndSignature) {
        return Corrupt("the zip64 end-of-central-directory record is missing or outside the file");
      }
      out.declared_entries = Le(d, static_cast<size_t>(z64) + 32, 8);
      cd_size = Le(d, static_cast<size_t>(z64) + 40, 8);
      cd_offset = Le(d, static_cast<size_t>(z64) + 48, 8);
    }
  }
  if (out.declared_entries > max_entries) {
    return LimitExceeded("the zip declares " + std::to_string(out.declared_entries) +
                         " entries, more than the limit of " + std::to_string(max_entries));
  }
  if (cd_offset > d.size() || cd_size > d.size() - cd_offset) {
    return Corrupt("the zip's central directory (" + std::to_string(cd_size) + " bytes at offset " +
                   std::to_string(cd_offset) + ") lies outside the file of " + std::to_string(d.size()) + " bytes");
  }
  // Each entry takes at least 46 bytes: a count the directory cannot hold is a lie.
  if (out.declared_entries > cd_size / kEntrySize) {
    return Corrupt("the zip declares " + std::to_string(out.declared_entries) + " entries in a central directory of " +
                   std::to_string(cd_size) + " bytes");
  }
  out.entries.reserve(static_cast<size_t>(out.declared_entries));
  size_t pos = static_cast<size_t>(cd_offset);
  const size_t cd_end = static_cast<size_t>(cd_offset + cd_size);
  for (uint64_t i = 0; i < out.declared_entries; ++i) {
    std::string at = "zip central directory entry " + std::to_string(i);
    if (cd_end - pos < kEntrySize || Le(d, pos, 4) != kEntrySignature) return Corrupt(at + " is damaged");
    ZipEntryInfo e;
    e.compressed = Le(d, pos + 20, 4);
    e.uncompressed = Le(d, pos + 24, 4);
    size_t name_len = Le(d, pos + 28, 2), extra_len = Le(d, pos + 30, 2), comment_len = Le(d, pos + 32, 2);
    if (cd_end - pos - kEntrySize < name_len + extra_len + comment_len) return Corrupt(at + " runs past the directory");
    e.name.assign(d.substr(pos + kEntrySize, name_len));
    e.directory = !e.name.empty() && e.name.back() == '/';
    // Zip64 extended information: the 8-byte sizes, present for the fields set to 0xFFFFFFFF,
    // uncompressed first.
    std::string_view extra = d.substr(pos + kEntrySize + name_len, extra_len);
    while (extra.size() >= 4) {
      size_t id = Le(extra, 0, 2), len = Le(extra, 2, 2);
      if (len > extra.size() - 4) break;
      if (id == 0x0001) {
        std::string_view z = extra.substr(4, len);
        size_t p = 0;
        if (e.uncompressed == 0xFFFFFFFF && z.size() >= p + 8) e.uncompressed = Le(z, p, 8), p += 8;
        if (e.compressed == 0xFFFFFFFF && z.size() >= p + 8) e.compressed = Le(z, p, 8), p += 8;
      }
      extra.remove_prefix(4 + len);
    }
    out.total_uncompressed =
        e.uncompressed > UINT64_MAX - out.total_uncompressed ? UINT64_MAX : out.total_uncompressed + e.uncompressed;
    out.entries.push_back(std::move(e));
    pos += kEntrySize + name_len + extra_len + comment_len;
  }
  return out;
}

}  // namespace vigil::vulndb
