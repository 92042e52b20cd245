#include "catalog/catalogers/dpkg.h"

#include <gtest/gtest.h>

#include "../test_util.h"
#include "common/file.h"

namespace vigil::catalog {
namespace {

std::string Fixture(const std::string& name) {
  auto r = ReadFile(testing::TestData("catalog", name));
  EXPECT_TRUE(r.ok()) << name;
  return r.ok() ? *r : "";
}

TEST(DpkgStatus, ParsesLargeRealStatusFile) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseDpkgStatus(Fixture("dpkg-status-ubuntu-18.04-texlive"), pkgs).ok());
  // Every stanza of this file says "install ok installed" (grep -c agrees: 357).
  EXPECT_EQ(pkgs.size(), 357u);
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.type, "deb");
    EXPECT_FALSE(p.name.empty());
    EXPECT_FALSE(p.version.empty()) << p.name;
    EXPECT_FALSE(p.source_name.empty()) << p.name;
  }
}

TEST(DpkgStatus, KeepsSourceNameAndVersion) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseDpkgStatus(Fixture("dpkg-status-bookworm-scalibr"), pkgs).ok());
  ASSERT_EQ(pkgs.size(), 7u);
  std::map<std::string, Package> by;
  for (auto& p : pkgs) by[p.name] = p;
  EXPECT_EQ(by["libacl1"].source_name, "acl");
  EXPECT_EQ(by["libacl1"].source_version, "2.3.1-3");
  EXPECT_EQ(by["util-linux-extra"].source_name, "util-linux");
  EXPECT_EQ(by["util-linux-extra"].source_version, "2.38.1-5");
  EXPECT_EQ(by["util-linux-extra"].version, "2.38.1-5+b1");
  EXPECT_EQ(by["attr"].version, "1:2.5.1-4");  // the epoch stays in the deb version
  EXPECT_EQ(by["acl"].source_name, "acl");
}

TEST(DpkgStatus, SkipsNotInstalledAndReportsBrokenStanzas) {
  struct Case {
    const char* name;
    const char* text;
    size_t want;
    bool ok;
  };
  const Case cases[] = {
      {"installed", "Package: a\nStatus: install ok installed\nVersion: 1\n", 1, true},
      {"config-files only", "Package: a\nStatus: deinstall ok config-files\nVersion: 1\n", 0, true},
      {"hold installed", "Package: a\nStatus: hold ok installed\nVersion: 1\n", 1, true},
      {"no status (distroless)", "Package: a\nVersion: 1\n", 1, true},
      {"missing version", "Package: a\nStatus: install ok installed\n\nPackage: b\nVersion: 2\n", 1, false},
      {"garbage line", "Package: a\nVersion: 1\nthis is not a field\n", 1, false},
      {"empty", "", 0, true},
      {"CRLF", "Package: a\r\nVersion: 1\r\n\r\n", 1, true},
  };
  for (const auto& c : cases) {
    std::vector<Package> pkgs;
    Status st = ParseDpkgStatus(c.text, pkgs);
    EXPECT_EQ(st.ok(), c.ok) << c.name;
    EXPECT_EQ(pkgs.size(), c.want) << c.name;
  }
}

TEST(DpkgStatus, DistrolessStatusD) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseDpkgStatus(Fixture("distroless-status.d/libsqlite3-0"), pkgs).ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "libsqlite3-0");
  pkgs.clear();
  (void)ParseDpkgStatus(Fixture("distroless-status.d/deinstall"), pkgs);
  for (const auto& p : pkgs) EXPECT_NE(p.name, "") << "deinstalled stanza leaked";
}

TEST(DpkgFileList, ListAndMd5sums) {
  auto list = ParseDpkgFileList("/.\n/usr\n/usr/bin/x\n", false);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1], "usr/bin/x");
  auto md5 = ParseDpkgFileList("d41d8cd98f00b204e9800998ecf8427e  usr/lib/libsqlite3.so.0\n", true);
  ASSERT_EQ(md5.size(), 1u);
  EXPECT_EQ(md5[0], "usr/lib/libsqlite3.so.0");
}

TEST(DpkgCataloger, WantsTheRightPaths) {
  auto c = NewDpkgCataloger();
  struct Case {
    const char* path;
    bool want;
  };
  const Case cases[] = {
      {"var/lib/dpkg/status", true},
      {"var/lib/dpkg/status-old", false},
      {"var/lib/dpkg/status.d/foo", true},
      {"var/lib/dpkg/info/libc6:amd64.list", true},
      {"var/lib/dpkg/info/libc6.md5sums", false},
      {"usr/var/lib/dpkg/status", false},
  };
  for (const auto& k : cases) EXPECT_EQ(c->Wants(FileRef{k.path, 0644, 10}), k.want) << k.path;
}

}  // namespace
}  // namespace vigil::catalog
