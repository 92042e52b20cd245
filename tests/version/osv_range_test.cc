// OSV range evaluation: the schema's examples, the special values, unsorted events, the
// versions list, GIT ranges, bad records; and a property test against a literal transcription
// of the schema's pseudo-code on random entries.
#include "version/osv_range.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "version/version.h"

namespace vigil::version {
namespace {

using Json = nlohmann::json;

AffectedRanges MustBuild(std::string_view scheme, const std::string& json) {
  auto spec = AffectedSpecFromJson(Json::parse(json));
  EXPECT_TRUE(spec.ok()) << spec.error().message();
  auto r = AffectedRanges::Build(*FindScheme(scheme), *spec);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return std::move(r).value();
}

bool Hit(const AffectedRanges& r, std::string_view v) {
  auto a = r.IsAffected(v);
  EXPECT_TRUE(a.ok()) << a.error().message();
  return a.ok() && *a;
}

TEST(OsvRangeTest, SchemaExamples) {
  auto unfixed = MustBuild("semver", R"({"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]})");
  EXPECT_TRUE(Hit(unfixed, "0.0.0-0"));
  EXPECT_TRUE(Hit(unfixed, "99.0.0"));

  auto fixed = MustBuild("semver", R"({"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.2"}]}]})");
  EXPECT_TRUE(Hit(fixed, "1.0.1"));
  EXPECT_TRUE(Hit(fixed, "1.0.2-rc.1"));
  EXPECT_FALSE(Hit(fixed, "1.0.2"));
  EXPECT_FALSE(Hit(fixed, "2.0.0"));

  auto multi = MustBuild("semver", R"({"ranges":[{"type":"SEMVER","events":[
      {"introduced":"1.0.0"},{"fixed":"1.0.2"},{"introduced":"3.0.0"},{"fixed":"3.2.5"}]}]})");
  for (auto [v, want] : std::vector<std::pair<std::string, bool>>{{"0.9.0", false},
                                                                  {"1.0.0", true},
                                                                  {"1.0.1", true},
                                                                  {"1.0.2", false},
                                                                  {"2.0.0", false},
                                                                  {"3.0.0", true},
                                                                  {"3.2.4", true},
                                                                  {"3.2.5", false},
                                                                  {"4.0.0", false}}) {
    EXPECT_EQ(Hit(multi, v), want) << v;
  }

  auto last = MustBuild(
      "semver", R"({"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"2.1.214"}]}]})");
  EXPECT_TRUE(Hit(last, "2.1.214"));
  EXPECT_FALSE(Hit(last, "2.1.215"));
}

TEST(OsvRangeTest, UnsortedEventsAndSeveralRanges) {
  auto r = MustBuild("dpkg", R"({"ranges":[
      {"type":"ECOSYSTEM","events":[{"fixed":"2.0-1"},{"introduced":"1.5-1"},{"fixed":"1.2-3"},{"introduced":"0"}]},
      {"type":"ECOSYSTEM","events":[{"introduced":"1:0.5"}]}]})");
  EXPECT_TRUE(Hit(r, "0~"));  // introduced "0" is below every version, even 0~
  EXPECT_TRUE(Hit(r, "1.2-2"));
  EXPECT_FALSE(Hit(r, "1.2-3"));
  EXPECT_FALSE(Hit(r, "1.4"));
  EXPECT_TRUE(Hit(r, "1.5-1"));
  EXPECT_TRUE(Hit(r, "1.9"));
  EXPECT_FALSE(Hit(r, "2.0-1"));
  EXPECT_FALSE(Hit(r, "1:0.4"));
  EXPECT_TRUE(Hit(r, "1:0.5"));  // the second range: epoch 1 onwards
  EXPECT_TRUE(Hit(r, "0:1.0"));  // = 1.0, in the first range
}

TEST(OsvRangeTest, VersionsListAndEquality) {
  auto r = MustBuild("dpkg", R"({"versions":["1.0-1","not a version","0:2.0"],"ranges":[]})");
  EXPECT_TRUE(Hit(r, "1.0-1"));
  EXPECT_TRUE(Hit(r, "2.0"));  // equal to "0:2.0" in dpkg
  EXPECT_FALSE(Hit(r, "1.0-2"));
  ASSERT_EQ(r.notes().size(), 1u);
  EXPECT_NE(r.notes()[0].find("versions[1]: skipped: invalid dpkg version 'not a version'"), std::string::npos)
      << r.notes()[0];
}

