#include "vulndb/internal/alpine_secdb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "../test_util.h"
#include "common/file.h"
#include "feed_test_util.h"

namespace vigil::vulndb {
namespace {

using test::Find;
using test::Problems;

constexpr const char* kWhen = "2020-06-08T00:00:00Z";

std::string Data(const std::string& name) { return test::FeedData("alpine", name); }

// The fixed range {introduced "0", fixed v}, or "" when the entry has a different shape.
std::string FixedVersion(const Affected& af) {
  if (af.spec.ranges.size() != 1) return "";
  const auto& ev = af.spec.ranges[0].events;
  if (ev.size() != 2 || ev[0].kind != version::RangeEvent::Kind::kIntroduced || ev[0].version != "0" ||
      ev[1].kind != version::RangeEvent::Kind::kFixed) {
    return "";
  }
  return ev[1].version;
}

TEST(AlpineSecdb, RealV311MainYaml) {
  auto r = ParseAlpineSecdbYaml(Data("v3.11-main.yaml"), "v3.11/main.yaml", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_GT(r->advisories.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(r->advisories.begin(), r->advisories.end(),
                             [](const Advisory& a, const Advisory& b) { return a.id < b.id; }));

  const Advisory* a = Find(*r, "ALPINE-v3.11-openssl-CVE-2019-1547");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->aliases, std::vector<std::string>{"CVE-2019-1547"});
  EXPECT_EQ(a->published, kWhen);
  EXPECT_EQ(a->modified, kWhen);
  ASSERT_EQ(a->affected.size(), 1u);
  const Affected& af = a->affected[0];
  EXPECT_EQ(af.ecosystem.text, "Alpine:v3.11");
  EXPECT_EQ(af.ecosystem.family, "Alpine");
  EXPECT_EQ(af.ecosystem.release, "v3.11");
  EXPECT_EQ(af.name, "openssl");
  EXPECT_EQ(af.normalized_name, "openssl");
  EXPECT_EQ(af.status, FixStatus::kFixed);
  EXPECT_EQ(FixedVersion(af), "1.1.1d-r1");
  EXPECT_EQ(af.spec.ranges[0].type, version::RangeSpec::Type::kEcosystem);
  EXPECT_EQ(af.spec.ranges[0].type_name, "ECOSYSTEM");
  EXPECT_EQ(af.database_specific, R"({"repo":"main"})");
  EXPECT_EQ(af.status_note, "");
}

TEST(AlpineSecdb, JsonAndYamlOfTheSameBranchGiveTheSameRecords) {
  // v3.11-main.json is v3.11-main.yaml converted to the JSON form secdb serves today.
  auto y = ParseAlpineSecdbYaml(Data("v3.11-main.yaml"), "v3.11/main.yaml", kWhen);
  auto j = ParseAlpineSecdbJson(Data("v3.11-main.json"), "v3.11/main.json", kWhen);
  ASSERT_TRUE(y.ok()) << y.error().ToString();
  ASSERT_TRUE(j.ok()) << j.error().ToString();
  ASSERT_EQ(y->advisories.size(), j->advisories.size());
  for (size_t i = 0; i < y->advisories.size(); ++i) {
    const Advisory& a = y->advisories[i];
    const Advisory& b = j->advisories[i];
    ASSERT_EQ(a.id, b.id);
    EXPECT_EQ(a.aliases, b.aliases) << a.id;
    ASSERT_EQ(a.affected.size(), 1u) << a.id;
    ASSERT_EQ(b.affected.size(), 1u) << b.id;
    EXPECT_EQ(FixedVersion(a.affected[0]), FixedVersion(b.affected[0])) << a.id;
    EXPECT_EQ(a.affected[0].status, b.affected[0].status) << a.id;
    EXPECT_EQ(a.affected[0].status_note, b.affected[0].status_note) << a.id;
  }
  EXPECT_EQ(y->problems.total(), j->problems.total()) << Problems(*y) << Problems(*j);
}

TEST(AlpineSecdb, ReimportIsIdentical) {
  std::string text = Data("v3.10-main.yaml");
  auto a = ParseAlpineSecdbYaml(text, "v3.10/main.yaml", kWhen);
  auto b = ParseAlpineSecdbYaml(text, "v3.10/main.yaml", kWhen);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->advisories.size(), b->advisories.size());
  for (size_t i = 0; i < a->advisories.size(); ++i) {
    EXPECT_EQ(a->advisories[i].id, b->advisories[i].id);
    EXPECT_EQ(a->advisories[i].modified, b->advisories[i].modified);
  }
}

TEST(AlpineSecdb, VersionZeroMeansNeverAffected) {
  // v3.8 main: db lists the Oracle Berkeley DB CVEs under "0" (whitelisted for Alpine's db).
  auto r = ParseAlpineSecdbYaml(Data("v3.8-main.yaml"), "v3.8/main.yaml", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const Advisory* a = Find(*r, "ALPINE-v3.8-db-CVE-2016-0682");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->affected.size(), 1u);
  EXPECT_EQ(a->affected[0].status, FixStatus::kNotAffected);
  EXPECT_TRUE(a->affected[0].spec.ranges.empty());
  EXPECT_EQ(a->affected[0].ecosystem.text, "Alpine:v3.8");
}

TEST(AlpineSecdb, MessyLinesOfV310) {
  auto r = ParseAlpineSecdbYaml(Data("v3.10-main.yaml"), "v3.10/main.yaml", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  struct Case {
    const char* id;
    std::vector<std::string> aliases;
    const char* note;
  };
  const Case cases[] = {
      // "CVE-2016-6258 XSA-182": the Xen advisory is an alias of the CVE.
      {"ALPINE-v3.10-xen-CVE-2016-6258", {"CVE-2016-6258", "XSA-182"}, ""},
      // "CVE-????-?????  XSA-295": no CVE yet; the XSA is the id.
      {"ALPINE-v3.10-xen-XSA-295", {"XSA-295"}, ""},
      // Free text after the id is kept as the note.
      {"ALPINE-v3.10-tcpdump-CVE-2018-10103", {"CVE-2018-10103"}, "(SMB - partially fixed, but SMB printing disabled)"},
      // "CVE-2017-17434-1" and "-2": both read as CVE-2017-17434 (reported).
      {"ALPINE-v3.10-rsync-CVE-2017-17434", {"CVE-2017-17434"}, ""},
  };
  for (const Case& c : cases) {
    const Advisory* a = Find(*r, c.id);
    ASSERT_NE(a, nullptr) << c.id << "\n" << Problems(*r);
    EXPECT_EQ(a->aliases, c.aliases) << c.id;
    ASSERT_EQ(a->affected.size(), 1u) << c.id;
    EXPECT_EQ(a->affected[0].status_note, c.note) << c.id;
  }
  std::string problems = Problems(*r);
  EXPECT_NE(problems.find("'CVE-2017-17434-1' read as CVE-2017-17434"), std::string::npos) << problems;
}

TEST(AlpineSecdb, NullPackagesIsAnEmptyBranch) {
  auto r = ParseAlpineSecdbYaml(Data("v3.3-community.yaml"), "v3.3/community.yaml", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->advisories.empty());
  EXPECT_TRUE(r->problems.empty());
}

TEST(AlpineSecdb, LowestFixedVersionWins) {
  const char* doc = R"({"distroversion": "3.19", "reponame": "community", "packages": [
    {"pkg": {"name": "foo", "secfixes": {
      "1.10.0-r0": ["CVE-2023-0001"],
      "1.9.2-r1": ["CVE-2023-0001 XSA-1"],
      "1.2.0-r0": ["CVE-2023-0002"]}}}]})";
  auto r = ParseAlpineSecdbJson(doc, "doc.json", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->advisories.size(), 2u);
  const Advisory* a = Find(*r, "ALPINE-v3.19-foo-CVE-2023-0001");
  ASSERT_NE(a, nullptr);
  // Compared as apk versions: 1.9.2 < 1.10.0 although "1.10" < "1.9" as text.
  EXPECT_EQ(FixedVersion(a->affected[0]), "1.9.2-r1");
  EXPECT_EQ(a->affected[0].status_note, "also listed under 1.10.0-r0");
  EXPECT_EQ(a->aliases, (std::vector<std::string>{"CVE-2023-0001", "XSA-1"}));
  EXPECT_EQ(a->affected[0].ecosystem.text, "Alpine:v3.19");
  EXPECT_EQ(a->affected[0].database_specific, R"({"repo":"community"})");
  EXPECT_TRUE(r->problems.empty()) << Problems(*r);
}

