// The analyzer on real (synthetic, built here) OCI images: overlay semantics, attribution,
// os-release through symlinks, file ownership, caching and failures.
#include "catalog/analyzer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "../test_util.h"
#include "common/file.h"
#include "image_builder.h"

namespace vigil::catalog {
namespace {

using testing::File;
using testing::TestLayer;

const char kStatus1[] =
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9\n\n"
    "Package: python3-yaml\nStatus: install ok installed\nArchitecture: amd64\nSource: pyyaml\nVersion: 6.0-3\n\n";
const char kStatus2[] =
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9\n\n"
    "Package: python3-yaml\nStatus: install ok installed\nArchitecture: amd64\nSource: pyyaml\nVersion: 6.0-3\n\n"
    "Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10\n\n";

std::string PkgJson(const std::string& name, const std::string& version) {
  return "{\"name\":\"" + name + "\",\"version\":\"" + version + "\"}";
}

std::vector<TestLayer> SampleImage() {
  return {
      TestLayer{{File("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
                 testing::Symlink("etc/os-release", "../usr/lib/os-release"), File("var/lib/dpkg/status", kStatus1),
                 File("var/lib/dpkg/info/python3-yaml.list",
                      "/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA\n"),
                 File("usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA", "Name: PyYAML\nVersion: 6.0\n")},
                testing::Compress::kGzip,
                "ADD rootfs.tar /"},
      TestLayer{{File("var/lib/dpkg/status", kStatus2),
                 File("app/node_modules/lodash/package.json", PkgJson("lodash", "4.17.15")),
                 File("app/node_modules/minimist/package.json", PkgJson("minimist", "1.2.0")),
                 File("app/node_modules/@babel/core/package.json", PkgJson("@babel/core", "7.0.0")),
                 File("opt/old/node_modules/x/package.json", PkgJson("x", "1.0.0")),
                 File("app/node_modules/bad/package.json", "{ not json")},
                testing::Compress::kZstd,
                "RUN apt-get install curl && npm install"},
      TestLayer{{File("app/node_modules/.wh.lodash", ""),
                 File("app/node_modules/minimist/package.json", PkgJson("minimist", "1.2.6")),
                 File("opt/old/.wh..wh..opq", ""), File("opt/old/node_modules/y/package.json", PkgJson("y", "2.0.0"))},
                testing::Compress::kNone,
                "RUN rm -rf node_modules/lodash && npm update minimist"},
  };
}

std::map<std::string, const Package*> ByName(const Inventory& inv) {
  std::map<std::string, const Package*> m;
  for (const auto& p : inv.packages) m[p.type + ":" + p.name] = &p;
  return m;
}

Inventory Analyse(const std::string& dir, const std::string& cache = "") {
  auto img = image::Image::Open(dir, {});
  EXPECT_TRUE(img.ok()) << img.error().ToString();
  AnalyzeOptions opts;
  opts.cache_dir = cache;
  auto inv = Analyze(**img, opts);
  EXPECT_TRUE(inv.ok()) << inv.error().ToString();
  return inv.ok() ? *inv : Inventory{};
}

TEST(Analyzer, OverlayAttributionAndOwnership) {
  std::string dir = testing::TempDir("analyzer");
  testing::WriteOciLayout(dir, SampleImage());
  Inventory inv = Analyse(dir);
  auto by = ByName(inv);

  EXPECT_EQ(inv.distro.id, "debian");  // found through the etc/os-release symlink
  EXPECT_EQ(inv.distro.version_id, "12");

  // dpkg status rewritten in layer 1: old packages keep layer 0, the new one is layer 1.
  ASSERT_TRUE(by.count("deb:libc6"));
  EXPECT_EQ(by["deb:libc6"]->layer, 0);
  EXPECT_EQ(by["deb:libc6"]->purl, "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12&upstream=glibc");
  ASSERT_TRUE(by.count("deb:curl"));
  EXPECT_EQ(by["deb:curl"]->layer, 1);
  EXPECT_EQ(inv.layers[by["deb:curl"]->layer].layer.created_by, "RUN apt-get install curl && npm install");

  // Whiteout removes lodash; the rewrite of minimist gives the new version, in layer 2.
  EXPECT_FALSE(by.count("npm:lodash"));
  ASSERT_TRUE(by.count("npm:minimist"));
  EXPECT_EQ(by["npm:minimist"]->version, "1.2.6");
  EXPECT_EQ(by["npm:minimist"]->layer, 2);
  ASSERT_TRUE(by.count("npm:core"));
  EXPECT_EQ(by["npm:core"]->name_space, "@babel");

  // The opaque folder hides x (layer 1) but keeps y (same layer as the marker).
  EXPECT_FALSE(by.count("npm:x"));
  EXPECT_TRUE(by.count("npm:y"));

  // The Python module's METADATA is listed by python3-yaml's file list.
  ASSERT_TRUE(by.count("pypi:PyYAML"));
  EXPECT_EQ(by["pypi:PyYAML"]->owner, "deb:python3-yaml");
  EXPECT_FALSE(by["deb:python3-yaml"]->files.empty());

  // The malformed package.json is a warning naming the file; the scan went on.
  bool warned = false;
  for (const auto& w : inv.warnings) warned |= w.find("app/node_modules/bad/package.json") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(Analyzer, AnalyzeImageByReference) {
  std::string dir = testing::TempDir("by_reference");
  testing::WriteOciLayout(dir, SampleImage());
  Inventory direct = Analyse(dir);
  auto by_ref = AnalyzeImage({"oci:" + dir, "", {}});
  ASSERT_TRUE(by_ref.ok()) << by_ref.error().ToString();
  ASSERT_EQ(by_ref->packages.size(), direct.packages.size());
  for (size_t i = 0; i < direct.packages.size(); ++i) EXPECT_EQ(by_ref->packages[i].purl, direct.packages[i].purl);
  EXPECT_EQ(ImageName(*by_ref), "test:latest");  // the layout's ref.name annotation
  auto missing = AnalyzeImage({"oci:" + dir + "/missing", "", {}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find(dir + "/missing"), std::string::npos) << missing.error().ToString();
}

TEST(Analyzer, CacheGivesTheSameInventory) {
  std::string dir = testing::TempDir("cached");
  testing::WriteOciLayout(dir, SampleImage());
  std::string cache = testing::TempDir("cache");
  Inventory cold = Analyse(dir, cache);
  Inventory warm = Analyse(dir, cache);
  ASSERT_EQ(cold.packages.size(), warm.packages.size());
  for (size_t i = 0; i < cold.packages.size(); ++i) {
    EXPECT_EQ(cold.packages[i].purl, warm.packages[i].purl);
    EXPECT_EQ(cold.packages[i].layer, warm.packages[i].layer);
    EXPECT_EQ(cold.packages[i].owner, warm.packages[i].owner);
  }
  for (const auto& l : cold.layers) EXPECT_FALSE(l.from_cache);
  for (const auto& l : warm.layers) EXPECT_TRUE(l.from_cache);
  EXPECT_EQ(cold.warnings, warm.warnings);
}

TEST(Analyzer, FailingLayerNamesTheLayer) {
  std::string dir = testing::TempDir("badlayer");
  std::vector<TestLayer> layers = SampleImage();
  layers[1].entries.push_back(File("../../escape", "x"));
  testing::WriteOciLayout(dir, layers);
  auto img = image::Image::Open(dir, {});
  ASSERT_TRUE(img.ok());
  auto inv = Analyze(**img, {});
  ASSERT_FALSE(inv.ok());
  EXPECT_NE(inv.error().message().find("layer 1"), std::string::npos) << inv.error().message();
  EXPECT_NE(inv.error().message().find("escape"), std::string::npos) << inv.error().message();
}

TEST(Analyzer, SymlinkedFolderHidesLowerFiles) {
  std::string dir = testing::TempDir("shadow");
  testing::WriteOciLayout(
      dir,
      {
          TestLayer{{File("srv/node_modules/a/package.json", PkgJson("a", "1.0.0"))}, testing::Compress::kGzip, "A"},
          TestLayer{{File(".wh.srv", ""), testing::Symlink("srv", "/elsewhere")}, testing::Compress::kGzip, "B"},
      });
  Inventory inv = Analyse(dir);
  EXPECT_TRUE(inv.packages.empty());
}

TEST(Analyzer, RootFolder) {
  std::string dir = testing::TempDir("rootfs");
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/var/lib/dpkg " + dir + "/etc && printf 'ID=debian\\n' > " + dir +
                         "/etc/os-release && printf 'Package: a\\nVersion: 1\\nStatus: install ok installed\\n' > " +
                         dir + "/var/lib/dpkg/status")
                            .c_str()),
            0);
  Inventory inv = Analyse(dir);
  ASSERT_EQ(inv.packages.size(), 1u);
  EXPECT_EQ(inv.packages[0].name, "a");
  EXPECT_EQ(inv.image.format, "rootfs");
}

}  // namespace
}  // namespace vigil::catalog

