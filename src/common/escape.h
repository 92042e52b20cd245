// Untrusted text made safe for where it is shown. Image tags and history, package names,
// versions and purls, advisory summaries, and the warnings that quote them come from images,
// SBOMs and feeds: printed raw, an escape sequence in a package version can rewrite the terminal,
// and a backtick in an image name can end a Markdown code span. Every writer and every message
// printed for a person passes such text through the function of its output:
//
//   terminal, logs, SARIF text   EscapeControls
//   Markdown                     MarkdownCode (identifiers), MarkdownText (prose)
//   JSON data fields             nothing: JSON escapes controls itself
//
// and the table fits cells to the terminal's width with DisplayWidth / FitWidth.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vigil {

// `s` as one line whose printing can only write visible characters: valid UTF-8 is kept; tab,
// LF and CR become "\t", "\n", "\r"; the other C0 controls, ESC and DEL become "\x1b", "\x7f";
// the C1 controls (U+0080-U+009F), the line and paragraph separators (U+2028, U+2029) and the
// bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) become
// "\u009b", "\u202e"; each byte that is not part of a valid UTF-8 sequence (stray continuation
// bytes, overlong forms, surrogates, code points above U+10FFFF, a cut sequence) becomes "\xNN".
// Backslashes are kept as they are. Text without any of these comes back unchanged.
std::string EscapeControls(std::string_view s);

// True when EscapeControls(s) == s.
bool IsSafeText(std::string_view s);

// A Markdown code span showing `s` literally (after EscapeControls): fenced with one backtick
// more than the longest run of backticks in `s`, padded with a space when `s` starts or ends
// with a backtick (or starts and ends with a space), so that no content ends the span early.
// `in_table`: pipes are written "\|" so that GitHub-flavoured tables do not split the cell (the
// table parser turns them back into "|"). Code spans render no HTML, links, emphasis or
// @mentions. "" for an empty `s`.
std::string MarkdownCode(std::string_view s, bool in_table);

// `s` (after EscapeControls) as Markdown prose that renders literally: '<', '>' and '&' become
// the entities &lt; &gt; &amp;, every other ASCII punctuation character is backslash-escaped
// (CommonMark allows that for all of them), so no emphasis, link, HTML, heading, list or table
// cell break can start inside it.
std::string MarkdownText(std::string_view s);

// The columns `s` takes on a terminal: one per code point, two for East Asian wide and
// full-width characters and most emoji, none for combining marks and zero-width characters;
// one per byte of invalid UTF-8. Meant for text that went through EscapeControls.
size_t DisplayWidth(std::string_view s);

// `s` when it fits in `width` columns, else its longest prefix (whole code points) that fits in
// `width - 1` columns followed by "…" (U+2026). "" when `width` is 0.
std::string FitWidth(std::string_view s, size_t width);

// `s` followed by spaces up to `width` columns (no cut).
std::string PadRight(std::string_view s, size_t width);

}  // namespace vigil
