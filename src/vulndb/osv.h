// OSV records (schema 1.6) to and from the advisory model.
//
//   OsvParser parser;                                  // reuse one per thread: it keeps buffers
//   Result<Advisory> a = parser.Parse(text, "go.jsonl:17");
//   std::string json = ToOsvJson(*a);                   // for records converted from other feeds
//
// Parsing uses simdjson (the import path reads tens of thousands of records per second);
// writing uses nlohmann::json (only converted feeds are written, and rarely).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"  // TimeMicros, FormatMicros
#include "vulndb/advisory.h"
#include "vulndb/feed.h"

namespace vigil::vulndb {

// Records larger than this are refused (the largest real OSV records, Linux kernel and
// Ubuntu USNs with hundreds of packages, are a few MiB).
inline constexpr size_t kMaxRecordBytes = 32u << 20;
// JSON nesting deeper than this is refused.
inline constexpr size_t kMaxRecordDepth = 128;

class OsvParser {
 public:
  OsvParser();
  ~OsvParser();
  OsvParser(const OsvParser&) = delete;
  OsvParser& operator=(const OsvParser&) = delete;

  // Parses one OSV record. `where` names the record for messages ("go.jsonl:17").
  // Errors (all kCorrupt unless noted, message prefixed with `where`):
  //   not JSON / not an object / nesting deeper than kMaxRecordDepth;
  //   kLimitExceeded when text is longer than kMaxRecordBytes;
  //   "id" missing, empty, longer than 256 bytes or holding control characters or '/';
  //   "modified" missing or not an RFC 3339 date-time (the zero time 0001-01-01T00:00:00Z
  //   is accepted: Go's repository copy writes it);
  //   any field of the wrong JSON type (e.g. "aliases" not an array of strings), naming the path
  //   ("affected[2].ranges[0].events[1].fixed is not a string").
  //   a range with more than version::kMaxRangeEvents events, an affected entry or the record
  //   with more than version::kMaxRanges ranges (checked before the events are read);
  // Unknown fields are ignored, as the schema requires. Range and version validity per scheme is
  // not checked here (see the importer, which knows the schemes).
  Result<Advisory> Parse(std::string_view text, std::string_view where);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Serialises `a` as a compact OSV JSON record (keys in schema order; empty fields left out).
// FixStatus and status_note, which OSV has no field for, are written into
// affected[].database_specific as "vigil_fix_status" / "vigil_status_note" and read back by
// OsvParser::Parse. Fields holding JSON text (ecosystem_specific, database_specific) must hold
// valid JSON.
std::string ToOsvJson(const Advisory& a);

// Removes insignificant white space from JSON text (simdjson's minifier). kCorrupt if the text
// is not balanced JSON.
Result<std::string> MinifyJson(std::string_view text);

}  // namespace vigil::vulndb
