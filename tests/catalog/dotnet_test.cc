#include "catalog/catalogers/dotnet.h"

#include <gtest/gtest.h>

#include "lock_test_util.h"

namespace vigil::catalog {
namespace {

using testing::Expected;
using testing::Find;
using testing::Fixture;
using testing::Pairs;

TEST(Dotnet, Paths) {
  EXPECT_TRUE(IsDotnetDepsJson("app/MyApp.deps.json"));
  EXPECT_FALSE(IsDotnetDepsJson("app/.deps.json"));
  EXPECT_FALSE(IsDotnetDepsJson("app/MyApp.runtimeconfig.json"));
  EXPECT_TRUE(IsNugetPackagesLock("src/packages.lock.json"));
  auto c = NewDotnetCataloger();
  EXPECT_TRUE(c->Wants(FileRef{"app/x.deps.json", 0644, 1}));
  EXPECT_TRUE(c->Wants(FileRef{"src/packages.lock.json", 0644, 1}));
}

TEST(Dotnet, DepsJsonFixtures) {
  struct Case {
    const char* rel;
    size_t count;
  };
  const Case cases[] = {
      {"dotnet/trivy/happy.deps.json", 1},           // ExampleApp1 (project) skipped
      {"dotnet/trivy/multi-project.deps.json", 1},   // three projects skipped
      {"dotnet/trivy/self-contained.deps.json", 3},  // Newtonsoft.Json and two runtime packs
      {"dotnet/trivy/without-runtime.deps.json", 7}, {"dotnet/syft/TestLibrary.deps.json", 12},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rel);
    std::vector<Package> pkgs;
    Status st = ParseDepsJson(Fixture(c.rel), pkgs);
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(pkgs.size(), c.count);
    EXPECT_EQ(Pairs(pkgs), Expected(c.rel));
    testing::ExpectWellFormed(pkgs, "nuget", false);
  }
}

TEST(Dotnet, PackagesLockFixture) {
  const std::string rel = "dotnet/syft/packages.lock.json";
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseNugetPackagesLock(Fixture(rel), pkgs).ok());
  // 51 distinct packages; net8.0 and net8.0/win-x64 list many twice.
  EXPECT_EQ(pkgs.size(), 51u);
  EXPECT_EQ(Pairs(pkgs), Expected(rel));
  testing::ExpectWellFormed(pkgs, "nuget", true);
  EXPECT_NE(Find(pkgs, "Newtonsoft.Json", "13.0.3"), nullptr);
}

// A self-contained app (dotnet publish --self-contained) lists the runtime it bundles as
// "runtimepack" libraries: reported under the runtime pack's NuGet id, marked.
TEST(Dotnet, RuntimePacksOfASelfContainedApp) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseDepsJson(Fixture("dotnet/trivy/self-contained.deps.json"), pkgs).ok());
  const Package* rt = Find(pkgs, "Microsoft.NETCore.App.Runtime.linux-x64", "8.0.0");
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->properties.at("nuget:runtimepack"), "true");
  ASSERT_NE(Find(pkgs, "Microsoft.AspNetCore.App.Runtime.linux-x64", "8.0.0"), nullptr);
  const Package* lib = Find(pkgs, "Newtonsoft.Json", "13.0.1");
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(lib->properties.count("nuget:runtimepack"), 0u);
  // Odd runtime packs: no prefix (kept as written), only the prefix (no name: skipped).
  pkgs.clear();
  ASSERT_TRUE(ParseDepsJson(R"({"libraries": {"Plain.Runtime/1.0": {"type": "runtimepack"},
      "runtimepack./2.0": {"type": "runtimepack"}, "runtimepack.X/": {"type": "runtimepack"}}})",
                            pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "Plain.Runtime");
}

TEST(Dotnet, BadInput) {
  for (const std::string& in : testing::HostileInputs()) {
    std::vector<Package> pkgs;
    (void)ParseDepsJson(in, pkgs);
    (void)ParseNugetPackagesLock(in, pkgs);
    for (const Package& p : pkgs) EXPECT_FALSE(p.version.empty());
  }
  std::vector<Package> pkgs;
  EXPECT_FALSE(ParseDepsJson("[]", pkgs).ok());
  EXPECT_FALSE(ParseDepsJson("{\"libraries\": []}", pkgs).ok());
  EXPECT_FALSE(ParseNugetPackagesLock("{", pkgs).ok());
  EXPECT_TRUE(ParseDepsJson(R"({"libraries": {"NoSlash": {"type": "package"}, "/1.0": {"type": "package"},
      "A/": {"type": "package"}, "B/1.0": {"type": 3}, "C/1.0": "package", "D/2.0": {"type": "project"}}})",
                            pkgs)
                  .ok());
  EXPECT_TRUE(ParseNugetPackagesLock(R"({"dependencies": {"net8.0": {"A": {"type": "Direct", "resolved": 1},
      "B": [], "P": {"type": "Project", "resolved": "1.0.0"}}, "net6.0": 5}})",
                                     pkgs)
                  .ok());
  EXPECT_TRUE(ParseNugetPackagesLock(R"({"dependencies": []})", pkgs).ok());
  EXPECT_TRUE(pkgs.empty());
  ASSERT_TRUE(ParseDepsJson(R"({"libraries": {"Name.With/Slash/1.0": {"type": "package"}}})", pkgs).ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "Name.With/Slash");
  EXPECT_EQ(pkgs[0].version, "1.0");
}

}  // namespace
}  // namespace vigil::catalog
