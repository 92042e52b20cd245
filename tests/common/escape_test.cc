// Escaping untrusted text for the terminal, SARIF and Markdown, and fitting it to a width.
#include "common/escape.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil {
namespace {

struct Case {
  std::string in, want;
};

TEST(EscapeControls, Table) {
  const Case cases[] = {
      {"", ""},
      {"openssl 3.0.11-1~deb12u2", "openssl 3.0.11-1~deb12u2"},
      {"caf\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x90\xb3",
       "caf\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x90\xb3"},
      // ESC sequences: clear screen, set the window title (OSC ... BEL), a hyperlink (OSC 8).
      {"1.0\x1b[2J\x1b[H", "1.0\\x1b[2J\\x1b[H"},
      {"\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"},
      {"\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\", "\\x1b]8;;http://evil\\x1b\\x\\x1b]8;;\\x1b\\"},
      {"a\tb\nc\rd", "a\\tb\\nc\\rd"},
      {std::string("nul\0byte", 8), "nul\\x00byte"},
      {"del\x7f", "del\\x7f"},
      {"bs\x08\x08", "bs\\x08\\x08"},
      // C1 controls: CSI as a valid UTF-8 code point (U+009B) and as a raw 8-bit byte.
      {"\xc2\x9b"
       "31m",
       "\\u009b31m"},
      {"\x9b"
       "31m",
       "\\x9b31m"},
      // Bidirectional overrides and isolates (Trojan Source), line separator.
      {"abc\xe2\x80\xae"
       "fed",
       "abc\\u202efed"},
      {"\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069"},
      {"a\xe2\x80\xa8"
       "b",
       "a\\u2028b"},
      // Invalid UTF-8: stray continuation, overlong '/', a surrogate, above U+10FFFF, cut short.
      {"\x80", "\\x80"},
      {"\xc0\xaf", "\\xc0\\xaf"},
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},
      {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
      {"ok\xe2\x82", "ok\\xe2\\x82"},
      {"\xff\xfe", "\\xff\\xfe"},
      // Backslashes stay.
      {"C:\\path", "C:\\path"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(EscapeControls(c.in), c.want) << "input: " << c.want;
    EXPECT_EQ(IsSafeText(c.in), c.in == c.want) << "input: " << c.want;
    // The output is always safe and stable.
    std::string once = EscapeControls(c.in);
    EXPECT_TRUE(IsSafeText(once)) << once;
    EXPECT_EQ(EscapeControls(once), once) << once;
  }
}

TEST(EscapeControls, NoByteAbove0x7fOutsideValidUtf8AndNoControlSurvives) {
  // Every single byte, and every byte after a lead byte: the output never holds a byte < 0x20,
  // 0x7f, or a C1 code point.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; b += 7) {
      std::string in{static_cast<char>(a), static_cast<char>(b)};
      std::string out = EscapeControls(in);
      for (char c : out) {
        unsigned char u = static_cast<unsigned char>(c);
        ASSERT_FALSE(u < 0x20 || u == 0x7f) << a << " " << b;
      }
      ASSERT_EQ(out.find("\xc2\x9b"), std::string::npos) << a << " " << b;
      ASSERT_TRUE(IsSafeText(out)) << a << " " << b;
    }
  }
}

TEST(MarkdownCode, Table) {
  const struct {
    std::string in;
    bool table;
    std::string want;
  } cases[] = {
      {"", false, ""},
      {"nginx:1.25", false, "`nginx:1.25`"},
      {"evil`name", false, "``evil`name``"},
      {"a``b`", false, "``` a``b` ```"},
      {"`start", false, "`` `start ``"},
      {" padded ", false, "`  padded  `"},
      {"a|b", false, "`a|b`"},
      {"a|b", true, "`a\\|b`"},
      {"<script>alert(1)</script>", false, "`<script>alert(1)</script>`"},
      {"@scope/pkg", true, "`@scope/pkg`"},
      {"line\nbreak\x1b[1m", false, "`line\\nbreak\\x1b[1m`"},
  };
  for (const auto& c : cases) EXPECT_EQ(MarkdownCode(c.in, c.table), c.want) << c.in;
}

