#include "catalog/catalogers/npm_lock.h"

#include <gtest/gtest.h>

#include "common/json.h"
#include "lock_test_util.h"

namespace vigil::catalog {
namespace {

using testing::Expected;
using testing::Find;
using testing::Fixture;
using testing::Pairs;

std::vector<Package> Parse(Status (*fn)(std::string_view, std::vector<Package>&), const std::string& rel) {
  std::vector<Package> pkgs;
  Status st = fn(Fixture(rel), pkgs);
  EXPECT_TRUE(st.ok()) << rel << ": " << (st.ok() ? "" : st.error().message());
  return pkgs;
}

bool Has(const Package* p, const char* prop) { return p != nullptr && p->properties.count(prop) != 0; }

TEST(JsLockFiles, Classify) {
  EXPECT_EQ(ClassifyJsLockFile("app/package-lock.json"), JsLockKind::kPackageLock);
  EXPECT_EQ(ClassifyJsLockFile("npm-shrinkwrap.json"), JsLockKind::kPackageLock);
  EXPECT_EQ(ClassifyJsLockFile("srv/web/yarn.lock"), JsLockKind::kYarn);
  EXPECT_EQ(ClassifyJsLockFile("pnpm-lock.yaml"), JsLockKind::kPnpm);
  EXPECT_EQ(ClassifyJsLockFile("app/node_modules/x/package-lock.json"), JsLockKind::kNone);
  EXPECT_EQ(ClassifyJsLockFile("usr/lib/node_modules/npm/node_modules/y/yarn.lock"), JsLockKind::kNone);
  EXPECT_EQ(ClassifyJsLockFile("app/node_modules/.package-lock.json"), JsLockKind::kNone);
  EXPECT_EQ(ClassifyJsLockFile("app/pnpm-lock.yml"), JsLockKind::kNone);
  EXPECT_EQ(ClassifyJsLockFile("app/package.json"), JsLockKind::kNone);
  EXPECT_EQ(ClassifyJsLockFile("app/my_node_modules/yarn.lock"), JsLockKind::kYarn);
}

// Each fixture's complete (name, version) list, once per package, against the listing that
// derive-expected.sh made with node / @yarnpkg/lockfile / PyYAML.
TEST(JsLockFiles, FixturesMatchIndependentListings) {
  struct Case {
    Status (*fn)(std::string_view, std::vector<Package>&);
    const char* rel;
    size_t count;  // stated here too, so an emptied listing cannot pass
  };
  const Case cases[] = {
      {ParsePackageLock, "npm/trivy/package-lock_v1.json", 31},
      {ParsePackageLock, "npm/trivy/package-lock_v2.json", 31},
      {ParsePackageLock, "npm/trivy/package-lock_v3.json", 31},
      {ParsePackageLock, "npm/trivy/package-lock_v3_with_peer.json", 5},
      {ParsePackageLock, "npm/trivy/package-lock_v3_with_workspace.json", 5},
      {ParsePackageLock, "npm/scalibr/package-lock.alias.v1.json", 3},
      {ParsePackageLock, "npm/scalibr/package-lock.alias.v2.json", 3},
      {ParsePackageLock, "npm/scalibr/package-lock.bundled-dependencies.v3.json", 3},
      {ParsePackageLock, "npm/scalibr/package-lock.commits.v1.json", 15},
      {ParsePackageLock, "npm/scalibr/package-lock.commits.v2.json", 11},
      {ParsePackageLock, "npm/scalibr/package-lock.nested-dependencies-dup.v2.json", 2},
      {ParsePackageLock, "npm/scalibr/package-lock.scoped-packages.v1.json", 2},
      {ParsePackageLock, "npm/scalibr/package-lock.scoped-packages.v2.json", 2},
      {ParsePackageLock, "npm/osv-scanner/package-lock.same-package-different-groups.v1.json", 3},
      {ParseYarnLock, "npm/trivy/yarn_happy.lock", 18},
      {ParseYarnLock, "npm/trivy/yarn_with_local.lock", 3},  // local-package is a file: tarball
      {ParseYarnLock, "npm/trivy/yarn_v2_happy.lock", 17},
      {ParseYarnLock, "npm/trivy/yarn_v2_deps_with_protocol.lock", 2},
      {ParseYarnLock, "npm/scalibr/yarn.commits.v1.lock", 18},
      {ParseYarnLock, "npm/scalibr/yarn.commits.v2.lock", 7},
      {ParseYarnLock, "npm/scalibr/yarn.with-aliases.v1.lock", 3},
      {ParseYarnLock, "npm/scalibr/yarn.with-aliases.v2.lock", 3},
      {ParseYarnLock, "npm/scalibr/yarn.with-prerelease.v2.lock", 2},
      {ParseYarnLock, "npm/scalibr/yarn.with-quotes.v1.lock", 2},
      {ParsePnpmLock, "npm/trivy/pnpm-lock_many.yaml", 134},
      {ParsePnpmLock, "npm/trivy/pnpm-lock_v6_with_dev.yaml", 85},
      {ParsePnpmLock, "npm/trivy/pnpm-lock_v9.yaml", 21},
      {ParsePnpmLock, "npm/trivy/pnpm-lock_v9_same-vers-diff-peers.yaml", 6},
      {ParsePnpmLock, "npm/trivy/pnpm-lock_v9_multiple_documents.yaml", 6},
      {ParsePnpmLock, "npm/scalibr/pnpm-lock.commits.v9.yaml", 2},
      {ParsePnpmLock, "npm/scalibr/pnpm-lock.exotic.yaml", 7},
      {ParsePnpmLock, "npm/scalibr/pnpm-lock.peer-dependencies-advanced.v9.yaml", 13},
      {ParsePnpmLock, "npm/scalibr/pnpm-lock.scoped-packages-v6-lockfile.yaml", 1},
      {ParsePnpmLock, "npm/scalibr/pnpm-lock.tarball.yaml", 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rel);
    std::vector<Package> pkgs = Parse(c.fn, c.rel);
    EXPECT_EQ(pkgs.size(), c.count);
    EXPECT_EQ(Pairs(pkgs), Expected(c.rel));
    testing::ExpectWellFormed(pkgs, "npm", true);
  }
}

// lockfileVersion 1: an entry in a dev entry's own "dependencies" is dev, flag or not.
// osv-scanner's fixture nests ajv 5.5.2 under eslint (dev) -> ajv (dev) -> ajv (no "dev" flag),
// and under table (runtime) -> ajv (runtime) -> ajv ("dev": true).
TEST(PackageLock, V1EntriesNestedUnderADevEntryAreDev) {
  const std::string rel = "npm/osv-scanner/package-lock.same-package-different-groups.v1.json";
  auto pkgs = Parse(ParsePackageLock, rel);
  EXPECT_TRUE(Has(Find(pkgs, "eslint", "1.2.3"), "npm:dev"));
  EXPECT_FALSE(Has(Find(pkgs, "table", "1.0.0"), "npm:dev"));
  EXPECT_FALSE(Has(Find(pkgs, "ajv", "5.5.2"), "npm:dev"));  // table's copy is a runtime one
  // The same file without table and the top-level ajv: every ajv left is under eslint, so ajv is
  // dev, the unflagged innermost copy included.
  nlohmann::json j = nlohmann::json::parse(Fixture(rel));
  j["dependencies"].erase("table");
  j["dependencies"].erase("ajv");
  ASSERT_FALSE(j["dependencies"]["eslint"]["dependencies"]["ajv"]["dependencies"]["ajv"].contains("dev"));
  std::vector<Package> only_dev;
  ASSERT_TRUE(ParsePackageLock(j.dump(), only_dev).ok());
  ASSERT_EQ(only_dev.size(), 2u);
  EXPECT_TRUE(Has(Find(only_dev, "ajv", "5.5.2"), "npm:dev"));
  // A runtime entry nested under a runtime entry stays runtime; dev does not leak to siblings.
  std::vector<Package> mixed;
  ASSERT_TRUE(ParsePackageLock(R"({"lockfileVersion":1,"dependencies":{
      "d":{"version":"1.0.0","dev":true,"dependencies":{"x":{"version":"1.0.0","dependencies":{"y":{"version":"1.0.0"}}}}},
      "r":{"version":"1.0.0","dependencies":{"z":{"version":"1.0.0"}}}}})",
                               mixed)
                  .ok());
  EXPECT_TRUE(Has(Find(mixed, "x"), "npm:dev"));
  EXPECT_TRUE(Has(Find(mixed, "y"), "npm:dev"));
  EXPECT_FALSE(Has(Find(mixed, "r"), "npm:dev"));
  EXPECT_FALSE(Has(Find(mixed, "z"), "npm:dev"));
}

