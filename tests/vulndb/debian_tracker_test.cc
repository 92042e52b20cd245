#include "vulndb/internal/debian_tracker.h"

#include <gtest/gtest.h>

#include <string>

#include "../test_util.h"
#include "common/file.h"
#include "feed_test_util.h"

namespace vigil::vulndb {
namespace {

using test::Find;
using test::Problems;

constexpr const char* kWhen = "2025-08-01T00:00:00Z";

std::string Data(const std::string& name) {
  auto text = ReadFile(testing::TestData("vulndb", "debian/" + name));
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? *text : std::string();
}

DebianTrackerOptions Options() {
  DebianTrackerOptions o;
  o.modified = kWhen;
  return o;
}

const Affected* FindAffected(const Advisory& a, std::string_view name, std::string_view ecosystem) {
  for (const Affected& af : a.affected) {
    if (af.name == name && af.ecosystem.text == ecosystem) return &af;
  }
  return nullptr;
}

// "fixed:<v>", "open" ({introduced 0} only) or "none" (no ranges); "?" for anything else.
std::string Shape(const Affected& af) {
  if (af.spec.ranges.empty()) return "none";
  if (af.spec.ranges.size() != 1) return "?";
  const auto& ev = af.spec.ranges[0].events;
  if (ev.empty() || ev[0].kind != version::RangeEvent::Kind::kIntroduced || ev[0].version != "0") {
    return "?";
  }
  if (ev.size() == 1) return "open";
  if (ev.size() == 2 && ev[1].kind == version::RangeEvent::Kind::kFixed) return "fixed:" + ev[1].version;
  return "?";
}

TEST(DebianTracker, RealSample) {
  auto r = ParseDebianTrackerJson(Data("tracker-sample.json"), "debian.json", Options());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->problems.empty()) << Problems(*r);
  // Six issues; CVE-2022-0358 (chromium-browser) has no releases and gives no advisory.
  ASSERT_EQ(r->advisories.size(), 6u);
  EXPECT_EQ(Find(*r, "DEBIAN-TRACKER-CVE-2022-0358"), nullptr);

  const Advisory* a = Find(*r, "DEBIAN-TRACKER-CVE-2008-7220");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->aliases, std::vector<std::string>{"CVE-2008-7220"});
  EXPECT_EQ(a->summary,
            "Unspecified vulnerability in Prototype JavaScript framework (prototypejs) before "
            "1.6.0.2 allows attackers to make \"cross-site ajax requests\" via unknown vectors.");
  EXPECT_EQ(a->details, a->summary);
  EXPECT_EQ(a->published, kWhen);
  EXPECT_EQ(a->modified, kWhen);
  EXPECT_EQ(a->database_specific, R"({"scope":"remote"})");
  ASSERT_EQ(a->references.size(), 2u);
  EXPECT_EQ(a->references[0].type, "WEB");
  EXPECT_EQ(a->references[0].url, "https://security-tracker.debian.org/tracker/CVE-2008-7220");
  EXPECT_EQ(a->references[1].type, "REPORT");
  EXPECT_EQ(a->references[1].url, "https://bugs.debian.org/555217");
  // jessie, stretch, buster, sid in release order.
  ASSERT_EQ(a->affected.size(), 4u);
  const char* ecosystems[] = {"Debian:8", "Debian:9", "Debian:10", "Debian:sid"};
  for (size_t i = 0; i < 4; ++i) {
    const Affected& af = a->affected[i];
    EXPECT_EQ(af.ecosystem.text, ecosystems[i]);
    EXPECT_EQ(af.ecosystem.family, "Debian");
    EXPECT_EQ(af.name, "prototypejs");
    EXPECT_EQ(af.normalized_name, "prototypejs");
    EXPECT_EQ(af.status, FixStatus::kFixed) << ecosystems[i];
    EXPECT_EQ(Shape(af), "fixed:1.6.0.2-1") << ecosystems[i];
    EXPECT_EQ(af.status_note, "urgency: high**");
    ASSERT_EQ(af.severity.size(), 1u);
    EXPECT_EQ(af.severity[0].type, "Debian");
    EXPECT_EQ(af.severity[0].score, "high**");
  }
  EXPECT_EQ(a->affected[0].database_specific, R"({"codename":"jessie"})");
  EXPECT_EQ(a->affected[3].ecosystem.release, "sid");
}