namespace vigil::catalog {
namespace {

TEST(Analyzer, SymlinkLoopsAndLinksOutOfTheRoot) {
  std::string dir = testing::TempDir("links");
  testing::WriteOciLayout(
      dir,
      {
          TestLayer{{testing::Symlink("etc/os-release", "../etc/loop"), testing::Symlink("etc/loop", "/etc/os-release"),
                     testing::Symlink("usr/lib/os-release", "../../../../../../etc/real-os-release"),
                     File("etc/real-os-release", "ID=alpine\n"), testing::Symlink("var", "/var2"),
                     File("var2/lib/dpkg/status", kStatus1)},
                    testing::Compress::kGzip,
                    "links"},
      });
  Inventory inv = Analyse(dir);
  // etc/os-release loops (given up after 40 hops); usr/lib/os-release climbs out of the root and
  // is clamped to etc/real-os-release, a path os-release is not read from.
  EXPECT_EQ(inv.distro.id, "");
  // var is a symlink: the status file under var2 is not at var/lib/dpkg/status, so it is not read.
  EXPECT_TRUE(inv.packages.empty());
}

TEST(Analyzer, ManyTinyEntries) {
  std::vector<testing::TarEntry> entries;
  for (int i = 0; i < 200000; ++i)
    entries.push_back(File("d" + std::to_string(i % 100) + "/f" + std::to_string(i), ""));
  entries.push_back(File("app/node_modules/a/package.json", PkgJson("a", "1.0.0")));
  std::string dir = testing::TempDir("tiny");
  testing::WriteOciLayout(dir, {TestLayer{entries, testing::Compress::kGzip, "many"}});
  Inventory inv = Analyse(dir);
  ASSERT_EQ(inv.packages.size(), 1u);
  EXPECT_EQ(inv.layers[0].entries, 200001u);
}

}  // namespace
}  // namespace vigil::catalog