TEST(OsvRangeTest, Limits) {
  auto r = MustBuild("semver", R"({"ranges":[{"type":"ECOSYSTEM","events":[
      {"introduced":"1.0.0"},{"limit":"1.5.0"}]}]})");
  EXPECT_FALSE(Hit(r, "0.9.0"));
  EXPECT_TRUE(Hit(r, "1.4.9"));
  EXPECT_FALSE(Hit(r, "1.5.0"));
  EXPECT_FALSE(Hit(r, "2.0.0"));
  auto star = MustBuild("semver", R"({"ranges":[{"type":"ECOSYSTEM","events":[
      {"introduced":"1.0.0"},{"limit":"*"}]}]})");
  EXPECT_TRUE(Hit(star, "9.0.0"));
}

TEST(OsvRangeTest, SameVersionTies) {
  // introduced X + fixed X: nothing; introduced X + last_affected X: exactly X.
  auto empty =
      MustBuild("semver", R"({"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"1.0.0"},{"introduced":"1.0.0"}]}]})");
  EXPECT_FALSE(Hit(empty, "1.0.0"));
  auto point = MustBuild(
      "semver", R"({"ranges":[{"type":"ECOSYSTEM","events":[{"last_affected":"1.0.0"},{"introduced":"1.0.0"}]}]})");
  EXPECT_TRUE(Hit(point, "1.0.0"));
  EXPECT_FALSE(Hit(point, "1.0.1"));
  EXPECT_FALSE(Hit(point, "0.9.0"));
}

TEST(OsvRangeTest, GoSemverRangesWithoutV) {
  auto r = MustBuild("Go", R"({"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.6.0"},
      {"introduced":"2.0.0-20200101000000-abcdefabcdef"},{"fixed":"2.1.0"}]}]})");
  EXPECT_TRUE(Hit(r, "v1.5.9"));
  EXPECT_FALSE(Hit(r, "v1.6.0"));
  EXPECT_TRUE(Hit(r, "v2.0.0+incompatible"));
  EXPECT_TRUE(Hit(r, "v2.0.0-20200101000000-abcdefabcdef"));
  EXPECT_FALSE(Hit(r, "v2.0.0-20190101000000-abcdefabcdef"));
  EXPECT_FALSE(r.IsAffected("1.5.0").ok());  // package versions keep Go's own syntax
}

TEST(OsvRangeTest, GitRangesAreReportedNotEvaluated) {
  auto r = MustBuild("semver", R"({"versions":["1.2.3"],"ranges":[
      {"type":"GIT","repo":"https://example.com/x.git","events":[{"introduced":"0"},{"fixed":"abcdef0123456789abcdef0123456789abcdef01"}]}]})");
  EXPECT_EQ(r.unevaluated_ranges(), 1u);
  ASSERT_EQ(r.notes().size(), 1u);
  EXPECT_NE(r.notes()[0].find("ranges[0]: GIT range"), std::string::npos);
  EXPECT_TRUE(Hit(r, "1.2.3"));
  EXPECT_FALSE(Hit(r, "1.2.4"));
}

TEST(OsvRangeTest, BadRecords) {
  auto bad_version = AffectedSpecFromJson(
      Json::parse(R"({"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:"}]}]})"));
  ASSERT_TRUE(bad_version.ok());
  auto r = AffectedRanges::Build(*FindScheme("dpkg"), *bad_version);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(),
            "ranges[0].events[1].fixed: invalid dpkg version '1:': nothing after colon in version number");

  struct Case {
    const char* json;
    const char* error;
  } cases[] = {
      {R"([])", "affected entry is not an object"},
      {R"({"ranges":{}})", "ranges is not an array"},
      {R"({"ranges":[{"events":[]}]})", "ranges[0].type is missing"},
      {R"({"ranges":[{"type":"SEMVER"}]})", "ranges[0].events is not an array"},
      {R"({"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0","fixed":"2.0.0"}]}]})",
       "ranges[0].events[0] has more than one of"},
      {R"({"ranges":[{"type":"SEMVER","events":[{"fixd":"2.0.0"}]}]})", "ranges[0].events[0] has none of"},
      {R"({"ranges":[{"type":"SEMVER","events":[{"fixed":2}]}]})", "ranges[0].events[0].fixed is not a string"},
      {R"({"versions":[1]})", "versions[0] is not a string"},
  };
  for (const auto& c : cases) {
    auto s = AffectedSpecFromJson(Json::parse(c.json));
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(s.error().message().find(c.error), std::string::npos) << s.error().message();
  }
}

