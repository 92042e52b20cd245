#include "catalog/catalogers/apk.h"

#include <gtest/gtest.h>

#include "../test_util.h"
#include "common/file.h"

namespace vigil::catalog {
namespace {

TEST(ApkInstalled, WantsBothDatabasePaths) {
  auto c = NewApkCataloger();
  EXPECT_TRUE(c->Wants(FileRef{"lib/apk/db/installed", 0644, 1}));
  EXPECT_TRUE(c->Wants(FileRef{"usr/lib/apk/db/installed", 0644, 1}));  // Wolfi, apk-tools 3
  EXPECT_TRUE(c->IsPackageDatabase(FileRef{"usr/lib/apk/db/installed", 0644, 1}));
  EXPECT_FALSE(c->Wants(FileRef{"usr/local/lib/apk/db/installed", 0644, 1}));
  EXPECT_FALSE(c->Wants(FileRef{"lib/apk/db/installed.old", 0644, 1}));
}

TEST(ApkInstalled, ParsesRealDatabase) {
  auto text = ReadFile(testing::TestData("catalog", "apk-installed-alpine-3.16-syft"));
  ASSERT_TRUE(text.ok());
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseApkInstalled(*text, pkgs).ok());
  ASSERT_EQ(pkgs.size(), 14u);
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.type, "apk");
    EXPECT_FALSE(p.version.empty()) << p.name;
    EXPECT_FALSE(p.source_name.empty()) << p.name;
    EXPECT_FALSE(p.arch.empty()) << p.name;
  }
  EXPECT_EQ(pkgs[0].name, "alpine-baselayout-data");
  ASSERT_FALSE(pkgs[0].files.empty());
  EXPECT_EQ(pkgs[0].files[0].rfind("etc/", 0), 0u) << pkgs[0].files[0];
}

TEST(ApkInstalled, ReportsRecordWithoutVersionAndKeepsTheRest) {
  auto text = ReadFile(testing::TestData("catalog", "apk-installed-alpine-3.4-invalid"));
  ASSERT_TRUE(text.ok());
  std::vector<Package> pkgs;
  Status st = ParseApkInstalled(*text, pkgs);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("V:"), std::string::npos) << st.error().message();
  EXPECT_EQ(pkgs.size(), 15u);
}

TEST(ApkInstalled, TheCatalogerSkipsABadRecordWithAWarningAndRefusesADatabaseWithNoGoodRecord) {
  auto text = ReadFile(testing::TestData("catalog", "apk-installed-alpine-3.4-invalid"));
  ASSERT_TRUE(text.ok());
  auto c = NewApkCataloger();
  FileResult out;
  ASSERT_TRUE(c->Parse(FileRef{"usr/lib/apk/db/installed", 0644, 1}, *text, out).ok());
  EXPECT_EQ(out.packages.size(), 15u);
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.warnings[0].find("has no V: (version) line"), std::string::npos) << out.warnings[0];

  FileResult none;
  EXPECT_FALSE(c->Parse(FileRef{"lib/apk/db/installed", 0644, 1}, "P:onlyaname\n\nX\n", none).ok());
  EXPECT_TRUE(none.packages.empty());
}

TEST(ApkInstalled, OriginAndLicense) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseApkInstalled("P:libcrypto3\nV:3.1.4-r5\nA:x86_64\nL:Apache-2.0\no:openssl\n"
                                "F:usr/lib\nR:libcrypto.so.3\n",
                                pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].source_name, "openssl");
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"Apache-2.0"});
  EXPECT_EQ(pkgs[0].files, std::vector<std::string>{"usr/lib/libcrypto.so.3"});
}

TEST(ApkInstalled, GarbageIsReportedNotCrashed) {
  for (const char* bad : {"\x01\x02\x03", "P", "PV:1\n", ":\n:\n", "P:\nV:\n"}) {
    std::vector<Package> pkgs;
    EXPECT_FALSE(ParseApkInstalled(bad, pkgs).ok()) << bad;
  }
}

}  // namespace
}  // namespace vigil::catalog
