// The lock-file catalogers inside the analyzer: registered, their packages located, and lock-file
// packages dropped where installed packages of the same type live under the lock file's folder.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "catalog/analyzer.h"
#include "lock_test_util.h"

namespace vigil::catalog {
namespace {

class LockAnalyzerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "vigil-lock-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Put(const std::string& rel, std::string_view content) {
    std::filesystem::path p = std::filesystem::path(root_) / rel;
    std::filesystem::create_directories(p.parent_path());
    ASSERT_TRUE(WriteFileAtomic(p.string(), content).ok()) << rel;
  }

  Inventory Run() {
    auto img = image::Image::Open("dir:" + root_, {});
    EXPECT_TRUE(img.ok()) << (img.ok() ? "" : img.error().message());
    if (!img.ok()) return {};
    AnalyzeOptions opts;
    opts.threads = 1;
    auto inv = Analyze(**img, opts);
    EXPECT_TRUE(inv.ok()) << (inv.ok() ? "" : inv.error().message());
    return inv.ok() ? std::move(*inv) : Inventory{};
  }

  std::string root_;
};

size_t CountAt(const Inventory& inv, const std::string& location) {
  size_t n = 0;
  for (const Package& p : inv.packages) n += p.location == location;
  return n;
}

TEST_F(LockAnalyzerTest, LockPackagesLocatedAndShadowedByInstalledOnes) {
  // web/: a lock file beside installed node_modules -> only the installed packages count.
  Put("web/package-lock.json", testing::Fixture("npm/trivy/package-lock_v3.json"));
  Put("web/node_modules/ms/package.json", R"({"name":"ms","version":"2.0.0"})");
  // A sibling folder whose name extends "web" sorts between "web" and "web/…".
  Put("web-old/node_modules/debug/package.json", R"({"name":"debug","version":"2.6.9"})");
  // api/: lock files with nothing installed -> their packages count, located at the lock file.
  Put("api/yarn.lock", testing::Fixture("npm/trivy/yarn_happy.lock"));
  Put("api/Cargo.lock", testing::Fixture("rust/trivy/cargo_v3.lock"));
  Put("api/composer.lock", testing::Fixture("php/trivy/composer_happy.lock"));
  Put("api/vendor/composer/installed.json", testing::Fixture("php/syft/composer_2/installed.json"));
  Put("api/vendor/pear/log/composer.lock", "{ not even json");  // a dependency's own lock: unread
  Put("api/node_modules/x/pnpm-lock.yaml", "{ not even yaml");  // inside node_modules: unread
  Put("usr/local/bundle/specifications/rake-13.0.3.gemspec", testing::Fixture("ruby/trivy/normal00.gemspec"));
  Put("app/Gemfile.lock", testing::Fixture("ruby/syft/Gemfile.lock"));
  Put("app/App.deps.json", testing::Fixture("dotnet/trivy/happy.deps.json"));
  Put("app/packages.lock.json", testing::Fixture("dotnet/syft/packages.lock.json"));
  Put("py/poetry.lock", testing::Fixture("python/trivy/poetry_v2_flask.lock"));
  Put("py/Pipfile.lock", "[]");  // malformed: a warning naming the file

  Inventory inv = Run();
  EXPECT_EQ(CountAt(inv, "web/package-lock.json"), 0u);
  EXPECT_EQ(CountAt(inv, "web/node_modules/ms/package.json"), 1u);
  EXPECT_EQ(CountAt(inv, "api/yarn.lock"), 18u);
  EXPECT_EQ(CountAt(inv, "api/Cargo.lock"), 9u);
  // composer.lock is shadowed by vendor/composer/installed.json under the same folder.
  EXPECT_EQ(CountAt(inv, "api/composer.lock"), 0u);
  EXPECT_EQ(CountAt(inv, "api/vendor/composer/installed.json"), 2u);
  EXPECT_EQ(CountAt(inv, "usr/local/bundle/specifications/rake-13.0.3.gemspec"), 1u);
  EXPECT_EQ(CountAt(inv, "app/Gemfile.lock"), 52u);
  // packages.lock.json (nuget, lock) is shadowed by the deps.json (nuget, installed) beside it.
  EXPECT_EQ(CountAt(inv, "app/App.deps.json"), 1u);
  EXPECT_EQ(CountAt(inv, "app/packages.lock.json"), 0u);
  EXPECT_EQ(CountAt(inv, "py/poetry.lock"), 15u);

  bool pipfile_warning = false;
  for (const auto& w : inv.warnings) {
    EXPECT_EQ(w.find("vendor/pear"), std::string::npos) << w;
    EXPECT_EQ(w.find("node_modules/x"), std::string::npos) << w;
    pipfile_warning |= w.find("py/Pipfile.lock") != std::string::npos;
  }
  EXPECT_TRUE(pipfile_warning);

  std::map<std::string, std::string> purl_of;
  for (const Package& p : inv.packages) purl_of[p.found_by + " " + p.name + "@" + p.version] = p.purl;
  EXPECT_EQ(purl_of["yarn-lock helper-regex@7.4.4"], "pkg:npm/%40babel/helper-regex@7.4.4");
  EXPECT_EQ(purl_of["cargo-lock regex@1.7.3"], "pkg:cargo/regex@1.7.3");
  EXPECT_EQ(purl_of["composer mink@v1.8.1"], "pkg:composer/behat/mink@v1.8.1");
  EXPECT_EQ(purl_of["ruby rake@13.0.3"], "pkg:gem/rake@13.0.3");
  EXPECT_EQ(purl_of["dotnet Newtonsoft.Json@13.0.1"], "pkg:nuget/Newtonsoft.Json@13.0.1");
  EXPECT_EQ(purl_of["python-lock flask@1.0.3"], "pkg:pypi/flask@1.0.3");
}

}  // namespace
}  // namespace vigil::catalog
