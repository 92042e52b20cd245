// The scan pipeline as one call (match/scan_image.h), as the CLI and the fleet server use it: an
// OCI image the test writes (an Alpine base layer and an npm layer on top), a database imported
// from two OSV records, and the same scan again from the inventory and from a CycloneDX SBOM.
#include "match/scan_image.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "../support/image_builder.h"
#include "sbom/sbom.h"
#include "vulndb/importer.h"
#include "vulndb/sqlite_store.h"

namespace vigil::match {
namespace {

using vigil::testing::File;
using vigil::testing::TempDir;
using vigil::testing::TestLayer;

constexpr const char* kApkDb =
    "C:Q1abc=\nP:musl\nV:1.2.4-r1\nA:x86_64\no:musl\nL:MIT\n\n"
    "C:Q1def=\nP:busybox\nV:1.36.1-r2\nA:x86_64\no:busybox\nL:GPL-2.0-only\n\n";

constexpr const char* kRecords =
    R"({"id":"CVE-2099-0001","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Alpine:v3.19","name":"busybox"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.36.1-r5"}]}]}]})"
    "\n"
    R"({"id":"GHSA-aaaa-bbbb-cccc","aliases":["CVE-2099-0002"],"modified":"2024-01-01T00:00:00Z","database_specific":{"severity":"HIGH"},"affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.1"}]}]}]})"
    "\n";

class ScanImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("scan_image");
    image_ = dir_ + "/image";
    vigil::testing::WriteOciLayout(
        image_,
        {TestLayer{{File("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"), File("lib/apk/db/installed", kApkDb)},
                   vigil::testing::Compress::kGzip,
                   "/bin/sh -c #(nop) ADD file:base in /"},
         TestLayer{{File("app/node_modules/left-pad/package.json",
                         R"({"name":"left-pad","version":"1.3.0","license":"WTFPL"})")},
                   vigil::testing::Compress::kGzip,
                   "/bin/sh -c #(nop) COPY dir:app in /app"}});
    std::ofstream(dir_ + "/records.jsonl") << kRecords;
    auto store = vulndb::SqliteStore::Open(dir_ + "/db", vulndb::Store::Mode::kReadWrite);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    vulndb::ImportReport report;
    ASSERT_TRUE(vulndb::Import(**store, {{dir_ + "/records.jsonl", "", {}}}, {}, &report).ok());
    ASSERT_EQ(report.added, 2u);
  }

  static std::vector<std::string> Ids(const ScanResult& r) {
    std::vector<std::string> ids;
    for (const ScanFinding& f : r.report.findings) ids.push_back(f.finding.id + "@" + std::to_string(f.layer));
    return ids;
  }

  std::string dir_, image_;
};

TEST_F(ScanImageTest, ImageToFindingsInOneCall) {
  auto db = OpenDatabase(dir_ + "/db");
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  EXPECT_EQ(db->records, 2u);
  ScanRequest req;
  req.image = "oci:" + image_;
  req.store = db->store.get();
  req.options.policy.fail_on = vulndb::Rating::kHigh;
  auto r = ScanImage(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->inventory.distro.id, "alpine");
  EXPECT_EQ(Ids(*r), (std::vector<std::string>{"CVE-2099-0001@0", "CVE-2099-0002@1"}));
  EXPECT_TRUE(r->report.policy.failed);  // the npm finding is rated HIGH
  EXPECT_EQ(r->index_advisories, 2u);
  ASSERT_EQ(r->phases.size(), 3u);
  EXPECT_EQ(r->phases[0].first, "image analysis");

  // The same from the inventory the first call made, and from an SBOM of it.
  ScanRequest from_inventory;
  from_inventory.inventory = &r->inventory;
  from_inventory.store = db->store.get();
  auto again = ScanImage(from_inventory);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(Ids(*again), Ids(*r));
  std::ofstream(dir_ + "/bom.json") << sbom::WriteCycloneDx(r->inventory, {});
  ScanRequest from_sbom;
  from_sbom.sbom_path = dir_ + "/bom.json";
  from_sbom.store = db->store.get();
  auto via_sbom = ScanImage(from_sbom);
  ASSERT_TRUE(via_sbom.ok()) << via_sbom.error().ToString();
  EXPECT_EQ(Ids(*via_sbom), Ids(*r));
  EXPECT_EQ(via_sbom->phases[0].first, "SBOM read");
}

