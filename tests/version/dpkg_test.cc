// dpkg: every line of dpkg's own vectors and of osv-scalibr's Debian vectors, plus bad input.
#include <gtest/gtest.h>

#include "vectors.h"
#include "version/version.h"

namespace vigil::version {
namespace {

using testing::CheckComparisons;
using testing::ReadScalibr;
using testing::ReadTsv;

const Scheme& Dpkg() { return *FindScheme("dpkg"); }

TEST(DpkgTest, DpkgOwnComparisonVectors) {
  std::set<std::string> rejected;
  size_t compared = 0;
  CheckComparisons(Dpkg(), ReadTsv("dpkg-version-compare.tsv"), &rejected, &compared);
  EXPECT_EQ(compared, 43u);
  EXPECT_TRUE(rejected.empty()) << testing::Join(rejected);
}

TEST(DpkgTest, DpkgOwnValidityVectors) {
  // Columns: version, is_valid, has_epoch, has_revision ("-" = not asserted by dpkg's test).
  size_t line_no = 0, rows = 0;
  ForEachLine(testing::ReadVectors("dpkg-version-validity.tsv"), [&](std::string_view line) {
    ++line_no;
    if (!line.empty() && line[0] == '#') return;
    auto f = Split(line, '\t');
    ASSERT_EQ(f.size(), 4u) << "line " << line_no;
    ++rows;
    auto v = Dpkg().Parse(f[0]);
    // Rows whose validity dpkg's test does not assert are used there as valid versions whose
    // epoch and revision it inspects. Dpkg::Version's "invalid" is C dpkg's error or warning:
    // refused, or accepted with a Warning() (foo5.2, 5.2@3-2, 0:foo5.2), as `dpkg
    // --compare-versions` does.
    bool valid = f[1] != "0";
    bool clean = v.ok() && Dpkg().Warning(*v).empty();
    EXPECT_EQ(clean, valid) << "line " << line_no << ": '" << f[0] << "'"
                            << (v.ok() ? " " + Dpkg().Warning(*v) : " " + v.error().message());
    if (!v.ok()) return;
    // has_epoch / has_revision: observable through ordering. An epoch of 1 sorts above any
    // version without one; a revision makes the version differ from its upstream alone.
    if (f[2] == "1") {
      EXPECT_GT(v->Compare(*Dpkg().Parse("99999")), 0) << f[0];
    }
    if (f[2] == "0") {
      EXPECT_LT(v->Compare(*Dpkg().Parse("1:0")), 0) << f[0];
    }
  });
  EXPECT_EQ(rows, 14u);
}

// Versions C dpkg accepts with a warning ("version number does not start with digit", "invalid
// character in version/revision number") and still orders: every row's order and warning as
// this machine's `dpkg --compare-versions` gave them (testdata/record-dpkg-warned.sh).
TEST(DpkgTest, WarnedVersionsAreOrderedAsDpkgCompareVersionsDoes) {
  size_t rows = 0;
  ForEachLine(testing::ReadVectors("dpkg-compare-versions-warned.tsv"), [&](std::string_view line) {
    if (line.empty() || line[0] == '#') return;
    auto f = Split(line, '\t');
    ASSERT_EQ(f.size(), 5u) << line;
    ++rows;
    auto a = Dpkg().Parse(f[0]);
    auto b = Dpkg().Parse(f[1]);
    ASSERT_TRUE(a.ok()) << a.error().message();
    ASSERT_TRUE(b.ok()) << b.error().message();
    int c = a->Compare(*b);
    int sign = c < 0 ? -1 : (c > 0 ? 1 : 0);
    EXPECT_EQ(std::to_string(sign), f[2]) << f[0] << " vs " << f[1];
    EXPECT_EQ(Dpkg().Warning(*a), f[3] == "-" ? "" : std::string(f[3])) << f[0];
    EXPECT_EQ(Dpkg().Warning(*b), f[4] == "-" ? "" : std::string(f[4])) << f[1];
  });
  EXPECT_EQ(rows, 29u);
  // A version dpkg does not warn about has no Warning().
  EXPECT_EQ(Dpkg().Warning(*Dpkg().Parse("1:2.36-9+deb12u4")), "");
  // As an advisory bound, a warned version is refused (RefuseWarned): "code-not-present" is no
  // fixed version, though dpkg would order it above every 0: version.
  auto bound = RefuseWarned(Dpkg(), *Dpkg().Parse("code-not-present"));
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.error().message().find("does not start with digit"), std::string::npos) << bound.error().message();
  EXPECT_TRUE(RefuseWarned(Dpkg(), *Dpkg().Parse("1.0-1")).ok());
}

TEST(DpkgTest, OsvScalibrDebianVectors) {
  std::set<std::string> rejected;
  size_t compared = 0;
  CheckComparisons(Dpkg(), ReadScalibr("osv-scalibr/debian-versions.txt"), &rejected, &compared);
  EXPECT_EQ(compared, 30u);
  EXPECT_TRUE(rejected.empty()) << testing::Join(rejected);
}

TEST(DpkgTest, OsvScalibrDebianGeneratedVectors) {
  std::set<std::string> rejected;
  size_t compared = 0;
  CheckComparisons(Dpkg(), ReadScalibr("osv-scalibr/debian-versions-generated.txt"), &rejected, &compared);
  EXPECT_EQ(compared, 14442u);
  EXPECT_TRUE(rejected.empty()) << testing::Join(rejected);
}

TEST(DpkgTest, EpochsAreNotIgnored) {
  // The classic scanner bug: 2:9.0.0 is newer than 8.3.2.
  EXPECT_GT(*Dpkg().CompareText("2:9.0.0", "8.3.2"), 0);
  EXPECT_GT(*Dpkg().CompareText("1:0.1", "9999"), 0);
  EXPECT_EQ(*Dpkg().CompareText("0:1.0-1", "1.0-1"), 0);
  EXPECT_EQ(*Dpkg().CompareText("1.0", "1.0-0"), 0);
  EXPECT_LT(*Dpkg().CompareText("1.0~rc1", "1.0"), 0);
  EXPECT_LT(*Dpkg().CompareText("1.0", "1.0+b1"), 0);
  EXPECT_LT(*Dpkg().CompareText("1.0~~", "1.0~"), 0);
  EXPECT_EQ(*Dpkg().CompareText(" 1.0 ", "1.0"), 0);  // dpkg ignores surrounding blanks
  // Numbers longer than 64 bits compare exactly.
  EXPECT_LT(*Dpkg().CompareText("1.99999999999999999999998", "1.99999999999999999999999"), 0);
  EXPECT_EQ(*Dpkg().CompareText("1.000000000000000000000000001", "1.1"), 0);
}

TEST(DpkgTest, BadInput) {
  struct Case {
    std::string text, reason;
  } cases[] = {
      {"", "empty version"},
      {"   ", "version string is empty"},
      {"1:", "nothing after colon"},
      {":1.0", "epoch in version is empty"},
      {"a:1.0", "epoch in version is not number"},
      {"-1:1.0", "epoch in version is not number"},
      {"99999999999:1.0", "epoch in version is too big"},
      {"1.0-", "revision number is empty"},
      {"--", "revision number is empty"},
      {"-1", "upstream version is empty"},
      {"1:-1", "upstream version is empty"},
      {"1.0 beta", "embedded spaces"},
      {"1.0-1:1", "epoch in version is not number"},  // dpkg reads up to the first ':' as epoch
      // dpkg warns about these bytes and compares them by value; no archive has them, and the
      // order table covers printable ASCII only: refused (docs/VERSIONS.md).
      {"1.0\xc3\xa9", "invalid character in version number"},
      {"1.0\x01", "invalid character in version number"},
      {std::string(10240, '1'), "longer than 1024 bytes"},
  };
  for (const auto& c : cases) {
    auto v = Dpkg().Parse(c.text);
    ASSERT_FALSE(v.ok()) << "'" << c.text << "' was accepted";
    EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
    const std::string& m = v.error().message();
    EXPECT_EQ(m.rfind("invalid dpkg version '", 0), 0u) << m;
    EXPECT_NE(m.find(c.reason), std::string::npos) << "'" << c.text << "': " << m;
    EXPECT_LT(m.size(), 250u) << "the text must be clipped";
  }
  // Non-printable bytes are escaped in the message.
  auto v = Dpkg().Parse("1.0\x1b[31m");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("1.0\\x1b[31m"), std::string::npos) << v.error().message();
}

}  // namespace
}  // namespace vigil::version
