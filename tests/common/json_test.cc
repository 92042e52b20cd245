#include "common/json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// ---------------------------------------------------------------------------------------------
// CheckJsonShape

struct ShapeCase {
  std::string name;
  std::string text;
  int max_depth;
  size_t max_tokens;
  std::string says;  // "" = within the limits; else a part of the kLimitExceeded message
};

TEST(CheckJsonShape, Table) {
  const std::vector<ShapeCase> cases = {
      {"empty", "", 1, 0, ""},
      {"scalar", "42", 0, 0, ""},
      {"tokens at the cap", "[1,2,3]", 1, 3, ""},
      {"tokens over the cap", "[1,2,3,4]", 1, 3, "lst: more than 3 JSON values and member names (at byte 6)"},
      {"colons count", R"({"a":1,"b":2})", 1, 3, "(at byte 10)"},
      {"depth at the cap", "[[[]]]", 3, 100, ""},
      {"depth over the cap", "[[[[]]]]", 3, 100, "lst: JSON nested deeper than 3 levels at byte 3"},
      {"objects nest too", R"({"a":{"b":{}}})", 2, 100, "nested deeper than 2 levels at byte 10"},
      {"closing brings the depth down", "[[]][[]][[]]", 2, 100, ""},
      {"brackets in a string", R"(["[[[[{{{{"])", 1, 100, ""},
      {"commas and colons in a string", R"(["a,b,c:d:e"])", 1, 1, ""},
      {"escaped quote keeps the string open", R"(["a\"[[[,,,"])", 1, 1, ""},
      {"escaped backslash ends before the quote", R"(["a\\",[[]]])", 2, 100, "nested deeper than 2 levels at byte 8"},
      {"unterminated string: its brackets do not count", R"(["abc[[[[,,,)", 1, 1, ""},
      {"unterminated string ending in a backslash", "[\"abc\\", 1, 1, ""},
      {"malformed but within the limits", "]]]}}}[", 1, 100, ""},
  };
  for (const ShapeCase& c : cases) {
    Status st = CheckJsonShape("lst", c.text, c.max_depth, c.max_tokens);
    if (c.says.empty()) {
      EXPECT_TRUE(st.ok()) << c.name << ": " << st.error().ToString();
      continue;
    }
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.error().code(), ErrorCode::kLimitExceeded) << c.name;
    EXPECT_NE(st.error().message().find(c.says), std::string::npos) << c.name << ": " << st.error().message();
    EXPECT_TRUE(st.error().message().starts_with("lst: ")) << c.name << ": " << st.error().message();
  }
}

TEST(CheckJsonShape, StopsAtTheFirstLimitCrossed) {
  // Deep and long: the depth is crossed first (byte 2), long before the tokens would be.
  std::string text = std::string(10, '[') + std::string(1000, ',');
  Status st = CheckJsonShape("x", text, 2, 5);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("nested deeper than 2 levels at byte 2"), std::string::npos)
      << st.error().message();
  // A million commas against a cap of 10: refused at the eleventh.
  st = CheckJsonShape("x", "[" + std::string(1000000, ','), 64, 10);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("(at byte 10)"), std::string::npos) << st.error().message();
}

TEST(ParseJson, DepthUsesTheShapeCheckButStaysCorrupt) {
  // ParseJson's documented code for nesting is kCorrupt; the message is the shape check's.
  auto r = ParseJson("[[[1]]]", "doc", 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(r.error().message(), "doc: JSON nested deeper than 2 levels at byte 2");
}

}  // namespace
}  // namespace vigil