namespace vigil::catalog {
namespace {

std::vector<TestLayer> ReplacedPackageJson(size_t upper_size) {
  std::string big = "{\"name\":\"minimist\",\"version\":\"1.2.8\",\"pad\":\"" + std::string(upper_size, 'x') + "\"}";
  return {TestLayer{{File("app/node_modules/minimist/package.json", PkgJson("minimist", "1.2.0")),
                     File("app/node_modules/ms/package.json", PkgJson("ms", "2.1.3"))},
                    testing::Compress::kGzip,
                    "COPY node_modules"},
          TestLayer{{File("app/node_modules/minimist/package.json", big)}, testing::Compress::kGzip, "RUN npm update"}};
}

// The file the final filesystem holds is the one reported: when it cannot be read, its packages
// are unknown (Inventory::unread) — the lower layer's older file is never reported instead.
TEST(Analyzer, UnreadUpperFileHidesTheLowerOne) {
  std::string dir = testing::TempDir("unread_upper");
  testing::WriteOciLayout(dir, ReplacedPackageJson(9u << 20));  // over npm's 8 MiB limit
  std::string cache = testing::TempDir("unread_upper_cache");
  for (int pass = 0; pass < 2; ++pass) {  // cold, then from the cache
    Inventory inv = Analyse(dir, cache);
    auto pkgs = ByName(inv);
    EXPECT_EQ(pkgs.count("npm:minimist"), 0u) << "pass " << pass << ": the replaced 1.2.0 must not be reported";
    EXPECT_EQ(pkgs.count("npm:ms"), 1u);
    ASSERT_EQ(inv.unread.size(), 1u) << "pass " << pass;
    EXPECT_FALSE(inv.complete());
    EXPECT_EQ(inv.unread[0].path, "app/node_modules/minimist/package.json");
    EXPECT_EQ(inv.unread[0].layer, 1);
    EXPECT_EQ(inv.unread[0].cataloger, "npm");
    EXPECT_NE(inv.unread[0].reason.find("limit"), std::string::npos) << inv.unread[0].reason;
    EXPECT_NE(Describe(inv.unread[0]).find("layer 1: app/node_modules/minimist/package.json (npm)"), std::string::npos);
    EXPECT_EQ(inv.layers[1].from_cache, pass == 1);
  }
  // Deleted later: nothing unknown remains.
  std::vector<TestLayer> layers = ReplacedPackageJson(9u << 20);
  layers.push_back(TestLayer{{File("app/node_modules/.wh.minimist", "")}, testing::Compress::kNone, "RUN rm"});
  std::string gone = testing::TempDir("unread_then_deleted");
  testing::WriteOciLayout(gone, layers);
  Inventory inv = Analyse(gone);
  EXPECT_TRUE(inv.complete());
}

// A package database that does not parse makes its packages unknown, not an empty list.
TEST(Analyzer, DamagedPackageDatabaseIsUnread) {
  std::string dir = testing::TempDir("damaged_rpmdb");
  testing::WriteOciLayout(dir, {TestLayer{{File("var/lib/rpm/rpmdb.sqlite", "not an sqlite file at all")},
                                          testing::Compress::kGzip,
                                          "RUN dnf install"}});
  Inventory inv = Analyse(dir);
  ASSERT_EQ(inv.unread.size(), 1u);
  EXPECT_EQ(inv.unread[0].cataloger, "rpm");
  EXPECT_NE(inv.unread[0].reason.find("does not parse"), std::string::npos) << inv.unread[0].reason;
}

// A config that claims a cached layer's diff_id for other bytes must not get that layer's
// cached analysis: the cache is keyed by the stored bytes, and the walk then finds the lie.
TEST(Analyzer, LyingDiffIdDoesNotSelectACachedLayer) {
  std::string cache = testing::TempDir("lie_cache");
  std::string honest = testing::TempDir("lie_honest");
  std::vector<TestLayer> base = {
      TestLayer{{File("var/lib/dpkg/status", kStatus1)}, testing::Compress::kGzip, "ADD rootfs.tar /"}};
  testing::WriteOciLayout(honest, base);
  Inventory first = Analyse(honest, cache);
  ASSERT_EQ(first.packages.size(), 2u);
  const std::string base_diff_id = first.layers[0].layer.diff_id;

  std::string liar = testing::TempDir("lie_liar");
  std::vector<TestLayer> evil = {
      TestLayer{{File("var/lib/dpkg/status", kStatus2)}, testing::Compress::kGzip, "ADD rootfs.tar /", base_diff_id}};
  testing::WriteOciLayout(liar, evil);
  auto img = image::Image::Open(liar, {});
  ASSERT_TRUE(img.ok()) << img.error().ToString();
  EXPECT_EQ((*img)->info().layers[0].diff_id, base_diff_id);
  AnalyzeOptions opts;
  opts.cache_dir = cache;
  auto warm = Analyze(**img, opts);
  ASSERT_FALSE(warm.ok()) << "a lying image got " << warm->packages.size() << " packages from the cache";
  EXPECT_EQ(warm.error().code(), ErrorCode::kIntegrity) << warm.error().ToString();
  auto cold = Analyze(**img, {});
  ASSERT_FALSE(cold.ok());
  EXPECT_EQ(cold.error().code(), ErrorCode::kIntegrity);
}

// Workers share one memory budget; a file larger than the whole budget is still read (alone).
TEST(Analyzer, MemoryBudgetSmallerThanFilesStillReadsThem) {
  std::string dir = testing::TempDir("budget");
  testing::WriteOciLayout(dir, SampleImage());
  Inventory plain = Analyse(dir);
  auto img = image::Image::Open(dir, {});
  ASSERT_TRUE(img.ok());
  AnalyzeOptions opts;
  opts.threads = 3;
  opts.memory_budget = 16;  // bytes: smaller than every file
  auto tight = Analyze(**img, opts);
  ASSERT_TRUE(tight.ok()) << tight.error().ToString();
  ASSERT_EQ(tight->packages.size(), plain.packages.size());
  for (size_t i = 0; i < plain.packages.size(); ++i) EXPECT_EQ(tight->packages[i].purl, plain.packages[i].purl);
}

}  // namespace
}  // namespace vigil::catalog

