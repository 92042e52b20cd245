// The report writers over one small scan: every format carries every finding with its package,
// fix, severity, layer and suppression; hostile text stays inert.
#include "report/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/escape.h"
#include "common/strings.h"
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
  EXPECT_NE(md.find("| MEDIUM | `CVE-2024-0001` | `lodash` | `4.17.15` | `4.17.21` | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("accepted \\| for now"), std::string::npos) << md;
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("1 suppressed"), std::string::npos);
}

// A finding rated by a CVE record (what match::Scan fills from the store's enrichment table):
// every writer shows the rating's source and the record's CVSS.
TEST_F(ReportTest, CveRecordRatingInEveryWriter) {
  match::ScanFinding* ssl = nullptr;
  for (match::ScanFinding& sf : scan_.findings) {
    if (sf.finding.id == "CVE-2024-0002") ssl = &sf;
  }
  ASSERT_NE(ssl, nullptr);
  ssl->suppression = {};
  ssl->rating = vulndb::Rating::kHigh;
  ssl->rating_source = "NVD CVSS 3.1";
  ssl->enrichment_cve = "CVE-2024-0002";
  ssl->enrichment_score = 7.5;
  ssl->enrichment_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H";
  ssl->enrichment_version = "3.1";
  ssl->enrichment_severity = "HIGH";
  ssl->enrichment_source = "NVD CVSS 3.1";
  ssl->cwes = {"CWE-400"};
  ssl->ssvc = {"poc", "yes", "total"};

  json doc = json::parse(WriteJson(in_));
  bool seen = false;
  for (const json& f : doc["findings"]) {
    if (f["id"] == "CVE-2024-0002") {
      seen = true;
      EXPECT_EQ(f["severity"], "HIGH");
      EXPECT_EQ(f["severity_source"], "NVD CVSS 3.1");
      EXPECT_EQ(f["cve_record"]["id"], "CVE-2024-0002");
      EXPECT_EQ(f["cve_record"]["cvss"]["score"], 7.5);
      EXPECT_EQ(f["cve_record"]["cvss"]["source"], "NVD CVSS 3.1");
      EXPECT_EQ(f["cve_record"]["cwes"], json::array({"CWE-400"}));
      EXPECT_EQ(f["cve_record"]["rejected"], false);
      EXPECT_EQ(f["cve_record"]["ssvc"],
                json({{"exploitation", "poc"}, {"automatable", "yes"}, {"technical_impact", "total"}}));
    } else {
      EXPECT_TRUE(f["cve_record"].is_null());
    }
  }
  EXPECT_TRUE(seen);

  json sarif = json::parse(WriteSarif(in_));
  seen = false;
  for (const json& r : sarif["runs"][0]["results"]) {
    if (r["ruleId"] != "CVE-2024-0002") continue;
    seen = true;
    EXPECT_EQ(r["properties"]["severitySource"], "NVD CVSS 3.1");
    EXPECT_EQ(r["properties"]["cveCvss"]["score"], 7.5);
    EXPECT_EQ(r["properties"]["ssvc"]["exploitation"], "poc");
    EXPECT_NE(r["message"]["text"].get<std::string>().find("severity HIGH (NVD CVSS 3.1)"), std::string::npos);
  }
  EXPECT_TRUE(seen);

  json cdx = json::parse(WriteCycloneDx(in_));
  seen = false;
  for (const json& v : cdx["vulnerabilities"]) {
    if (v["id"] != "CVE-2024-0002") continue;
    seen = true;
    ASSERT_TRUE(v.contains("ratings"));
    bool nvd = false;
    for (const json& r : v["ratings"]) {
      if (r["source"]["name"] == "NVD CVSS 3.1") {
        nvd = true;
        EXPECT_EQ(r["score"], 7.5);
        EXPECT_EQ(r["severity"], "high");
        EXPECT_EQ(r["method"], "CVSSv31");
      }
    }
    EXPECT_TRUE(nvd) << v.dump();
    EXPECT_EQ(v["cwes"], json::array({400}));
  }
  EXPECT_TRUE(seen);

  std::string t = WriteTable(in_);
  EXPECT_NE(t.find("[NVD 3.1]"), std::string::npos) << t;
  std::string md = WriteMarkdown(in_);
  EXPECT_NE(md.find("| HIGH [NVD 3\\.1] | `CVE-2024-0002` |"), std::string::npos) << md;  // rendered "3.1"
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

// Text from a hostile image: escape sequences in the tag, the history, a package name, its
// version and location, a VEX note; a backtick in the tag. No writer lets a control character
// through where it is shown; JSON keeps the bytes (its own escaping makes them inert).
TEST_F(ReportTest, HostileTextIsEscapedInEveryWriter) {
  const std::string esc_clear = "\x1b[2J\x1b[H";
  inv_.image.tags = {"evil`name" + esc_clear + ":1"};
  inv_.layers[1].layer.created_by = "/bin/sh -c npm install\x1b]0;owned\x07";
  inv_.packages[1].name = "lodash\x1b[31m";
  inv_.packages[1].version =
      "4.17.15\xc2\x9b"
      "1m";
  inv_.packages[1].location =
      "app/\xe2\x80\xae"
      "evil";
  scan_.findings[1].vex_notes = {"affected\x1b[5m (vex.json)"};
  scan_.findings[1].finding.installed_version = inv_.packages[1].version;
  auto no_controls = [](const std::string& text, const std::string& what) {
    for (size_t i = 0; i < text.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      ASSERT_FALSE((c < 0x20 && c != '\n') || c == 0x7f) << what << " byte " << i << ": " << text;
    }
    EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos) << what;
    EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos) << what;
  };
  std::string table = WriteTable(in_);
  no_controls(table, "table");
  EXPECT_NE(table.find("lodash\\x1b[31m"), std::string::npos) << table;
  EXPECT_NE(table.find("npm install\\x1b]0;owned\\x07"), std::string::npos) << table;
  EXPECT_NE(table.find("4.17.15\\u009b1m"), std::string::npos) << table;
  in_.group = GroupBy::kSeverity;
  no_controls(WriteTable(in_), "table by severity");
  std::string md = WriteMarkdown(in_);
  no_controls(md, "markdown");
  // The tag's backtick cannot close the heading's code span.
  EXPECT_NE(md.find("### vigil scan: ``evil`name\\x1b[2J\\x1b[H:1``\n"), std::string::npos) << md;
  json sarif = json::parse(WriteSarif(in_));
  for (const json& r : sarif["runs"][0]["results"]) no_controls(r["message"]["text"].get<std::string>(), "sarif");
  for (const json& r : sarif["runs"][0]["tool"]["driver"]["rules"]) {
    no_controls(r["fullDescription"]["text"].get<std::string>(), "sarif rule");
  }
  json doc = json::parse(WriteJson(in_));
  EXPECT_EQ(doc["findings"][1]["package"]["name"], "lodash\x1b[31m");  // full value, JSON-escaped
  EXPECT_EQ(doc["image"]["tags"][0], inv_.image.tags[0]);
}

