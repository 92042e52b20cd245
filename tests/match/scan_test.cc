// The scan around the matcher: base-image inference, severity choice, KEV/EPSS from a real store,
// VEX and ignore suppression, and the policy gate.
#include "match/scan.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "vulndb/importer.h"
#include "vulndb/osv.h"
#include "vulndb/sqlite_store.h"
#include "vulndb/store.h"

namespace vigil::match {
namespace {

namespace fs = std::filesystem;
using vulndb::Rating;

using TempDir = vigil::testing::ScopedTempDir;

image::HistoryEntry Step(const std::string& created_by, bool empty, const std::string& comment = "") {
  image::HistoryEntry h;
  h.created_by = created_by;
  h.empty_layer = empty;
  h.comment = comment;
  return h;
}

TEST(InferBaseImage, BuildahFromComment) {
  image::ImageInfo info;
  info.config.history = {Step("/bin/sh -c #(nop) ADD file:abc in /", false),
                         Step("/bin/sh -c #(nop) CMD [\"bash\"]", true),
                         Step("/bin/sh -c apt-get install -y curl", false, "FROM docker.io/library/debian:12"),
                         Step("/bin/sh -c #(nop) COPY dir:x in /app", false, "FROM 852b34d3cbca"),
                         Step("/bin/sh -c #(nop) CMD [\"/app/run\"]", true, "FROM 0a1b2c3d4e5f")};
  BaseImage b = InferBaseImage(info);
  EXPECT_EQ(b.layers, 1);
  EXPECT_EQ(b.name, "docker.io/library/debian:12");
  EXPECT_EQ(b.how, "history: buildah FROM step");
  EXPECT_TRUE(b.IsBaseLayer(0));
  EXPECT_FALSE(b.IsBaseLayer(1));
}

TEST(InferBaseImage, BuildahBaseBuiltByBuildahToo) {
  // The base's own steps say "FROM debian"; the image's first step names the base: the newest
  // named FROM wins.
  image::ImageInfo info;
  info.config.history = {Step("ADD rootfs", false), Step("RUN a", false, "FROM debian:12"),
                         Step("RUN b", false, "FROM aaaaaaaaaaaa"), Step("RUN c", false, "FROM registry/base:1"),
                         Step("RUN d", false, "FROM bbbbbbbbbbbb")};
  BaseImage b = InferBaseImage(info);
  EXPECT_EQ(b.layers, 3);
  EXPECT_EQ(b.name, "registry/base:1");
}

TEST(InferBaseImage, DockerCmdBoundary) {
  image::ImageInfo info;
  info.config.history = {Step("/bin/sh -c #(nop) ADD file:abc in / ", false),
                         Step("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
                         Step("RUN /bin/sh -c apt-get update # buildkit", false, "buildkit.dockerfile.v0"),
                         Step("COPY app /app # buildkit", false, "buildkit.dockerfile.v0"),
                         Step("CMD [\"/app\"]", true, "buildkit.dockerfile.v0")};
  BaseImage b = InferBaseImage(info);
  EXPECT_EQ(b.layers, 1);
  EXPECT_EQ(b.how, "history: CMD/ENTRYPOINT of the base");
}

TEST(InferBaseImage, NothingToInfer) {
  image::ImageInfo one;
  one.config.history = {Step("ADD rootfs", false), Step("CMD [\"bash\"]", true)};
  EXPECT_FALSE(InferBaseImage(one).known());  // a base image itself
  image::ImageInfo none;
  EXPECT_FALSE(InferBaseImage(none).known());
  image::ImageInfo no_cmd;
  no_cmd.config.history = {Step("ADD rootfs", false), Step("RUN x", false), Step("RUN y", false)};
  EXPECT_FALSE(InferBaseImage(no_cmd).known());
}

TEST(BaseFromImage, SharedLowestLayers) {
  auto b = BaseFromImage({"sha256:a", "sha256:b", "sha256:c"}, {"sha256:a", "sha256:b"}, "base:1");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->layers, 2);
  EXPECT_EQ(b->how, "--base base:1");
  auto other = BaseFromImage({"sha256:a", "sha256:x"}, {"sha256:a", "sha256:b"}, "base:1");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("layer 1"), std::string::npos) << other.error().message();
  EXPECT_FALSE(BaseFromImage({"sha256:a"}, {"sha256:a", "sha256:b"}, "big").ok());
  EXPECT_FALSE(BaseFromImage({"sha256:a"}, {}, "empty").ok());
}

TEST(ParseSeverityFlag, Values) {
  EXPECT_EQ(*ParseSeverityFlag("HIGH"), Rating::kHigh);
  EXPECT_EQ(*ParseSeverityFlag("critical"), Rating::kCritical);
  EXPECT_EQ(*ParseSeverityFlag("unknown"), Rating::kUnknown);
  EXPECT_EQ(*ParseSeverityFlag("negligible"), Rating::kNegligible);
  for (const char* bad : {"", "severe", "important", "moderate", "7"}) {
    auto r = ParseSeverityFlag(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("critical, high"), std::string::npos);
  }
}

// A store holding the real records of failure-modes.jsonl and the real CISA KEV catalog, plus
// an EPSS file written here; and an inventory of a Debian 12 image with nginx and python3.11.
class ScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string epss = dir_.str() + "/epss.csv";
    std::ofstream(epss) << "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000\n"
                        << "cve,epss,percentile\nCVE-2023-44487,0.94000,0.99900\n";
    auto store = vulndb::SqliteStore::Open(dir_.str() + "/db", vulndb::Store::Mode::kReadWrite);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    vulndb::ImportReport report;
    Status st = vulndb::Import(
        *store_,
        {{vigil::testing::TestData("match", "failure-modes.jsonl"), "", {}},
         {vigil::testing::TestData("vulndb", "threat-intel/known_exploited_vulnerabilities.json"), "", {}},
         {epss, "", {}}},
        vulndb::ImportOptions{}, &report);
    ASSERT_TRUE(st.ok()) << st.error().ToString();
    auto index = vulndb::Index::Load(*store_);
    ASSERT_TRUE(index.ok());
    index_ = std::move(*index);