// The schema's pseudo-code, transcribed literally (events sorted by version with the same tie
// order; "v == version" as scheme equality).
bool ReferenceIsAffected(const Scheme& scheme, const AffectedSpec& spec, const Version& v) {
  for (const auto& listed : spec.versions) {
    auto p = scheme.Parse(listed);
    if (p.ok() && scheme.Compare(v, *p) == 0) return true;
  }
  for (const auto& range : spec.ranges) {
    struct E {
      RangeEvent::Kind kind;
      std::string text;
      std::optional<Version> version;  // empty: introduced "0" / limit "*"
    };
    std::vector<E> events;
    for (const auto& e : range.events) {
      bool special = (e.kind == RangeEvent::Kind::kIntroduced && e.version == "0") ||
                     (e.kind == RangeEvent::Kind::kLimit && e.version == "*");
      events.push_back({e.kind, e.version, special ? std::nullopt : std::optional<Version>(*scheme.Parse(e.version))});
    }
    bool has_limit = false, before = false;
    for (const auto& e : events) {
      if (e.kind != RangeEvent::Kind::kLimit) continue;
      has_limit = true;
      if (!e.version || scheme.Compare(v, *e.version) < 0) before = true;
    }
    if (has_limit && !before) continue;
    auto rank = [](const E& e) { return static_cast<int>(e.kind); };
    std::stable_sort(events.begin(), events.end(), [&](const E& a, const E& b) {
      if (!a.version || !b.version) return !a.version && b.version;
      int c = scheme.Compare(*a.version, *b.version);
      return c != 0 ? c < 0 : rank(a) < rank(b);
    });
    bool vulnerable = false;
    for (const auto& e : events) {
      using K = RangeEvent::Kind;
      if (e.kind == K::kIntroduced && (!e.version || scheme.Compare(v, *e.version) >= 0)) {
        vulnerable = true;
      } else if (e.kind == K::kFixed && scheme.Compare(v, *e.version) >= 0) {
        vulnerable = false;
      } else if (e.kind == K::kLastAffected && scheme.Compare(v, *e.version) > 0) {
        vulnerable = false;
      }
    }
    if (vulnerable) return true;
  }
  return false;
}

TEST(OsvRangeTest, MatchesThePseudoCodeOnRandomEntries) {
  const Scheme& dpkg = *FindScheme("dpkg");
  // A small pool so that random entries share versions, including dpkg-equal spellings.
  const std::vector<std::string> pool = {"0~",       "0",     "0.9",           "1.0~rc1", "1.0", "0:1.0",
                                         "1.0-0",    "1.0-1", "1.0-1+deb12u1", "1.0.1",   "1.1", "1.10",
                                         "2.0~beta", "2.0",   "1:0.1",         "1:1.0",   "2:0"};
  std::mt19937 rng(42);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  size_t checks = 0;
  for (int entry = 0; entry < 3000; ++entry) {
    AffectedSpec spec;
    size_t nranges = pick(4);
    for (size_t i = 0; i < nranges; ++i) {
      RangeSpec r;
      size_t nevents = 1 + pick(5);
      for (size_t k = 0; k < nevents; ++k) {
        RangeEvent e;
        e.kind = static_cast<RangeEvent::Kind>(pick(entry % 7 == 0 ? 4 : 3));
        e.version = pool[pick(pool.size())];
        if (e.kind == RangeEvent::Kind::kIntroduced && pick(4) == 0) e.version = "0";
        if (e.kind == RangeEvent::Kind::kLimit && pick(3) == 0) e.version = "*";
        r.events.push_back(e);
      }
      spec.ranges.push_back(r);
    }
    for (size_t i = pick(3); i > 0; --i) spec.versions.push_back(pool[pick(pool.size())]);
    auto built = AffectedRanges::Build(dpkg, spec);
    ASSERT_TRUE(built.ok()) << built.error().message();
    for (const auto& text : pool) {
      auto v = *dpkg.Parse(text);
      ASSERT_EQ(built->IsAffected(v), ReferenceIsAffected(dpkg, spec, v)) << "entry " << entry << " version " << text;
      ++checks;
    }
  }
  EXPECT_EQ(checks, 3000u * 17u);
}

