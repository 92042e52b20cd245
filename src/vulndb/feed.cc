#include "vulndb/feed.h"

#include <utility>

namespace vigil::vulndb {

void FeedProblems::Add(std::string where, std::string reason) {
  ++total_;
  if (list_.size() < kMaxListedProblems) list_.push_back({std::move(where), std::move(reason)});
}

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

}  // namespace

bool IsCveId(std::string_view s) {
  if (!s.starts_with("CVE-") || s.size() < 13) return false;
  std::string_view year = s.substr(4, 4);
  if (!AllDigits(year) || s[8] != '-') return false;
  std::string_view number = s.substr(9);
  return number.size() >= 4 && number.size() <= 19 && AllDigits(number);
}

bool IsIsoDate(std::string_view s) {
  return s.size() == 10 && AllDigits(s.substr(0, 4)) && s[4] == '-' && TwoDigits(s, 5, 1, 12) &&
         s[7] == '-' && TwoDigits(s, 8, 1, 31);
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
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && TwoDigits(zone, 1, 0, 23) &&
         zone[3] == ':' && TwoDigits(zone, 4, 0, 59);
}

std::string QuoteForMessage(std::string_view s, size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > max) out += "...";
  out += '\'';
  return out;
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && ws(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !ws(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace vigil::vulndb
