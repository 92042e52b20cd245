// apk: every line of apk-tools' test/unit/version.data and of osv-scalibr's Alpine vectors,
// plus bad input.
#include "version/internal/apk.h"

#include <gtest/gtest.h>

#include "vectors.h"
#include "version/version.h"

namespace vigil::version {
namespace {

using testing::CheckComparisons;
using testing::ReadScalibr;

const Scheme& Apk() { return *FindScheme("apk"); }

// apk's result mask for an operator: '<', '>', '=' and '~' (fuzzy, implies '=').
struct Op {
  bool less = false, equal = false, greater = false, fuzzy = false;
};
Op ParseOp(std::string_view s) {
  Op op;
  for (char c : s) {
    if (c == '<') op.less = true;
    if (c == '>') op.greater = true;
    if (c == '=') op.equal = true;
    if (c == '~') op.fuzzy = op.equal = true;
  }
  return op;
}

TEST(ApkTest, ApkToolsVersionData) {
  // Format (apk-tools test/unit/version_test.c): "a op b" must match, "a !op b" must not,
  // "ver" must be valid, "!ver" must be invalid; '#' starts a comment.
  size_t line_no = 0, compared = 0, valid_rows = 0, invalid_rows = 0;
  std::set<std::string> rejected;
  ForEachLine(testing::ReadVectors("version.data"), [&](std::string_view raw) {
    ++line_no;
    std::string_view line = raw.substr(0, raw.find('#'));
    std::vector<std::string_view> f;
    for (auto w : Split(line, ' ')) {
      for (auto x : Split(w, '\t')) {
        if (!x.empty()) f.push_back(x);
      }
    }
    if (f.empty()) {
      if (Trim(raw) == "!") {  // "!" alone: the empty string is invalid
        ++invalid_rows;
        EXPECT_FALSE(Apk().Parse("").ok());
      }
      return;
    }
    if (f.size() == 1) {
      bool want_valid = f[0][0] != '!';
      std::string_view v = want_valid ? f[0] : f[0].substr(1);
      (want_valid ? valid_rows : invalid_rows)++;
      auto p = Apk().Parse(v);
      EXPECT_EQ(p.ok(), want_valid) << "line " << line_no << ": '" << v << "' "
                                    << (p.ok() ? "accepted" : p.error().message());
      return;
    }
    ASSERT_EQ(f.size(), 3u) << "line " << line_no;
    bool negate = f[1][0] == '!';
    Op op = ParseOp(negate ? f[1].substr(1) : f[1]);
    auto a = Apk().Parse(f[0]);
    auto b = Apk().Parse(f[2]);
    if (!a.ok()) rejected.insert(std::string(f[0]));
    if (!b.ok()) rejected.insert(std::string(f[2]));
    if (!a.ok() || !b.ok()) return;
    ++compared;
    int c = op.fuzzy ? ApkCompareFuzzy(*a, *b) : Apk().Compare(*a, *b);
    bool match = (c < 0 && op.less) || (c == 0 && op.equal) || (c > 0 && op.greater);
    EXPECT_EQ(match, !negate) << "line " << line_no << ": " << raw;
    if (!op.fuzzy) {
      EXPECT_EQ(testing::Sign(Apk().Compare(*b, *a)), -testing::Sign(c)) << "line " << line_no;
    }
  });
  // apk compares an invalid version token by token up to the first bad token; we refuse it.
  // Each of these is also listed as invalid ("!ver") in the same file, or breaks the same rule.
  // "1.0bc" (two letters) is also listed as invalid there ("!0.1bc"), "_foo" and "_post" are not
  // suffixes apk knows ("!0.1_foobar"). apk answers those rows from the valid prefix; we
  // refuse the version (docs/VERSIONS.md, "apk").
  const std::set<std::string> kDocumented = {"1.0bc", "23_foo", "3.6.9_post1"};
  EXPECT_EQ(rejected, kDocumented) << testing::Join(rejected);
  EXPECT_EQ(compared, 750u);  // of 754 comparison rows
  EXPECT_EQ(valid_rows, 6u);
  EXPECT_EQ(invalid_rows, 25u);
}

TEST(ApkTest, OsvScalibrAlpineVectors) {
  std::set<std::string> rejected;
  size_t compared = 0;
  CheckComparisons(Apk(), ReadScalibr("osv-scalibr/alpine-versions.txt"), &rejected, &compared);
  // The file collects versions that apk-tools 3 refuses ("technically invalid", as its own
  // comments say) and whose order differs between apk 2 and apk 3. We follow apk-tools 3's
  // validity (docs/VERSIONS.md, "apk"): no leading or doubled '.', no ".r" or "-" other than
  // "-rN", no upper case, no digit after the letter, only the known suffixes.
  const std::set<std::string> kDocumented = {
      ".1",          ".2",          "0...1...0", "0...1...0.r1", "0...1...0.r2",
      "0...1...0r1", "0...1...0r2", "0...1...1", "0...8",        "0..1..0",
      "0..1..1",     "0..8",        "0.8.21.r1", "0.8.21.r2",    "0.8.21r2",
      "0.r1",        "0r2",         "1--ruff1",  "1-r",          "1-r-0",
      "1-r-1",       "1-r-2",       "1-r0-1",    "1-r0-2",       "1-r0-ruff1",
      "1-r0-ruff2",  "1-ruff",      "1-ruff1",   "1-ruff2",      "1.0bc",
      "1.2.0A",      "1.2.0D",      "1.2_blah",  "1.2_csv2",     "10.2.22.r0",
      "10.2.24.r0",  "23_foo",      "6.6.2p1",   "6.6.2p2",      "a",
      "b",           "c",
  };
  EXPECT_EQ(rejected, kDocumented) << testing::Join(rejected);
  EXPECT_EQ(compared, 741u);
}

TEST(ApkTest, OsvScalibrAlpineGeneratedVectors) {
  std::set<std::string> rejected;
  size_t compared = 0;
  CheckComparisons(Apk(), ReadScalibr("osv-scalibr/alpine-versions-generated.txt"), &rejected, &compared);
  // Old openssh/sudo versions ("6.6.2p1-r0") put digits after the letter, which apk 2 accepted
  // and apk-tools 3 refuses ("!0.1a1" in its version.data). Alpine has used "_p1" since.
  for (const auto& v : rejected) {
    auto p = Apk().Parse(v);
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message().find("a digit cannot follow the letter"), std::string::npos) << p.error().message();
  }
  EXPECT_EQ(rejected.size(), 51u);
  EXPECT_EQ(compared, 13921u);
}

TEST(ApkTest, Ordering) {
  EXPECT_LT(*Apk().CompareText("1.2.3_rc1-r0", "1.2.3-r0"), 0);
  EXPECT_GT(*Apk().CompareText("1.2.3_p1-r0", "1.2.3-r9"), 0);
  EXPECT_GT(*Apk().CompareText("1.2.3-r10", "1.2.3-r9"), 0);
  EXPECT_GT(*Apk().CompareText("1.2.3a", "1.2.3"), 0);
  EXPECT_LT(*Apk().CompareText("1.2.3a", "1.2.4"), 0);
  EXPECT_GT(*Apk().CompareText("1.0~abc", "1.0"), 0);
  EXPECT_LT(*Apk().CompareText("1.0~abc", "1.0_p1"), 0);
  EXPECT_LT(*Apk().CompareText("1.01", "1.1"), 0);  // leading zero: compared as text
  EXPECT_EQ(*Apk().CompareText("01.1", "1.1"), 0);  // but not in the first number
  EXPECT_EQ(*Apk().CompareText("1-r01", "1-r1"), 0);
  EXPECT_LT(*Apk().CompareText("1.0_alpha", "1.0_beta"), 0);
  EXPECT_LT(*Apk().CompareText("1.0_git2024", "1.0_hg1"), 0);
}

TEST(ApkTest, BadInput) {
  struct Case {
    std::string text, reason;
  } cases[] = {
      {"", "empty version"},
      {"a", "expected a number"},
      {"1.0bc", "a letter cannot follow the letter"},
      {"1.0_foo", "unknown suffix '_foo'"},
      {"1.0_", "unknown suffix '_'"},
      {"1.0-r", "'-r' must be followed by a number"},
      {"1.0-1", "'-' must start a '-rN' revision"},
      {"--", "expected a number"},
      {"1.0--", "'-' must start a '-rN' revision"},
      {"1.0-r1-r2", "a second '-r' revision"},
      {"1.0~", "hex commit hash"},
      {"1.0~XYZ", "hex commit hash"},
      {"1.0A", "invalid character 'A'"},
      {"1.0\xc3\xa9", "outside printable ASCII"},
      {"1.99999999999999999999", "64 bits"},
      {std::string(10240, '1'), "longer than 1024 bytes"},
  };
  for (const auto& c : cases) {
    auto v = Apk().Parse(c.text);
    ASSERT_FALSE(v.ok()) << "'" << c.text << "' was accepted";
    EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
    const std::string& m = v.error().message();
    EXPECT_EQ(m.rfind("invalid apk version '", 0), 0u) << m;
    EXPECT_NE(m.find(c.reason), std::string::npos) << "'" << c.text << "': " << m;
  }
}

}  // namespace
}  // namespace vigil::version
