#include "common/json.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(ParseJson, GoodAndBad) {
  auto ok = ParseJson(R"({"a":"b","n":1})", "x");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(JsonString(*ok, "a"), "b");
  EXPECT_EQ(JsonString(*ok, "n"), "");
  EXPECT_EQ(JsonString(*ok, "missing"), "");

  auto bad = ParseJson("{\"a\": ", "config");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(bad.error().message().find("config"), std::string::npos);
  EXPECT_NE(bad.error().message().find("byte"), std::string::npos);
}

TEST(ParseJson, DeepNestingIsRefusedBeforeParsing) {
  auto r = ParseJson(std::string(1000000, '['), "deep");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("nested"), std::string::npos);
  // Brackets inside strings do not count.
  EXPECT_TRUE(ParseJson("[\"" + std::string(1000, '[') + "\"]", "s").ok());
}

}  // namespace
}  // namespace vigil
