// PEP 440 (PyPI): every vector from pypa/packaging's tests and osv-scalibr's PyPI files, plus
// bad input. Vector origins: tests/version/testdata/README.md.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
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

const Scheme& S() { return *Pep440Scheme(); }

nlohmann::json LoadVectors() {
  std::ifstream in(vigil::testing::TestData("version", "pep440-versions.json"));
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

Version MustParse(std::string_view s) { return testing::MustParse(S(), s); }

int Cmp(std::string_view a, std::string_view b) { return testing::CompareSign(S(), a, b); }

std::string Norm(std::string_view s) { return testing::Normalize(S(), s); }

TEST(Pep440, Registered) {
  EXPECT_EQ(FindScheme("pep440"), Pep440Scheme());
  EXPECT_EQ(FindScheme("PyPI"), Pep440Scheme());
}

TEST(Pep440, PackagingSortedList) {
  nlohmann::json d = LoadVectors();
  std::vector<std::string> list = d["versions_sorted_ascending"];
  ASSERT_EQ(list.size(), 92u);
  std::vector<Version> parsed;
  for (const auto& s : list) parsed.push_back(MustParse(s));
  for (size_t i = 0; i < parsed.size(); ++i) {
    for (size_t j = 0; j < parsed.size(); ++j) {
      int want = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(Sign(S().Compare(parsed[i], parsed[j])), want) << list[i] << " vs " << list[j];
    }
    // Format round trip: the normal form parses back to an equal version.
    std::string f = S().Format(parsed[i]);
    EXPECT_EQ(Sign(S().Compare(MustParse(f), parsed[i])), 0) << list[i] << " -> " << f;
    EXPECT_EQ(S().Format(MustParse(f)), f);
  }
}

TEST(Pep440, PackagingInvalidList) {
  nlohmann::json d = LoadVectors();
  std::vector<std::string> list = d["invalid_versions"];
  ASSERT_EQ(list.size(), 20u);
  for (const auto& s : list) {
    Result<Version> v = S().Parse(s);
    ASSERT_FALSE(v.ok()) << s << " accepted as " << S().Format(*v);
    EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(v.error().message().rfind("invalid pep440 version '", 0), 0u) << v.error().message();
  }
}

TEST(Pep440, PackagingNormalizedAndStr) {
  nlohmann::json d = LoadVectors();
  ASSERT_EQ(d["normalized"].size(), 102u);
  for (const auto& e : d["normalized"]) {
    EXPECT_EQ(Norm(e["version"].get<std::string>()), e["normalized"].get<std::string>());
  }
  ASSERT_FALSE(d["str_repr"].empty());
  for (const auto& e : d["str_repr"]) {
    EXPECT_EQ(Norm(e["version"].get<std::string>()), e["str"].get<std::string>());
  }
}

// The per-field expectations (public, base_version, epoch, release, local, pre, dev, post,
// is_*), read back from the normal form: it spells each field in exactly one way.
struct Fields {
  std::string epoch, release, pre_l, pre_n, post, dev, local;
  bool has_pre = false, has_post = false, has_dev = false, has_local = false;
};
Fields Split(const std::string& normal) {
  static const std::regex kRe(
      R"(^(?:(\d+)!)?(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?(?:\+(.*))?$)");
  std::smatch m;
  Fields f;
  EXPECT_TRUE(std::regex_match(normal, m, kRe)) << normal;
  f.epoch = m[1].matched ? m[1].str() : "0";
  f.release = m[2];
  f.has_pre = m[3].matched;
  f.pre_l = m[3];
  f.pre_n = m[4];
  f.has_post = m[5].matched;
  f.post = m[5];
  f.has_dev = m[6].matched;
  f.dev = m[6];
  f.has_local = m[7].matched;
  f.local = m[7];
  return f;
}

std::string JsonText(const nlohmann::json& j) {
  if (j.is_null()) return "None";
  if (j.is_string()) return j.get<std::string>();
  if (j.is_boolean()) return j.get<bool>() ? "True" : "False";
  if (j.is_number()) return std::to_string(j.get<long long>());
  std::string out;  // lists: release [1, 0] -> "1.0"; pre ["a", 1] -> "a1"
  bool joined = !j.empty() && !j[0].is_string();
  for (size_t i = 0; i < j.size(); ++i) {
    if (joined && i != 0) out += '.';
    out += JsonText(j[i]);
  }
  return out;
}

TEST(Pep440, PackagingFieldExpectations) {
  nlohmann::json d = LoadVectors();
  size_t checked = 0;
  for (const char* key : {"public", "base_version", "epoch", "release", "local", "pre", "dev", "post", "is_prerelease",
                          "is_devrelease", "is_postrelease"}) {
    for (const auto& e : d[key]) {
      std::string v = e["version"];
      std::string normal = Norm(v);
      Fields f = Split(normal);
      std::string base = (f.epoch == "0" ? "" : f.epoch + "!") + f.release;
      std::string got;
      std::string k = key;
      if (k == "public") got = normal.substr(0, normal.find('+'));
      if (k == "base_version") got = base;
      if (k == "epoch") got = f.epoch;
      if (k == "release") got = f.release;
      if (k == "local") got = f.has_local ? f.local : "None";
      if (k == "pre") got = f.has_pre ? f.pre_l + f.pre_n : "None";
      if (k == "dev") got = f.has_dev ? f.dev : "None";
      if (k == "post") got = f.has_post ? f.post : "None";
      if (k == "is_prerelease") got = f.has_pre || f.has_dev ? "True" : "False";
      if (k == "is_devrelease") got = f.has_dev ? "True" : "False";
      if (k == "is_postrelease") got = f.has_post ? "True" : "False";
      const nlohmann::json& want = e.contains(k) ? e[k] : e["expected"];
      EXPECT_EQ(got, JsonText(want)) << key << " of " << v;
      ++checked;
    }
  }
  EXPECT_GT(checked, 200u);
}

// osv-scalibr's PyPI vectors. They keep "legacy" versions that only packaging < 22 accepted (as
// LegacyVersion, ordered before every PEP 440 version); they are not PEP 440 and we refuse them,
// as packaging >= 22 and pip do (docs/VERSIONS.md, "PyPI: legacy versions"). The list of them,
// pypi-legacy-versions.txt, was made with Debian's python3-packaging 23.0.
TEST(Pep440, ScalibrVectors) {
  std::set<std::string> legacy;
  {
    std::ifstream in(vigil::testing::TestData("version", "pypi-legacy-versions.txt"));
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] != '#') legacy.insert(line);
    }
  }
  ASSERT_EQ(legacy.size(), 72u);
  for (const auto& s : legacy) EXPECT_FALSE(S().Parse(s).ok()) << s;
  size_t compared = 0, skipped = 0;
  for (const char* file : {"pypi-versions.txt", "pypi-versions-generated.txt"}) {
    auto cases = ReadComparisonVectors(file);
    ASSERT_FALSE(cases.empty()) << file;
    for (const auto& c : cases) {
      if (legacy.count(c.a) != 0 || legacy.count(c.b) != 0) {
        ++skipped;
        continue;
      }
      EXPECT_EQ(Cmp(c.a, c.b), c.expected) << file << ":" << c.line << ": " << c.a << " vs " << c.b;
      EXPECT_EQ(Cmp(c.b, c.a), -c.expected) << file << ":" << c.line;
      ++compared;
    }
  }
  EXPECT_LT(skipped, 100u);
  EXPECT_GT(compared, 12000u);
}