TEST(PackageLock, NamesAliasesAndFlags) {
  auto v2 = Parse(ParsePackageLock, "npm/scalibr/package-lock.alias.v2.json");
  const Package* cf = Find(v2, "code-frame", "7.0.0");  // installed as babel-code-frame
  ASSERT_NE(cf, nullptr);
  EXPECT_EQ(cf->name_space, "@babel");
  EXPECT_NE(Find(v2, "string-width", "4.2.0"), nullptr);  // string-width-cjs -> string-width

  auto v1 = Parse(ParsePackageLock, "npm/scalibr/package-lock.alias.v1.json");
  EXPECT_NE(Find(v1, "code-frame", "7.0.0"), nullptr);  // "npm:@babel/code-frame@7.0.0"
  EXPECT_EQ(Find(v1, "babel-code-frame"), nullptr);

  auto lock = Parse(ParsePackageLock, "npm/trivy/package-lock_v2.json");
  EXPECT_TRUE(Has(Find(lock, "debug", "2.5.2"), "npm:dev"));
  EXPECT_TRUE(Has(Find(lock, "ms", "0.7.2"), "npm:dev"));
  EXPECT_FALSE(Has(Find(lock, "debug", "2.6.9"), "npm:dev"));
  EXPECT_FALSE(Has(Find(lock, "body-parser"), "npm:dev"));

  auto ws = Parse(ParsePackageLock, "npm/trivy/package-lock_v3_with_workspace.json");
  EXPECT_TRUE(Has(Find(ws, "nested_func", "1.0.0"), "npm:workspace"));
  EXPECT_EQ(Find(ws, "function1"), nullptr);  // links to a folder with no version
  EXPECT_FALSE(Has(Find(ws, "debug", "2.6.9"), "npm:workspace"));

  auto bundled = Parse(ParsePackageLock, "npm/scalibr/package-lock.bundled-dependencies.v3.json");
  EXPECT_TRUE(Has(Find(bundled, "semver", "7.7.2"), "npm:bundled"));
  EXPECT_FALSE(Has(Find(bundled, "strip-ansi"), "npm:bundled"));

  // lockfile v1 keeps the git URL npm wrote as the version.
  auto commits = Parse(ParsePackageLock, "npm/scalibr/package-lock.commits.v1.json");
  const Package* slick = Find(commits, "slick-carousel");
  ASSERT_NE(slick, nullptr);
  EXPECT_EQ(slick->version, "git://github.com/brianfryer/slick.git#280b560161b751ba226d50c7db1e0a14a78c2de0");
}

