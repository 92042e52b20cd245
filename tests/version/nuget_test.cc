// NuGet: osv-scalibr's NuGet vectors, NuGet.Versioning's documented rules, bad input.
// Origins: tests/version/testdata/README.md.
#include <gtest/gtest.h>

#include <string>

#include "scalibr_vectors.h"
#include "version/internal/schemes.h"
#include "version/version.h"
#include "version_test_util.h"

namespace vigil::version {
namespace {

using testing::ReadComparisonVectors;

const Scheme& S() { return *NugetScheme(); }

int Cmp(std::string_view a, std::string_view b) { return testing::CompareSign(S(), a, b); }

std::string Norm(std::string_view s) { return testing::Normalize(S(), s); }

TEST(Nuget, Registered) {
  EXPECT_EQ(FindScheme("nuget"), NugetScheme());
  EXPECT_EQ(FindScheme("NuGet"), NugetScheme());
}

// osv-scalibr's file ends with two lines of 30-digit numbers; NuGet's numbers are 32-bit
// (System.Version), so NuGetVersion.TryParse refuses them and so do we (docs/VERSIONS.md).
TEST(Nuget, ScalibrVectors) {
  auto cases = ReadComparisonVectors("nuget-versions.txt");
  ASSERT_EQ(cases.size(), 35u);
  size_t refused = 0;
  for (const auto& c : cases) {
    if (c.a.rfind("999999999999999999999999999", 0) == 0) {
      EXPECT_FALSE(S().Parse(c.a).ok()) << c.a;
      EXPECT_FALSE(S().Parse(c.b).ok()) << c.b;
      ++refused;
      continue;
    }
    EXPECT_EQ(Cmp(c.a, c.b), c.expected) << c.line << ": " << c.a << " vs " << c.b;
    EXPECT_EQ(Cmp(c.b, c.a), -c.expected) << c.line;
    for (const auto& s : {c.a, c.b}) EXPECT_EQ(Cmp(Norm(s), s), 0) << s;
  }
  EXPECT_EQ(refused, 2u);
}

TEST(Nuget, Semantics) {
  EXPECT_EQ(Cmp("1", "1.0.0.0"), 0);
  EXPECT_EQ(Cmp("1.01", "1.1.0"), 0);     // leading zeros in numbers
  EXPECT_EQ(Cmp("1.0.0.1", "1.0.0"), 1);  // the revision counts
  EXPECT_EQ(Cmp("1.0.0-alpha", "1.0.0"), -1);
  EXPECT_EQ(Cmp("1.0.0-ALPHA", "1.0.0-alpha"), 0);        // labels ignore case
  EXPECT_EQ(Cmp("1.0.0-alpha.2", "1.0.0-alpha.10"), -1);  // numeric labels by value
  EXPECT_EQ(Cmp("1.0.0-1", "1.0.0-a"), -1);               // numbers before text
  EXPECT_EQ(Cmp("1.0.0-alpha", "1.0.0-alpha.1"), -1);     // prefix first
  EXPECT_EQ(Cmp("1.0.0+abc", "1.0.0+def"), 0);            // metadata ignored
  EXPECT_EQ(Cmp("1.0.0--1", "1.0.0-0"), -1);              // "-1" is a number to int.TryParse
  EXPECT_EQ(Cmp("1.0.0-99999999999", "1.0.0-a"), -1);     // too big for int: text
  EXPECT_EQ(Cmp("1.0.0-99999999999", "1.0.0-2"), 1);
  EXPECT_EQ(Cmp(" 1.0 ", "1.0"), 0);
  EXPECT_EQ(Cmp("1. 2", "1.2"), 0);  // System.Version allows spaces
  EXPECT_EQ(Cmp("2147483647.0", "2147483646.9"), 1);
  EXPECT_EQ(Norm("1.01.0.0-Beta.X+meta"), "1.1.0-beta.x");
  EXPECT_EQ(Norm("1.2.3.4"), "1.2.3.4");
  EXPECT_EQ(Norm("1"), "1.0.0");
}

TEST(Nuget, BadInput) {
  std::vector<std::string> bad = {"",
                                  " ",
                                  "a",
                                  "v1.0",
                                  "1.0-",
                                  "1.0+",
                                  "1.0-a+",
                                  "-1",
                                  "+1",
                                  "1..0",
                                  "1.0.",
                                  ".1",
                                  "1.2.3.4.5",
                                  "1.0-a..b",
                                  "1.0-01",
                                  "1.0-a_b",
                                  "1.0+a..b",
                                  "1.0+a+b",
                                  "2147483648.0",
                                  "1.-1",
                                  "1.0\xc3\xa9",
                                  "1.0-\xc3\xa9",
                                  std::string("1.0\0", 4),
                                  "1.0-a b",
                                  std::string(10 * 1024, '1'),
                                  "1.0-" + std::string(2000, 'a')};
  for (const auto& s : bad) {
    Result<Version> v = S().Parse(s);
    EXPECT_FALSE(v.ok()) << "accepted '" << s << "' as " << (v.ok() ? S().Format(*v) : "");
    if (!v.ok()) {
      EXPECT_EQ(v.error().message().rfind("invalid nuget version '", 0), 0u);
    }
  }
}

}  // namespace
}  // namespace vigil::version