    inv_.distro.id = "debian";
    inv_.distro.version_id = "12";
    inv_.image.manifest_digest = "sha256:" + std::string(64, 'a');
    inv_.image.tags = {"registry.example/app:1"};
    for (int i = 0; i < 3; ++i) inv_.layers.push_back({});
    inv_.packages.push_back(Deb("nginx-common", "1.22.1-9", "nginx", 0));
    inv_.packages.push_back(Deb("libpython3.11-stdlib", "3.11.2-6+deb12u8", "python3.11", 1));
    inv_.packages.push_back(Deb("python3.11-minimal", "3.11.2-6+deb12u8", "python3.11", 2));
  }

  static catalog::Package Deb(const std::string& name, const std::string& version, const std::string& source,
                              int layer) {
    catalog::Package p;
    p.type = "deb";
    p.name = name;
    p.version = version;
    p.source_name = source;
    p.layer = layer;
    p.location = "var/lib/dpkg/status";
    p.purl = "pkg:deb/debian/" + name + "@" + version + "?arch=amd64&distro=debian-12";
    return p;
  }

  ScanReport Run(const ScanOptions& options) {
    auto r = Scan(inv_, *index_, store_.get(), options);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
    return r.ok() ? std::move(*r) : ScanReport{};
  }

  static const ScanFinding* Find(const ScanReport& r, const std::string& id, size_t package) {
    for (const ScanFinding& f : r.findings) {
      if (f.finding.id == id && f.finding.package == package) return &f;
    }
    return nullptr;
  }

  static VexDocument Vex(const std::string& json) {
    auto doc = ParseVex(json, "vex.json");
    EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().ToString());
    EXPECT_FALSE(doc.ok() && HasErrors(doc->diagnostics));
    return doc.ok() ? *doc : VexDocument{};
  }

  TempDir dir_;
  std::unique_ptr<vulndb::Store> store_;
  std::unique_ptr<vulndb::Index> index_;
  catalog::Inventory inv_;
};