// The pseudo-code again, with each range's events parsed and sorted once (the literal version
// above sorts per call, too slow for 200k events): the same walk per version, O(events).
class SortedReference {
 public:
  SortedReference(const Scheme& scheme, const AffectedSpec& spec) : scheme_(scheme) {
    for (const auto& listed : spec.versions) {
      if (auto p = scheme.Parse(listed); p.ok()) listed_.push_back(*p);
    }
    for (const auto& range : spec.ranges) {
      Range r;
      for (const auto& e : range.events) {
        bool special = (e.kind == RangeEvent::Kind::kIntroduced && e.version == "0") ||
                       (e.kind == RangeEvent::Kind::kLimit && e.version == "*");
        r.events.push_back({e.kind, special ? std::nullopt : std::optional<Version>(*scheme.Parse(e.version))});
      }
      std::stable_sort(r.events.begin(), r.events.end(), [&](const E& a, const E& b) {
        if (!a.version || !b.version) return !a.version && b.version;
        int c = scheme.Compare(*a.version, *b.version);
        return c != 0 ? c < 0 : static_cast<int>(a.kind) < static_cast<int>(b.kind);
      });
      ranges_.push_back(std::move(r));
    }
  }

  bool IsAffected(const Version& v) const {
    for (const auto& l : listed_) {
      if (scheme_.Compare(v, l) == 0) return true;
    }
    using K = RangeEvent::Kind;
    for (const auto& r : ranges_) {
      bool has_limit = false, before = false;
      for (const auto& e : r.events) {
        if (e.kind != K::kLimit) continue;
        has_limit = true;
        if (!e.version || scheme_.Compare(v, *e.version) < 0) before = true;
      }
      if (has_limit && !before) continue;
      bool vulnerable = false;
      for (const auto& e : r.events) {
        if (e.kind == K::kIntroduced && (!e.version || scheme_.Compare(v, *e.version) >= 0)) {
          vulnerable = true;
        } else if (e.kind == K::kFixed && scheme_.Compare(v, *e.version) >= 0) {
          vulnerable = false;
        } else if (e.kind == K::kLastAffected && scheme_.Compare(v, *e.version) > 0) {
          vulnerable = false;
        }
      }
      if (vulnerable) return true;
    }
    return false;
  }

 private:
  struct E {
    RangeEvent::Kind kind;
    std::optional<Version> version;
  };
  struct Range {
    std::vector<E> events;
  };
  const Scheme& scheme_;
  std::vector<Version> listed_;
  std::vector<Range> ranges_;
};

// 200,000 events (the hostile record of issue 12, which took 52 s to build quadratically),
// unsorted, with repeated versions, ties of every kind, last_affected, limits and "0": the
// n log n build must answer exactly as the schema's walk on sampled versions — event versions
// themselves, their neighbours and versions between and beyond them. No timing is asserted.
TEST(OsvRangeTest, TwoHundredThousandEventsMatchThePseudoCode) {
  const Scheme& semver = *FindScheme("semver");
  std::mt19937 rng(12);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  // 3 x 300 x 40 distinct release versions, some with a pre-release: events share versions.
  auto random_version = [&]() {
    std::string v = std::to_string(pick(3)) + "." + std::to_string(pick(300)) + "." + std::to_string(pick(40));
    if (pick(10) == 0) v += "-rc." + std::to_string(pick(3));
    return v;
  };
  // For the many-ranges shape: each range stays within one major.minor, so that their union
  // leaves versions unaffected.
  auto version_in = [&](const std::string& prefix) {
    std::string v = prefix + "." + std::to_string(pick(40));
    if (pick(10) == 0) v += "-rc." + std::to_string(pick(3));
    return v;
  };
  struct Shape {
    size_t ranges, events_per_range;
    bool limits;
  };
  for (Shape shape : {Shape{1, 200'000, false}, Shape{1, 200'000, true}, Shape{250, 800, true}}) {
    SCOPED_TRACE("ranges " + std::to_string(shape.ranges));
    AffectedSpec spec;
    for (size_t i = 0; i < shape.ranges; ++i) {
      std::string prefix = std::to_string(pick(3)) + "." + std::to_string(pick(300));
      RangeSpec r;
      r.type = RangeSpec::Type::kEcosystem;
      r.type_name = "ECOSYSTEM";
      for (size_t k = 0; k < shape.events_per_range; ++k) {
        RangeEvent e;
        // Mostly introduced/fixed pairs, some last_affected; limits only where asked (a limit
        // in a range bounds the whole range, so a few, high).
        size_t roll = pick(100);
        e.kind = roll < 45                    ? RangeEvent::Kind::kIntroduced
                 : roll < 90                  ? RangeEvent::Kind::kFixed
                 : roll < 99 || !shape.limits ? RangeEvent::Kind::kLastAffected
                                              : RangeEvent::Kind::kLimit;
        e.version = shape.ranges == 1 ? random_version() : version_in(prefix);
        if (e.kind == RangeEvent::Kind::kIntroduced && shape.ranges == 1 && pick(5000) == 0) e.version = "0";
        if (e.kind == RangeEvent::Kind::kLimit && pick(4) == 0) e.version = "*";
        r.events.push_back(std::move(e));
      }
      spec.ranges.push_back(std::move(r));
    }
    for (int i = 0; i < 50; ++i) spec.versions.push_back(random_version());

    auto built = AffectedRanges::Build(semver, spec);
    ASSERT_TRUE(built.ok()) << built.error().message();
    SortedReference reference(semver, spec);

    std::vector<std::string> samples;
    for (int i = 0; i < 100; ++i) {
      const auto& range = spec.ranges[pick(spec.ranges.size())];
      std::string v = range.events[pick(range.events.size())].version;
      if (v == "0" || v == "*") continue;
      samples.push_back(v);                                                       // on an event
      samples.push_back(v.find('-') == std::string::npos ? v + "-0" : v + ".0");  // just below or above it
      samples.push_back(random_version());                                        // anywhere
    }
    samples.insert(samples.end(), {"0.0.0", "0.0.0-0", "2.299.39", "3.0.0", "99.0.0"});
    size_t affected = 0;
    for (const auto& text : samples) {
      auto v = semver.Parse(text);
      ASSERT_TRUE(v.ok()) << text;
      bool want = reference.IsAffected(*v);
      ASSERT_EQ(built->IsAffected(*v), want) << "ranges " << shape.ranges << " version " << text;
      affected += want;
    }
    // Both answers occur, so the comparison above is not vacuous.
    EXPECT_GT(affected, 0u);
    EXPECT_LT(affected, samples.size());
  }
}

