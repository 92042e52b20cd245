// The ways scanners are known to get matching wrong, each a named test on real records:
// tests/match/testdata/failure-modes.jsonl (OSV records copied from ../shared/data/osv, see
// testdata/README.md) and the Alpine secdb, Debian DSA list and tracker fixtures of
// tests/vulndb/testdata.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "../test_util.h"
#include "catalog/analyzer.h"
#include "common/file.h"
#include "image/image.h"
#include "image_builder.h"
#include "match/matcher.h"
#include "vulndb/internal/alpine_secdb.h"
#include "vulndb/internal/debian_advisory_list.h"
#include "vulndb/internal/debian_tracker.h"
#include "vulndb/osv.h"

namespace vigil::match {
namespace {

using Strings = std::vector<std::string>;

std::string Read(const std::string& part, const std::string& name) {
  Result<std::string> text = ReadFile(vigil::testing::TestData(part, name));
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? *text : "";
}

// The real OSV records of failure-modes.jsonl, by id.
const std::map<std::string, vulndb::Advisory>& Records() {
  static const auto* records = [] {
    auto* m = new std::map<std::string, vulndb::Advisory>();
    std::string text = Read("match", "failure-modes.jsonl");
    vulndb::OsvParser parser;
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      std::string_view line(text.data() + start, (nl == std::string::npos ? text.size() : nl) - start);
      start = nl == std::string::npos ? text.size() : nl + 1;
      if (line.empty()) continue;
      Result<vulndb::Advisory> a = parser.Parse(line, "failure-modes.jsonl");
      EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().ToString());
      if (a.ok()) (*m)[a->id] = std::move(*a);
    }
    return m;
  }();
  return *records;
}

const vulndb::Advisory& Record(const std::string& id) {
  auto it = Records().find(id);
  EXPECT_NE(it, Records().end()) << id;
  static const vulndb::Advisory kNone;
  return it == Records().end() ? kNone : it->second;
}

catalog::Package Pkg(const std::string& type, const std::string& name, const std::string& version,
                     const std::string& source = "", const std::string& source_version = "") {
  catalog::Package p;
  p.type = type;
  p.name = name;
  p.version = version;
  p.source_name = source;
  p.source_version = source_version;
  return p;
}

catalog::Distro Os(const std::string& id, const std::string& version_id) {
  catalog::Distro d;
  d.id = id;
  d.version_id = version_id;
  return d;
}

std::vector<Finding> MatchWith(const catalog::Distro& distro, std::vector<catalog::Package> packages,
                               const std::vector<vulndb::Advisory>& advisories) {
  catalog::Inventory inv;
  inv.distro = distro;
  inv.packages = std::move(packages);
  std::unique_ptr<vulndb::Index> index = vulndb::Index::Build(advisories);
  Result<std::vector<Finding>> r = Match(inv, *index, MatchOptions{});
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : std::vector<Finding>{};
}

// "id@package" per finding.
Strings Ids(const std::vector<Finding>& fs) {
  Strings out;
  for (const Finding& f : fs) out.push_back(f.id + "@" + std::to_string(f.package));
  return out;
}

TEST(FailureModes, DebianEpoch) {
  // DEBIAN-CVE-2022-49737: xorg-server fixed in 2:21.1.7-3+deb12u13. The epoch "2:" outranks
  // any upstream version: 21.99 without the epoch is older than the fix.
  const auto& rec = Record("DEBIAN-CVE-2022-49737");
  auto f = MatchWith(
      Os("debian", "12"),
      {Pkg("deb", "xserver-xorg-core", "2:21.1.7-3+deb12u12", "xorg-server"),
       Pkg("deb", "xserver-xorg-core", "2:21.1.7-3+deb12u13", "xorg-server"),
       Pkg("deb", "xwayland", "21.99-1", "xorg-server"), Pkg("deb", "xserver-xorg-core", "3:1.0-1", "xorg-server")},
      {rec});
  EXPECT_EQ(Ids(f), (Strings{"CVE-2022-49737@0", "CVE-2022-49737@2"}));
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].fix, "2:21.1.7-3+deb12u13");
  EXPECT_EQ(f[0].aliases, Strings{"DEBIAN-CVE-2022-49737"});
}