TEST_F(ScanTest, FindingsCarryLayerBaseKevEpssAndOrder) {
  ScanOptions options;
  options.base.layers = 1;
  options.base.how = "--base base";
  ScanReport r = Run(options);
  ASSERT_EQ(r.findings.size(), 3u);
  const ScanFinding* nginx = Find(r, "CVE-2023-44487", 0);
  ASSERT_NE(nginx, nullptr);
  EXPECT_EQ(&r.findings[0], nginx);  // layer 0 first
  EXPECT_TRUE(nginx->base);
  EXPECT_EQ(nginx->layer, 0);
  EXPECT_TRUE(nginx->kev);
  EXPECT_EQ(nginx->kev_date_added, "2023-10-10");
  EXPECT_DOUBLE_EQ(nginx->epss, 0.94);
  EXPECT_DOUBLE_EQ(nginx->epss_percentile, 0.999);
  EXPECT_EQ(nginx->finding.fix, "1.22.1-9+deb12u11");
  EXPECT_EQ(nginx->rating, Rating::kUnknown);  // the record has no severity
  const ScanFinding* py = Find(r, "CVE-2021-4189", 1);
  ASSERT_NE(py, nullptr);
  EXPECT_FALSE(py->base);
  EXPECT_FALSE(py->kev);
  EXPECT_EQ(py->epss, -1);
  EXPECT_EQ(r.summary.findings, 3u);
  EXPECT_EQ(r.summary.base, 1u);
  EXPECT_EQ(r.summary.kev, 1u);
  EXPECT_EQ(r.summary.fixable, 3u);
  EXPECT_EQ(r.summary.by_rating[0], 3u);
  EXPECT_FALSE(r.policy.failed);
}

TEST_F(ScanTest, PolicyGate) {
  ScanOptions options;
  options.policy.fail_on_kev = true;
  ScanReport r = Run(options);
  EXPECT_TRUE(r.policy.failed);
  EXPECT_EQ(r.policy.violations, 1u);
  ASSERT_EQ(r.policy.reasons.size(), 1u);
  EXPECT_NE(r.policy.reasons[0].find("CISA KEV"), std::string::npos);

  options.policy.fail_on_kev = false;
  options.policy.unknown_as = Rating::kUnknown;  // --unknown-severity ignore: unrated is below low
  options.policy.fail_on = Rating::kLow;
  EXPECT_FALSE(Run(options).policy.failed);
  options.policy.fail_on = Rating::kUnknown;  // everything
  ScanReport all = Run(options);
  EXPECT_TRUE(all.policy.failed);
  EXPECT_EQ(all.policy.violations, 3u);

  options.policy.exclude_base = true;
  ScanOptions with_base = options;
  with_base.base.layers = 1;
  with_base.base.how = "test";
  ScanReport own = Run(with_base);
  EXPECT_EQ(own.findings.size(), 2u);
  EXPECT_EQ(own.summary.excluded_base, 1u);
  EXPECT_EQ(own.policy.violations, 2u);
}

TEST_F(ScanTest, VexNotAffectedByPurlSuppressesAndNeverGates) {
  ScanOptions options;
  options.policy.fail_on_kev = true;
  options.vex.push_back(Vex(R"({
    "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
    "author": "test", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
    "statements": [{"vulnerability": {"name": "CVE-2023-44487"},
                    "products": [{"@id": "pkg:deb/debian/nginx-common"}],
                    "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
                    "impact_statement": "HTTP/2 is disabled"}]})"));
  ScanReport r = Run(options);
  const ScanFinding* nginx = Find(r, "CVE-2023-44487", 0);
  ASSERT_NE(nginx, nullptr);
  EXPECT_EQ(nginx->suppression.kind, Suppression::Kind::kVex);
  EXPECT_EQ(nginx->suppression.status, "not_affected");
  EXPECT_EQ(nginx->suppression.reason, "vulnerable_code_not_in_execute_path: HTTP/2 is disabled");
  EXPECT_NE(nginx->suppression.source.find("vex.json"), std::string::npos);
  EXPECT_FALSE(r.policy.failed);
  EXPECT_EQ(r.summary.suppressed, 1u);
  EXPECT_EQ(r.summary.kev, 0u);
}

