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

// Trivy's deliberately corrupted status file: unindented continuation lines make it not parse
// (kCorrupt, so the analyzer lists it as unread; its stanza without Version is a warning), and its last stanza,
// "invalidpkg", has no Status field and the version "1:5.#", which dpkg only warns about
// ("invalid character in version number"). That stanza is reported as installed, as Trivy and
// Syft report it, and both facts are warnings.
TEST(DpkgStatus, StanzaWithoutStatusAndWithAnInvalidVersionIsAWarning) {
  std::vector<Package> pkgs;
  DpkgStatusNotes notes;
  Status st = ParseDpkgStatus(Fixture("dpkg-status-trivy-corrupsed"), pkgs, &notes, /*status_required=*/true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  std::map<std::string, Package> by;
  for (auto& p : pkgs) by[p.name] = p;
  EXPECT_EQ(pkgs.size(), 5u);  // libpam-runtime, libpam-modules-bin, makedev, libgcc1, invalidpkg
  ASSERT_EQ(by.count("invalidpkg"), 1u);
  EXPECT_EQ(by["invalidpkg"].version, "1:5.#");
  EXPECT_EQ(by["invalidpkg"].source_name, "invalidpkg-5");
  ASSERT_EQ(notes.warnings.size(), 3u);
  EXPECT_NE(notes.warnings[2].find("has no Version field"), std::string::npos) << notes.warnings[2];
  EXPECT_EQ(notes.warnings[0],
            "package 'invalidpkg' (stanza ending at line 87) has no Status field: reported as installed, though dpkg "
            "would count it as not installed");
  EXPECT_EQ(notes.warnings[1],
            "package 'invalidpkg' (stanza ending at line 87): version '1:5.#' is not a valid dpkg version (invalid "
            "character in version number); reported as written");

  // The same stanza in a distroless status.d file, where no stanza has a Status field: only the
  // version is a warning.
  pkgs.clear();
  notes = {};
  ASSERT_TRUE(ParseDpkgStatus("Package: invalidpkg\nVersion: 1:5.#\n", pkgs, &notes).ok());
  ASSERT_EQ(pkgs.size(), 1u);
  ASSERT_EQ(notes.warnings.size(), 1u);
  EXPECT_NE(notes.warnings[0].find("invalid character in version number"), std::string::npos);
  // A version dpkg refuses outright: reported as written, with dpkg's reason.
  pkgs.clear();
  notes = {};
  ASSERT_TRUE(ParseDpkgStatus("Package: a\nStatus: install ok installed\nVersion: a:1\n", pkgs, &notes, true).ok());
  ASSERT_EQ(pkgs.size(), 1u);
  ASSERT_EQ(notes.warnings.size(), 1u);
  EXPECT_NE(notes.warnings[0].find("epoch in version is not number"), std::string::npos) << notes.warnings[0];
  // A good database: no warning.
  pkgs.clear();
  notes = {};
  ASSERT_TRUE(ParseDpkgStatus(Fixture("dpkg-status-bookworm-scalibr"), pkgs, &notes, true).ok());
  EXPECT_TRUE(notes.warnings.empty());
}

TEST(DpkgStatus, NoInstalledPackageIsAWarningNotASilentEmptyResult) {
  struct Case {
    const char* text;
    const char* warning;
  } cases[] = {
      {"", "lists no package at all: no installed package found"},
      {"\n\n\n", "lists no package at all: no installed package found"},
      {"Package: a\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: b\nStatus: purge ok not-installed\n"
       "Version: 2\n",
       "lists 2 stanzas, none of them an installed package"},
  };
  for (const auto& c : cases) {
    std::vector<Package> pkgs;
    DpkgStatusNotes notes;
    ASSERT_TRUE(ParseDpkgStatus(c.text, pkgs, &notes, true).ok());
    EXPECT_TRUE(pkgs.empty());
    ASSERT_EQ(notes.warnings.size(), 1u) << c.text;
    EXPECT_EQ(notes.warnings[0], c.warning);
  }
  // Many stanzas without Status: ten named, the rest counted.
  std::string many;
  for (int i = 0; i < 25; ++i) many += "Package: p" + std::to_string(i) + "\nVersion: 1.0\n\n";
  std::vector<Package> pkgs;
  DpkgStatusNotes notes;
  ASSERT_TRUE(ParseDpkgStatus(many, pkgs, &notes, true).ok());
  EXPECT_EQ(pkgs.size(), 25u);
  ASSERT_EQ(notes.warnings.size(), 11u);
  EXPECT_EQ(notes.warnings[10], "15 more stanzas have no Status field (reported as installed)");
  // Hostile input never crashes and every warning is bounded.
  for (const std::string& in : {std::string(200000, 'x'), std::string("Package: ") + std::string(5000, 'p') +
                                                              "\nVersion: " + std::string(5000, '\x1b') + "\n"}) {
    pkgs.clear();
    notes = {};
    (void)ParseDpkgStatus(in, pkgs, &notes, true);
    for (const std::string& w : notes.warnings) EXPECT_LT(w.size(), 1000u);
  }
}

// Syft's status file "multiple" (anchore/syft syft/pkg/cataloger/debian/test-fixtures/status/multiple,
// Apache-2.0; also tests/peers/fixtures/syft/dpkg/status-multiple) opens with an empty "Package:"
// stanza and a stanza "Package: no-version" with neither Version nor Status. Both are skipped, the
// second with a warning naming it, and the rest of the database is read: one broken stanza does not
// make the whole database unread. A line that is not a field still does.
TEST(DpkgStatus, AStanzaWithoutVersionIsSkippedWithAWarningNotTheWholeDatabase) {
  auto c = NewDpkgCataloger();
  FileResult r;
  ASSERT_TRUE(c->Parse(FileRef{"var/lib/dpkg/status", 0644, 20},
                       "Package:\n\nPackage: no-version\n\nPackage: tzdata\nStatus: install ok installed\n"
                       "Version: 2020a-0+deb10u1\n",
                       r)
                  .ok());
  ASSERT_EQ(r.packages.size(), 1u);
  EXPECT_EQ(r.packages[0].name, "tzdata");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0],
            "stanza ending at line 4 has no Version field (package 'no-version'): skipped, the other stanzas are read");
  FileResult g;
  EXPECT_FALSE(c->Parse(FileRef{"var/lib/dpkg/status", 0644, 20}, "Package: a\nVersion: 1\nnot a field\n", g).ok());
}

TEST(DpkgStatus, TheCatalogerPassesWarningsOn) {
  auto c = NewDpkgCataloger();
  FileResult r;
  ASSERT_TRUE(c->Parse(FileRef{"var/lib/dpkg/status", 0644, 20}, "Package: a\nVersion: 1.0_1\n", r).ok());
  ASSERT_EQ(r.packages.size(), 1u);
  ASSERT_EQ(r.warnings.size(), 2u);  // no Status in var/lib/dpkg/status, and the version
  FileResult d;
  ASSERT_TRUE(c->Parse(FileRef{"var/lib/dpkg/status.d/a", 0644, 20}, "Package: a\nVersion: 1.0\n", d).ok());
  EXPECT_TRUE(d.warnings.empty());  // distroless: no Status by design
}

}  // namespace
}  // namespace vigil::catalog