TEST_F(ScanImageTest, BaseImageByDiffIds) {
  std::string base = dir_ + "/base";
  vigil::testing::WriteOciLayout(
      base, {TestLayer{{File("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"), File("lib/apk/db/installed", kApkDb)},
                       vigil::testing::Compress::kGzip,
                       "/bin/sh -c #(nop) ADD file:base in /"}});
  auto db = OpenDatabase(dir_ + "/db");
  ASSERT_TRUE(db.ok());
  ScanRequest req;
  req.image = "oci:" + image_;
  req.base = "oci:" + base;
  req.store = db->store.get();
  auto r = ScanImage(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->report.base.layers, 1);
  ASSERT_EQ(r->report.findings.size(), 2u);
  EXPECT_TRUE(r->report.findings[0].base);
  EXPECT_FALSE(r->report.findings[1].base);
}

TEST_F(ScanImageTest, BadRequestsSayWhat) {
  auto db = OpenDatabase(dir_ + "/db");
  ASSERT_TRUE(db.ok());
  ScanRequest none;
  none.store = db->store.get();
  EXPECT_EQ(ScanImage(none).error().code(), ErrorCode::kInvalidArgument);
  ScanRequest two;
  two.image = "oci:" + image_;
  two.sbom_path = dir_ + "/bom.json";
  two.store = db->store.get();
  EXPECT_EQ(ScanImage(two).error().code(), ErrorCode::kInvalidArgument);
  ScanRequest no_store;
  no_store.image = "oci:" + image_;
  EXPECT_EQ(ScanImage(no_store).error().code(), ErrorCode::kInvalidArgument);
  ScanRequest missing;
  missing.image = "oci:" + dir_ + "/nothing-here";
  missing.store = db->store.get();
  auto r = ScanImage(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find(dir_ + "/nothing-here"), std::string::npos) << r.error().ToString();
  ScanRequest bad_base;
  bad_base.image = "oci:" + image_;
  bad_base.base = "oci:" + dir_ + "/no-base";
  bad_base.store = db->store.get();
  r = ScanImage(bad_base);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("--base"), std::string::npos) << r.error().ToString();
}

TEST(OpenDatabase, MissingAndEmptySayWhatToRun) {
  std::string dir = TempDir("open_database");
  auto missing = OpenDatabase(dir + "/none");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("vigil db update"), std::string::npos);
  ASSERT_TRUE(vulndb::SqliteStore::Open(dir + "/empty", vulndb::Store::Mode::kReadWrite).ok());
  auto empty = OpenDatabase(dir + "/empty");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("holds no advisories"), std::string::npos);
}

TEST(LoadVexFile, DiagnosticsCollectedAndErrorsRefuse) {
  std::string dir = TempDir("load_vex");
  std::ofstream(dir + "/bad.json")
      << R"({"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2024-01-01T00:00:00Z",)"
         R"("version":1,"statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:npm/a"}],"status":"nonsense"}]})";
  std::vector<Diagnostic> diagnostics;
  auto doc = LoadVexFile(dir + "/bad.json", &diagnostics);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message().find("not used, it has errors"), std::string::npos);
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_TRUE(HasErrors(diagnostics));
  EXPECT_NE(diagnostics[0].location.find("bad.json:statements[0]"), std::string::npos) << diagnostics[0].ToString();
  diagnostics.clear();
  EXPECT_EQ(LoadVexFile(dir + "/missing.json", &diagnostics).error().code(), ErrorCode::kNotFound);
  std::vector<Diagnostic> ignore_diags;
  std::ofstream(dir + "/ignore.yaml")
      << "ignore:\n  - id: CVE-2024-12345\n    reason: accepted\n    expires: 2020-01-01\n";
  auto file = LoadIgnoreFile(dir + "/ignore.yaml", "2024-01-01", &ignore_diags);
  ASSERT_TRUE(file.ok()) << file.error().ToString();
  ASSERT_EQ(ignore_diags.size(), 1u);  // the expired entry is a warning, with its position
  EXPECT_EQ(ignore_diags[0].severity, Diagnostic::Severity::kWarning);
  EXPECT_EQ(ignore_diags[0].file, dir + "/ignore.yaml");
  EXPECT_EQ(ignore_diags[0].line, 4);
  EXPECT_EQ(ignore_diags[0].column, 14);
  ignore_diags.clear();
  std::ofstream(dir + "/bad.yaml") << "ignore:\n  - id: CVE-2024-12345\n    reason: accepted\n    bogus: 1\n";
  auto bad = LoadIgnoreFile(dir + "/bad.yaml", "2024-01-01", &ignore_diags);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("not used, it has errors"), std::string::npos);
  ASSERT_EQ(ignore_diags.size(), 1u);
  EXPECT_EQ(ignore_diags[0].location, dir + "/bad.yaml:4:5");
}

}  // namespace
}  // namespace vigil::match