TEST(DebianTracker, ResolvedWithVersionZeroIsNotAffected) {
  auto r = ParseDebianTrackerJson(Data("tracker-sample.json"), "debian.json", Options());
  ASSERT_TRUE(r.ok());
  const Advisory* a = Find(*r, "DEBIAN-TRACKER-CVE-2007-2383");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->affected.size(), 4u);
  for (const Affected& af : a->affected) {
    EXPECT_EQ(af.status, FixStatus::kNotAffected) << af.ecosystem.text;
    EXPECT_EQ(Shape(af), "none") << af.ecosystem.text;
    // "unimportant" is a real Debian rating: kept as severity.
    ASSERT_EQ(af.severity.size(), 1u);
    EXPECT_EQ(af.severity[0].score, "unimportant");
  }
}

TEST(DebianTracker, EndOfLifeUrgencyAndUnassignedUrgency) {
  auto r = ParseDebianTrackerJson(Data("tracker-sample.json"), "debian.json", Options());
  ASSERT_TRUE(r.ok());
  const Advisory* a = Find(*r, "DEBIAN-TRACKER-CVE-2022-0456");
  ASSERT_NE(a, nullptr);
  struct Case {
    const char* ecosystem;
    FixStatus status;
    const char* shape;
  };
  const Case cases[] = {
      {"Debian:9", FixStatus::kEndOfLife, "open"},
      {"Debian:10", FixStatus::kEndOfLife, "open"},
      {"Debian:11", FixStatus::kFixed, "fixed:98.0.4758.80-1~deb11u1"},
      {"Debian:12", FixStatus::kFixed, "fixed:98.0.4758.80-1"},
      {"Debian:sid", FixStatus::kFixed, "fixed:98.0.4758.80-1"},
  };
  ASSERT_EQ(a->affected.size(), 5u);
  for (const Case& c : cases) {
    const Affected* af = FindAffected(*a, "chromium", c.ecosystem);
    ASSERT_NE(af, nullptr) << c.ecosystem;
    EXPECT_EQ(af->status, c.status) << c.ecosystem;
    EXPECT_EQ(Shape(*af), c.shape) << c.ecosystem;
    // Neither "end-of-life" nor "not yet assigned" is a severity rating.
    EXPECT_TRUE(af->severity.empty()) << c.ecosystem;
  }
  EXPECT_EQ(FindAffected(*a, "chromium", "Debian:9")->status_note, "urgency: end-of-life");
  EXPECT_EQ(FindAffected(*a, "chromium", "Debian:12")->status_note, "");
  // No description in the sample for this issue: no summary, no scope.
  EXPECT_EQ(a->summary, "");
  EXPECT_EQ(a->database_specific, "");
}

// The statuses the sample lacks, one release each (shaped as the export writes them).
TEST(DebianTracker, OpenStatusesAndUndetermined) {
  const char* doc = R"({
    "zlib": {"CVE-2023-45853": {"description": "MiniZip in zlib through 1.3 has an integer overflow. More text.",
      "scope": "local", "debianbug": 1054290,
      "releases": {
        "bookworm": {"status": "open", "repositories": {"bookworm": "1:1.2.13.dfsg-1"},
                     "urgency": "unimportant", "nodsa": "contrib/minizip not built", "nodsa_reason": "ignored"},
        "bullseye": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "postponed"},
        "buster": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": ""},
        "trixie": {"status": "open", "urgency": "medium**", "next_point_update": true},
        "forky": {"status": "undetermined", "urgency": "not yet assigned"},
        "sid": {"status": "resolved", "fixed_version": "1:1.3.dfsg-1", "urgency": "unimportant"}}}},
    "prototypejs": {"TEMP-0555217-4E5B2C": {"releases": {"bookworm": {"status": "open"}}}}
  })";
  auto r = ParseDebianTrackerJson(doc, "debian.json", Options());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->problems.empty()) << Problems(*r);
  ASSERT_EQ(r->advisories.size(), 2u);
  const Advisory* a = Find(*r, "DEBIAN-TRACKER-CVE-2023-45853");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->summary, "MiniZip in zlib through 1.3 has an integer overflow.");
  EXPECT_EQ(a->database_specific, R"({"scope":"local"})");
  struct Case {
    const char* ecosystem;
    FixStatus status;
    const char* shape;
    const char* note;
  };
  const Case cases[] = {
      {"Debian:12", FixStatus::kWillNotFix, "open", "urgency: unimportant; ignored: contrib/minizip not built"},
      {"Debian:11", FixStatus::kPostponed, "open", "urgency: low; postponed: Minor issue"},
      {"Debian:10", FixStatus::kPostponed, "open", "urgency: low; no-dsa: Minor issue"},
      {"Debian:13", FixStatus::kNotFixed, "open", "urgency: medium**; fix planned for the next point release"},
      {"Debian:14", FixStatus::kUndetermined, "open", ""},
      {"Debian:sid", FixStatus::kFixed, "fixed:1:1.3.dfsg-1", "urgency: unimportant"},
  };
  ASSERT_EQ(a->affected.size(), 6u);
  for (const Case& c : cases) {
    const Affected* af = FindAffected(*a, "zlib", c.ecosystem);
    ASSERT_NE(af, nullptr) << c.ecosystem;
    EXPECT_EQ(af->status, c.status) << c.ecosystem;
    EXPECT_EQ(Shape(*af), c.shape) << c.ecosystem;
    EXPECT_EQ(af->status_note, c.note) << c.ecosystem;
  }
  // TEMP ids keep their id and have no alias.
  const Advisory* t = Find(*r, "DEBIAN-TRACKER-TEMP-0555217-4E5B2C");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->aliases.empty());
  ASSERT_EQ(t->affected.size(), 1u);
  EXPECT_EQ(t->affected[0].status, FixStatus::kNotFixed);
}

