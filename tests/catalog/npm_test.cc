#include "catalog/catalogers/npm.h"

#include <gtest/gtest.h>

namespace vigil::catalog {
namespace {

TEST(NpmPackageJson, InstalledPaths) {
  struct Case {
    const char* path;
    bool want;
  };
  const Case cases[] = {
      {"app/node_modules/lodash/package.json", true},
      {"node_modules/@babel/core/package.json", true},
      {"usr/lib/node_modules/npm/node_modules/semver/package.json", true},
      {"app/package.json", false},
      {"app/node_modules/lodash/lib/package.json", false},
      {"app/node_modules/@scope/package.json", false},
      {"app/node_modules/.bin/package.json", false},
      {"app/node_modules/.package-lock.json", false},
  };
  for (const auto& c : cases) EXPECT_EQ(IsInstalledPackageJson(c.path), c.want) << c.path;
}

TEST(NpmPackageJson, Fields) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(
      ParsePackageJson(R"({"name":"@babel/core","version":"7.1.0","license":"MIT","private":true})", pkgs).ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name_space, "@babel");
  EXPECT_EQ(pkgs[0].name, "core");
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(pkgs[0].properties["npm:private"], "true");
  pkgs.clear();
  ASSERT_TRUE(ParsePackageJson(R"({"name":"x","version":"1.0.0","licenses":[{"type":"BSD"},"ISC"]})", pkgs).ok());
  EXPECT_EQ(pkgs[0].licenses, (std::vector<std::string>{"BSD", "ISC"}));
}

TEST(NpmPackageJson, BadInput) {
  std::vector<Package> pkgs;
  EXPECT_FALSE(ParsePackageJson("{", pkgs).ok());
  EXPECT_FALSE(ParsePackageJson("[]", pkgs).ok());
  EXPECT_FALSE(ParsePackageJson(std::string(100000, '['), pkgs).ok());
  EXPECT_TRUE(ParsePackageJson(R"({"name":"x"})", pkgs).ok());  // no version: not a package
  EXPECT_TRUE(ParsePackageJson(R"({"name":1,"version":[]})", pkgs).ok());
  EXPECT_TRUE(pkgs.empty());
}

}  // namespace
}  // namespace vigil::catalog
