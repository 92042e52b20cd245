// Time helpers (common/time.h): RFC 3339 and date checks, microsecond conversion both ways,
// HTTP dates.
#include "common/time.h"

#include <gtest/gtest.h>

#include <climits>

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

}  // namespace
}  // namespace vigil
