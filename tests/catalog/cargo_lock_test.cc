#include "catalog/catalogers/cargo_lock.h"

#include <gtest/gtest.h>

#include "lock_test_util.h"

namespace vigil::catalog {
namespace {

using testing::Expected;
using testing::Find;
using testing::Fixture;
using testing::Pairs;

TEST(CargoLock, Fixtures) {
  struct Case {
    const char* rel;
    size_t count;
    const char* local;  // the workspace's own crate
  };
  const Case cases[] = {
      {"rust/trivy/cargo_normal.lock", 8, "normal"},
      {"rust/trivy/cargo_mixed.lock", 8, "normal"},  // [[package]] after [metadata], """1.7.2"""
      {"rust/trivy/cargo_v3.lock", 9, "app"},        // two memchr and two regex-syntax versions
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rel);
    std::vector<Package> pkgs;
    Status st = ParseCargoLock(Fixture(c.rel), pkgs);
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(pkgs.size(), c.count);
    EXPECT_EQ(Pairs(pkgs), Expected(c.rel));
    testing::ExpectWellFormed(pkgs, "cargo", true);
    for (const Package& p : pkgs) {
      EXPECT_EQ(p.properties.count("cargo:local"), p.name == c.local ? 1u : 0u) << p.name;
    }
  }
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseCargoLock(Fixture("rust/trivy/cargo_mixed.lock"), pkgs).ok());
  EXPECT_NE(Find(pkgs, "url", "1.7.2"), nullptr);
}

TEST(CargoLock, Paths) {
  auto c = NewCargoLockCataloger();
  EXPECT_TRUE(c->Wants(FileRef{"src/app/Cargo.lock", 0644, 1}));
  EXPECT_FALSE(c->Wants(FileRef{"src/app/Cargo.toml", 0644, 1}));
  EXPECT_TRUE(IsCargoLock("Cargo.lock"));
}

TEST(CargoLock, BadInput) {
  for (const std::string& in : testing::HostileInputs()) {
    std::vector<Package> pkgs;
    (void)ParseCargoLock(in, pkgs);
    for (const Package& p : pkgs) EXPECT_FALSE(p.version.empty());
  }
  std::vector<Package> pkgs;
  EXPECT_TRUE(ParseCargoLock("", pkgs).ok());
  EXPECT_FALSE(ParseCargoLock("[[package]\nname = \"a\"\n", pkgs).ok());
  EXPECT_FALSE(ParseCargoLock("[[package]]\nname = \"a\nversion = \"1\"\n", pkgs).ok());
  EXPECT_FALSE(ParseCargoLock("package = \"x\"\n", pkgs).ok());
  EXPECT_TRUE(ParseCargoLock("package = [1, 2]\n", pkgs).ok());  // not tables: nothing
  EXPECT_TRUE(pkgs.empty());
  EXPECT_FALSE(ParseCargoLock("\xff\xfe[[package]]\n", pkgs).ok());
  EXPECT_FALSE(ParseCargoLock("[[package]]\nname = \"a\"\nname = \"b\"\n", pkgs).ok());  // duplicate key
  EXPECT_TRUE(ParseCargoLock("[[package]]\nname = 1\nversion = [2]\n[[package]]\nname = \"b\"\n"
                             "[[package]]\nname = \"c\"\nversion = \"1.0.0\"\nsource = 5\n",
                             pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "c");
  EXPECT_EQ(pkgs[0].properties.count("cargo:local"), 0u);  // it has a source, if an odd one
  // Dotted keys that would nest tables tens of thousands deep: refused, not a stack overflow.
  std::string dotted;
  for (int i = 0; i < 100000; ++i) dotted += "a.";
  EXPECT_FALSE(ParseCargoLock(dotted + "b = 1\n", pkgs).ok());
  EXPECT_FALSE(ParseCargoLock("[" + dotted + "b]\n", pkgs).ok());
  // Dots inside strings and comments do not count.
  pkgs.clear();
  std::string many(200, '.');
  ASSERT_TRUE(ParseCargoLock("# " + many + "\n[[package]]\nname = \"" + many + "\"\nversion = '1" + many +
                                 "'\nsource = \"\"\"" + many + "\n" + many + "\"\"\"\n",
                             pkgs)
                  .ok());
  EXPECT_EQ(pkgs.size(), 1u);
  // Deepest nesting the dot limit allows: 32 dotted parts inside 255 nested inline tables/arrays.
  std::string deep = "x = ";
  for (int i = 0; i < 250; ++i) deep += "[";
  deep += "{" + dotted.substr(0, 60) + "z = 1}";
  for (int i = 0; i < 250; ++i) deep += "]";
  (void)ParseCargoLock(deep + "\n", pkgs);
}

}  // namespace
}  // namespace vigil::catalog
