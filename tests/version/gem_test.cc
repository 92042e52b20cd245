// RubyGems Gem::Version: osv-scalibr's RubyGems vectors (generated upstream with Gem::Version),
// Gem::Version's documented examples, and bad input. Origins: tests/version/testdata/README.md.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "scalibr_vectors.h"
#include "version/internal/schemes.h"
#include "version/version.h"
#include "version_test_util.h"

namespace vigil::version {
namespace {

using testing::ReadComparisonVectors;

const Scheme& S() { return *GemScheme(); }

int Cmp(std::string_view a, std::string_view b) { return testing::CompareSign(S(), a, b); }

std::string Norm(std::string_view s) { return testing::Normalize(S(), s); }

TEST(Gem, Registered) {
  EXPECT_EQ(FindScheme("gem"), GemScheme());
  EXPECT_EQ(FindScheme("RubyGems"), GemScheme());
}

// osv-scalibr's hand-written file has two lines ("1 > 1beta", "1 > 1gamma") with versions
// Gem::Version refuses ("Malformed version number string 1beta", checked with Debian's ruby
// 3.1 / RubyGems 3.3.15); we refuse them too (docs/VERSIONS.md).
TEST(Gem, ScalibrVectors) {
  const std::set<std::string> kRefused = {"1beta", "1gamma"};
  for (const auto& s : kRefused) EXPECT_FALSE(S().Parse(s).ok()) << s;
  size_t n = 0, refused = 0;
  for (const char* file : {"rubygems-versions.txt", "rubygems-versions-generated.txt"}) {
    auto cases = ReadComparisonVectors(file);
    ASSERT_FALSE(cases.empty()) << file;
    for (const auto& c : cases) {
      if (kRefused.count(c.a) != 0 || kRefused.count(c.b) != 0) {
        ++refused;
        continue;
      }
      EXPECT_EQ(Cmp(c.a, c.b), c.expected) << file << ":" << c.line << ": " << c.a << " vs " << c.b;
      EXPECT_EQ(Cmp(c.b, c.a), -c.expected) << file << ":" << c.line;
      // Format is canonical: it parses back to an equal version.
      for (const auto& s : {c.a, c.b}) EXPECT_EQ(Cmp(Norm(s), s), 0) << s;
      ++n;
    }
  }
  EXPECT_EQ(refused, 2u);
  EXPECT_GT(n, 4000u);
}

TEST(Gem, Semantics) {
  EXPECT_EQ(Cmp("1.0", "1"), 0);
  EXPECT_EQ(Cmp("1.0.a", "1.a"), 0);        // trailing zeros of the numeric part
  EXPECT_EQ(Cmp("1.a.0", "1.a"), 0);        // and of the rest
  EXPECT_EQ(Cmp("1.a.0.1", "1.a.1"), -1);   // but not inner ones
  EXPECT_EQ(Cmp("1.0.a", "1.0"), -1);       // a string sorts below 0
  EXPECT_EQ(Cmp("1.0.A", "1.0.a"), -1);     // byte-wise, case-sensitive
  EXPECT_EQ(Cmp("1.0-1", "1.0.pre.1"), 0);  // '-' is ".pre."
  EXPECT_EQ(Cmp("1.0.pre.1", "1.0.rc1"), -1);
  EXPECT_EQ(Cmp("1.0a1", "1.0.a.1"), 0);  // runs split at digit/letter boundaries
  EXPECT_EQ(Cmp("01.02", "1.2"), 0);
  EXPECT_EQ(Cmp(" 1.2\n", "1.2"), 0);
  EXPECT_EQ(Cmp("1--", "1.pre.pre"), 0);
  EXPECT_EQ(Cmp("99999999999999999999999.1", "99999999999999999999998.9"), 1);
  EXPECT_EQ(Norm("1.0-1"), "1.pre.1");
  EXPECT_EQ(Norm("1.0.0"), "1");
  EXPECT_EQ(Norm("0.0"), "0");
  EXPECT_EQ(Norm("1.0a01.0"), "1.a.1");
  EXPECT_EQ(Norm("2.0.0.rc1"), "2.rc.1");
}

TEST(Gem, BadInput) {
  std::vector<std::string> bad = {"",
                                  " ",
                                  "\n\t",
                                  "1a",
                                  "a",
                                  "v1.0",
                                  "1.0-",
                                  "1..0",
                                  "1.0.",
                                  ".1",
                                  "1.0+1",
                                  "1.0-a..b",
                                  "1.0-a.",
                                  "1.0 1",
                                  "1.0\xc3\xa9",
                                  "\xc2\xa0"
                                  "1.0",
                                  std::string("1.0\0", 4),
                                  "1.0_1",
                                  "-1",
                                  "1,0",
                                  std::string(10 * 1024, '1'),
                                  "1." + std::string(2000, 'a')};
  for (const auto& s : bad) {
    Result<Version> v = S().Parse(s);
    EXPECT_FALSE(v.ok()) << "accepted '" << s << "' as " << (v.ok() ? S().Format(*v) : "");
    if (!v.ok()) {
      EXPECT_EQ(v.error().message().rfind("invalid gem version '", 0), 0u);
    }
  }
}

}  // namespace
}  // namespace vigil::version
