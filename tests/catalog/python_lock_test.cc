#include "catalog/catalogers/python_lock.h"

#include <gtest/gtest.h>

#include "lock_test_util.h"

namespace vigil::catalog {
namespace {

using testing::Expected;
using testing::Find;
using testing::Fixture;
using testing::Pairs;

bool Dev(const std::vector<Package>& pkgs, const std::string& name) {
  const Package* p = Find(pkgs, name);
  EXPECT_NE(p, nullptr) << name;
  return p != nullptr && p->properties.count("pypi:dev") != 0;
}

TEST(PythonLock, Paths) {
  auto c = NewPythonLockCataloger();
  EXPECT_TRUE(c->Wants(FileRef{"app/poetry.lock", 0644, 1}));
  EXPECT_TRUE(c->Wants(FileRef{"app/Pipfile.lock", 0644, 1}));
  EXPECT_FALSE(c->Wants(FileRef{"app/Pipfile", 0644, 1}));
  EXPECT_FALSE(c->Wants(FileRef{"app/uv.lock", 0644, 1}));
}

TEST(PoetryLock, Fixture) {
  const std::string rel = "python/trivy/poetry_v2_flask.lock";
  std::vector<Package> pkgs;
  Status st = ParsePoetryLock(Fixture(rel), pkgs);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(pkgs.size(), 15u);
  EXPECT_EQ(Pairs(pkgs), Expected(rel));
  testing::ExpectWellFormed(pkgs, "pypi", true);
  EXPECT_TRUE(Dev(pkgs, "atomicwrites"));  // groups = ["dev"]
  EXPECT_FALSE(Dev(pkgs, "flask"));        // groups = ["main"]
}

TEST(PoetryLock, CategoryAndGroups) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePoetryLock("[[package]]\nname = \"a\"\nversion = \"1\"\ncategory = \"dev\"\n"
                              "[[package]]\nname = \"b\"\nversion = \"2\"\ncategory = \"main\"\n"
                              "[[package]]\nname = \"c\"\nversion = \"3\"\ngroups = [\"dev\", \"main\"]\n"
                              "[[package]]\nname = \"d\"\nversion = \"4\"\ngroups = [1]\n",
                              pkgs)
                  .ok());
  EXPECT_TRUE(Dev(pkgs, "a"));
  EXPECT_FALSE(Dev(pkgs, "b"));
  EXPECT_FALSE(Dev(pkgs, "c"));
  EXPECT_TRUE(Dev(pkgs, "d"));  // a groups list without "main"
}

TEST(PipfileLock, Fixture) {
  const std::string rel = "python/trivy/Pipfile_many.lock";
  std::vector<Package> pkgs;
  Status st = ParsePipfileLock(Fixture(rel), pkgs);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(pkgs.size(), 24u);
  EXPECT_EQ(Pairs(pkgs), Expected(rel));
  testing::ExpectWellFormed(pkgs, "pypi", true);
  EXPECT_NE(Find(pkgs, "django", "2.2"), nullptr);
}

TEST(PipfileLock, DevAndVersions) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePipfileLock(R"({"default": {"a": {"version": "==1.0"}, "git": {"git": "https://x"},
      "b": {"version": "===2.0"}, "r": {"version": ">=1"}},
      "develop": {"a": {"version": "==1.0"}, "t": {"version": "==3.0"}}})",
                               pkgs)
                  .ok());
  EXPECT_EQ(Pairs(pkgs), (std::multiset<std::string>{"a\t1.0", "b\t2.0", "t\t3.0"}));
  EXPECT_FALSE(Dev(pkgs, "a"));  // in default too
  EXPECT_TRUE(Dev(pkgs, "t"));
}

TEST(PythonLock, BadInput) {
  for (const std::string& in : testing::HostileInputs()) {
    std::vector<Package> pkgs;
    (void)ParsePoetryLock(in, pkgs);
    (void)ParsePipfileLock(in, pkgs);
    for (const Package& p : pkgs) EXPECT_FALSE(p.version.empty());
  }
  std::vector<Package> pkgs;
  EXPECT_FALSE(ParsePoetryLock("[[package]\n", pkgs).ok());
  EXPECT_FALSE(ParsePoetryLock("package = {a = 1}\n", pkgs).ok());
  EXPECT_FALSE(ParsePipfileLock("[]", pkgs).ok());
  EXPECT_FALSE(ParsePipfileLock("{", pkgs).ok());
  EXPECT_TRUE(ParsePipfileLock(R"({"default": [], "develop": {"a": {"version": 1}, "b": "x"}})", pkgs).ok());
  EXPECT_TRUE(ParsePoetryLock("[[package]]\nname = [1]\nversion = 2\n", pkgs).ok());
  EXPECT_TRUE(pkgs.empty());
}

}  // namespace
}  // namespace vigil::catalog
