// go: every case of golang.org/x/mod/semver's tests (Canonical, the all-pairs Compare table,
// Sort), pseudo-versions, +incompatible and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "vectors.h"
#include "version/version.h"

namespace vigil::version {
namespace {

const Scheme& Go() { return *FindScheme("go"); }

TEST(GoTest, Canonical) {
  // [input, semver.Canonical(input)]; "" means IsValid(input) is false.
  auto j = nlohmann::json::parse(testing::ReadVectors("go-semver.json"));
  size_t n = 0;
  for (const auto& c : j["canonical"]) {
    std::string in = c[0], want = c[1];
    auto v = Go().Parse(in);
    EXPECT_EQ(v.ok(), !want.empty()) << in << (v.ok() ? "" : ": " + v.error().message());
    if (v.ok()) {
      EXPECT_EQ(Go().Format(*v), want) << in;
    }
    ++n;
  }
  EXPECT_EQ(n, 32u);
}

TEST(GoTest, CompareAllPairs) {
  // semver.Compare orders an invalid version below every valid one (and equal to another
  // invalid one); here an invalid version is an error, which the Canonical test checks.
  size_t compared = 0, invalid = 0;
  for (const auto& c : testing::ReadTsv("go-semver-compare.tsv")) {
    auto a = Go().Parse(c.a);
    auto b = Go().Parse(c.b);
    if (!a.ok() || !b.ok()) {
      ++invalid;
      continue;
    }
    ++compared;
    EXPECT_EQ(testing::Sign(Go().Compare(*a, *b)), c.expected) << c.where << ": " << c.a << " " << c.b;
  }
  EXPECT_EQ(compared + invalid, 1024u);
  EXPECT_EQ(compared, 24u * 24u);  // 8 of the 32 inputs are invalid
}

TEST(GoTest, SortGolden) {
  auto j = nlohmann::json::parse(testing::ReadVectors("go-semver.json"));
  std::vector<std::string> golden = j["sort_golden"], valid;
  for (const auto& s : golden) {
    if (Go().Parse(s).ok()) valid.push_back(s);
  }
  std::vector<std::string> shuffled(valid.rbegin(), valid.rend());
  // semver.Sort: by Compare, ties broken by the strings themselves.
  std::stable_sort(shuffled.begin(), shuffled.end(), [](const std::string& x, const std::string& y) {
    int c = *Go().CompareText(x, y);
    return c != 0 ? c < 0 : x < y;
  });
  EXPECT_EQ(shuffled, valid);
}

TEST(GoTest, PseudoVersionsAndIncompatible) {
  // Pseudo-versions sort before the release they precede and after the one they follow.
  EXPECT_LT(*Go().CompareText("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"), 0);
  EXPECT_LT(*Go().CompareText("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-000000000000"), 0);
  EXPECT_GT(*Go().CompareText("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"), 0);
  EXPECT_LT(*Go().CompareText("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"), 0);
  EXPECT_GT(*Go().CompareText("v1.2.4-pre.0.20191109021931-daa7c04131f5", "v1.2.4-pre"), 0);
  EXPECT_EQ(*Go().CompareText("v2.0.0+incompatible", "v2.0.0"), 0);
  EXPECT_EQ(Go().Format(*Go().Parse("v2.0.0+incompatible")), "v2.0.0");
  EXPECT_EQ(*Go().CompareText("v1", "v1.0.0"), 0);
  EXPECT_GT(*Go().CompareText("v1.10.0", "v1.9.99999999999999999999"), 0);
}

TEST(GoTest, BadInput) {
  struct Case {
    std::string text, reason;
  } cases[] = {
      {"", "empty version"},
      {"1.2.3", "missing the 'v' prefix"},
      {"v", "expected a number"},
      {"v01.2.3", "leading zero"},
      {"v1.2.3-01", "leading zero"},
      {"v1.2-pre", "take no suffix"},
      {"v1+meta", "take no suffix"},
      {"v1.2.3-", "bad pre-release"},
      {"v1.2.3-a..b", "bad pre-release"},
      {"v1.2.3+", "bad build metadata"},
      {"v1.2.3.4", "unexpected text"},
      {"v1.2.3 ", "unexpected text"},
      {"v1.2.3-\xc3\xa9", "bad pre-release"},
      {"--", "missing the 'v' prefix"},
      {"v" + std::string(10240, '1'), "longer than 1024 bytes"},
  };
  for (const auto& c : cases) {
    auto v = Go().Parse(c.text);
    ASSERT_FALSE(v.ok()) << "'" << c.text << "' was accepted";
    EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
    const std::string& m = v.error().message();
    EXPECT_EQ(m.rfind("invalid go version '", 0), 0u) << m;
    EXPECT_NE(m.find(c.reason), std::string::npos) << "'" << c.text << "': " << m;
  }
}

}  // namespace
}  // namespace vigil::version