TEST_F(ReportTest, TableFitsTheWidthAndJsonKeepsTheFullValue) {
  inv_.packages[1].version = "4.17.15-really-long-prerelease.build.metadata.20240101120000.abcdef0123456789";
  auto scan = match::Scan(inv_, *index_, nullptr, match::ScanOptions{});
  ASSERT_TRUE(scan.ok());
  scan_ = std::move(*scan);
  in_.width = 72;
  for (GroupBy g : {GroupBy::kLayer, GroupBy::kSeverity}) {
    in_.group = g;
    std::string t = WriteTable(in_);
    ForEachLine(t, [&](std::string_view line) { EXPECT_LE(DisplayWidth(line), 72u) << line; });
    EXPECT_NE(t.find("4.17.15-rea"), std::string::npos) << t;
    EXPECT_EQ(t.find("abcdef0123456789"), std::string::npos) << t;
    EXPECT_NE(t.find("\xe2\x80\xa6"), std::string::npos) << t;
  }
  in_.width = 0;  // no limit (not a terminal): the whole value
  EXPECT_NE(WriteTable(in_).find(inv_.packages[1].version), std::string::npos);
  EXPECT_EQ(json::parse(WriteJson(in_))["findings"][1]["package"]["version"], inv_.packages[1].version);
}

