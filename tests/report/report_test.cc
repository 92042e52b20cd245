// The report writers over one small scan: every format carries every finding with its package,
// fix, severity, layer and suppression; hostile text stays inert.
#include "report/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "match/scan.h"
#include "vulndb/osv.h"

namespace vigil::report {
namespace {

using nlohmann::json;

vulndb::Advisory Parse(const json& j) {
  vulndb::OsvParser parser;
  auto a = parser.Parse(j.dump(), j["id"].get<std::string>());
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().ToString());
  return a.ok() ? *a : vulndb::Advisory{};
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A GitHub record with a vendor severity and a CVSS vector; a Debian record without either;
    // a summary with Markdown and HTML in it.
    advisories_.push_back(
        Parse({{"id", "GHSA-aaaa-bbbb-cccc"},
               {"modified", "2024-01-01T00:00:00Z"},
               {"aliases", {"CVE-2024-0001"}},
               {"summary", "Prototype | pollution <script>alert(1)</script> `x`"},
               {"severity", {{{"type", "CVSS_V3"}, {"score", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}}},
               {"database_specific", {{"severity", "MODERATE"}}},
               {"affected",
                {{{"package", {{"ecosystem", "npm"}, {"name", "lodash"}}},
                  {"ranges", {{{"type", "SEMVER"}, {"events", {{{"introduced", "0"}}, {{"fixed", "4.17.21"}}}}}}}}}}}));
    advisories_.push_back(Parse(
        {{"id", "DEBIAN-CVE-2024-0002"},
         {"modified", "2024-01-01T00:00:00Z"},
         {"aliases", {"CVE-2024-0002"}},
         {"affected",
          {{{"package", {{"ecosystem", "Debian:12"}, {"name", "openssl"}}},
            {"ranges",
             {{{"type", "ECOSYSTEM"}, {"events", {{{"introduced", "0"}}, {{"fixed", "3.0.11-1~deb12u2"}}}}}}}}}}}));
    index_ = vulndb::Index::Build(advisories_);
    inv_.image.source = "app.tar";
    inv_.image.format = "docker-archive";
    inv_.image.tags = {"example/app:1"};
    inv_.distro.id = "debian";
    inv_.distro.version_id = "12";
    inv_.distro.pretty_name = "Debian GNU/Linux 12 (bookworm)";
    catalog::LayerReport base, own;
    base.layer.index = 0;
    base.layer.diff_id = "sha256:" + std::string(64, '1');
    base.layer.created_by = "/bin/sh -c #(nop) ADD file:abc in /";
    own.layer.index = 1;
    own.layer.diff_id = "sha256:" + std::string(64, '2');
    own.layer.created_by = "/bin/sh -c npm install";
    inv_.layers = {base, own};
    catalog::Package ssl;
    ssl.type = "deb";
    ssl.name = "libssl3";
    ssl.version = "3.0.11-1~deb12u1";
    ssl.source_name = "openssl";
    ssl.layer = 0;
    ssl.location = "var/lib/dpkg/status";
    ssl.purl = "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12";
    catalog::Package lodash;
    lodash.type = "npm";
    lodash.name = "lodash";
    lodash.version = "4.17.15";
    lodash.layer = 1;
    lodash.location = "app/node_modules/lodash/package.json";
    lodash.purl = "pkg:npm/lodash@4.17.15";
    inv_.packages = {ssl, lodash};
    match::ScanOptions options;
    options.base.layers = 1;
    options.base.how = "--base debian:12";
    options.base.name = "debian:12";
    options.policy.fail_on = vulndb::Rating::kMedium;
    auto ignore = match::ParseIgnoreFile("ignore:\n  - id: CVE-2024-0002\n    reason: accepted | for now\n",
                                         "ignore.yaml", "2026-01-01");
    ASSERT_TRUE(ignore.ok());
    options.ignore = *ignore;
    auto scan = match::Scan(inv_, *index_, nullptr, options);
    ASSERT_TRUE(scan.ok());
    scan_ = std::move(*scan);
    in_.inventory = &inv_;
    in_.scan = &scan_;
    in_.db.records = 2;
    in_.db.path = "/db/vigil.db";
    in_.timestamp = "2026-01-01T00:00:00Z";
  }