#include <fstream>

#include "catalog/layer_cache.h"

namespace vigil::catalog {
namespace {

// `vigil cache clean` and the size bound: least recently used entries go first, old analysis
// versions before any current one, and nothing but entries is touched.
TEST(LayerCache, MeasureCleanAndEvictLeastRecentlyUsed) {
  std::string cache = testing::TempDir("cache_admin");
  EXPECT_EQ(MeasureCache(cache)->entries, 0u);
  EXPECT_EQ(MeasureCache(cache + "/nothing-here")->entries, 0u);
  std::string a = testing::TempDir("cache_admin_a"), b = testing::TempDir("cache_admin_b");
  testing::WriteOciLayout(a, SampleImage());
  std::vector<TestLayer> other = {
      TestLayer{{File("var/lib/dpkg/status", kStatus2)}, testing::Compress::kGzip, "ADD other.tar /"}};
  testing::WriteOciLayout(b, other);
  Analyse(a, cache);  // 3 layers: each under its stored digest, the 2 compressed ones under the diff_id too
  auto after_a = MeasureCache(cache);
  ASSERT_TRUE(after_a.ok());
  EXPECT_EQ(after_a->entries, 5u);
  // An entry of an older analysis version and a stranger's file.
  std::string old_dir = cache + "/layers/v1";
  ASSERT_EQ(std::system(("mkdir -p " + old_dir).c_str()), 0);
  std::ofstream(old_dir + "/" + std::string(64, 'a') + "-abc.json") << "{}";
  std::ofstream(cache + "/layers/README") << "keep me";
  EXPECT_EQ(MeasureCache(cache)->entries, 6u);

  // Only the old version goes when the bound is loose.
  auto evicted = EvictCache(cache, 1ull << 30);
  ASSERT_TRUE(evicted.ok());
  EXPECT_EQ(evicted->entries, 1u);
  sleep(1);  // modification times one second apart at least, whatever the file system
  Analyse(b, cache);
  uint64_t b_bytes = MeasureCache(cache)->bytes - after_a->bytes;
  // A bound that fits only b's entry: a's (used longer ago) are evicted, b's stays.
  auto tight = EvictCache(cache, b_bytes);
  ASSERT_TRUE(tight.ok());
  EXPECT_EQ(tight->entries, 5u);
  Inventory warm_b = Analyse(b, cache);
  EXPECT_TRUE(warm_b.layers[0].from_cache);
  Inventory cold_a = Analyse(a, cache);
  EXPECT_FALSE(cold_a.layers[0].from_cache);

  auto cleaned = CleanCache(cache);
  ASSERT_TRUE(cleaned.ok());
  EXPECT_GT(cleaned->entries, 0u);
  EXPECT_EQ(MeasureCache(cache)->entries, 0u);
  std::ifstream kept(cache + "/layers/README");
  EXPECT_TRUE(kept.good()) << "clean must remove cache entries only";
}

}  // namespace
}  // namespace vigil::catalog