TEST(PackageLock, DevOnlyWhenEveryCopyIsDev) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePackageLock(R"({"lockfileVersion":3,"packages":{
      "": {"name":"root"},
      "node_modules/a": {"version":"1.0.0","dev":true},
      "node_modules/b/node_modules/a": {"version":"1.0.0"},
      "node_modules/c": {"version":"2.0.0","dev":true},
      "node_modules/c/node_modules/c2": {"version":"2.0.0","dev":true}}})",
                               pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 3u);
  EXPECT_FALSE(Has(Find(pkgs, "a"), "npm:dev"));
  EXPECT_TRUE(Has(Find(pkgs, "c"), "npm:dev"));
}

TEST(PackageLock, ScopedAndNestedKeys) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePackageLock(R"({"packages":{
      "node_modules/@s/a/node_modules/@t/b": {"version":"1.0.0"},
      "packages/x/node_modules/c": {"version":"3.0.0"},
      "node_modules/@broken": {"version":"1.0.0"},
      "node_modules/": {"version":"1.0.0"}}})",
                               pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].name_space, "@t");
  EXPECT_EQ(pkgs[0].name, "b");
  EXPECT_EQ(pkgs[1].name, "c");
}

TEST(YarnLock, ClassicAliasesQuotesAndPartialResults) {
  auto quotes = Parse(ParseYarnLock, "npm/scalibr/yarn.with-quotes.v1.lock");
  EXPECT_NE(Find(quotes, "concat-stream", "1.6.2"), nullptr);

  std::vector<Package> pkgs;
  Status st = ParseYarnLock(
      "# yarn lockfile v1\n\na@^1:\n  version \"1.0.0\"\n\nnot a header\n"
      "b@^2:\n  version \"2.0.0\"\n",
      pkgs);
  EXPECT_FALSE(st.ok());
  ASSERT_EQ(pkgs.size(), 1u);  // parsed before the bad line
  EXPECT_EQ(pkgs[0].name, "a");

  pkgs.clear();
  EXPECT_FALSE(ParseYarnLock("  version \"1.0.0\"\n", pkgs).ok());
  pkgs.clear();
  ASSERT_TRUE(ParseYarnLock("\"@s/a@^1\", \"@s/a@^1.2\":\n  version \"1.2.0\"\n"
                            "  dependencies:\n    version \"9.9.9\"\n"
                            "x@link:../x:\n  version \"0.0.0\"\n",
                            pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name_space, "@s");
  EXPECT_EQ(pkgs[0].version, "1.2.0");
}

TEST(YarnLock, BerrySkipsWorkspacesAndKeepsPatchedPackages) {
  auto happy = Parse(ParseYarnLock, "npm/trivy/yarn_v2_happy.lock");
  EXPECT_EQ(Find(happy, "code"), nullptr);               // code@workspace:.
  EXPECT_NE(Find(happy, "fsevents", "2.1.3"), nullptr);  // fsevents@patch:fsevents@npm%3A2.1.3
  auto aliases = Parse(ParseYarnLock, "npm/scalibr/yarn.with-aliases.v2.lock");
  const Package* hvi = Find(aliases, "helper-validator-identifier", "7.22.20");
  ASSERT_NE(hvi, nullptr);
  EXPECT_EQ(hvi->name_space, "@babel");
  EXPECT_EQ(Find(aliases, "babel-hvi"), nullptr);
}

TEST(PnpmLock, DevFlags) {
  auto v6 = Parse(ParsePnpmLock, "npm/trivy/pnpm-lock_v6_with_dev.yaml");
  EXPECT_TRUE(Has(Find(v6, "mocha", "10.0.0"), "npm:dev"));
  EXPECT_FALSE(Has(Find(v6, "react", "18.1.0"), "npm:dev"));
  auto tarball = Parse(ParsePnpmLock, "npm/scalibr/pnpm-lock.tarball.yaml");
  ASSERT_EQ(tarball.size(), 1u);
  EXPECT_EQ(tarball[0].name_space, "@my-org");
  EXPECT_EQ(tarball[0].name, "my-package");
  EXPECT_TRUE(Has(&tarball[0], "npm:dev"));

  // pnpm 9: dev = reached only from devDependencies through "snapshots". ms 2.0.0 is a dev
  // dependency of the root but also reached from finalhandler -> debug, so it is runtime.
  auto v9 = Parse(ParsePnpmLock, "npm/trivy/pnpm-lock_v9.yaml");
  EXPECT_TRUE(Has(Find(v9, "jquery", "3.6.0"), "npm:dev"));
  EXPECT_TRUE(Has(Find(v9, "lodash", "4.17.21"), "npm:dev"));
  EXPECT_TRUE(Has(Find(v9, "await-sleep", "0.0.1"), "npm:dev"));
  EXPECT_FALSE(Has(Find(v9, "ms", "2.0.0"), "npm:dev"));
  EXPECT_FALSE(Has(Find(v9, "debug", "4.3.4"), "npm:dev"));
  EXPECT_FALSE(Has(Find(v9, "sleep-utils", "1.0.3"), "npm:dev"));
  EXPECT_EQ(Find(v9, "package1"), nullptr);  // a local folder

  // Same version, different peers: one package each; dev follows the peer-specific snapshots.
  auto peers = Parse(ParsePnpmLock, "npm/trivy/pnpm-lock_v9_same-vers-diff-peers.yaml");
  EXPECT_TRUE(Has(Find(peers, "jest-runner", "27.5.1"), "npm:dev"));
  EXPECT_TRUE(Has(Find(peers, "jest-resolve", "27.5.1"), "npm:dev"));
  EXPECT_FALSE(Has(Find(peers, "jest-resolve", "30.0.2"), "npm:dev"));
  EXPECT_FALSE(Has(Find(peers, "jest-pnp-resolver", "1.2.3"), "npm:dev"));
  EXPECT_FALSE(Has(Find(peers, "jest-config", "30.0.3"), "npm:dev"));
}

// pnpm 11+ writes its "env" document (pnpm itself, its platform binaries, config dependencies)
// before the project's lock, separated by "---". The project's packages are read from the later
// document; the env document's are pnpm's own tooling.
TEST(PnpmLock, MultipleDocumentsGiveTheProjectsPackages) {
  auto pkgs = Parse(ParsePnpmLock, "npm/trivy/pnpm-lock_v9_multiple_documents.yaml");
  EXPECT_EQ(pkgs.size(), 6u);
  EXPECT_EQ(Find(pkgs, "pnpm"), nullptr);
  EXPECT_EQ(Find(pkgs, "detect-libc"), nullptr);
  EXPECT_FALSE(Has(Find(pkgs, "is-even", "1.0.0"), "npm:dev"));
  EXPECT_FALSE(Has(Find(pkgs, "kind-of", "3.2.2"), "npm:dev"));  // reached through is-even
  EXPECT_TRUE(Has(Find(pkgs, "left-pad", "1.3.0"), "npm:dev"));

  // The env document alone is a lock file like any other: read as before.
  std::vector<Package> env;
  const std::string env_doc =
      "lockfileVersion: '9.0'\nimporters:\n  .:\n    packageManagerDependencies:\n"
      "      pnpm: {specifier: 11.7.0, version: 11.7.0}\npackages:\n  pnpm@11.7.0: {}\n"
      "snapshots:\n  pnpm@11.7.0: {}\n";
  ASSERT_TRUE(ParsePnpmLock(env_doc, env).ok());
  EXPECT_EQ(Pairs(env), (std::multiset<std::string>{"pnpm\t11.7.0"}));
  // Two project documents (no env document): both are read.
  std::vector<Package> two;
  ASSERT_TRUE(ParsePnpmLock("lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n---\n"
                            "lockfileVersion: '9.0'\npackages:\n  b@2.0.0: {}\n",
                            two)
                  .ok());
  EXPECT_EQ(Pairs(two), (std::multiset<std::string>{"a\t1.0.0", "b\t2.0.0"}));
  // The guard applies to every document: billion laughs in the second one is refused.
  std::string laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    laughs += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) laughs += std::string(i ? ", *" : "*") + static_cast<char>(c - 1);
    laughs += "]\n";
  }
  std::vector<Package> none;
  Status st = ParsePnpmLock(env_doc + "---\n" + laughs + "packages: *i\n", none);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(none.empty());
  // A malformed later document: kCorrupt, nothing built.
  st = ParsePnpmLock(env_doc + "---\npackages: {\n", none);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(none.empty());
}

