#include "common/time.h"

#include <array>
#include <cstdio>

namespace vigil {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return !s.empty();
}

// Two digits at s[i], s[i+1] forming a number in [lo, hi].
bool TwoDigits(std::string_view s, size_t i, int lo, int hi) {
  if (i + 1 >= s.size() || !IsDigit(s[i]) || !IsDigit(s[i + 1])) return false;
  int v = (s[i] - '0') * 10 + (s[i + 1] - '0');
  return v >= lo && v <= hi;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDayNames = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                           "Friday", "Saturday", "Sunday"};

// A cursor over an HTTP date: each step consumes a fixed piece or fails.
class DateReader {
 public:
  explicit DateReader(std::string_view s) : s_(s) {}

  bool Literal(std::string_view lit) {
    if (s_.substr(i_, lit.size()) != lit) return false;
    i_ += lit.size();
    return true;
  }
  // Exactly `n` digits, in [lo, hi].
  bool Number(size_t n, int lo, int hi, int* out) {
    if (i_ + n > s_.size()) return false;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      if (!IsDigit(s_[i_ + k])) return false;
      v = v * 10 + (s_[i_ + k] - '0');
    }
    if (v < lo || v > hi) return false;
    i_ += n;
    *out = v;
    return true;
  }
  // One of `names` (case-sensitive, as RFC 9110 writes them); its index.
  template <size_t N>
  bool Name(const std::array<std::string_view, N>& names, int* out) {
    for (size_t k = 0; k < N; ++k) {
      if (Literal(names[k])) {
        *out = static_cast<int>(k);
        return true;
      }
    }
    return false;
  }
  // "HH:MM:SS".
  bool Clock(int* h, int* m, int* sec) {
    return Number(2, 0, 23, h) && Literal(":") && Number(2, 0, 59, m) && Literal(":") && Number(2, 0, 60, sec);
  }
  bool AtEnd() const { return i_ == s_.size(); }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<std::time_t> ParseHttpDate(std::string_view s) {
  int wday = 0, day = 0, month = 0, year = 0, h = 0, m = 0, sec = 0;
  bool ok = false;
  if (DateReader r(s); r.Name(kDayNames, &wday) && r.Literal(", ")) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
    ok = r.Number(2, 1, 31, &day) && r.Literal(" ") && r.Name(kMonthNames, &month) && r.Literal(" ") &&
         r.Number(4, 0, 9999, &year) && r.Literal(" ") && r.Clock(&h, &m, &sec) && r.Literal(" GMT") && r.AtEnd();
  } else if (DateReader r2(s); r2.Name(kLongDayNames, &wday) && r2.Literal(", ")) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT".
    ok = r2.Number(2, 1, 31, &day) && r2.Literal("-") && r2.Name(kMonthNames, &month) && r2.Literal("-") &&
         r2.Number(2, 0, 99, &year) && r2.Literal(" ") && r2.Clock(&h, &m, &sec) && r2.Literal(" GMT") && r2.AtEnd();
    year += year >= 70 ? 1900 : 2000;
  } else if (DateReader r3(s); r3.Name(kDayNames, &wday) && r3.Literal(" ")) {
    // asctime: "Sun Nov  6 08:49:37 1994" (the day padded with a space).
    ok = r3.Name(kMonthNames, &month) && r3.Literal(" ");
    if (ok) ok = r3.Literal(" ") ? r3.Number(1, 1, 9, &day) : r3.Number(2, 10, 31, &day);
    ok = ok && r3.Literal(" ") && r3.Clock(&h, &m, &sec) && r3.Literal(" ") && r3.Number(4, 0, 9999, &year) &&
         r3.AtEnd();
  }
  if (!ok) return std::nullopt;
  int64_t days = DaysFromCivil(year, month + 1, day);
  return static_cast<std::time_t>(days * 86400 + h * 3600 + m * 60 + sec);
}

bool IsIsoDate(std::string_view s) {
  return s.size() == 10 && AllDigits(s.substr(0, 4)) && s[4] == '-' && TwoDigits(s, 5, 1, 12) && s[7] == '-' &&
         TwoDigits(s, 8, 1, 31);
}

bool IsRfc3339(std::string_view s) {
  if (s.size() < 20 || !IsIsoDate(s.substr(0, 10))) return false;
  if (s[10] != 'T' && s[10] != 't') return false;
  if (!TwoDigits(s, 11, 0, 23) || s[13] != ':' || !TwoDigits(s, 14, 0, 59) || s[16] != ':' ||
      !TwoDigits(s, 17, 0, 60)) {
    return false;
  }
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start) return false;
  }
  std::string_view zone = s.substr(i);
  if (zone == "Z" || zone == "z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && TwoDigits(zone, 1, 0, 23) && zone[3] == ':' &&
         TwoDigits(zone, 4, 0, 59);
}

int64_t TimeMicros(std::string_view t) {
  if (!IsRfc3339(t)) return INT64_MIN;
  auto num = [&](size_t pos, size_t n) {
    int64_t v = 0;
    for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (t[i] - '0');
    return v;
  };
  int64_t y = num(0, 4), m = num(5, 2), d = num(8, 2);
  // Days from the civil date (proleptic Gregorian), H. Hinnant's well-known algorithm.
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  int64_t secs = days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2);
  size_t i = 19;
  int64_t nanos = 0;
  if (t[i] == '.') {
    ++i;
    int digits = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (t[i] - '0');
      ++digits;
      ++i;
    }
    for (; digits < 9; ++digits) nanos *= 10;
  }
  if (t[i] == '+' || t[i] == '-') {
    int64_t off = num(i + 1, 2) * 3600 + num(i + 4, 2) * 60;
    secs -= t[i] == '+' ? off : -off;
  }
  return secs * 1'000'000 + nanos / 1000;
}

std::string FormatMicros(int64_t us) {
  if (us == INT64_MIN) return "";
  int64_t secs = us >= 0 ? us / 1'000'000 : -((-us + 999'999) / 1'000'000);
  int64_t frac = us - secs * 1'000'000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  // Civil date from days (the inverse of the algorithm in TimeMicros).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
  char buf[96];
  if (frac == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(y),
                  static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(y),
                  static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                  static_cast<long long>(frac));
  }
  return buf;
}

std::string FormatRfc3339(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string NowRfc3339() { return FormatMicros(static_cast<int64_t>(std::time(nullptr)) * 1'000'000); }

std::string TodayUtc() { return FormatRfc3339(std::time(nullptr)).substr(0, 10); }

std::string HttpDate(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace vigil
