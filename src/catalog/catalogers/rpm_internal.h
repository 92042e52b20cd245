// Pieces shared by the rpm database readers (rpm*.cc); not part of the catalog library's API.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "catalog/catalogers/rpm.h"
#include "common/status.h"

namespace vigil::catalog::rpm_internal {

// Reads an unsigned integer of N bytes at `p` in the given byte order. The caller has checked
// that N bytes are there.
inline uint32_t Load32(const char* p, bool big_endian) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return big_endian ? (uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3])
                    : (uint32_t{b[3]} << 24 | uint32_t{b[2]} << 16 | uint32_t{b[1]} << 8 | b[0]);
}
inline uint16_t Load16(const char* p, bool big_endian) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(big_endian ? (b[0] << 8 | b[1]) : (b[1] << 8 | b[0]));
}

// "0x1f40" style offsets in messages: the formats are page/block based, so hex reads better.
std::string Hex(uint64_t v);

// Keeps the first error of a pass over many records and counts the rest, so one damaged record
// does not hide the others and one message still says what went wrong first.
class ErrorCollector {
 public:
  void Add(Error e) {
    if (count_++ == 0) first_ = std::move(e);
  }
  void Add(const Status& s) {
    if (!s.ok()) Add(s.error());
  }
  bool empty() const { return count_ == 0; }
  // OK if nothing was added; otherwise the first error, noting how many more followed.
  Status ToStatus() const;

 private:
  Error first_{ErrorCode::kInternal, ""};
  size_t count_ = 0;
};

// The per-format readers behind ForEachRpmHeaderBlob. Each reports container damage to `errors`
// and carries on where the structure still allows; a returned error means nothing more could be
// read.
Status ReadBerkeleyDbBlobs(std::string_view db, const RpmBlobVisitor& visit, ErrorCollector& errors);
Status ReadNdbBlobs(std::string_view db, const RpmBlobVisitor& visit, ErrorCollector& errors);
Status ReadSqliteBlobs(std::string_view db, const RpmBlobVisitor& visit, ErrorCollector& errors);

}  // namespace vigil::catalog::rpm_internal