namespace vigil::catalog {
namespace {

// A lock file the YAML guard refuses is not read: unknown packages, not a warning.
TEST(Analyzer, LockFileRefusedByALimitIsUnread) {
  std::string laughs = "lockfileVersion: '6.0'\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'k'; ++c) {
    laughs += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) laughs += std::string(i ? ", *" : "*") + static_cast<char>(c - 1);
    laughs += "]\n";
  }
  std::string dir = testing::TempDir("laughing_lock");
  testing::WriteOciLayout(dir, {TestLayer{{File("app/pnpm-lock.yaml", laughs)}, testing::Compress::kGzip, "COPY"}});
  Inventory inv = Analyse(dir);
  ASSERT_EQ(inv.unread.size(), 1u);
  EXPECT_EQ(inv.unread[0].path, "app/pnpm-lock.yaml");
  EXPECT_EQ(inv.unread[0].cataloger, "pnpm-lock");
}

}  // namespace
}  // namespace vigil::catalog

namespace vigil::catalog {
namespace {

// A docker-archive of one uncompressed layer whose config claims `diff_id`.
std::string DockerArchive(const std::string& dir, const std::string& layer_tar, const std::string& diff_id) {
  std::string config =
      R"({"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[")" + diff_id + R"("]}})";
  std::string config_name = testing::Digest(config).substr(7) + ".json";
  std::string manifest = R"([{"Config":")" + config_name + R"(","RepoTags":["x:1"],"Layers":["l/layer.tar"]}])";
  std::string path = dir + "/image.tar";
  std::ofstream(path, std::ios::binary) << testing::MakeTar(
      {File("manifest.json", manifest), File(config_name, config), File("l/layer.tar", layer_tar)});
  return path;
}

