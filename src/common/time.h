// Time in the forms vigil reads and writes: RFC 3339 (OSV `modified`, SBOM and report
// timestamps), calendar dates, RFC 9110 HTTP dates, and microseconds since the epoch for ordering.
// Every function is locale-independent and uses UTC; nothing here reads the clock except Now*()
// and TodayUtc().
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

// True for an RFC 3339 date-time as OSV writes them: "2024-05-01T12:00:00Z", with optional
// fractional seconds and a "Z" or "+hh:mm"/"-hh:mm" offset. Field ranges are checked loosely
// (month 01-12, day 01-31, hour 00-23, minute 00-59, second 00-60).
bool IsRfc3339(std::string_view s);

// True for a calendar date "YYYY-MM-DD" (month 01-12, day 01-31).
bool IsIsoDate(std::string_view s);

// Microseconds since 1970-01-01T00:00:00Z of an RFC 3339 time (zones applied, digits beyond
// microseconds dropped), for ordering `modified` values written in different forms. INT64_MIN
// when `t` is not RFC 3339.
int64_t TimeMicros(std::string_view t);

// The inverse: "2024-01-02T03:04:05Z" (with ".ffffff" when there are microseconds); "" for
// INT64_MIN.
std::string FormatMicros(int64_t us);

// The current time as "2024-01-02T03:04:05Z" (whole seconds).
std::string NowRfc3339();

// `t` as "2024-01-02T03:04:05Z".
std::string FormatRfc3339(std::time_t t);

// Today's date in UTC, "YYYY-MM-DD".
std::string TodayUtc();

// `t` as an RFC 9110 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(std::time_t t);

// Parses an HTTP date as RFC 9110 section 5.6.7 says recipients must accept: the IMF-fixdate
// "Sun, 06 Nov 1994 08:49:37 GMT", and the obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT"
// (two-digit years 70..99 are 19xx, 00..69 are 20xx) and asctime
// "Sun Nov  6 08:49:37 1994" forms. The weekday is checked for being a day name, not against the
// date. Returns seconds since the epoch, or nullopt for anything else (field ranges checked:
// day 1..31, hour 0..23, minute 0..59, second 0..60).
std::optional<std::time_t> ParseHttpDate(std::string_view s);

}  // namespace vigil