TEST(Pep440, Normalization) {
  EXPECT_EQ(Norm("  V1.0\n"), "1.0");
  EXPECT_EQ(Norm("1.0a."), "1.0a0");
  EXPECT_EQ(Norm("1.0a.-post1"), "1.0a0.post1");
  EXPECT_EQ(Norm("1.0.post."), "1.0.post0");
  EXPECT_EQ(Norm("1.0-r"), "1.0.post0");
  EXPECT_EQ(Norm("1.0a1-1"), "1.0a1.post1");
  EXPECT_EQ(Norm("01!01.010a01-01.dev01+0A.01"), "1!1.10a1.post1.dev1+0a.1");
  EXPECT_EQ(Norm("0!1.0"), "1.0");
  EXPECT_EQ(Norm("1.0+a-b_c"), "1.0+a.b.c");
  EXPECT_EQ(Norm("1.0PREVIEW2"), "1.0rc2");
  EXPECT_EQ(Norm("1.0-ALPHA_3"), "1.0a3");
  EXPECT_EQ(Norm("1.0.REV4"), "1.0.post4");
  EXPECT_EQ(Norm("1.0+ubuntu1"), "1.0+ubuntu1");
  EXPECT_EQ(Norm("\x1c"
                 "1.0\x0b"),
            "1.0");
  EXPECT_EQ(Norm("\xe3\x80\x80"
                 "1.0\xc2\x85"),
            "1.0");  // Unicode spaces around: stripped
  EXPECT_EQ(Norm("99999999999999999999999999.1"), "99999999999999999999999999.1");
}