TEST_F(ReportTest, ColourOnlyWhenAsked) {
  EXPECT_EQ(WriteTable(in_).find('\x1b'), std::string::npos);
  in_.color = true;
  std::string t = WriteTable(in_);
  EXPECT_NE(t.find("\x1b[33mMEDIUM\x1b[0m"), std::string::npos) << t;
  EXPECT_NE(t.find("\x1b[1;31mFAILED\x1b[0m"), std::string::npos) << t;
}

TEST_F(ReportTest, DebianBinaryVersionWithItsSourceVersion) {
  // A binNMU: the binary package is 3.0.11-1~deb12u1+b1, built from source 3.0.11-1~deb12u1,
  // which is what the matcher compares.
  inv_.packages[0].version = "3.0.11-1~deb12u1+b1";
  inv_.packages[0].source_version = "3.0.11-1~deb12u1";
  auto scan = match::Scan(inv_, *index_, nullptr, match::ScanOptions{});
  ASSERT_TRUE(scan.ok());
  scan_ = std::move(*scan);
  ASSERT_EQ(scan_.findings[0].finding.installed_version, "3.0.11-1~deb12u1");
  std::string t = WriteTable(in_);
  EXPECT_NE(t.find("3.0.11-1~deb12u1+b1 (source 3.0.11-1~deb12u1)"), std::string::npos) << t;
  EXPECT_NE(WriteMarkdown(in_).find("`3.0.11-1~deb12u1+b1 (source 3.0.11-1~deb12u1)`"), std::string::npos);
  // Same version: shown once.
  inv_.packages[0].version = "3.0.11-1~deb12u1";
  EXPECT_EQ(WriteTable(in_).find("(source "), std::string::npos);
}

TEST_F(ReportTest, NothingFoundButNotEverythingCheckedIsNotClean) {
  scan_.findings.clear();
  scan_.summary = match::ScanSummary{};
  scan_.policy = match::PolicyResult{};
  EXPECT_NE(WriteTable(in_).find("No vulnerabilities found.\n"), std::string::npos);
  scan_.stats.skipped_os = 88;
  scan_.stats.invalid_versions = 2;
  inv_.warnings = {"var/lib/dpkg/status: skipped (larger than the cap)"};
  std::string t = WriteTable(in_);
  EXPECT_EQ(t.find("No vulnerabilities found.\n"), std::string::npos) << t;
  EXPECT_NE(t.find("No vulnerabilities found in what could be checked"), std::string::npos) << t;
  EXPECT_NE(
      t.find("Not checked\n  88 OS packages: vigil has no advisory source for this distribution (Debian GNU/Linux "
             "12 (bookworm))"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find("2 installed versions that could not be parsed"), std::string::npos) << t;
  EXPECT_NE(t.find("1 problem reading the image"), std::string::npos) << t;
  // A file whose packages are unknown (catalog::Inventory::unread), and the matcher's own reasons.
  scan_.stats.unchecked_reasons = {"the database has no advisories for Debian:13: 3 packages not checked"};
  catalog::UnreadFile unread;
  unread.path = "var/lib/dpkg/status";
  unread.layer = 2;
  unread.cataloger = "dpkg";
  unread.reason = "too large";
  inv_.unread = {unread};
  t = WriteTable(in_);
  EXPECT_NE(t.find("  the database has no advisories for Debian:13: 3 packages not checked\n"), std::string::npos) << t;
  EXPECT_NE(t.find("1 file that lists packages could not be read: "), std::string::npos) << t;
  EXPECT_EQ(t.find("88 OS packages"), std::string::npos) << t;  // the matcher's reason replaces the count
  EXPECT_NE(WriteMarkdown(in_).find("**Not checked**\n- the database has no advisories for Debian"), std::string::npos);
}

TEST(ReportFormat, Names) {
  EXPECT_EQ(*ParseFormat("SARIF"), Format::kSarif);
  EXPECT_EQ(*ParseFormat("cdx"), Format::kCycloneDx);
  EXPECT_EQ(*ParseFormat("cyclonedx-json"), Format::kCycloneDx);
  EXPECT_EQ(*ParseFormat("spdx-json"), Format::kSpdx);
  EXPECT_EQ(*ParseFormat("spdx"), Format::kSpdx);
  EXPECT_EQ(*ParseFormat("md"), Format::kMarkdown);
  auto bad = ParseFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("table, json, sarif"), std::string::npos);
}

}  // namespace
}  // namespace vigil::report