TEST(AlpineSecdb, NeverAffectedAndFixedIsReportedAndReadAsNotAffected) {
  const char* doc = R"({"distroversion": "v3.19", "packages": [
    {"pkg": {"name": "foo", "secfixes": {"1.1-r0": ["CVE-2023-0001"], "0": ["CVE-2023-0001"]}}}]})";
  auto r = ParseAlpineSecdbJson(doc, "doc.json", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->advisories.size(), 1u);
  EXPECT_EQ(r->advisories[0].affected[0].status, FixStatus::kNotAffected);
  EXPECT_TRUE(r->advisories[0].affected[0].spec.ranges.empty());
  EXPECT_EQ(r->problems.total(), 1u);
  EXPECT_EQ(r->advisories[0].affected[0].database_specific, "");
}

TEST(AlpineSecdb, SeveralCvesOnOneLineAreSeparateAdvisories) {
  const char* doc = R"({"distroversion": "v3.7", "packages": [{"pkg": {"name": "xen",
    "secfixes": {"4.9.1-r1": ["CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI"]}}}]})";
  auto r = ParseAlpineSecdbJson(doc, "doc.json", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->advisories.size(), 3u);
  for (const char* cve : {"CVE-2017-5715", "CVE-2017-5753", "CVE-2017-5754"}) {
    const Advisory* a = Find(*r, std::string("ALPINE-v3.7-xen-") + cve);
    ASSERT_NE(a, nullptr) << cve;
    EXPECT_EQ(a->aliases, (std::vector<std::string>{cve, "XSA-254"}));
    EXPECT_EQ(a->affected[0].status_note, "XPTI");
  }
}