TEST(FailureModes, BackportedFixInALaterRevision) {
  // Debian fixes python3.11 by patching 3.11.2 (3.11.2-6+deb12u9): the upstream version stays
  // 3.11.2, which upstream advisories call vulnerable. The distribution's record decides, by the
  // source package's full version.
  const auto& rec = Record("DEBIAN-CVE-2021-4189");
  auto f = MatchWith(Os("debian", "12"),
                     {Pkg("deb", "libpython3.11-stdlib", "3.11.2-6+deb12u8", "python3.11"),
                      Pkg("deb", "libpython3.11-stdlib", "3.11.2-6+deb12u9", "python3.11"),
                      Pkg("deb", "python3.11-minimal", "3.11.2-6+deb12u10", "python3.11")},
                     {rec});
  EXPECT_EQ(Ids(f), (Strings{"CVE-2021-4189@0"}));
}

TEST(FailureModes, AdvisoryOfAnotherDebianReleaseNeverMatches) {
  // The same Debian:12 record on a Debian 11 and an Ubuntu 22.04 image: no finding.
  const auto& rec = Record("DEBIAN-CVE-2021-4189");
  EXPECT_TRUE(
      MatchWith(Os("debian", "11"), {Pkg("deb", "libpython3.11-stdlib", "3.11.2-6", "python3.11")}, {rec}).empty());
  EXPECT_TRUE(
      MatchWith(Os("ubuntu", "22.04"), {Pkg("deb", "libpython3.11-stdlib", "3.11.2-6", "python3.11")}, {rec}).empty());
  // The tracker's real chromium entry: fixed in bookworm (12) and bullseye (11) with their own
  // versions, still open in buster (10), whose support ended. Each image sees its own release only.
  vulndb::DebianTrackerOptions options;
  options.modified = "2024-01-01T00:00:00Z";
  auto tracker = vulndb::ParseDebianTrackerJson(Read("vulndb", "debian/tracker-sample.json"), "tracker", options);
  ASSERT_TRUE(tracker.ok());
  catalog::Package chromium = Pkg("deb", "chromium", "97.0.4692.99-1~deb11u2", "chromium");
  auto f11 = MatchWith(Os("debian", "11"), {chromium}, tracker->advisories);
  auto f12 = MatchWith(Os("debian", "12"), {Pkg("deb", "chromium", "98.0.4758.80-1", "chromium")}, tracker->advisories);
  auto f10 = MatchWith(Os("debian", "10"), {Pkg("deb", "chromium", "90.0.4430.212-1~deb10u1", "chromium")},
                       tracker->advisories);
  EXPECT_EQ(Ids(f11), (Strings{"CVE-2022-0456@0"}));
  ASSERT_EQ(f11.size(), 1u);
  EXPECT_EQ(f11[0].fix, "98.0.4758.80-1~deb11u1");
  EXPECT_TRUE(f12.empty());  // 98.0.4758.80-1 is bookworm's fixed version
  ASSERT_EQ(Ids(f10), (Strings{"CVE-2022-0456@0"}));
  EXPECT_EQ(f10[0].status, vulndb::FixStatus::kEndOfLife);  // open, urgency "end-of-life"
  EXPECT_TRUE(f10[0].fix.empty());
}

