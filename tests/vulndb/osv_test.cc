#include "vulndb/osv.h"

#include <gtest/gtest.h>

#include "../test_util.h"
#include "common/file.h"

namespace vigil::vulndb {
namespace {

std::string Sample(const std::string& name) {
  auto text = ReadFile(testing::TestData("vulndb", "osv/" + name));
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? *text : "";
}

TEST(ParseEcosystem, SplitsFamilyAndRelease) {
  struct Case {
    const char* text;
    const char* family;
    const char* release;
    bool pro;
  } cases[] = {
      {"Debian:12", "Debian", "12", false},
      {"Ubuntu:22.04:LTS", "Ubuntu", "22.04", false},
      {"Ubuntu:Pro:18.04:LTS", "Ubuntu", "18.04", true},
      {"Ubuntu:25.10", "Ubuntu", "25.10", false},
      {"Alpine:v3.19", "Alpine", "v3.19", false},
      {"AlmaLinux:9", "AlmaLinux", "9", false},
      {"Rocky Linux:9", "Rocky Linux", "9", false},
      {"PyPI", "PyPI", "", false},
      {" npm ", "npm", "", false},
      {"", "", "", false},
  };
  for (const Case& c : cases) {
    Ecosystem e = ParseEcosystem(c.text);
    EXPECT_EQ(e.family, c.family) << c.text;
    EXPECT_EQ(e.release, c.release) << c.text;
    EXPECT_EQ(e.pro, c.pro) << c.text;
  }
}

TEST(OsvParser, ReadsGoRecordWithZeroTime) {
  OsvParser p;
  auto a = p.Parse(Sample("GO-2022-0969.json"), "GO-2022-0969.json");
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->id, "GO-2022-0969");
  EXPECT_EQ(a->modified, "0001-01-01T00:00:00Z");
  ASSERT_GE(a->affected.size(), 2u);
  EXPECT_EQ(a->affected[0].ecosystem.family, "Go");
  EXPECT_EQ(a->affected[0].name, "stdlib");
  ASSERT_EQ(a->affected[0].spec.ranges.size(), 1u);
  EXPECT_EQ(a->affected[0].spec.ranges[0].type, version::RangeSpec::Type::kSemver);
  ASSERT_EQ(a->affected[0].spec.ranges[0].events.size(), 4u);
  EXPECT_EQ(a->affected[0].spec.ranges[0].events[3].version, "1.19.1");
  EXPECT_EQ(a->affected[0].spec.ranges[0].events[3].kind, version::RangeEvent::Kind::kFixed);
  EXPECT_FALSE(a->affected[0].ecosystem_specific.empty());  // imports/symbols
}

TEST(OsvParser, ReadsAlmaLinuxAndUbuntu) {
  OsvParser p;
  auto alsa = p.Parse(Sample("ALSA-2023:0946.json"), "alsa");
  ASSERT_TRUE(alsa.ok()) << alsa.error().ToString();
  EXPECT_EQ(alsa->affected[0].ecosystem.text, "AlmaLinux:9");
  EXPECT_EQ(alsa->affected[0].ecosystem.release, "9");
  EXPECT_EQ(alsa->affected[0].spec.ranges[0].events[1].version, "1:3.0.1-47.el9_1");
  auto usn = p.Parse(Sample("USN-5614-1.json"), "usn");
  ASSERT_TRUE(usn.ok()) << usn.error().ToString();
  EXPECT_EQ(usn->affected[0].ecosystem.family, "Ubuntu");
  EXPECT_EQ(usn->affected[0].ecosystem.release, "18.04");
  EXPECT_EQ(usn->affected[0].name, "wayland");
}

TEST(OsvParser, ReadsWithdrawn) {
  OsvParser p;
  auto a = p.Parse(Sample("withdrawn.osv.json"), "w");
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->withdrawn, "2018-10-11T17:29:49Z");
  EXPECT_EQ(a->aliases, std::vector<std::string>{"CVE-2015-3227"});
}

TEST(OsvParser, NormalisesNames) {
  OsvParser p;
  auto a = p.Parse(R"({"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[
      {"package":{"ecosystem":"PyPI","name":"Django_REST.framework"},"versions":["1.0"]}]})",
                   "x");
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->affected[0].normalized_name, "django-rest-framework");
  EXPECT_EQ(a->affected[0].spec.versions, std::vector<std::string>{"1.0"});
}