TEST(DebianTracker, OneAdvisoryPerCveAcrossSourcePackages) {
  const char* doc = R"({
    "firefox-esr": {"CVE-2024-0001": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "115.7.0esr-1~deb12u1"}}}},
    "thunderbird": {"CVE-2024-0001": {"debianbug": 7, "releases": {"bookworm": {"status": "open"}}}}
  })";
  auto r = ParseDebianTrackerJson(doc, "debian.json", Options());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->advisories.size(), 1u);
  const Advisory& a = r->advisories[0];
  ASSERT_EQ(a.affected.size(), 2u);
  EXPECT_EQ(a.affected[0].name, "firefox-esr");
  EXPECT_EQ(a.affected[0].status, FixStatus::kFixed);
  EXPECT_EQ(a.affected[1].name, "thunderbird");
  EXPECT_EQ(a.affected[1].status, FixStatus::kNotFixed);
  ASSERT_EQ(a.references.size(), 2u);
  EXPECT_EQ(a.references[1].url, "https://bugs.debian.org/7");
}

TEST(DebianTracker, SupportEndedMarksOpenEntriesEndOfLife) {
  SupportEndedList deb9 = ParseSecuritySupportEnded(Data("security-support-ended.deb9"), "deb9");
  SupportEndedList deb12 = ParseSecuritySupportEnded(Data("security-support-ended.deb12"), "deb12");
  EXPECT_TRUE(deb9.problems.empty());
  EXPECT_TRUE(deb12.problems.empty());
  DebianTrackerOptions o = Options();
  o.support_ended["stretch"] = EndedPackages(deb9, "2025-08-01");
  o.support_ended["12"] = EndedPackages(deb12, "2025-08-01");
  const char* doc = R"({
    "node-lodash": {"CVE-2020-0001": {"releases": {
      "stretch": {"status": "open"}, "buster": {"status": "open"}}}},
    "pdns": {"CVE-2020-0002": {"releases": {"bookworm": {"status": "open", "urgency": "low"}}}},
    "ruby-saml": {"CVE-2020-0003": {"releases": {"bookworm": {"status": "open"},
      "trixie": {"status": "open"}}}},
    "wpewebkit": {"CVE-2020-0004": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "2.38.6-1"}}}}
  })";
  auto r = ParseDebianTrackerJson(doc, "debian.json", o);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  // node-.* ended in stretch (deb9), not in buster.
  const Advisory* a = Find(*r, "DEBIAN-TRACKER-CVE-2020-0001");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(FindAffected(*a, "node-lodash", "Debian:9")->status, FixStatus::kEndOfLife);
  EXPECT_EQ(FindAffected(*a, "node-lodash", "Debian:9")->status_note, "security support ended");
  EXPECT_EQ(FindAffected(*a, "node-lodash", "Debian:10")->status, FixStatus::kNotFixed);
  // pdns ended 2025-10-01: not yet on 2025-08-01.
  const Advisory* p = Find(*r, "DEBIAN-TRACKER-CVE-2020-0002");
  EXPECT_EQ(p->affected[0].status, FixStatus::kNotFixed);
  // ruby-saml: announced for 2026-06-12, so not ended on 2025-08-01 either.
  const Advisory* s = Find(*r, "DEBIAN-TRACKER-CVE-2020-0003");
  EXPECT_EQ(FindAffected(*s, "ruby-saml", "Debian:12")->status, FixStatus::kNotFixed);
  // A fix stays a fix even when support ended later.
  const Advisory* w = Find(*r, "DEBIAN-TRACKER-CVE-2020-0004");
  EXPECT_EQ(w->affected[0].status, FixStatus::kFixed);

  o.support_ended["bookworm"] = EndedPackages(deb12, "");
  auto later = ParseDebianTrackerJson(doc, "debian.json", o);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(Find(*later, "DEBIAN-TRACKER-CVE-2020-0002")->affected[0].status, FixStatus::kEndOfLife);
  const Advisory* s2 = Find(*later, "DEBIAN-TRACKER-CVE-2020-0003");
  EXPECT_EQ(FindAffected(*s2, "ruby-saml", "Debian:12")->status, FixStatus::kEndOfLife);
  EXPECT_EQ(FindAffected(*s2, "ruby-saml", "Debian:13")->status, FixStatus::kNotFixed);
}