  std::vector<vulndb::Advisory> advisories_;
  std::unique_ptr<vulndb::Index> index_;
  catalog::Inventory inv_;
  match::ScanReport scan_;
  ReportInput in_;
};

TEST_F(ReportTest, ScanItself) {
  ASSERT_EQ(scan_.findings.size(), 2u);
  const match::ScanFinding& ssl = scan_.findings[0];
  EXPECT_EQ(ssl.finding.id, "CVE-2024-0002");
  EXPECT_TRUE(ssl.base);
  EXPECT_TRUE(ssl.suppression.suppressed());
  const match::ScanFinding& lodash = scan_.findings[1];
  EXPECT_EQ(lodash.finding.id, "CVE-2024-0001");
  EXPECT_EQ(lodash.rating, vulndb::Rating::kMedium);  // GitHub's MODERATE before CVSS's CRITICAL
  EXPECT_EQ(lodash.rating_source, "GitHub severity");
  EXPECT_EQ(lodash.finding.severity, "CRITICAL");
  EXPECT_TRUE(scan_.policy.failed);  // medium >= medium; the suppressed one does not count
  EXPECT_EQ(scan_.policy.violations, 1u);
}

TEST_F(ReportTest, Json) {
  json doc = json::parse(WriteJson(in_));
  EXPECT_EQ(doc["schema"], "vigil-scan/1");
  ASSERT_EQ(doc["findings"].size(), 2u);
  const json& lodash = doc["findings"][1];
  EXPECT_EQ(lodash["id"], "CVE-2024-0001");
  EXPECT_EQ(lodash["aliases"], json::array({"GHSA-aaaa-bbbb-cccc"}));
  EXPECT_EQ(lodash["package"]["purl"], "pkg:npm/lodash@4.17.15");
  EXPECT_EQ(lodash["fix"], "4.17.21");
  EXPECT_EQ(lodash["severity"], "MEDIUM");
  EXPECT_EQ(lodash["cvss"]["score"], 9.8);
  EXPECT_EQ(lodash["cvss"]["source"], "GHSA-aaaa-bbbb-cccc");
  EXPECT_EQ(lodash["layer"]["index"], 1);
  EXPECT_EQ(lodash["layer"]["base"], false);
  EXPECT_TRUE(lodash["suppressed"].is_null());
  const json& ssl = doc["findings"][0];
  EXPECT_EQ(ssl["package"]["source_name"], "openssl");
  EXPECT_EQ(ssl["installed_version"], "3.0.11-1~deb12u1");
  EXPECT_EQ(ssl["suppressed"]["by"], "ignore");
  EXPECT_EQ(ssl["layer"]["base"], true);
  EXPECT_EQ(doc["base_image"]["name"], "debian:12");
  EXPECT_EQ(doc["summary"]["suppressed"], 1);
  EXPECT_EQ(doc["policy"]["failed"], true);
}

TEST_F(ReportTest, Sarif) {
  json doc = json::parse(WriteSarif(in_));
  EXPECT_EQ(doc["version"], "2.1.0");
  const json& run = doc["runs"][0];
  ASSERT_EQ(run["tool"]["driver"]["rules"].size(), 2u);
  ASSERT_EQ(run["results"].size(), 2u);
  for (const json& r : run["results"]) {
    size_t i = r["ruleIndex"].get<size_t>();
    EXPECT_EQ(run["tool"]["driver"]["rules"][i]["id"], r["ruleId"]);
  }
  const json& ssl = run["results"][0];
  EXPECT_EQ(ssl["suppressions"][0]["kind"], "external");
  EXPECT_EQ(ssl["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "var/lib/dpkg/status");
  EXPECT_EQ(ssl["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12");
  const json& lodash = run["results"][1];
  EXPECT_EQ(lodash["level"], "warning");
  EXPECT_FALSE(lodash.contains("suppressions"));
  EXPECT_EQ(run["tool"]["driver"]["rules"][1]["properties"]["security-severity"], "9.8");
  EXPECT_NE(lodash["message"]["text"].get<std::string>().find("fixed in 4.17.21"), std::string::npos);
}

TEST_F(ReportTest, CycloneDxAffectsPointAtComponents) {
  json doc = json::parse(WriteCycloneDx(in_));
  EXPECT_EQ(doc["specVersion"], "1.6");
  ASSERT_EQ(doc["vulnerabilities"].size(), 2u);
  std::set<std::string> refs;
  for (const json& c : doc["components"]) refs.insert(c["bom-ref"].get<std::string>());
  for (const json& v : doc["vulnerabilities"]) {
    EXPECT_TRUE(refs.count(v["affects"][0]["ref"].get<std::string>())) << v.dump();
  }
  const json& ssl = doc["vulnerabilities"][0];
  EXPECT_EQ(ssl["analysis"]["state"], "exploitable");
  EXPECT_EQ(ssl["analysis"]["response"][0], "will_not_fix");
  const json& lodash = doc["vulnerabilities"][1];
  EXPECT_EQ(lodash["ratings"][0]["severity"], "medium");
  EXPECT_EQ(lodash["ratings"][1]["method"], "CVSSv31");
  EXPECT_EQ(lodash["recommendation"], "Upgrade lodash to 4.17.21.");
}

TEST_F(ReportTest, MarkdownEscapesHostileText) {
  std::string md = WriteMarkdown(in_);
  EXPECT_NE(md.find("**Policy: failed**"), std::string::npos);
  EXPECT_NE(md.find("| MEDIUM | CVE-2024-0001 | lodash | 4.17.15 | 4.17.21 | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("accepted \\| for now"), std::string::npos) << md;
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("1 suppressed"), std::string::npos);
}

TEST_F(ReportTest, TableByLayerAndBySeverity) {
  std::string t = WriteTable(in_);
  EXPECT_NE(t.find("Layer 1  sha256:222222222222  npm install"), std::string::npos) << t;
  EXPECT_NE(t.find("Base      1 layer of debian:12 (--base debian:12)"), std::string::npos) << t;
  EXPECT_NE(t.find("Suppressed (1)"), std::string::npos);
  EXPECT_NE(t.find("Policy    FAILED"), std::string::npos);
  in_.group = GroupBy::kSeverity;
  std::string s = WriteTable(in_);
  EXPECT_NE(s.find("MEDIUM (1)"), std::string::npos) << s;
}

TEST(ReportFormat, Names) {
  EXPECT_EQ(*ParseFormat("SARIF"), Format::kSarif);
  EXPECT_EQ(*ParseFormat("cdx"), Format::kCycloneDx);
  EXPECT_EQ(*ParseFormat("md"), Format::kMarkdown);
  auto bad = ParseFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("table, json, sarif"), std::string::npos);
}

}  // namespace
}  // namespace vigil::report