TEST(PnpmLock, KeyForms) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePnpmLock("lockfileVersion: 5.4\npackages:\n"
                            "  /@s/a/1.0.0_b@2.0.0+c@3.0.0:\n    dev: false\n"
                            "  /x/2.0.0:\n    dev: true\n"
                            "  reg.example/y/3.0.0: {}\n",
                            pkgs)
                  .ok());
  EXPECT_EQ(Pairs(pkgs), (std::multiset<std::string>{"@s/a\t1.0.0", "x\t2.0.0", "y\t3.0.0"}));
  pkgs.clear();
  ASSERT_TRUE(ParsePnpmLock("lockfileVersion: '6.0'\npackages:\n"
                            "  /@s/a@1.0.0(b@2.0.0)(c@3.0.0):\n    dev: false\n"
                            "  /@s/a@1.0.0(b@2.1.0):\n    dev: true\n",
                            pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 1u);  // one package, runtime because one copy is
  EXPECT_FALSE(Has(&pkgs[0], "npm:dev"));
  pkgs.clear();
  ASSERT_TRUE(ParsePnpmLock("lockfileVersion: '9.0'\npackages:\n  '@s/a@1.0.0':\n    resolution: {}\n", pkgs).ok());
  EXPECT_EQ(Pairs(pkgs), (std::multiset<std::string>{"@s/a\t1.0.0"}));
}