TEST(Pep440, Ordering) {
  EXPECT_EQ(Cmp("1!0.1", "2.0"), 1);        // epoch wins
  EXPECT_EQ(Cmp("1.0", "1.0.0.0"), 0);      // trailing zeros
  EXPECT_EQ(Cmp("1.0.dev1", "1.0a1"), -1);  // bare dev before pre
  EXPECT_EQ(Cmp("1.0a1.dev1", "1.0a1"), -1);
  EXPECT_EQ(Cmp("1.0.post1.dev1", "1.0"), 1);
  EXPECT_EQ(Cmp("1.0+ubuntu1", "1.0"), 1);             // local after public
  EXPECT_EQ(Cmp("1.0+ubuntu1", "1.0+ubuntu1.1"), -1);  // prefix first
  EXPECT_EQ(Cmp("1.0+1", "1.0+abc"), 1);               // numbers above text
  EXPECT_EQ(Cmp("1.0+ABC", "1.0+abc"), 0);
  EXPECT_EQ(Cmp("1.0+10", "1.0+9"), 1);
  EXPECT_EQ(Cmp("1.0+010", "1.0+10"), 0);
  EXPECT_EQ(Cmp("1.0c1", "1.0rc1"), 0);
  EXPECT_EQ(Cmp("1.0-1", "1.0.post1"), 0);
  EXPECT_EQ(Cmp("100000000000000000000000", "99999999999999999999999"), 1);
}

TEST(Pep440, BadInput) {
  std::vector<std::string> bad = {"",
                                  " ",
                                  "\t\n",
                                  "v",
                                  "1.0-",
                                  "1.0+",
                                  "1.0+a..b",
                                  "1.0+-a",
                                  "1!",
                                  "!1",
                                  "1.0.dev1.post1",
                                  "1.0prev",
                                  "1.0a1b1",
                                  "1..0",
                                  "1.0.",
                                  ".1",
                                  "1.0 a1",
                                  "1.\xc2\xa0"
                                  "0",
                                  "1.0+\xe2\x84\xaa",
                                  "1.0.po\xc5\xbft1",
                                  std::string("1.0\0", 4),
                                  "--",
                                  "1.0rc1rc1",
                                  "1.*",
                                  "==1.0",
                                  "1.0-dev-1-",
                                  "1:1.0",
                                  std::string(10 * 1024, '1'),
                                  "1." + std::string(2000, '0'),
                                  "1.0+" + std::string(2000, 'a')};
  for (const auto& s : bad) {
    Result<Version> v = S().Parse(s);
    EXPECT_FALSE(v.ok()) << "accepted '" << s << "' as " << (v.ok() ? S().Format(*v) : "");
    if (!v.ok()) {
      EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(v.error().message().rfind("invalid pep440 version '", 0), 0u);
      EXPECT_LT(v.error().message().size(), 200u);
    }
  }
  // The longest accepted text still parses and compares.
  std::string longest = "1." + std::string(kMaxVersionLength - 2, '9');
  EXPECT_EQ(Cmp(longest, longest), 0);
}

}  // namespace
}  // namespace vigil::version