TEST(OsvRangeTest, EventAndRangeCapsAreReported) {
  AffectedSpec spec;
  RangeSpec r;
  r.type = RangeSpec::Type::kEcosystem;
  r.type_name = "ECOSYSTEM";
  r.events.assign(kMaxRangeEvents + 1, RangeEvent{RangeEvent::Kind::kIntroduced, "1.0.0"});
  spec.ranges.push_back(r);
  auto built = AffectedRanges::Build(*FindScheme("semver"), spec);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(built.error().message(), "ranges[0]: 262145 events, more than the limit of 262144 per range");

  AffectedSpec many;
  many.ranges.assign(kMaxRanges + 1, RangeSpec{RangeSpec::Type::kEcosystem, "ECOSYSTEM", {}});
  built = AffectedRanges::Build(*FindScheme("semver"), many);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(built.error().message(), "65537 ranges, more than the limit of 65536");

  Json events = Json::array();
  for (size_t i = 0; i <= kMaxRangeEvents; ++i) events.push_back({{"fixed", "1.0.0"}});
  auto spec_json = AffectedSpecFromJson(Json{{"ranges", {{{"type", "SEMVER"}, {"events", events}}}}});
  ASSERT_FALSE(spec_json.ok());
  EXPECT_EQ(spec_json.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(spec_json.error().message(), "ranges[0].events has 262145 events, more than the limit of 262144 per range");
}

// Dropping boundaries that change nothing must not change answers at the boundaries kept.
TEST(OsvRangeTest, AdjacentAndNestedIntervalsMerge) {
  auto r = MustBuild("semver", R"({"versions":["1.5.0","9.0.0"],"ranges":[
      {"type":"ECOSYSTEM","events":[{"introduced":"1.0.0"},{"fixed":"2.0.0"}]},
      {"type":"ECOSYSTEM","events":[{"introduced":"2.0.0"},{"last_affected":"3.0.0"}]},
      {"type":"ECOSYSTEM","events":[{"introduced":"1.2.0"},{"fixed":"1.8.0"}]}]})");
  for (auto [v, want] : std::vector<std::pair<std::string, bool>>{{"0.9.9", false},
                                                                  {"1.0.0", true},
                                                                  {"1.5.0", true},
                                                                  {"2.0.0", true},
                                                                  {"3.0.0", true},
                                                                  {"3.0.1", false},
                                                                  {"8.9.9", false},
                                                                  {"9.0.0", true},
                                                                  {"9.0.1", false}}) {
    EXPECT_EQ(Hit(r, v), want) << v;
  }
}

}  // namespace
}  // namespace vigil::version