TEST_F(ScanTest, VexAboutTheImageAndNewestStatementWins) {
  ScanOptions options;
  // A statement on the image by digest (no subcomponents) says not_affected; a newer one on the
  // same vulnerability says affected: the newer decides, and it only annotates.
  options.vex.push_back(Vex(R"({
    "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/2",
    "author": "test", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
    "statements": [
      {"vulnerability": {"name": "CVE-2021-4189"},
       "products": [{"@id": "pkg:oci/app@sha256%3Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}],
       "status": "not_affected", "justification": "component_not_present", "timestamp": "2024-01-01T00:00:00Z"},
      {"vulnerability": {"name": "CVE-2021-4189"}, "products": [{"@id": "registry.example/app:1"}],
       "status": "affected", "action_statement": "upgrade python3.11", "timestamp": "2024-02-01T00:00:00Z"}]})"));
  ScanReport r = Run(options);
  const ScanFinding* py = Find(r, "CVE-2021-4189", 1);
  ASSERT_NE(py, nullptr);
  EXPECT_FALSE(py->suppression.suppressed());
  ASSERT_EQ(py->vex_notes.size(), 1u);
  EXPECT_NE(py->vex_notes[0].find("affected"), std::string::npos);
  EXPECT_NE(py->vex_notes[0].find("upgrade python3.11"), std::string::npos);

  // Without the newer statement the image-wide not_affected suppresses both python packages.
  options.vex[0].statements.pop_back();
  ScanReport r2 = Run(options);
  EXPECT_EQ(r2.summary.suppressed, 2u);
  // A statement naming another image's digest applies to nothing.
  options.vex[0].statements[0].products = {"pkg:oci/app@sha256%3A" + std::string(64, 'b')};
  EXPECT_EQ(Run(options).summary.suppressed, 0u);
}

TEST_F(ScanTest, IgnoreFileByIdPackageAndPath) {
  auto file = ParseIgnoreFile(R"(ignore:
  - id: CVE-2021-4189
    package: python3.11-minimal
    reason: not reachable in this image
    expires: 2999-12-31
  - id: CVE-2023-44487
    path: usr/share/**
    reason: wrong path, applies to nothing
  - id: CVE-2023-44487
    reason: expired
    expires: 2020-01-01
)",
                              ".vigilignore.yaml", "2026-01-01");
  ASSERT_TRUE(file.ok());
  ScanOptions options;
  options.ignore = *file;
  ScanReport r = Run(options);
  const ScanFinding* minimal = Find(r, "CVE-2021-4189", 2);
  ASSERT_NE(minimal, nullptr);
  EXPECT_EQ(minimal->suppression.kind, Suppression::Kind::kIgnore);
  EXPECT_EQ(minimal->suppression.reason, "not reachable in this image (until 2999-12-31)");
  EXPECT_EQ(minimal->suppression.source, ".vigilignore.yaml:2:5");
  EXPECT_FALSE(Find(r, "CVE-2021-4189", 1)->suppression.suppressed());   // another package
  EXPECT_FALSE(Find(r, "CVE-2023-44487", 0)->suppression.suppressed());  // path and expiry
  EXPECT_EQ(r.summary.suppressed, 1u);
}

// CVE records rate findings their advisory leaves unrated, and say whose rating it is.
TEST_F(ScanTest, CveRecordsRateUnratedFindings) {
  // Rated by nothing yet.
  ScanReport before = Run(ScanOptions{});
  const ScanFinding* py = Find(before, "CVE-2021-4189", 1);
  ASSERT_NE(py, nullptr);
  EXPECT_EQ(py->rating, Rating::kUnknown);
  EXPECT_EQ(py->rating_source, "");

  // The real NVD record of CVE-2021-4189 (NVD Primary v3.1, 5.3) and, for CVE-2023-44487, a
  // rejected CVE5 record (made up here: a rejected CVE gives no rating, and says so).
  std::string rejected = dir_.str() + "/rejected.json";
  std::ofstream(rejected) << R"({"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2023-44487","state":"REJECTED",)"
                          << R"("assignerShortName":"mitre","dateUpdated":"2030-01-01T00:00:00.000Z"}})";
  vulndb::ImportReport report;
  ASSERT_TRUE(vulndb::Import(
                  *store_, {{vigil::testing::TestData("vulndb", "nvd/CVE-2021-4189.json"), "", {}}, {rejected, "", {}}},
                  vulndb::ImportOptions{}, &report)
                  .ok());
  ASSERT_EQ(report.enrichment, 2u);
  ScanReport r = Run(ScanOptions{});
  for (size_t package : {size_t{1}, size_t{2}}) {
    py = Find(r, "CVE-2021-4189", package);
    ASSERT_NE(py, nullptr) << package;
    EXPECT_EQ(py->rating, Rating::kMedium) << package;
    EXPECT_EQ(py->rating_source, "NVD CVSS 3.1") << package;
    EXPECT_DOUBLE_EQ(py->enrichment_score, 5.3);
    EXPECT_EQ(py->enrichment_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N");
    EXPECT_EQ(py->enrichment_cve, "CVE-2021-4189");
    EXPECT_EQ(py->cwes, std::vector<std::string>{"CWE-252"});
    EXPECT_FALSE(py->cve_rejected);
  }
  const ScanFinding* nginx = Find(r, "CVE-2023-44487", 0);
  ASSERT_NE(nginx, nullptr);
  EXPECT_TRUE(nginx->cve_rejected);
  EXPECT_EQ(nginx->rating, Rating::kUnknown);
  EXPECT_EQ(nginx->rating_source, "");
  EXPECT_EQ(r.summary.by_rating[static_cast<size_t>(Rating::kMedium)], 2u);
  EXPECT_TRUE(r.warnings.empty());

  // The gate counts the new rating: medium passes --fail-on high (with unknown as low) and fails
  // --fail-on medium.
  ScanOptions gate;
  gate.policy.unknown_as = Rating::kLow;
  gate.policy.fail_on = Rating::kHigh;
  EXPECT_FALSE(Run(gate).policy.failed);
  gate.policy.fail_on = Rating::kMedium;
  ScanReport failed = Run(gate);
  EXPECT_TRUE(failed.policy.failed);
  EXPECT_EQ(failed.policy.violations, 2u);
  // --severity filters on it too.
  ScanOptions only;
  only.severities = {Rating::kMedium};
  EXPECT_EQ(Run(only).findings.size(), 2u);

  // The CNA's metric comes before NVD's (docs/SCAN.md): a CVE5 record made up here with a CNA
  // v3.1 HIGH for the same CVE.
  std::string cna = dir_.str() + "/cna.json";
  std::ofstream(cna) << R"({"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2021-4189","state":"PUBLISHED",)"
                     << R"("assignerShortName":"redhat","dateUpdated":"2024-01-01T00:00:00.000Z"},"containers":{"cna":)"
                     << R"({"providerMetadata":{"shortName":"redhat"},"metrics":[{"cvssV3_1":{"version":"3.1",)"
                     << R"("vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","baseScore":7.5}}]}}})";
  ASSERT_TRUE(vulndb::Import(*store_, {{cna, "", {}}}, vulndb::ImportOptions{}, &report).ok());
  r = Run(ScanOptions{});
  py = Find(r, "CVE-2021-4189", 1);
  ASSERT_NE(py, nullptr);
  EXPECT_EQ(py->rating, Rating::kHigh);
  EXPECT_EQ(py->rating_source, "CNA (redhat) CVSS 3.1");
}

TEST_F(ScanTest, UnratedFindingsFailAnyLevelByDefault) {
  // Every finding here is rated UNKNOWN: by default it counts as critical, so no --fail-on level
  // passes silently; the reason says why.
  ScanOptions options;
  options.policy.fail_on = Rating::kCritical;
  ScanReport r = Run(options);
  EXPECT_TRUE(r.policy.failed);
  EXPECT_EQ(r.policy.violations, 3u);
  ASSERT_EQ(r.policy.reasons.size(), 1u);
  EXPECT_NE(r.policy.reasons[0].find("3 findings of unknown severity, counted as critical"), std::string::npos)
      << r.policy.reasons[0];
  // As a level: counts as medium, so --fail-on high passes and --fail-on medium fails.
  options.policy.unknown_as = Rating::kMedium;
  options.policy.fail_on = Rating::kHigh;
  EXPECT_FALSE(Run(options).policy.failed);
  options.policy.fail_on = Rating::kMedium;
  EXPECT_TRUE(Run(options).policy.failed);
  // Without --fail-on nothing gates on severity.
  EXPECT_FALSE(Run(ScanOptions{}).policy.failed);
}

TEST_F(ScanTest, SeverityFilterLeavesOthersOutOfReportAndGate) {
  ScanOptions options;
  options.severities = {Rating::kCritical, Rating::kHigh};
  options.policy.fail_on = Rating::kUnknown;
  ScanReport r = Run(options);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.summary.severity_filtered, 3u);
  EXPECT_FALSE(r.policy.failed);
  options.severities = {Rating::kUnknown};
  ScanReport unknown = Run(options);
  EXPECT_EQ(unknown.findings.size(), 3u);
  EXPECT_EQ(unknown.summary.severity_filtered, 0u);
  EXPECT_TRUE(unknown.policy.failed);
}

TEST_F(ScanTest, OnlyFixedDropsUnfixed) {
  ScanOptions options;
  options.match.include_unfixed = false;
  EXPECT_EQ(Run(options).findings.size(), 3u);  // every finding here has a fix
}

}  // namespace
}  // namespace vigil::match

namespace vigil::match {
namespace {

// "Could not be checked" is never "clean": an unsupported distribution, a release the database
// has no advisories for, and an ecosystem it has none for each fail a gate, unless accepted.
TEST_F(ScanTest, UncheckedPackagesFailTheGateUnlessAccepted) {
  ScanOptions options;
  options.policy.fail_on = Rating::kCritical;
  options.policy.unknown_as = Rating::kUnknown;  // the findings here are unrated: gate on unchecked only
  ScanReport checked = Run(options);
  EXPECT_EQ(checked.stats.unchecked, 0u);
  EXPECT_FALSE(checked.policy.failed);

  inv_.distro.version_id = "13";  // the store holds Debian 12 records only
  ScanReport r = Run(options);
  EXPECT_EQ(r.stats.unchecked, 3u);
  ASSERT_EQ(r.stats.unchecked_reasons.size(), 1u);
  EXPECT_NE(r.stats.unchecked_reasons[0].find("no advisories for Debian 13"), std::string::npos)
      << r.stats.unchecked_reasons[0];
  EXPECT_TRUE(r.policy.failed);
  ASSERT_FALSE(r.policy.reasons.empty());
  EXPECT_NE(r.policy.reasons.back().find("--accept-incomplete"), std::string::npos);

  ScanOptions without_gate;  // no gate: reported, not failed
  EXPECT_FALSE(Run(without_gate).policy.failed);
  options.policy.accept_incomplete = true;
  EXPECT_FALSE(Run(options).policy.failed);

  options.policy.accept_incomplete = false;
  inv_.distro.id = "gentoo";  // no advisory source at all
  inv_.distro.version_id = "2.15";
  ScanReport gentoo = Run(options);
  EXPECT_EQ(gentoo.stats.unchecked, 3u);
  EXPECT_TRUE(gentoo.policy.failed);
  ASSERT_EQ(gentoo.stats.unchecked_reasons.size(), 1u);
  EXPECT_NE(gentoo.stats.unchecked_reasons[0].find("gentoo"), std::string::npos) << gentoo.stats.unchecked_reasons[0];

  // A language ecosystem the database has nothing for.
  inv_.distro.id = "debian";
  inv_.distro.version_id = "12";
  catalog::Package gem;
  gem.type = "gem";
  gem.name = "rack";
  gem.version = "2.0.0";
  gem.layer = 2;
  inv_.packages.push_back(gem);
  ScanReport ruby = Run(options);
  EXPECT_EQ(ruby.stats.unchecked, 1u);
  ASSERT_EQ(ruby.stats.unchecked_reasons.size(), 1u);
  EXPECT_NE(ruby.stats.unchecked_reasons[0].find("RubyGems"), std::string::npos) << ruby.stats.unchecked_reasons[0];
  EXPECT_TRUE(ruby.policy.failed);
}

TEST_F(ScanTest, UnreadFilesFailTheGateUnlessAccepted) {
  inv_.unread.push_back({"var/lib/dpkg/status", 2, "dpkg", "too large"});
  ScanOptions options;
  options.policy.fail_on_kev = true;
  options.policy.exclude_base = true;  // the KEV finding is in the base layer: only the unread file remains
  options.base.layers = 1;
  options.base.how = "test";
  ScanReport r = Run(options);
  EXPECT_TRUE(r.policy.failed);
  EXPECT_EQ(r.policy.violations, 0u);
  ASSERT_EQ(r.policy.reasons.size(), 1u);
  EXPECT_NE(r.policy.reasons[0].find("layer 2: var/lib/dpkg/status (dpkg): too large"), std::string::npos)
      << r.policy.reasons[0];
  options.policy.accept_incomplete = true;
  EXPECT_FALSE(Run(options).policy.failed);
}

}  // namespace
}  // namespace vigil::match