// The docker-archive form of the lie: no manifest digest, so the entry is looked up under the
// claimed diff_id — and found; the stored bytes, hashed, must still not select it.
TEST(Analyzer, LyingDiffIdInADockerArchiveDoesNotSelectACachedLayer) {
  std::string cache = testing::TempDir("lie_docker_cache");
  std::string honest_tar = testing::MakeTar({File("var/lib/dpkg/status", kStatus1)});
  std::string honest = DockerArchive(testing::TempDir("lie_docker_honest"), honest_tar, testing::Digest(honest_tar));
  Inventory first = Analyse(honest, cache);
  ASSERT_EQ(first.packages.size(), 2u);

  std::string evil_tar = testing::MakeTar({File("var/lib/dpkg/status", kStatus2)});
  std::string liar = DockerArchive(testing::TempDir("lie_docker_liar"), evil_tar, testing::Digest(honest_tar));
  auto img = image::Image::Open(liar, {});
  ASSERT_TRUE(img.ok()) << img.error().ToString();
  AnalyzeOptions opts;
  opts.cache_dir = cache;
  auto warm = Analyze(**img, opts);
  ASSERT_FALSE(warm.ok()) << "a lying image got " << warm->packages.size() << " packages from the cache";
  EXPECT_EQ(warm.error().code(), ErrorCode::kIntegrity) << warm.error().ToString();
}

