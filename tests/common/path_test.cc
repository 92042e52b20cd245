#include "common/path.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(NormalizeEntryPath, Table) {
  struct Case {
    const char* in;
    const char* want;  // nullptr = error
  };
  const Case cases[] = {
      {"usr/bin/env", "usr/bin/env"},
      {"./usr/bin/", "usr/bin"},
      {"/etc/passwd", "etc/passwd"},
      {"a//b/./c", "a/b/c"},
      {"a/b/../c", "a/c"},
      {".", ""},
      {"./", ""},
      {"..", nullptr},
      {"../x", nullptr},
      {"a/../../x", nullptr},
      {"/../x", nullptr},
      {"a/..", ""},
  };
  for (const auto& c : cases) {
    auto r = NormalizeEntryPath(c.in);
    if (c.want == nullptr) {
      EXPECT_FALSE(r.ok()) << c.in;
      if (!r.ok()) {
        EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << c.in;
      }
    } else {
      ASSERT_TRUE(r.ok()) << c.in;
      EXPECT_EQ(*r, c.want) << c.in;
    }
  }
  EXPECT_FALSE(NormalizeEntryPath(std::string("a\0b", 3)).ok());
}

TEST(ResolveLinkTarget, StaysInsideTheRoot) {
  struct Case {
    const char* link;
    const char* target;
    const char* want;
  };
  const Case cases[] = {
      {"etc/os-release", "../usr/lib/os-release", "usr/lib/os-release"},
      {"etc/os-release", "/usr/lib/os-release", "usr/lib/os-release"},
      {"etc/x", "../../../../etc/shadow", "etc/shadow"},
      {"a/b/c", "d", "a/b/d"},
      {"top", "/", ""},
      {"a", "./b/../c", "c"},
  };
  for (const auto& c : cases) EXPECT_EQ(ResolveLinkTarget(c.link, c.target), c.want) << c.link << " -> " << c.target;
}

TEST(PathParts, ParentBaseUnder) {
  EXPECT_EQ(ParentPath("a/b/c"), "a/b");
  EXPECT_EQ(ParentPath("a"), "");
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_TRUE(IsUnder("a/b/c", "a/b"));
  EXPECT_TRUE(IsUnder("a/b", "a/b"));
  EXPECT_FALSE(IsUnder("a/bc", "a/b"));
  EXPECT_TRUE(IsUnder("x", ""));
}

}  // namespace
}  // namespace vigil
