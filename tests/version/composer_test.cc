// Composer (Packagist): osv-scalibr's Packagist vectors (PHP's own version_compare tests and a
// generated file), Composer's normalisation rules, bad input. Origins: testdata/README.md.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "../test_util.h"
#include "scalibr_vectors.h"
#include "version/internal/schemes.h"
#include "version/version.h"
#include "version_test_util.h"

namespace vigil::version {
namespace {

using testing::ReadComparisonVectors;
using testing::SplitTabs;

const Scheme& S() { return *ComposerScheme(); }

int Cmp(std::string_view a, std::string_view b) { return testing::CompareSign(S(), a, b); }

std::string Norm(std::string_view s) { return testing::Normalize(S(), s); }

TEST(Composer, Registered) {
  EXPECT_EQ(FindScheme("composer"), ComposerScheme());
  EXPECT_EQ(FindScheme("Packagist"), ComposerScheme());
}

// osv-scalibr's files compare the raw strings with version_compare(); Composer normalises them
// first and refuses what it cannot normalise. The 40 lines where that changes the answer are in
// packagist-scalibr-exceptions.tsv with Composer's answer (from tools/version-diff's oracle).
TEST(Composer, ScalibrVectors) {
  std::map<std::string, std::string> pinned;  // "file:line" -> Composer's answer
  {
    std::ifstream in(vigil::testing::TestData("version", "packagist-scalibr-exceptions.tsv"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto f = SplitTabs(line);
      ASSERT_EQ(f.size(), 6u) << line;
      pinned[f[0]] = f[4];
      if (f[4] == "error") {
        EXPECT_FALSE(S().Parse(f[1]).ok() && S().Parse(f[2]).ok()) << line;
      } else {
        EXPECT_EQ(Cmp(f[1], f[2]), std::stoi(f[4])) << line;
      }
    }
  }
  ASSERT_EQ(pinned.size(), 40u);
  size_t n = 0, skipped = 0;
  for (const char* file : {"packagist-versions.txt", "packagist-versions-generated.txt"}) {
    auto cases = ReadComparisonVectors(file);
    ASSERT_FALSE(cases.empty()) << file;
    for (const auto& c : cases) {
      std::string where = std::string(file) + ":" + std::to_string(c.line);
      if (pinned.count(where) != 0) {
        ++skipped;
        continue;
      }
      EXPECT_EQ(Cmp(c.a, c.b), c.expected) << where << ": " << c.a << " vs " << c.b;
      EXPECT_EQ(Cmp(c.b, c.a), -c.expected) << where;
      ++n;
    }
  }
  EXPECT_EQ(skipped, 40u);
  EXPECT_GT(n, 10000u);
}

TEST(Composer, Normalize) {
  // From composer/semver's documented normalisation (VersionParser::normalize).
  EXPECT_EQ(Norm("1.0.0"), "1.0.0.0");
  EXPECT_EQ(Norm("1.2.3.4"), "1.2.3.4");
  EXPECT_EQ(Norm("v1.0.0"), "1.0.0.0");
  EXPECT_EQ(Norm("1.01"), "1.01.0.0");
  EXPECT_EQ(Norm("1.0.0RC1dev"), "1.0.0.0-RC1-dev");
  EXPECT_EQ(Norm("1.0.0-rC15-dev"), "1.0.0.0-RC15-dev");
  EXPECT_EQ(Norm("1.0.0.RC.15-dev"), "1.0.0.0-RC15-dev");
  EXPECT_EQ(Norm("1.0.0-rc1"), "1.0.0.0-RC1");
  EXPECT_EQ(Norm("1.0.0-pl3-dev"), "1.0.0.0-patch3-dev");
  EXPECT_EQ(Norm("1.0-dev"), "1.0.0.0-dev");
  EXPECT_EQ(Norm("0"), "0.0.0.0");
  EXPECT_EQ(Norm("10.4.13-beta"), "10.4.13.0-beta");
  EXPECT_EQ(Norm("10.4.13beta2"), "10.4.13.0-beta2");
  EXPECT_EQ(Norm("10.4.13beta.2"), "10.4.13.0-beta2");
  EXPECT_EQ(Norm("v1.13.11-beta.0"), "1.13.11.0-beta0");
  EXPECT_EQ(Norm("1.13.11.0-beta0"), "1.13.11.0-beta0");
  EXPECT_EQ(Norm("10.4.13-b"), "10.4.13.0-beta");
  EXPECT_EQ(Norm("10.4.13-b5"), "10.4.13.0-beta5");
  EXPECT_EQ(Norm("v1.0.0-stable"), "1.0.0.0");
  EXPECT_EQ(Norm("2010.01"), "2010.01.0.0");
  EXPECT_EQ(Norm("2010.01.02"), "2010.01.02.0");
  EXPECT_EQ(Norm("2010-01-02.5"), "2010.01.02.5");
  EXPECT_EQ(Norm("20100102-203040"), "20100102.203040");
  EXPECT_EQ(Norm("20100102203040-10"), "20100102203040.10");
  EXPECT_EQ(Norm("20100102-203040-p1"), "20100102.203040-patch1");
  EXPECT_EQ(Norm("2010-01-02-03-04"), "2010.01.02.03.04");
  EXPECT_EQ(Norm("2010-01-02-dev"), "2010-01-02-dev");
  // Composer reads its own "2010.01.02" as classical (2010.01.02.0, a greater version), so
  // Format keeps such date versions as written.
  EXPECT_EQ(Norm("2010-01-02"), "2010-01-02");
  EXPECT_EQ(Norm("2010-01-02-p1"), "2010-01-02-p1");
  EXPECT_EQ(Cmp("2010-01-02", "2010.01.02"), -1);
  EXPECT_EQ(Norm("dev-master"), "9999999-dev");
  EXPECT_EQ(Norm("master"), "9999999-dev");
  EXPECT_EQ(Norm("dev-trunk"), "9999999-dev");
  EXPECT_EQ(Norm("1.x-dev"), "1.9999999.9999999.9999999-dev");
  EXPECT_EQ(Norm("dev-feature-foo"), "dev-feature-foo");
  EXPECT_EQ(Norm("DEV-FOOBAR"), "dev-FOOBAR");
  EXPECT_EQ(Norm("dev-feature/foo"), "dev-feature/foo");
  EXPECT_EQ(Norm("1.0.0+foo"), "1.0.0.0");
  EXPECT_EQ(Norm("1.0.0-alpha.3.1+foo"), "1.0.0.0-alpha3.1");
  EXPECT_EQ(Norm("1.0.0-alpha2.1+foo"), "1.0.0.0-alpha2.1");
  EXPECT_EQ(Norm("1.0.0+foo as 2.0"), "1.0.0.0");
  EXPECT_EQ(Norm("1.0.0@beta"), "1.0.0.0");
  EXPECT_EQ(Norm(" 1.0.0\t"), "1.0.0.0");
  EXPECT_EQ(Norm("123456.1"), "123456.1");  // too long for M, so a date
  EXPECT_EQ(Norm("123456"), "123456");
  EXPECT_EQ(Norm("1.0."), "1.0.0.0");                 // the modifier's optional separator
  EXPECT_EQ(Norm(std::string("1\0", 2)), "1.0.0.0");  // PHP's trim() strips NUL
}

TEST(Composer, Ordering) {
  EXPECT_EQ(Cmp("1.0", "1.0.0.0"), 0);
  EXPECT_EQ(Cmp("1.01", "1.1"), 0);
  EXPECT_EQ(Cmp("1.0.0-dev", "1.0.0-alpha1"), -1);
  EXPECT_EQ(Cmp("1.0.0-alpha", "1.0.0-beta"), -1);
  EXPECT_EQ(Cmp("1.0.0-beta", "1.0.0-RC"), -1);
  EXPECT_EQ(Cmp("1.0.0-RC", "1.0.0"), -1);
  EXPECT_EQ(Cmp("1.0.0", "1.0.0-patch1"), -1);
  EXPECT_EQ(Cmp("1.0.0-p1", "1.0.0-pl1"), 0);
  EXPECT_EQ(Cmp("1.0.0-beta2", "1.0.0-beta10"), -1);
  EXPECT_EQ(Cmp("1.0.0-beta2-dev", "1.0.0-beta2"), -1);
  EXPECT_EQ(Cmp("v3.0", "3.0.0-beta"), 1);
  EXPECT_EQ(Cmp("dev-main", "0.0.1"), -1);  // branches sort below numbers
  EXPECT_EQ(Cmp("dev-a", "dev-b"), -1);     // Composer: incomparable; we: by name
  EXPECT_EQ(Cmp("dev-a", "dev-a"), 0);
  EXPECT_EQ(Cmp("dev-master", "99.0"), 1);  // 9999999-dev
  EXPECT_EQ(Cmp("1.x-dev", "1.999"), 1);
  EXPECT_EQ(Cmp("1.0.0-STABLE", "1.0.0-dev"), -1);  // "-stable" is an unknown word below dev
  // Numbers saturate as PHP's strtol does.
  EXPECT_EQ(Cmp("1.99999999999999999999", "1.99999999999999999998"), 0);
}

TEST(Composer, BadInput) {
  std::vector<std::string> bad = {"",
                                  " ",
                                  "a",
                                  "1.0.0-1",
                                  "1.2.3.4.5",
                                  "1.0.0-foo",
                                  "1..0",
                                  "--",
                                  "1.0.0 as",
                                  "1.0.0-beta.",
                                  "1.0\xc3\xa9",
                                  "dev",
                                  "1.0-dev-dev",
                                  "dev-a\tb",
                                  std::string("1\0a", 3),
                                  std::string(10 * 1024, '1'),
                                  "1." + std::string(2000, '1')};
  for (const auto& s : bad) {
    Result<Version> v = S().Parse(s);
    EXPECT_FALSE(v.ok()) << "accepted '" << s << "' as " << (v.ok() ? S().Format(*v) : "");
    if (!v.ok()) {
      EXPECT_EQ(v.error().message().rfind("invalid composer version '", 0), 0u);
    }
  }
}

}  // namespace
}  // namespace vigil::version
