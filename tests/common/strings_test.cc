// The small string helpers every part uses.
#include "common/strings.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace vigil {
namespace {

TEST(ParseDecimal, Table) {
  uint64_t v = 7;
  EXPECT_TRUE(ParseDecimal("0", 10, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseDecimal("4026531840", UINT32_MAX, &v));
  EXPECT_EQ(v, 4026531840u);
  EXPECT_TRUE(ParseDecimal("18446744073709551615", UINT64_MAX, &v));
  EXPECT_EQ(v, UINT64_MAX);
  v = 7;
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1a", "0x10", "18446744073709551616", "99999999999999999999"}) {
    EXPECT_FALSE(ParseDecimal(bad, UINT64_MAX, &v)) << bad;
    EXPECT_EQ(v, 7u) << bad;
  }
  EXPECT_FALSE(ParseDecimal("11", 10, &v));  // above max
  EXPECT_TRUE(ParseDecimal("10", 10, &v));
  EXPECT_EQ(v, 10u);
}

TEST(Clip, CutsAndMarks) {
  EXPECT_EQ(Clip("abc", 10), "abc");
  EXPECT_EQ(Clip(std::string(200, 'x'), 20), std::string(20, 'x') + "...");
}

}  // namespace
}  // namespace vigil
