// Time helpers (common/time.h): RFC 3339 and date checks, microsecond conversion both ways,
// HTTP dates.
#include "common/time.h"

#include <gtest/gtest.h>

#include <climits>
#include <optional>

namespace vigil {
namespace {

TEST(Time, Rfc3339) {
  EXPECT_TRUE(IsRfc3339("2024-05-01T12:00:00Z"));
  EXPECT_TRUE(IsRfc3339("2024-05-01t12:00:00.123456789+02:00"));
  EXPECT_FALSE(IsRfc3339("2024-05-01 12:00:00Z"));
  EXPECT_FALSE(IsRfc3339("2024-13-01T12:00:00Z"));
  EXPECT_FALSE(IsRfc3339("2024-05-01T12:00:00"));
  EXPECT_FALSE(IsRfc3339("2024-05-01T12:00:00.Z"));
  EXPECT_TRUE(IsIsoDate("2024-02-29"));
  EXPECT_FALSE(IsIsoDate("2024-2-29"));
}

TEST(Time, MicrosRoundTrip) {
  EXPECT_EQ(TimeMicros("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(TimeMicros("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(TimeMicros("1969-12-31T23:59:59Z"), -1'000'000);
  EXPECT_EQ(TimeMicros("not a time"), INT64_MIN);
  EXPECT_EQ(FormatMicros(INT64_MIN), "");
  for (const char* t : {"2024-01-02T03:04:05Z", "2000-02-29T23:59:59.000001Z", "1969-07-20T20:17:40Z"}) {
    EXPECT_EQ(FormatMicros(TimeMicros(t)), t) << t;
  }
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_TRUE(IsRfc3339(NowRfc3339()));
  EXPECT_TRUE(IsIsoDate(TodayUtc()));
}

TEST(Time, HttpDate) {
  EXPECT_EQ(HttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
}

TEST(Time, ParseHttpDate) {
  const struct {
    std::string_view text;
    std::optional<std::time_t> want;
  } cases[] = {
      // The three forms of RFC 9110's example.
      {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
      {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
      {"Sun Nov  6 08:49:37 1994", 784111777},
      {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
      {"Wed, 21 Oct 2015 07:28:00 GMT", 1445412480},
      {"Tue, 29 Feb 2028 23:59:60 GMT", 1835481600},
      {"Friday, 01-Jan-27 00:00:00 GMT", 1798761600},
      {"Mon Dec 31 12:00:00 2029", 1893412800},
      // Refused.
      {"", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:37", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:37 UTC", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:37 GMT ", std::nullopt},
      {"sun, 06 nov 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 6 Nov 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 32 Nov 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 06 Foo 1994 08:49:37 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 24:00:00 GMT", std::nullopt},
      {"Sun, 06 Nov 1994 08:60:00 GMT", std::nullopt},
      {"Sun, 06 Nov 94 08:49:37 GMT", std::nullopt},
      {"Sunday, 06-Nov-1994 08:49:37 GMT", std::nullopt},
      {"Sun Nov 06 08:49:37 1994", std::nullopt},
      {"Sun Nov  6 08:49:37 1994 GMT", std::nullopt},
      {"120", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseHttpDate(c.text), c.want) << "'" << c.text << "'";
  }
  // Round trip with the writer.
  for (std::time_t t : {std::time_t{0}, std::time_t{784111777}, std::time_t{4102444799}}) {
    EXPECT_EQ(ParseHttpDate(HttpDate(t)), t) << HttpDate(t);
  }
}

}  // namespace
}  // namespace vigil
