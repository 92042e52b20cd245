#include "common/escape.h"

#include <algorithm>
#include <cstdint>

namespace vigil {

namespace {

// The length of the valid UTF-8 sequence at s[i] with its code point in *cp; 0 when the byte
// there does not start one (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  uint8_t b1 = byte(i + 1);
  if (b1 < lo || b1 > hi) return 0;
  uint32_t v = b0 & (0xFF >> (len + 1));
  v = (v << 6) | (b1 & 0x3F);
  for (size_t k = 2; k < len; ++k) {
    uint8_t b = byte(i + k);
    if (b < 0x80 || b > 0xBF) return 0;
    v = (v << 6) | (b & 0x3F);
  }
  *cp = v;
  return len;
}

// Code points that move the cursor, change the terminal's state or reorder what is shown.
bool IsControl(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F || cp == 0x2028 ||
         cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

constexpr char kHex[] = "0123456789abcdef";

void AppendEscape(std::string& out, uint32_t cp) {
  switch (cp) {
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      break;
  }
  if (cp < 0x80) {
    out += "\\x";
    out += kHex[cp >> 4];
    out += kHex[cp & 0xF];
    return;
  }
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xF];
}

struct Range {
  uint32_t first, last;
};

// East Asian wide and full-width blocks and the emoji blocks terminals draw two columns wide.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},
    {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},
    {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},
    {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF},
    {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202},
    {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD},
    {0x30000, 0x3FFFD},
};

// Combining marks, variation selectors and zero-width characters: drawn on the previous cell.
constexpr Range kZero[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},   {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},   {0x20D0, 0x20FF}, {0xFE00, 0xFE0F},
    {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

template <size_t N>
bool In(const Range (&table)[N], uint32_t cp) {
  const Range* it = std::upper_bound(table, table + N, cp, [](uint32_t c, const Range& r) { return c < r.first; });
  return it != table && cp <= (it - 1)->last;
}

size_t CodePointWidth(uint32_t cp) {
  if (In(kZero, cp)) return 0;
  return In(kWide, cp) ? 2 : 1;
}

}  // namespace

std::string EscapeControls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    // Printable ASCII, the usual case, is copied a run at a time.
    size_t run = i;
    while (run < s.size() && static_cast<uint8_t>(s[run]) >= 0x20 && static_cast<uint8_t>(s[run]) < 0x7F) ++run;
    if (run > i) {
      out.append(s.substr(i, run - i));
      i = run;
      continue;
    }
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      uint8_t b = static_cast<uint8_t>(s[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      ++i;
      continue;
    }
    if (IsControl(cp)) {
      AppendEscape(out, cp);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

bool IsSafeText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0 || IsControl(cp)) return false;
    i += len;
  }
  return true;
}

std::string MarkdownCode(std::string_view s, bool in_table) {
  if (s.empty()) return {};
  std::string body = EscapeControls(s);
  if (in_table) {
    std::string piped;
    piped.reserve(body.size());
    for (char c : body) {
      if (c == '|') piped += '\\';
      piped += c;
    }
    body = std::move(piped);
  }
  size_t longest = 0, run = 0;
  for (char c : body) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(longest + 1, '`');
  bool pad = body.front() == '`' || body.back() == '`' || (body.front() == ' ' && body.back() == ' ');
  std::string space = pad ? " " : "";
  return fence + space + body + space + fence;
}

std::string MarkdownText(std::string_view s) {
  std::string body = EscapeControls(s);
  std::string out;
  out.reserve(body.size() + body.size() / 4);
  for (char c : body) {
    switch (c) {
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '&':
        out += "&amp;";
        continue;
      default:
        break;
    }
    bool punct = (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
    if (punct) out += '\\';
    out += c;
  }
  return out;
}

size_t DisplayWidth(std::string_view s) {
  size_t width = 0, i = 0;
  while (i < s.size()) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {  // ASCII: one column (controls are escaped before)
      ++width;
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      ++width;
      ++i;
      continue;
    }
    width += CodePointWidth(cp);
    i += len;
  }
  return width;
}

std::string FitWidth(std::string_view s, size_t width) {
  if (width == 0) return {};
  if (DisplayWidth(s) <= width) return std::string(s);
  size_t used = 0, i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    size_t w = len == 0 ? 1 : CodePointWidth(cp);
    if (len == 0) len = 1;
    if (used + w > width - 1) break;
    used += w;
    i += len;
  }
  return std::string(s.substr(0, i)) + "\u2026";
}

std::string PadRight(std::string_view s, size_t width) {
  std::string out(s);
  size_t w = DisplayWidth(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

}  // namespace vigil
