// semver (npm, crates.io): every fixture of node-semver we use and osv-scalibr's semver
// vectors, plus the loose forms and bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "vectors.h"
#include "version/version.h"

namespace vigil::version {
namespace {

using testing::CheckComparisons;
using testing::ReadScalibr;
using Json = nlohmann::json;

const Scheme& Semver() { return *FindScheme("semver"); }

Json Fixture(const std::string& name) { return Json::parse(testing::ReadVectors("node-semver/" + name)); }

TEST(SemverTest, NodeSemverComparisons) {
  // [v1, v2, options]: v1 is greater than v2. Some rows ask for loose mode; we are always
  // loose, which accepts a superset of strict and orders the common part identically.
  size_t n = 0;
  const Json fixture = Fixture("comparisons.json");
  for (const auto& c : fixture["cases"]) {
    std::string a = c[0], b = c[1];
    auto r = Semver().CompareText(a, b);
    ASSERT_TRUE(r.ok()) << a << " " << b << ": " << r.error().message();
    EXPECT_GT(*r, 0) << a << " > " << b;
    EXPECT_LT(*Semver().CompareText(b, a), 0) << b << " < " << a;
    ++n;
  }
  EXPECT_EQ(n, 31u);
}

TEST(SemverTest, NodeSemverEquality) {
  size_t n = 0;
  const Json fixture = Fixture("equality.json");
  for (const auto& c : fixture["cases"]) {
    std::string a = c[0], b = c[1];
    auto r = Semver().CompareText(a, b);
    ASSERT_TRUE(r.ok()) << "'" << a << "' '" << b << "': " << r.error().message();
    EXPECT_EQ(*r, 0) << "'" << a << "' = '" << b << "'";
    auto va = Semver().Parse(a);
    auto vb = Semver().Parse(b);
    EXPECT_EQ(Semver().Format(*va), Semver().Format(*vb));
    ++n;
  }
  EXPECT_EQ(n, 37u);
}

TEST(SemverTest, NodeSemverValidVersions) {
  // [version, major, minor, patch, prerelease[], build[]]
  size_t n = 0;
  const Json fixture = Fixture("valid-versions.json");
  for (const auto& c : fixture["cases"]) {
    std::string text = c[0];
    auto v = Semver().Parse(text);
    ASSERT_TRUE(v.ok()) << text << ": " << v.error().message();
    std::string want =
        std::to_string(c[1].get<int>()) + "." + std::to_string(c[2].get<int>()) + "." + std::to_string(c[3].get<int>());
    std::string pre;
    for (const auto& p : c[4]) {
      if (!pre.empty()) pre += '.';
      pre += p.is_number() ? std::to_string(p.get<int>()) : p.get<std::string>();
    }
    if (!pre.empty()) want += "-" + pre;
    EXPECT_EQ(Semver().Format(*v), want) << text;
    ++n;
  }
  EXPECT_EQ(n, 22u);
}

TEST(SemverTest, NodeSemverInvalidVersions) {
  // [value, reason, options]; values that are not strings (a RegExp, an object with a
  // toString) test JavaScript typing and have no counterpart here.
  size_t n = 0, skipped = 0;
  const Json fixture = Fixture("invalid-versions.json");
  for (const auto& c : fixture["cases"]) {
    if (!c[0].is_string()) {
      ++skipped;
      continue;
    }
    std::string text = c[0];
    EXPECT_FALSE(Semver().Parse(text).ok()) << text << " (" << c[1] << ")";
    ++n;
  }
  EXPECT_EQ(n, 7u);
  EXPECT_EQ(skipped, 3u);
}

TEST(SemverTest, OsvScalibrSemverVectors) {
  std::set<std::string> rejected;
  size_t compared = 0;
  CheckComparisons(Semver(), ReadScalibr("osv-scalibr/semver-versions.txt"), &rejected, &compared);
  // osv-scalibr's semver is lenient; npm refuses these: four parts, and numbers above 2^53-1
  // (node-semver: "Invalid major version").
  const std::set<std::string> kDocumented = {
      "1.1.3.4.5",
      "999999999999999999999999999991",
      "999999999999999999999999999991.999999999999999999999999999991.999999999999999999999999999991",
      "999999999999999999999999999999",
      "999999999999999999999999999999.999999999999999999999999999991.999999999999999999999999999991",
  };
  EXPECT_EQ(rejected, kDocumented) << testing::Join(rejected);
  EXPECT_EQ(compared, 83u);
}

TEST(SemverTest, LooseForms) {
  struct Case {
    std::string text, canonical;
  } cases[] = {
      {"1.2.3", "1.2.3"},
      {"v1.2.3", "1.2.3"},
      {"=1.2.3", "1.2.3"},
      {"=v1.2.3", "1.2.3"},
      {" \t v 1.2.3 \n", "1.2.3"},
      {"01.002.0003", "1.2.3"},
      {"1.2.3beta", "1.2.3-beta"},
      {"1.2.3+build.5", "1.2.3"},
      {"1.2.34.5", "1.2.3-4.5"},  // the regex gives PATCH's last digit to the pre-release
      {"1.2.3-", "1.2.3--"},      // "-" is an identifier
      {"1.2.3-9007199254740993", "1.2.3-9007199254740993"},
  };
  for (const auto& c : cases) {
    auto v = Semver().Parse(c.text);
    ASSERT_TRUE(v.ok()) << "'" << c.text << "': " << v.error().message();
    EXPECT_EQ(Semver().Format(*v), c.canonical) << "'" << c.text << "'";
  }
  EXPECT_LT(*Semver().CompareText("1.0.0-alpha", "1.0.0-alpha.1"), 0);
  EXPECT_LT(*Semver().CompareText("1.0.0-alpha.1", "1.0.0-alpha.beta"), 0);
  EXPECT_LT(*Semver().CompareText("1.0.0-beta.2", "1.0.0-beta.11"), 0);
  EXPECT_LT(*Semver().CompareText("1.0.0-rc.1", "1.0.0"), 0);
  EXPECT_EQ(*Semver().CompareText("1.0.0+a", "1.0.0+b"), 0);
  // Exact beyond 2^53, where node-semver compares doubles (docs/VERSIONS.md, "semver").
  EXPECT_GT(*Semver().CompareText("1.2.3-9007199254740993", "1.2.3-9007199254740992"), 0);
}

// A numeric pre-release identifier with a leading zero: node-semver's strict mode refuses it
// (loose mode reads "1.0.0-01" as "1.0.0-1"), so does vigil; identifiers that are not all
// digits ("01a", "a-01") and build metadata ("+01") keep their zeros. Every row as node-semver
// 7.8.6 answered on this machine (testdata/node-semver/leading-zero-prerelease.tsv).
TEST(SemverTest, LeadingZeroInANumericPrereleaseIdentifierIsRefused) {
  size_t rows = 0, refused = 0;
  ForEachLine(testing::ReadVectors("node-semver/leading-zero-prerelease.tsv"), [&](std::string_view line) {
    if (line.empty() || line[0] == '#') return;
    auto f = Split(line, '\t');
    ASSERT_EQ(f.size(), 3u) << line;
    ++rows;
    auto v = Semver().Parse(f[0]);
    if (f[1] == "ERR") {
      ++refused;
      ASSERT_FALSE(v.ok()) << f[0] << " was accepted";
      EXPECT_NE(v.error().message().find("has a leading zero (semver.org rule 9)"), std::string::npos)
          << v.error().message();
    } else {
      ASSERT_TRUE(v.ok()) << f[0] << ": " << v.error().message();
      EXPECT_EQ(Semver().Format(*v), f[1]) << f[0];
    }
  });
  EXPECT_EQ(rows, 14u);
  EXPECT_EQ(refused, 6u);
}

TEST(SemverTest, BadInput) {
  struct Case {
    std::string text, reason;
  } cases[] = {
      {"", "empty version"},
      {"  ", "only white space"},
      {"1.2", "expected MAJOR.MINOR.PATCH"},
      {"1.2.3.4", "not MAJOR.MINOR.PATCH"},
      {"1.2.3-a..b", "not MAJOR.MINOR.PATCH"},
      {"1.2.3+", "not MAJOR.MINOR.PATCH"},
      {"1.2.3 beta", "not MAJOR.MINOR.PATCH"},
      {"--", "expected MAJOR.MINOR.PATCH"},
      {"9007199254740992.0.0", "major version is larger than 2^53-1"},
      {"1.9007199254740992.0", "minor version is larger"},
      {"1.2.3\xc3\xa9", "outside ASCII"},
      {std::string(257, '1'), "longer than 256 characters"},
      {std::string(10240, '1'), "longer than 1024 bytes"},
  };
  for (const auto& c : cases) {
    auto v = Semver().Parse(c.text);
    ASSERT_FALSE(v.ok()) << "'" << c.text << "' was accepted";
    EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
    const std::string& m = v.error().message();
    EXPECT_EQ(m.rfind("invalid semver version '", 0), 0u) << m;
    EXPECT_NE(m.find(c.reason), std::string::npos) << "'" << c.text << "': " << m;
  }
}

}  // namespace
}  // namespace vigil::version
