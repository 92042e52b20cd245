#include "common/status.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument(std::to_string(x) + " is odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  VIGIL_ASSIGN_OR_RETURN(int h, Half(x));
  VIGIL_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Status, ResultAndMacros) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "3 is odd");
  EXPECT_EQ(r.error().ToString(), "invalid argument: 3 is odd");
  Error e = Corrupt("bad");
  e.Context("layer 1").Context("image x");
  EXPECT_EQ(e.message(), "image x: layer 1: bad");
  Status s = OkStatus();
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(Unavailable("x").ToString(), "unavailable: x");
}

}  // namespace
}  // namespace vigil
