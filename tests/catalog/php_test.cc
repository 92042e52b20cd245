#include "catalog/catalogers/php.h"

#include <gtest/gtest.h>

#include "lock_test_util.h"

namespace vigil::catalog {
namespace {

using testing::Expected;
using testing::Find;
using testing::Fixture;
using testing::Pairs;

TEST(Composer, Paths) {
  EXPECT_TRUE(IsComposerInstalledJson("srv/app/vendor/composer/installed.json"));
  EXPECT_FALSE(IsComposerInstalledJson("srv/app/vendor/installed.json"));
  EXPECT_TRUE(IsComposerLock("srv/app/composer.lock"));
  EXPECT_FALSE(IsComposerLock("srv/app/vendor/guzzlehttp/guzzle/composer.lock"));
  auto c = NewComposerCataloger();
  EXPECT_TRUE(c->Wants(FileRef{"var/www/vendor/composer/installed.json", 0644, 1}));
  EXPECT_TRUE(c->Wants(FileRef{"var/www/composer.lock", 0644, 1}));
  EXPECT_FALSE(c->Wants(FileRef{"var/www/composer.json", 0644, 1}));
}

TEST(Composer, InstalledJsonV1AndV2) {
  for (const char* rel : {"php/syft/composer_1/installed.json", "php/syft/composer_2/installed.json"}) {
    SCOPED_TRACE(rel);
    std::vector<Package> pkgs;
    Status st = ParseComposerInstalled(Fixture(rel), pkgs);
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(pkgs.size(), 2u);
    EXPECT_EQ(Pairs(pkgs), Expected(rel));
    testing::ExpectWellFormed(pkgs, "composer", false);
    const Package* mink = Find(pkgs, "mink", "v1.8.1");
    ASSERT_NE(mink, nullptr);
    EXPECT_EQ(mink->name_space, "behat");
    EXPECT_EQ(mink->licenses, std::vector<std::string>{"MIT"});
  }
  std::vector<Package> v2;
  ASSERT_TRUE(ParseComposerInstalled(Fixture("php/syft/composer_2/installed.json"), v2).ok());
  EXPECT_EQ(Find(v2, "mink")->properties.count("composer:dev"), 1u);  // in dev-package-names
  EXPECT_EQ(Find(v2, "stack-cors")->properties.count("composer:dev"), 0u);
}

TEST(Composer, LockFile) {
  const std::string rel = "php/trivy/composer_happy.lock";
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseComposerLock(Fixture(rel), pkgs).ok());
  EXPECT_EQ(pkgs.size(), 10u);  // 8 packages + 2 packages-dev
  EXPECT_EQ(Pairs(pkgs), Expected(rel));
  testing::ExpectWellFormed(pkgs, "composer", true);
  EXPECT_EQ(Find(pkgs, "log", "1.13.3")->properties.count("composer:dev"), 1u);
  EXPECT_EQ(Find(pkgs, "guzzle")->properties.count("composer:dev"), 0u);
  EXPECT_EQ(Find(pkgs, "polyfill-php72")->licenses, std::vector<std::string>{"MIT or BSD-2-Clause"});
}

TEST(Composer, BadInput) {
  for (const std::string& in : testing::HostileInputs()) {
    std::vector<Package> pkgs;
    (void)ParseComposerInstalled(in, pkgs);
    (void)ParseComposerLock(in, pkgs);
    for (const Package& p : pkgs) EXPECT_FALSE(p.version.empty());
  }
  std::vector<Package> pkgs;
  EXPECT_FALSE(ParseComposerInstalled("", pkgs).ok());
  EXPECT_FALSE(ParseComposerInstalled("\"x\"", pkgs).ok());
  EXPECT_FALSE(ParseComposerInstalled("{\"packages\": {}}", pkgs).ok());
  EXPECT_FALSE(ParseComposerLock("[]", pkgs).ok());
  EXPECT_FALSE(ParseComposerLock("{\"packages\": 3}", pkgs).ok());
  EXPECT_TRUE(ParseComposerInstalled(R"([1, "x", {"name": 5, "version": "1"}, {"name": "a/b", "version": 2},
      {"name": "a/b", "version": "1", "license": 7}])",
                                     pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_TRUE(pkgs[0].licenses.empty());
  pkgs.clear();
  EXPECT_TRUE(ParseComposerLock(R"({"packages": [{"name": "/", "version": "1"}, {"name": "noslash", "version": "1"}],
      "packages-dev": {"x": 1}})",
                                pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].name, "/");
  EXPECT_EQ(pkgs[1].name_space, "");
}

}  // namespace
}  // namespace vigil::catalog