// pnpm-lock.yaml and yarn berry's yarn.lock are read through the YAML guard (common/yaml.h): a
// lock file whose aliases multiply is refused before yaml-cpp builds it, with line and column.
TEST(JsLockFiles, YamlLockFilesGoThroughTheYamlGuard) {
  std::string laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    laughs += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) laughs += std::string(i ? ", *" : "*") + static_cast<char>(c - 1);
    laughs += "]\n";
  }
  std::vector<Package> pkgs;
  Status pnpm = ParsePnpmLock("lockfileVersion: '9.0'\n" + laughs + "packages: *i\n", pkgs);
  ASSERT_FALSE(pnpm.ok());
  EXPECT_EQ(pnpm.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(pnpm.error().message().starts_with("pnpm-lock.yaml:7:8: alias *e")) << pnpm.error().message();
  Status yarn = ParseYarnLock("__metadata:\n  version: 6\n" + laughs, pkgs);
  ASSERT_FALSE(yarn.ok());
  EXPECT_EQ(yarn.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(yarn.error().message().starts_with("yarn.lock:8:8: alias *e")) << yarn.error().message();
  EXPECT_TRUE(pkgs.empty());
  // Nesting deeper than the guard allows: refused, not a stack overflow.
  Status deep = ParsePnpmLock("packages: " + std::string(100000, '[') + "\n", pkgs);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code(), ErrorCode::kLimitExceeded);
}

