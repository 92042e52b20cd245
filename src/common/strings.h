// Small string helpers shared by the parsers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

// Removes ASCII white space (space, tab, CR, LF) from both ends.
std::string_view Trim(std::string_view s);
// Splits on `sep`; keeps empty pieces.
std::vector<std::string_view> Split(std::string_view s, char sep);
// Lower-cases ASCII letters.
std::string AsciiLower(std::string_view s);
// Calls `fn(line)` for every line of `text` (LF or CRLF), without the line end.
template <typename Fn>
void ForEachLine(std::string_view text, Fn&& fn) {
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view line = text.substr(i, j - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line);
    i = j + 1;
  }
}
// Parses an unsigned decimal number (digits only: no sign, space or leading '+') that is at
// most `max` into `*out`. Returns false, leaving `*out` unchanged, on anything else.
bool ParseDecimal(std::string_view s, uint64_t max, uint64_t* out);
// Shortens `s` to at most `max` bytes for use in an error message, marking the cut with "...".
std::string Clip(std::string_view s, size_t max = 120);

}  // namespace vigil