TEST(FailureModes, AlpinePatchAndReleaseCandidateSuffixes) {
  // Alpine v3.10 secdb: bind 9.12.3_p4-r0 fixes CVE-2019-6465. apk orders _rc before the
  // release and _p after it: 9.12.3-r0 and 9.12.3_p3-r0 are affected, _p4 is not.
  auto secdb =
      vulndb::ParseAlpineSecdbYaml(Read("vulndb", "alpine/v3.10-main.yaml"), "v3.10-main.yaml", "2020-06-08T00:00:00Z");
  ASSERT_TRUE(secdb.ok());
  auto f =
      MatchWith(Os("alpine", "3.10.9"),
                {Pkg("apk", "bind-libs", "9.12.3_p3-r0", "bind"), Pkg("apk", "bind", "9.12.3_p4-r0"),
                 Pkg("apk", "bind", "9.12.3-r0"), Pkg("apk", "bind", "9.12.3_rc1-r0"), Pkg("apk", "bind", "9.12.4-r0")},
                secdb->advisories);
  Strings ids = Ids(f);
  auto contains = [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
  EXPECT_TRUE(contains("CVE-2019-6465@0"));
  EXPECT_FALSE(contains("CVE-2019-6465@1"));
  EXPECT_TRUE(contains("CVE-2019-6465@2"));
  EXPECT_TRUE(contains("CVE-2019-6465@3"));
  EXPECT_FALSE(contains("CVE-2019-6465@4"));
  // Another branch's image: nothing from v3.10.
  EXPECT_TRUE(MatchWith(Os("alpine", "3.11.2"), {Pkg("apk", "bind", "9.12.3-r0")}, secdb->advisories).empty());
}

TEST(FailureModes, RpmEpoch) {
  // ALSA-2023:0946 (tests/vulndb/testdata/osv): openssl fixed in 1:3.0.1-47.el9_1. The installed
  // epoch 1 is compared; a package without an epoch reads as epoch 0 and is older.
  Result<std::string> text = ReadFile(vigil::testing::TestData("vulndb", "osv/ALSA-2023:0946.json"));
  ASSERT_TRUE(text.ok());
  vulndb::OsvParser parser;
  auto rec = parser.Parse(*text, "ALSA-2023:0946.json");
  ASSERT_TRUE(rec.ok());
  catalog::Package fixed = Pkg("rpm", "openssl", "3.0.1-47.el9_1");
  fixed.epoch = "1";
  catalog::Package newer_without_epoch = Pkg("rpm", "openssl", "3.0.9-1.el9");
  catalog::Package old = Pkg("rpm", "openssl", "3.0.1-46.el9_1");
  old.epoch = "1";
  auto f = MatchWith(Os("almalinux", "9.1"), {fixed, newer_without_epoch, old}, {*rec});
  EXPECT_EQ(Ids(f), (Strings{"ALSA-2023:0946@1", "ALSA-2023:0946@2"}));
}

TEST(FailureModes, NpmPreRelease) {
  // x_NPM-LEGACY-8 (express): affected below 3.11.0-0 and from 4.0.0 below 4.5.0-0. In SemVer
  // 4.5.0-0 is the lowest pre-release of 4.5.0, so 4.5.0-beta.1 is past the fix; 4.0.0-rc.1 is
  // below 4.0.0 and above 3.11.0-0, so in neither range; 3.11.0-0 is the fix itself.
  const auto& rec = Record("x_NPM-LEGACY-8");
  auto f = MatchWith(
      {},
      {Pkg("npm", "express", "4.4.9"), Pkg("npm", "express", "4.5.0-beta.1"), Pkg("npm", "express", "4.0.0-rc.1"),
       Pkg("npm", "express", "3.10.9"), Pkg("npm", "express", "3.11.0-0"), Pkg("npm", "express", "4.16.0")},
      {rec});
  EXPECT_EQ(Ids(f), (Strings{"CVE-2014-6393@0", "CVE-2014-6393@3"}));
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].fix, "4.5.0-0");
}

TEST(FailureModes, MavenQualifiers) {
  // GHSA-2rvv-w9r2-rg7m: tomcat-embed-core affected from 10.0.0-M1 to 10.0.0-M10 (milestones
  // order numerically, before the release). GHSA-269q-hmxg-m83q: netty-codec-http fixed in
  // 4.1.77.Final ("Final" is the release itself). That GHSA aliases two CVEs, so an affected
  // netty has two findings, one per CVE, each naming the GHSA.
  auto tomcat = [](const std::string& v) {
    catalog::Package p = Pkg("maven", "tomcat-embed-core", v);
    p.name_space = "org.apache.tomcat.embed";
    return p;
  };
  auto netty = [](const std::string& v) {
    catalog::Package p = Pkg("maven", "netty-codec-http", v);
    p.name_space = "io.netty";
    return p;
  };
  auto f = MatchWith({},
                     {tomcat("10.0.0-M2"), tomcat("10.0.0-M9"), tomcat("10.0.0-M10"), tomcat("10.0.0"),
                      tomcat("9.0.50"), netty("4.1.76.Final"), netty("4.1.77.Final"), netty("4.1.77")},
                     {Record("GHSA-2rvv-w9r2-rg7m"), Record("GHSA-269q-hmxg-m83q")});
  Strings ids = Ids(f);
  EXPECT_EQ(ids, (Strings{"CVE-2021-24122@0", "CVE-2021-24122@1", "CVE-2021-21290@5", "CVE-2022-24823@5"}));
  auto contains = [&](const std::string& suffix) {
    return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return id.ends_with(suffix); });
  };
  EXPECT_TRUE(contains("@0"));
  EXPECT_TRUE(contains("@1"));
  EXPECT_TRUE(contains("@5"));
  EXPECT_FALSE(contains("@2") || contains("@3") || contains("@4") || contains("@6") || contains("@7"));
}

