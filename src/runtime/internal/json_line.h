// Writing JSON lines by hand, for the sensor's events (event.cc and the payload writers of
// payloads.cc): members in order, strings escaped, invalid UTF-8 replaced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::runtime {

// One JSON text built in a string. By hand: nlohmann::json builds a tree per event, about 6 us;
// the sensor writes hundreds of thousands of lines a second. The caller keeps the structure
// valid (Open/Close paired, a value after each Key); member names given as std::string_view
// are written as they are (they are the code's own), values are escaped.
class JsonLine {
 public:
  // An empty text with `reserve` bytes reserved.
  explicit JsonLine(size_t reserve) { out_.reserve(reserve); }
  // Appends `s` as it is (JSON the caller made).
  void Raw(std::string_view s) { out_.append(s); }
  // Starts a member of the open object: a comma unless it is the first, then "k":.
  void Key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(k);
    out_.append("\":");
  }
  // Opens an object; Close ends it.
  void Open() {
    out_.push_back('{');
    first_ = true;
  }
  void Close() {
    out_.push_back('}');
    first_ = false;
  }
  // Members of each kind: "k":"v" (escaped), numbers, true/false, null, an array of strings.
  void Str(std::string_view k, std::string_view v) {
    Key(k);
    Quote(v);
  }
  // A member whose name comes from outside (a label): the name is escaped too.
  void ForeignStr(std::string_view k, std::string_view v) {
    if (!first_) out_.push_back(',');
    first_ = false;
    Quote(k);
    out_.push_back(':');
    Quote(v);
  }
  void Num(std::string_view k, int64_t v) {
    Key(k);
    out_.append(std::to_string(v));
  }
  void UNum(std::string_view k, uint64_t v) {
    Key(k);
    out_.append(std::to_string(v));
  }
  void Bool(std::string_view k, bool v) {
    Key(k);
    out_.append(v ? "true" : "false");
  }
  void Null(std::string_view k) {
    Key(k);
    out_.append("null");
  }
  void StrArray(std::string_view k, const std::vector<std::string>& v) {
    Key(k);
    out_.push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out_.push_back(',');
      Quote(v[i]);
    }
    out_.push_back(']');
  }
  // A JSON string: quotes, backslashes and control bytes escaped, invalid UTF-8 replaced by U+FFFD.
  void Quote(std::string_view s) {
    out_.push_back('"');
    size_t i = 0;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        out_.push_back(static_cast<char>(c));
        ++i;
        continue;
      }
      if (c == '"' || c == '\\') {
        out_.push_back('\\');
        out_.push_back(static_cast<char>(c));
        ++i;
        continue;
      }
      if (c < 0x20) {
        static const char kHex[] = "0123456789abcdef";
        out_.append("\\u00");
        out_.push_back(kHex[c >> 4]);
        out_.push_back(kHex[c & 15]);
        ++i;
        continue;
      }
      size_t n = Utf8Length(s, i);
      if (n == 0) {
        out_.append("\xef\xbf\xbd");
        ++i;
      } else {
        out_.append(s.substr(i, n));
        i += n;
      }
    }
    out_.push_back('"');
  }
  // The text; the writer is empty afterwards.
  std::string Take() { return std::move(out_); }

 private:
  // The length of the valid UTF-8 sequence starting at s[i] (a byte >= 0x80), 0 when invalid.
  static size_t Utf8Length(std::string_view s, size_t i) {
    auto at = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
    unsigned c = at(i);
    auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xbf) { return at(k) >= lo && at(k) <= hi; };
    if (c >= 0xc2 && c <= 0xdf) return cont(i + 1) ? 2 : 0;
    if (c == 0xe0) return cont(i + 1, 0xa0) && cont(i + 2) ? 3 : 0;
    if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) return cont(i + 1) && cont(i + 2) ? 3 : 0;
    if (c == 0xed) return cont(i + 1, 0x80, 0x9f) && cont(i + 2) ? 3 : 0;
    if (c == 0xf0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    if (c >= 0xf1 && c <= 0xf3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    if (c == 0xf4) return cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    return 0;
  }

  std::string out_;
  bool first_ = true;
};

}  // namespace vigil::runtime