TEST(AlpineSecdb, MisspelledCvesAreRepairedAndReported) {
  const char* doc = R"({"distroversion": "v3.9", "packages": [{"pkg": {"name": "p",
    "secfixes": {"1-r0": ["CVE_2019-2426", "CVE 2018-16859", "CVE-2017-8073.patch"]}}}]})";
  auto r = ParseAlpineSecdbJson(doc, "doc.json", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->advisories.size(), 3u);
  EXPECT_NE(Find(*r, "ALPINE-v3.9-p-CVE-2019-2426"), nullptr);
  EXPECT_NE(Find(*r, "ALPINE-v3.9-p-CVE-2018-16859"), nullptr);
  EXPECT_NE(Find(*r, "ALPINE-v3.9-p-CVE-2017-8073"), nullptr);
  EXPECT_EQ(r->problems.total(), 3u) << Problems(*r);
}

// Each bad entry is skipped and reported with its path; the good ones survive.
TEST(AlpineSecdb, BadEntriesAreSkippedAndReported) {
  struct Case {
    const char* packages;
    const char* where;  // expected in the single problem's location
  };
  const Case cases[] = {
      {R"(["not a mapping"])", "doc.json: packages[0]"},
      {R"([{"nopkg": 1}])", "doc.json: packages[0]"},
      {R"([{"pkg": {"secfixes": {"1-r0": ["CVE-2020-0001"]}}}])", "packages[0].pkg.name"},
      {R"([{"pkg": {"name": 7, "secfixes": {}}}])", "packages[0].pkg.name"},
      {R"([{"pkg": {"name": "a b", "secfixes": {}}}])", "packages[0].pkg.name"},
      {R"([{"pkg": {"name": "x", "secfixes": ["CVE-2020-0001"]}}])", "packages[0].pkg.secfixes"},
      {R"([{"pkg": {"name": "x", "secfixes": {"not a version!": ["CVE-2020-0001"]}}}])",
       R"(packages[0].pkg.secfixes["not a version!"])"},
      {R"([{"pkg": {"name": "x", "secfixes": {"1-r0": [17]}}}])", R"(packages[0].pkg.secfixes["1-r0"][0])"},
      {R"([{"pkg": {"name": "x", "secfixes": {"1-r0": null}}}])", R"(packages[0].pkg.secfixes["1-r0"])"},
      {R"([{"pkg": {"name": "x", "secfixes": {"1-r0": ["fixed some things"]}}}])",
       R"(packages[0].pkg.secfixes["1-r0"][0])"},
      {R"([{"pkg": {"name": "x", "secfixes": {"1-r0": [""]}}}])", R"(packages[0].pkg.secfixes["1-r0"][0])"},
  };
  for (const Case& c : cases) {
    // The bad entry first (so that it is packages[0]), then a good one.
    std::string bad = c.packages;
    std::string doc = R"({"distroversion": "v3.19", "packages": )" + bad.substr(0, bad.size() - 1) +
                      R"(, {"pkg": {"name": "good", "secfixes": {"2-r0": ["CVE-2020-0002"]}}}]})";
    auto r = ParseAlpineSecdbJson(doc, "doc.json", kWhen);
    ASSERT_TRUE(r.ok()) << c.packages << ": " << r.error().ToString();
    EXPECT_NE(Find(*r, "ALPINE-v3.19-good-CVE-2020-0002"), nullptr) << c.packages;
    EXPECT_EQ(r->advisories.size(), 1u) << c.packages;
    ASSERT_EQ(r->problems.total(), 1u) << c.packages << "\n" << Problems(*r);
    std::string where = r->problems.list()[0].where;
    EXPECT_NE(where.find(c.where), std::string::npos) << c.packages << ": " << where;
  }
}

