// Maven ComparableVersion: every row of Maven's own ComparableVersionTest (transcribed into
// comparable-version.tsv and comparable-version-ordered-lists.json) and of osv-scalibr's Maven
// files, plus odd and bad input. Vector origins: tests/version/testdata/README.md.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "../test_util.h"
#include "scalibr_vectors.h"
#include "version/internal/schemes.h"
#include "version/version.h"
#include "version_test_util.h"

namespace vigil::version {
namespace {

using testing::ReadComparisonVectors;
using testing::Sign;
using testing::SplitTabs;

const Scheme& S() { return *MavenScheme(); }

int Cmp(std::string_view a, std::string_view b) { return testing::CompareSign(S(), a, b); }

TEST(Maven, Registered) {
  EXPECT_EQ(FindScheme("maven"), MavenScheme());
  EXPECT_EQ(FindScheme("Maven"), MavenScheme());
}

TEST(Maven, ComparableVersionTestRows) {
  std::ifstream in(vigil::testing::TestData("version", "comparable-version.tsv"));
  std::string line;
  size_t rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = SplitTabs(line);
    ASSERT_EQ(f.size(), 4u) << line;
    int want = std::stoi(f[2]);
    EXPECT_EQ(Cmp(f[0], f[1]), want) << f[3] << ": " << f[0] << " vs " << f[1];
    EXPECT_EQ(Cmp(f[1], f[0]), -want) << f[3] << ": " << f[1] << " vs " << f[0];
    ++rows;
  }
  EXPECT_EQ(rows, 1015u);
}

TEST(Maven, OrderedLists) {
  std::ifstream in(vigil::testing::TestData("version", "comparable-version-ordered-lists.json"));
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json d = nlohmann::json::parse(ss.str());
  for (const char* key : {"VERSIONS_QUALIFIER", "VERSIONS_NUMBER"}) {
    std::vector<std::string> list = d[key];
    ASSERT_GT(list.size(), 20u);
    for (size_t i = 0; i < list.size(); ++i) {
      for (size_t j = 0; j < list.size(); ++j) {
        EXPECT_EQ(Cmp(list[i], list[j]), i < j ? -1 : (i > j ? 1 : 0)) << list[i] << " vs " << list[j];
      }
    }
  }
}

// osv-scalibr's Maven files, except the 24 lines listed in maven-scalibr-exceptions.tsv where
// Maven 4 (the ComparableVersionTest rows above) or ComparableVersion itself disagree with the
// file; for those our answer is pinned instead (docs/VERSIONS.md, "Maven").
TEST(Maven, ScalibrVectors) {
  std::map<std::string, int> pinned;  // "file:line" -> our answer
  {
    std::ifstream in(vigil::testing::TestData("version", "maven-scalibr-exceptions.tsv"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto f = SplitTabs(line);
      ASSERT_EQ(f.size(), 6u) << line;
      pinned[f[0]] = std::stoi(f[3]);
      EXPECT_EQ(Cmp(f[1], f[2]), std::stoi(f[3])) << line;
    }
  }
  ASSERT_EQ(pinned.size(), 24u);
  size_t n = 0, skipped = 0;
  for (const char* file : {"maven-versions.txt", "maven-versions-generated.txt"}) {
    auto cases = ReadComparisonVectors(file);
    ASSERT_FALSE(cases.empty()) << file;
    for (const auto& c : cases) {
      std::string where = std::string(file) + ":" + std::to_string(c.line);
      if (auto it = pinned.find(where); it != pinned.end()) {
        EXPECT_NE(it->second, c.expected) << where;
        ++skipped;
        continue;
      }
      EXPECT_EQ(Cmp(c.a, c.b), c.expected) << where << ": " << c.a << " vs " << c.b;
      EXPECT_EQ(Cmp(c.b, c.a), -c.expected) << where;
      ++n;
    }
  }
  EXPECT_EQ(skipped, 24u);
  EXPECT_GT(n, 14000u);
}

TEST(Maven, Semantics) {
  EXPECT_EQ(Cmp("1.0.0.RC1", "1.0.0-RC2"), -1);  // ".X" read as "-X"
  EXPECT_EQ(Cmp("1-ga1", "1"), 1);               // the number after a release qualifier counts
  EXPECT_EQ(Cmp("1-ga1", "1-ga2"), -1);
  EXPECT_EQ(Cmp("1-sp", "1.1"), -1);
  EXPECT_EQ(Cmp("1-1", "1.1"), -1);
  EXPECT_EQ(Cmp("1-foo", "1-sp"), 1);  // unknown qualifiers after sp
  EXPECT_EQ(Cmp("1-FOO", "1-foo"), 0);
  EXPECT_EQ(Cmp("1.0-\xc3\x89T\xc3\x89", "1.0-\xc3\xa9t\xc3\xa9"), 0);  // ÉTÉ = été
  EXPECT_EQ(Cmp("1-\xe2\x84\xaa", "1-k"), 0);                           // KELVIN SIGN lower-cases to k
  EXPECT_EQ(Cmp("1-\xef\xbd\x81", "1-\xf0\x9f\x98\x80"), 1);            // U+FF41 > U+1F600 in UTF-16
  EXPECT_EQ(Cmp("99999999999999999999999999", "99999999999999999999999998"), 1);
  EXPECT_EQ(Cmp("1.0..1", "1.0.0.1"), 0);  // empty items are zeros
  EXPECT_EQ(Cmp("1 0", "1"), 1);           // spaces are qualifier characters
  EXPECT_EQ(Cmp("-", "0"), 0);
  EXPECT_EQ(Cmp("..", "0"), 0);
  EXPECT_EQ(Cmp("--1", "1"), -1);
}

// Maven accepts every string; so do we, except these.
TEST(Maven, BadInput) {
  std::vector<std::string> bad = {
      "",     std::string(10 * 1024, '1'), "1.0\xff",  "1\xc3", "1\xc0\x80", "\xed\xa0\x80", "1.0\n",
      "1\t2", std::string("1\0", 2),       "1\xc2\x85"};
  for (const auto& s : bad) {
    Result<Version> v = S().Parse(s);
    EXPECT_FALSE(v.ok()) << "accepted '" << s << "'";
    if (!v.ok()) {
      EXPECT_EQ(v.error().message().rfind("invalid maven version '", 0), 0u);
    }
  }
  // Deep nesting and odd shapes parse and compare without trouble.
  std::vector<std::string> odd = {"-",
                                  ".",
                                  "---",
                                  "...",
                                  "1-" + std::string(500, '-'),
                                  std::string(1000, '-'),
                                  "a-1-b-2-c-3-" + std::string(300, 'x'),
                                  std::string(kMaxVersionLength, '9'),
                                  "((",
                                  "1.0-rc1)"};
  for (std::string s = "1"; s.size() < 1000; s += std::string(60, '-') + "a1") odd.push_back(s);
  for (const auto& a : odd) {
    for (const auto& b : odd) {
      Result<int> c = S().CompareText(a, b);
      ASSERT_TRUE(c.ok()) << a;
      Result<int> r = S().CompareText(b, a);
      EXPECT_EQ(Sign(*c), -Sign(*r)) << a << " vs " << b;
    }
  }
}

}  // namespace
}  // namespace vigil::version