TEST(OsvParser, RefusesBadRecordsNamingTheField) {
  struct Case {
    const char* json;
    const char* message;  // a part of the error text
  } cases[] = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {"[1,2]", "record is not an object"},
      {R"({"modified":"2024-01-01T00:00:00Z"})", "id is missing or empty"},
      {R"({"id":"","modified":"2024-01-01T00:00:00Z"})", "id is missing or empty"},
      {R"({"id":"a/../b","modified":"2024-01-01T00:00:00Z"})", "id is not a usable id"},
      {R"({"id":"X"})", "modified is missing"},
      {R"({"id":"X","modified":"yesterday"})", "modified is not an RFC 3339 date-time"},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","aliases":"CVE-1"})", "aliases is not an array"},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","aliases":[1]})", "aliases[0] is not a string"},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","affected":{}})", "affected is not an array"},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":1}]}]}]})",
       "affected[0].ranges[0].events[0].fixed is not a string"},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"1","introduced":"0"}]}]}]})",
       "has more than one of"},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"ranges":[{"events":[]}]}]})",
       "affected[0].ranges[0].type is missing"},
      {R"({"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":"npm"}]})",
       "affected[0].package is not an object"},
  };
  OsvParser p;
  for (const Case& c : cases) {
    auto a = p.Parse(c.json, "t.json:3");
    ASSERT_FALSE(a.ok()) << c.json;
    EXPECT_NE(a.error().message().find(c.message), std::string::npos) << c.json << " -> " << a.error().message();
    EXPECT_NE(a.error().message().find("t.json:3"), std::string::npos) << a.error().message();
  }
}

TEST(OsvParser, RefusesDeepNestingAndHugeRecords) {
  OsvParser p;
  std::string deep = R"({"id":"X","modified":"2024-01-01T00:00:00Z","database_specific":)";
  for (int i = 0; i < 5000; ++i) deep += "[";
  auto a = p.Parse(deep, "deep");
  EXPECT_FALSE(a.ok());
  std::string huge(kMaxRecordBytes + 1, ' ');
  auto b = p.Parse(huge, "huge");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code(), ErrorCode::kLimitExceeded);
}

TEST(OsvJson, RoundTripsConvertedRecords) {
  Advisory a;
  a.id = "ALPINE-v3.11-openssl-CVE-2020-1967";
  a.modified = "2020-06-08T00:00:00Z";
  a.aliases = {"CVE-2020-1967"};
  a.summary = "s\xff";  // invalid UTF-8 is replaced, not thrown
  Affected af;
  af.ecosystem = ParseEcosystem("Alpine:v3.11");
  af.name = "openssl";
  af.spec.ranges.push_back(
      {version::RangeSpec::Type::kEcosystem,
       "ECOSYSTEM",
       {{version::RangeEvent::Kind::kIntroduced, "0"}, {version::RangeEvent::Kind::kFixed, "1.1.1g-r0"}}});
  af.status = FixStatus::kFixed;
  af.status_note = "urgency high";
  a.affected.push_back(af);
  std::string json = ToOsvJson(a);
  OsvParser p;
  auto back = p.Parse(json, "rt");
  ASSERT_TRUE(back.ok()) << back.error().ToString() << "\n" << json;
  EXPECT_EQ(back->id, a.id);
  EXPECT_EQ(back->aliases, a.aliases);
  ASSERT_EQ(back->affected.size(), 1u);
  EXPECT_EQ(back->affected[0].ecosystem.release, "v3.11");
  EXPECT_EQ(back->affected[0].status, FixStatus::kFixed);
  EXPECT_EQ(back->affected[0].status_note, "urgency high");
  EXPECT_EQ(back->affected[0].spec.ranges[0].events[1].version, "1.1.1g-r0");
}

TEST(Time, OrdersAndFormats) {
  EXPECT_EQ(TimeMicros("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(TimeMicros("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(TimeMicros("2021-07-25T23:34:58.778006Z") % 1000000, 778006);
  EXPECT_LT(TimeMicros("0001-01-01T00:00:00Z"), TimeMicros("1970-01-01T00:00:00Z"));
  EXPECT_EQ(TimeMicros("not a time"), INT64_MIN);
  for (const char* t :
       {"2026-11-29T09:00:00Z", "2021-07-25T23:34:58.778006Z", "0001-01-01T00:00:00Z", "2024-02-29T23:59:59Z"}) {
    EXPECT_EQ(FormatMicros(TimeMicros(t)), t);
  }
  EXPECT_TRUE(IsRfc3339("2024-01-01T00:00:00.5-07:00"));
  EXPECT_FALSE(IsRfc3339("2024-01-01"));
  EXPECT_FALSE(IsRfc3339("2024-01-01T00:00:00"));
}

}  // namespace
}  // namespace vigil::vulndb