// The same in the YAML form, where every scalar is text and keys can be null.
TEST(AlpineSecdb, BadYamlEntriesAreSkippedAndReported) {
  struct Case {
    const char* package;  // one list item under "packages:", indented by 2
    const char* where;
  };
  const Case cases[] = {
      {"  - just text\n", "y.yaml: packages[0]"},
      {"  - pkg:\n      secfixes:\n        1-r0:\n          - CVE-2020-0001\n", "y.yaml: packages[0].pkg.name"},
      {"  - pkg:\n      name: [a, b]\n", "y.yaml: packages[0].pkg.name"},
      {"  - pkg:\n      name: x\n      secfixes: [CVE-2020-0001]\n", "packages[0].pkg.secfixes"},
      {"  - pkg:\n      name: x\n      secfixes:\n        ~: [CVE-2020-0001]\n", R"(packages[0].pkg.secfixes[""])"},
      {"  - pkg:\n      name: x\n      secfixes:\n        1-r0:\n          - [CVE-2020-0001]\n",
       R"(packages[0].pkg.secfixes["1-r0"][0])"},
      {"  - pkg:\n      name: x\n      secfixes:\n        1-r0:\n          - ~\n",
       R"(packages[0].pkg.secfixes["1-r0"][0])"},
  };
  for (const Case& c : cases) {
    std::string doc = std::string("distroversion: v3.12\npackages:\n") + c.package +
                      "  - pkg:\n      name: good\n      secfixes:\n        2-r0:\n"
                      "          - CVE-2020-0002\n";
    auto r = ParseAlpineSecdbYaml(doc, "y.yaml", kWhen);
    ASSERT_TRUE(r.ok()) << c.package << ": " << r.error().ToString();
    EXPECT_EQ(r->advisories.size(), 1u) << c.package;
    EXPECT_NE(Find(*r, "ALPINE-v3.12-good-CVE-2020-0002"), nullptr) << c.package;
    ASSERT_EQ(r->problems.total(), 1u) << c.package << "\n" << Problems(*r);
    EXPECT_NE(r->problems.list()[0].where.find(c.where), std::string::npos)
        << c.package << ": " << r->problems.list()[0].where;
  }
}