// apk's database at usr/lib/apk/db/installed (Wolfi, usr-merged Alpine with apk-tools 3) is read
// like lib/apk/db/installed; an image with both lists its packages once, from the path apk opens.
TEST(Analyzer, ApkDatabaseUnderUsrLib) {
  auto a316 = ReadFile(vigil::testing::TestData("catalog", "apk-installed-alpine-3.16-syft"));
  auto a318 = ReadFile(vigil::testing::TestData("catalog", "apk-installed-alpine-3.18-scalibr"));
  ASSERT_TRUE(a316.ok() && a318.ok());
  auto count_apk = [](const Inventory& inv) {
    size_t n = 0;
    for (const Package& p : inv.packages) n += p.type == "apk";
    return n;
  };
  // Only usr/lib (lib a symlink to usr/lib, as in Wolfi): read once.
  std::string merged = testing::TempDir("apk_usr_lib");
  testing::WriteOciLayout(merged,
                          {TestLayer{{testing::Symlink("lib", "usr/lib"), File("usr/lib/apk/db/installed", *a316),
                                      File("etc/os-release", "ID=wolfi\n")},
                                     testing::Compress::kGzip,
                                     "apko"}});
  Inventory m = Analyse(merged);
  EXPECT_EQ(count_apk(m), 14u);
  for (const Package& p : m.packages) EXPECT_EQ(p.location, "usr/lib/apk/db/installed");
  EXPECT_TRUE(m.warnings.empty());
  // Both as regular files: lib/apk/db/installed wins, the other is named in a warning.
  std::string both = testing::TempDir("apk_both");
  testing::WriteOciLayout(both, {TestLayer{{File("lib/apk/db/installed", *a318)}, testing::Compress::kGzip, "A"},
                                 TestLayer{{File("usr/lib/apk/db/installed", *a316)}, testing::Compress::kGzip, "B"}});
  Inventory b = Analyse(both);
  EXPECT_EQ(count_apk(b), 15u);
  for (const Package& p : b.packages) EXPECT_EQ(p.location, "lib/apk/db/installed");
  ASSERT_EQ(b.warnings.size(), 1u);
  EXPECT_NE(b.warnings[0].find("usr/lib/apk/db/installed: not read: the image also has lib/apk/db/installed"),
            std::string::npos)
      << b.warnings[0];
}

// What a cataloger says about a file it read reaches Inventory::warnings with the layer and path,
// for the files of the final filesystem only, and the layer cache keeps it.
TEST(Analyzer, CatalogerWarningsNameTheFileAndSurviveTheCache) {
  std::string dir = testing::TempDir("dpkg_warnings");
  testing::WriteOciLayout(
      dir,
      {TestLayer{{File("var/lib/dpkg/status", "Package: old\nVersion: a1\n")}, testing::Compress::kGzip, "A"},
       TestLayer{{File("var/lib/dpkg/status", "Package: invalidpkg\nVersion: 1:5.#\n")}, testing::Compress::kGzip, "B"},
       TestLayer{{File("var/lib/dpkg/status.d/empty", "")}, testing::Compress::kGzip, "C"}});
  std::string cache = testing::TempDir("dpkg_warnings_cache");
  for (int pass = 0; pass < 2; ++pass) {
    Inventory inv = Analyse(dir, cache);
    ASSERT_EQ(inv.packages.size(), 1u);
    EXPECT_EQ(inv.packages[0].version, "1:5.#");
    ASSERT_EQ(inv.warnings.size(), 3u) << pass;
    EXPECT_EQ(inv.warnings[0],
              "layer 1: var/lib/dpkg/status: dpkg cataloger: package 'invalidpkg' (stanza ending at line 2) has no "
              "Status field: reported as installed, though dpkg would count it as not installed");
    EXPECT_NE(inv.warnings[1].find("layer 1: var/lib/dpkg/status: dpkg cataloger: package 'invalidpkg'"),
              std::string::npos);
    EXPECT_NE(inv.warnings[1].find("invalid character in version number"), std::string::npos);
    EXPECT_EQ(
        inv.warnings[2],
        "layer 2: var/lib/dpkg/status.d/empty: dpkg cataloger: lists no package at all: no installed package found");
  }
}

}  // namespace
}  // namespace vigil::catalog