TEST(DebianTracker, BadEntriesAreSkippedAndReported) {
  struct Case {
    const char* member;  // one more top-level member next to a good one
    const char* where;
  };
  const Case cases[] = {
      {R"("p": "text")", "x.json: p"},
      {R"("p": [1, 2])", "x.json: p"},
      {R"("bad name!": {})", "x.json: 'bad name!'"},
      {R"("p": {"GHSA-xxxx": {"releases": {}}})", "x.json: p/'GHSA-xxxx'"},
      {R"("p": {"CVE-2020-1111": 7})", "x.json: p/CVE-2020-1111"},
      {R"("p": {"CVE-2020-1111": {"releases": [1]}})", "x.json: p/CVE-2020-1111/releases"},
      {R"("p": {"CVE-2020-1111": {"releases": {"hamm": {"status": "open"}}}})",
       "x.json: p/CVE-2020-1111/releases/'hamm'"},
      {R"("p": {"CVE-2020-1111": {"releases": {"bookworm": "open"}}})", "x.json: p/CVE-2020-1111/releases/bookworm"},
      {R"("p": {"CVE-2020-1111": {"releases": {"bookworm": {"status": "fixed"}}}})",
       "x.json: p/CVE-2020-1111/releases/bookworm"},
      {R"("p": {"CVE-2020-1111": {"releases": {"bookworm": {"status": 1}}}})",
       "x.json: p/CVE-2020-1111/releases/bookworm"},
      {R"("p": {"CVE-2020-1111": {"releases": {"bookworm": {"status": "resolved"}}}})",
       "x.json: p/CVE-2020-1111/releases/bookworm"},
      {R"("p": {"CVE-2020-1111": {"releases": {"bookworm": {"status": "resolved", "fixed_version": 2}}}})",
       "x.json: p/CVE-2020-1111/releases/bookworm"},
      {R"("p": {"CVE-2020-1111": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "1:"}}}})",
       "x.json: p/CVE-2020-1111/releases/bookworm"},
  };
  for (const Case& c : cases) {
    std::string doc =
        std::string("{") + c.member + R"(, "q": {"CVE-2020-2222": {"releases": {"bookworm": {"status": "open"}}}}})";
    auto r = ParseDebianTrackerJson(doc, "x.json", Options());
    ASSERT_TRUE(r.ok()) << c.member << ": " << r.error().ToString();
    EXPECT_NE(Find(*r, "DEBIAN-TRACKER-CVE-2020-2222"), nullptr) << c.member;
    EXPECT_EQ(Find(*r, "DEBIAN-TRACKER-CVE-2020-1111"), nullptr) << c.member;
    ASSERT_EQ(r->problems.total(), 1u) << c.member << "\n" << Problems(*r);
    EXPECT_EQ(r->problems.list()[0].where, c.where) << c.member;
  }
}

TEST(DebianTracker, WholeDocumentErrors) {
  for (const char* bad :
       {"", "   ", "[]", "[{}]", "\"x\"", "17", "null", "{", "{\"a\": }", "{} {}",
        "{\"p\": {\"CVE-2020-1111\": {\"releases\": {\"bookworm\": {\"status\": \"open\"}}}}", "\xff\xfe{}"}) {
    auto r = ParseDebianTrackerJson(bad, "x.json", Options());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << bad;
    EXPECT_EQ(r.error().message().rfind("x.json: ", 0), 0u) << r.error().message();
  }
  std::string deep = "{\"p\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto r = ParseDebianTrackerJson(deep, "x.json", Options());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("deeper"), std::string::npos) << r.error().message();

  DebianTrackerOptions bad_release = Options();
  bad_release.support_ended["bookworm-security"] = {"x"};
  auto b = ParseDebianTrackerJson("{}", "x.json", bad_release);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code(), ErrorCode::kInvalidArgument);

  DebianTrackerOptions no_time;
  auto t = ParseDebianTrackerJson("{}", "x.json", no_time);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kInvalidArgument);
  auto empty = ParseDebianTrackerJson("{}", "x.json", Options());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->advisories.empty());
}