TEST(JsLockFiles, BadInput) {
  for (auto fn : {ParsePackageLock, ParseYarnLock, ParsePnpmLock}) {
    for (const std::string& in : testing::HostileInputs()) {
      std::vector<Package> pkgs;
      (void)fn(in, pkgs);  // any Status; must not crash, hang or throw
      for (const Package& p : pkgs) EXPECT_FALSE(p.version.empty());
    }
  }
  std::vector<Package> pkgs;
  EXPECT_FALSE(ParsePackageLock("{\"packages\": {", pkgs).ok());
  EXPECT_FALSE(ParsePackageLock("[]", pkgs).ok());
  EXPECT_FALSE(ParsePackageLock(std::string(100000, '['), pkgs).ok());
  EXPECT_TRUE(ParsePackageLock("{\"packages\": 7, \"dependencies\": \"x\"}", pkgs).ok());
  EXPECT_TRUE(ParsePackageLock(R"({"packages":{"node_modules/a":{"version":1,"name":["x"]},
      "node_modules/b":[],"node_modules/c":{"link":true,"resolved":5}}})",
                               pkgs)
                  .ok());
  EXPECT_TRUE(ParsePackageLock(R"({"dependencies":{"a":{"version":{"x":1},"dependencies":[1]},"b":3}})", pkgs).ok());
  EXPECT_TRUE(pkgs.empty());
  EXPECT_FALSE(ParseYarnLock("__metadata:\n  version: 6\n\"a@npm:1\": [\n", pkgs).ok());
  EXPECT_FALSE(ParseYarnLock("__metadata:\n  version: 6\n- a\n", pkgs).ok());
  EXPECT_TRUE(ParseYarnLock("__metadata:\n  version: 6\n\"a@npm:1\":\n  version: [1]\n  resolution: {}\n", pkgs).ok());
  EXPECT_FALSE(ParsePnpmLock("packages:\n  - a\n", pkgs).ok());
  EXPECT_FALSE(ParsePnpmLock("- 1\n", pkgs).ok());
  EXPECT_FALSE(ParsePnpmLock("packages: {\n", pkgs).ok());
  EXPECT_TRUE(ParsePnpmLock("", pkgs).ok());
  EXPECT_TRUE(
      ParsePnpmLock(
          "lockfileVersion: 99999999999999999999\npackages:\n  /a/1.0.0:\n    name: [1]\n    version: {a: 1}\n", pkgs)
          .ok());
  EXPECT_TRUE(
      ParsePnpmLock("lockfileVersion: '9.0'\nimporters: 5\nsnapshots: [1]\npackages:\n  a@1.0.0: 7\n", pkgs).ok());
  EXPECT_TRUE(ParsePnpmLock("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a: {version: [1]}\n"
                            "      b: 1.0.0\nsnapshots:\n  b@1.0.0:\n    dependencies: [x]\npackages:\n  b@1.0.0: {}\n",
                            pkgs)
                  .ok());
  for (const Package& p : pkgs) EXPECT_FALSE(p.version.empty());
}