TEST(FailureModes, OneCveThroughSeveralIdsIsOneFinding) {
  // The real DSA-5068-1 lists 20 chromium CVEs for bullseye; the real tracker sample has
  // CVE-2022-0456 for chromium. On a bullseye image with the old chromium: one finding per
  // CVE (not one for the whole DSA), CVE-2022-0456 carrying both the DSA and the tracker record.
  auto dsa = vulndb::ParseDebianAdvisoryList(Read("vulndb", "debian/DSA-list"), "DSA-list", "2024-01-01T00:00:00Z");
  ASSERT_TRUE(dsa.ok());
  vulndb::DebianTrackerOptions options;
  options.modified = "2024-01-01T00:00:00Z";
  auto tracker = vulndb::ParseDebianTrackerJson(Read("vulndb", "debian/tracker-sample.json"), "tracker", options);
  ASSERT_TRUE(tracker.ok());
  std::vector<vulndb::Advisory> all = dsa->advisories;
  all.insert(all.end(), tracker->advisories.begin(), tracker->advisories.end());
  auto f = MatchWith(Os("debian", "11"), {Pkg("deb", "chromium", "97.0.4692.99-1~deb11u2", "chromium")}, all);
  std::map<std::string, const Finding*> by_id;
  for (const Finding& x : f) by_id[x.id] = &x;
  EXPECT_EQ(by_id.size(), f.size()) << "one finding per id";
  ASSERT_TRUE(by_id.count("CVE-2022-0456"));
  const Finding& c = *by_id["CVE-2022-0456"];
  EXPECT_TRUE(std::find(c.aliases.begin(), c.aliases.end(), "DSA-5068-1") != c.aliases.end());
  EXPECT_GE(c.advisories.size(), 2u);
  for (const std::string& a : c.aliases) EXPECT_FALSE(a.starts_with("CVE-")) << a;
  // Every CVE of DSA-5068-1 is its own finding.
  for (const char* cve : {"CVE-2022-0452", "CVE-2022-0470", "CVE-2022-4025"}) EXPECT_TRUE(by_id.count(cve)) << cve;
  EXPECT_EQ(c.fix, "98.0.4758.80-1~deb11u1");
}

TEST(FailureModes, PackageDeletedInALaterLayer) {
  // Layer 0 installs a vulnerable libpython3.11-stdlib and express 4.4.9; layer 1 purges the
  // Debian package (dpkg status rewritten without it) and deletes express (a whiteout). The
  // final image holds neither: no finding. The image of layer 0 alone has both.
  using testing::File;
  std::string os = "ID=debian\nVERSION_ID=\"12\"\n";
  std::string status_with =
      "Package: libpython3.11-stdlib\nStatus: install ok installed\nArchitecture: amd64\n"
      "Source: python3.11\nVersion: 3.11.2-6+deb12u8\n\n"
      "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n";
  std::string status_without =
      "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n";
  std::string express = R"({"name": "express", "version": "4.4.9"})";
  testing::TestLayer base{{File("etc/os-release", os), File("var/lib/dpkg/status", status_with),
                           File("app/node_modules/express/package.json", express)},
                          testing::Compress::kGzip,
                          "ADD rootfs"};
  testing::TestLayer purge{{File("var/lib/dpkg/status", status_without), File("app/node_modules/.wh.express", "")},
                           testing::Compress::kGzip,
                           "RUN apt-get purge libpython3.11-stdlib && rm -rf express"};
  std::vector<vulndb::Advisory> db = {Record("DEBIAN-CVE-2021-4189"), Record("x_NPM-LEGACY-8")};
  auto scan = [&](const std::vector<testing::TestLayer>& layers) {
    std::string dir = testing::TempDir("deleted");
    testing::WriteOciLayout(dir, layers);
    auto img = image::Image::Open(dir, {});
    EXPECT_TRUE(img.ok());
    auto inv = catalog::Analyze(**img, {});
    EXPECT_TRUE(inv.ok()) << (inv.ok() ? "" : inv.error().ToString());
    std::unique_ptr<vulndb::Index> index = vulndb::Index::Build(db);
    auto r = Match(*inv, *index, MatchOptions{});
    EXPECT_TRUE(r.ok());
    return r.ok() ? Ids(*r) : Strings{};
  };
  EXPECT_EQ(scan({base}).size(), 2u);
  EXPECT_TRUE(scan({base, purge}).empty());
}

}  // namespace
}  // namespace vigil::match