TEST(DebianTracker, HugeDescriptionAndManyReleases) {
  std::string description(4 << 20, 'a');
  std::string doc = R"({"p": {"CVE-2020-1111": {"description": ")" + description +
                    R"(", "releases": {"bookworm": {"status": "open"}}}}})";
  auto r = ParseDebianTrackerJson(doc, "x.json", Options());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->advisories.size(), 1u);
  EXPECT_EQ(r->advisories[0].details.size(), description.size());
  EXPECT_EQ(r->advisories[0].summary.size(), 303u);  // 300 bytes and "..."
}

TEST(DebianTracker, ReleaseNumbers) {
  const std::pair<const char*, const char*> cases[] = {
      {"woody", "3.0"}, {"squeeze", "6.0"}, {"wheezy", "7"},      {"jessie", "8"},  {"stretch", "9"},
      {"buster", "10"}, {"bullseye", "11"}, {"bookworm", "12"},   {"trixie", "13"}, {"forky", "14"},
      {"duke", "15"},   {"sid", "sid"},     {"experimental", ""}, {"Bookworm", ""}, {"bookworm-security", ""},
      {"", ""},
  };
  for (const auto& [codename, number] : cases) {
    EXPECT_EQ(DebianReleaseNumber(codename), number) << codename;
  }
}

TEST(SecuritySupport, ParsesTheRealList) {
  SupportEndedList l = ParseSecuritySupportEnded(Data("security-support-ended.deb12"), "deb12");
  EXPECT_TRUE(l.problems.empty());
  ASSERT_GE(l.entries.size(), 10u);
  EXPECT_EQ(l.entries[0].package, "wpewebkit");
  EXPECT_EQ(l.entries[0].last_version, "2.38.6-1");
  EXPECT_EQ(l.entries[0].date, "2023-05-09");
  EXPECT_EQ(l.entries[0].details, "https://bugs.debian.org/1035794");
  EXPECT_EQ(l.entries[1].details, "abandoned upstream, upstream does not publish enough information to fix issues.");
  std::set<std::string> ended = EndedPackages(l, "2024-01-01");
  EXPECT_EQ(ended, std::set<std::string>{"wpewebkit"});
  EXPECT_TRUE(EndedPackages(l, "").count("php-horde.*"));
}

TEST(SecuritySupport, BadLines) {
  SupportEndedList l = ParseSecuritySupportEnded(
      "# comment\n\nfoo 1.0 2024-01-01 why\nbar 1.0\nbaz 1.0 yesterday\n\tqux\t0\t2020-02-02\n", "list");
  ASSERT_EQ(l.entries.size(), 2u);
  EXPECT_EQ(l.entries[1].package, "qux");
  EXPECT_EQ(l.entries[1].details, "");
  ASSERT_EQ(l.problems.total(), 2u);
  EXPECT_EQ(l.problems.list()[0].where, "list: line 4");
  EXPECT_EQ(l.problems.list()[1].where, "list: line 5");
}

TEST(SecuritySupport, Patterns) {
  struct Case {
    const char* pattern;
    const char* package;
    bool match;
  };
  const Case cases[] = {
      {"node-.*", "node-lodash", true},
      {"node-.*", "node-", true},
      {"node-.*", "nodejs", false},
      {"node-.*", "xnode-a", false},
      {"php-horde.*", "php-horde", true},
      {"php-horde.*", "php-horde-core", true},
      {"golang.*", "golang-1.19", true},
      {"chromium", "chromium", true},
      {"chromium", "chromium-x", false},
      {"libstdc++", "libstdc++", true},
      {"a\\.b", "a.b", true},
      {"a\\.b", "axb", false},
      {"a.c", "abc", true},
      {"ab*c", "ac", true},
      {"ab*c", "abbbc", true},
      {"*x", "*x", true},
      {"", "", true},
      {"", "a", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SupportPatternMatches(c.pattern, c.package), c.match) << c.pattern << " ~ " << c.package;
  }
}

}  // namespace
}  // namespace vigil::vulndb