TEST(JsLockFiles, LargeInputsStayFast) {
  // 20,000 packages in a pnpm 9 chain (each depends on the next) and in a classic yarn.lock:
  // linear work, well inside the test timeout.
  std::string pnpm =
      "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      p0:\n        specifier: 1.0.0\n        "
      "version: 1.0.0\npackages:\n";
  std::string snaps = "snapshots:\n";
  std::string yarn = "# yarn lockfile v1\n";
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    std::string id = "p" + std::to_string(i);
    pnpm += "  " + id + "@1.0.0:\n    resolution: {integrity: sha512-x}\n";
    snaps += "  " + id + "@1.0.0:\n";
    if (i + 1 < n)
      snaps += "    dependencies:\n      p" + std::to_string(i + 1) + ": 1.0.0\n";
    else
      snaps += "    {}\n";
    yarn += id + "@^1:\n  version \"1.0.0\"\n";
  }
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePnpmLock(pnpm + snaps, pkgs).ok());
  ASSERT_EQ(pkgs.size(), static_cast<size_t>(n));
  EXPECT_TRUE(Has(Find(pkgs, "p19999"), "npm:dev"));
  pkgs.clear();
  ASSERT_TRUE(ParseYarnLock(yarn, pkgs).ok());
  EXPECT_EQ(pkgs.size(), static_cast<size_t>(n));
}

TEST(JsLockFiles, Catalogers) {
  auto npm = NewNpmLockCataloger();
  auto yarn = NewYarnLockCataloger();
  auto pnpm = NewPnpmLockCataloger();
  FileRef lock{"app/package-lock.json", 0644, 10};
  EXPECT_TRUE(npm->Wants(lock));
  EXPECT_FALSE(yarn->Wants(lock));
  EXPECT_TRUE(yarn->Wants(FileRef{"app/yarn.lock", 0644, 10}));
  EXPECT_TRUE(pnpm->Wants(FileRef{"app/pnpm-lock.yaml", 0644, 10}));
  EXPECT_FALSE(npm->Wants(FileRef{"app/node_modules/a/package-lock.json", 0644, 10}));
  FileResult out;
  ASSERT_TRUE(npm->Parse(lock, Fixture("npm/trivy/package-lock_v3.json"), out).ok());
  EXPECT_EQ(out.packages.size(), 31u);
}

}  // namespace
}  // namespace vigil::catalog