TEST(MarkdownCode, NoContentEndsTheSpan) {
  // Whatever the content, the span opens and closes with the same fence and the content holds
  // no run of backticks that long.
  for (std::string s : {"`", "``", "a`b``c```d", "````", "x`"}) {
    std::string md = MarkdownCode(s, false);
    size_t fence = md.find_first_not_of('`');
    ASSERT_NE(fence, std::string::npos) << s;
    std::string inner = md.substr(fence, md.size() - 2 * fence);
    EXPECT_EQ(md.substr(md.size() - fence), std::string(fence, '`')) << s;
    EXPECT_EQ(inner.find(std::string(fence, '`')), std::string::npos) << s;
  }
}

TEST(MarkdownText, EscapesEverythingThatCouldFormMarkup) {
  EXPECT_EQ(MarkdownText("plain words"), "plain words");
  EXPECT_EQ(MarkdownText("<img src=x onerror=alert(1)>"), "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;");
  EXPECT_EQ(MarkdownText("a|b"), "a\\|b");
  EXPECT_EQ(MarkdownText("*bold* _it_ [l](u) `c` # h"), "\\*bold\\* \\_it\\_ \\[l\\]\\(u\\) \\`c\\` \\# h");
  EXPECT_EQ(MarkdownText("AT&T"), "AT&amp;T");
  EXPECT_EQ(MarkdownText("two\nlines"), "two\\\\nlines");
  EXPECT_EQ(MarkdownText("\xe2\x80\xae"), "\\\\u202e");
}

TEST(DisplayWidth, Table) {
  const struct {
    std::string s;
    size_t width;
  } cases[] = {
      {"", 0},
      {"abc", 3},
      {"caf\xc3\xa9", 4},
      {"cafe\xcc\x81", 4},              // e + combining acute
      {"\xe6\xbc\xa2\xe5\xad\x97", 4},  // two CJK ideographs
      {"\xf0\x9f\x90\xb3", 2},          // emoji
      {"\xef\xbc\xa1", 2},              // full-width A
      {"\xe2\x80\x8b", 0},              // zero-width space
      {"\xff", 1},                      // invalid byte
      {"\xe2\x80\xa6", 1},              // the ellipsis
  };
  for (const auto& c : cases) EXPECT_EQ(DisplayWidth(c.s), c.width) << c.s;
}

TEST(FitWidth, CutsOnCodePointsAndMarks) {
  EXPECT_EQ(FitWidth("1.0.9-2+b6", 20), "1.0.9-2+b6");
  EXPECT_EQ(FitWidth("1.0.9-2+b6", 10), "1.0.9-2+b6");
  EXPECT_EQ(FitWidth("1.0.9-2+b6", 9), "1.0.9-2+\xe2\x80\xa6");
  EXPECT_EQ(FitWidth("abc", 1), "\xe2\x80\xa6");
  EXPECT_EQ(FitWidth("abc", 0), "");
  // A wide character that does not fit is left out whole.
  EXPECT_EQ(FitWidth("a\xe6\xbc\xa2\xe5\xad\x97", 3), "a\xe2\x80\xa6");
  EXPECT_EQ(DisplayWidth(FitWidth("a\xe6\xbc\xa2\xe5\xad\x97", 3)), 2u);
  // A combining mark stays with its letter.
  EXPECT_EQ(FitWidth("e\xcc\x81xyz", 2), "e\xcc\x81\xe2\x80\xa6");
  // Never wider than asked.
  std::string s =
      "\xf0\x9f\x90\xb3\xf0\x9f\x90\xb3\xf0\x9f\x90\xb3"
      "abc";
  for (size_t w = 1; w < 12; ++w) EXPECT_LE(DisplayWidth(FitWidth(s, w)), w) << w;
}

TEST(PadRight, PadsByColumnsNotBytes) {
  EXPECT_EQ(PadRight("caf\xc3\xa9", 6), "caf\xc3\xa9  ");
  EXPECT_EQ(PadRight("toolong", 3), "toolong");
  EXPECT_EQ(PadRight("\xe6\xbc\xa2", 3), "\xe6\xbc\xa2 ");
}

}  // namespace
}  // namespace vigil
