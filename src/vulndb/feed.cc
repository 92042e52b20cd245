#include "vulndb/feed.h"

#include <utility>

namespace vigil::vulndb {

void FeedProblems::Add(std::string where, std::string reason) {
  ++total_;
  if (list_.size() < kMaxListedProblems) list_.push_back({std::move(where), std::move(reason)});
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