TEST(AlpineSecdb, WholeDocumentErrors) {
  struct Case {
    const char* text;
    bool yaml;
    ErrorCode code;
  };
  const Case cases[] = {
      {"{", false, ErrorCode::kCorrupt},
      {"[]", false, ErrorCode::kCorrupt},
      {"\"text\"", false, ErrorCode::kCorrupt},
      {R"({"packages": []})", false, ErrorCode::kCorrupt},
      {R"({"distroversion": 3.19, "packages": []})", false, ErrorCode::kCorrupt},
      {R"({"distroversion": "bananas", "packages": []})", false, ErrorCode::kCorrupt},
      {R"({"distroversion": "v3.19"})", false, ErrorCode::kCorrupt},
      {R"({"distroversion": "v3.19", "packages": {}})", false, ErrorCode::kCorrupt},
      {"distroversion: v3.19\npackages: [\n", true, ErrorCode::kCorrupt},
      {"- a\n- b\n", true, ErrorCode::kCorrupt},
      {"distroversion: [v3.19]\npackages: []\n", true, ErrorCode::kCorrupt},
      {"? [a, b]\n: c\n", true, ErrorCode::kCorrupt},
      {"", true, ErrorCode::kCorrupt},
  };
  for (const Case& c : cases) {
    auto r = c.yaml ? ParseAlpineSecdbYaml(c.text, "doc", kWhen) : ParseAlpineSecdbJson(c.text, "doc", kWhen);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().code(), c.code) << c.text << ": " << r.error().ToString();
    EXPECT_EQ(r.error().message().rfind("doc:", 0), 0u) << r.error().message();  // "doc: " or "doc:LINE:COL: "
  }
}

TEST(AlpineSecdb, TimestampMustBeRfc3339) {
  auto r = ParseAlpineSecdbJson(R"({"distroversion": "v3.19", "packages": []})", "doc", "yesterday");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(AlpineSecdb, YamlScalarsStayText) {
  // An unquoted 1.10 is a float to typed YAML loaders; secdb means the version "1.10".
  const char* doc =
      "distroversion: v3.5\npackages:\n  - pkg:\n      name: x\n      secfixes:\n"
      "        1.10:\n          - CVE-2020-0001\n";
  auto r = ParseAlpineSecdbYaml(doc, "doc.yaml", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->advisories.size(), 1u);
  EXPECT_EQ(FixedVersion(r->advisories[0].affected[0]), "1.10");
}

TEST(AlpineSecdb, HostileYaml) {
  // Deep flow nesting, a "billion laughs" alias bomb, a huge line: errors, not crashes.
  std::string deep = "distroversion: v3.1\npackages: " + std::string(5000, '[') + std::string(5000, ']');
  auto r1 = ParseAlpineSecdbYaml(deep, "deep.yaml", kWhen);
  EXPECT_FALSE(r1.ok());

  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'k'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  bomb += "distroversion: v3.1\npackages: []\n";
  auto r2 = ParseAlpineSecdbYaml(bomb, "bomb.yaml", kWhen);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), ErrorCode::kLimitExceeded) << r2.error().ToString();

  std::string huge =
      "distroversion: v3.1\npackages:\n  - pkg:\n      name: x\n      secfixes:\n"
      "        1-r0:\n          - CVE-2020-0001 " +
      std::string(1 << 20, 'y') + "\n";
  auto r3 = ParseAlpineSecdbYaml(huge, "huge.yaml", kWhen);
  ASSERT_TRUE(r3.ok()) << r3.error().ToString();
  ASSERT_EQ(r3->advisories.size(), 1u);
  EXPECT_EQ(r3->advisories[0].affected[0].status_note.size(), size_t{1} << 20);
}

TEST(AlpineSecdb, DeepJsonIsRefused) {
  std::string deep =
      R"({"distroversion": "v3.1", "packages": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto r = ParseAlpineSecdbJson(deep, "deep.json", kWhen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
}

TEST(AlpineSecdb, Branches) {
  EXPECT_EQ(NormalizeAlpineBranch("v3.11"), "v3.11");
  EXPECT_EQ(NormalizeAlpineBranch("3.11"), "v3.11");
  EXPECT_EQ(NormalizeAlpineBranch("edge"), "edge");
  for (const char* bad : {"", "v", "v3", "3.", ".1", "v3.1.2", "vv3.1", "3.1a", "latest"}) {
    EXPECT_EQ(NormalizeAlpineBranch(bad), "") << bad;
  }
}

}  // namespace
}  // namespace vigil::vulndb
