// libFuzzer target for a whole scan of a hostile SBOM: ReadSbom → Scan (matcher, base image,
// suppression, gate) against a small fixed index → every report writer.
//
// Whatever the document holds (names and versions with quotes, control bytes, invalid UTF-8,
// Markdown and HTML), a scan of an accepted SBOM must not crash, and the JSON, SARIF and
// CycloneDX reports must be valid JSON with one entry per finding. Any violation aborts.
// Seeds: fuzz/corpus/scan_report/ (vigil CycloneDX of small inventories).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "match/scan.h"
#include "report/report.h"
#include "sbom/reader.h"
#include "vulndb/osv.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "scan_report_fuzz: %s\n", what);
  std::abort();
}

// A few advisories over the ecosystems an SBOM can name, one with a hostile summary.
const vigil::vulndb::Index& FixedIndex() {
  static const vigil::vulndb::Index* index = [] {
    const char* records[] = {
        R"({"id":"DEBIAN-CVE-2024-1","aliases":["CVE-2024-1"],"modified":"2024-01-01T00:00:00Z",
            "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]}]})",
        R"({"id":"DSA-1-1","aliases":["CVE-2024-1","CVE-2024-2"],"modified":"2024-01-01T00:00:00Z",
            "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]}]})",
        R"({"id":"GHSA-xxxx-yyyy-zzzz","aliases":["CVE-2024-3"],"modified":"2024-01-01T00:00:00Z",
            "summary":"a | b <script>\u0000\u001f` \"q\"","database_specific":{"severity":"HIGH"},
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected":[{"package":{"ecosystem":"npm","name":"lodash"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]})",
        R"({"id":"PYSEC-2024-1","modified":"2024-01-01T00:00:00Z",
            "affected":[{"package":{"ecosystem":"PyPI","name":"pyyaml"},"versions":["5.3","5.4"],
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"6.0"}]}]}]})",
        R"({"id":"GO-2024-1","modified":"2024-01-01T00:00:00Z",
            "affected":[{"package":{"ecosystem":"Go","name":"stdlib"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.21.0"},{"introduced":"1.22.0"},{"fixed":"1.22.3"}]}]}]})",
    };
    std::vector<vigil::vulndb::Advisory> advisories;
    vigil::vulndb::OsvParser parser;
    for (const char* r : records) {
      auto a = parser.Parse(r, "fixed");
      if (!a.ok()) Fail("a fixed advisory does not parse");
      advisories.push_back(std::move(*a));
    }
    return vigil::vulndb::Index::Build(advisories).release();
  }();
  return *index;
}

void CheckJson(const std::string& doc, const char* what) {
  if (!nlohmann::json::accept(doc)) {
    std::fprintf(stderr, "scan_report_fuzz: %s report is not valid JSON\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sbom::ReadLimits limits;
  limits.max_components = 5'000;
  Result<catalog::Inventory> inv = sbom::ReadSbom(input, "fuzz.json", limits);
  if (!inv.ok()) return 0;
  match::ScanOptions options;
  options.base = match::InferBaseImage(inv->image);
  options.policy.fail_on = vulndb::Rating::kUnknown;
  Result<match::ScanReport> scan = match::Scan(*inv, FixedIndex(), nullptr, options);
  if (!scan.ok()) Fail("Scan failed");
  // The gate fails on any finding, and on what could not be checked (an SBOM listing unread
  // files, packages of ecosystems the index has no advisories for): never a pass in silence.
  bool incomplete = !scan->stats.unchecked_reasons.empty() || !inv->unread.empty();
  if (scan->policy.failed != (!scan->findings.empty() || incomplete))
    Fail("--fail-on unknown must fail exactly when there are findings or unchecked packages");
  report::ReportInput in;
  in.inventory = &*inv;
  in.scan = &*scan;
  in.timestamp = "2026-01-01T00:00:00Z";
  std::string json = report::WriteJson(in);
  CheckJson(json, "JSON");
  if (nlohmann::json::parse(json)["findings"].size() != scan->findings.size()) Fail("JSON lost findings");
  std::string sarif = report::WriteSarif(in);
  CheckJson(sarif, "SARIF");
  if (nlohmann::json::parse(sarif)["runs"][0]["results"].size() != scan->findings.size()) Fail("SARIF lost findings");
  std::string cdx = report::WriteCycloneDx(in);
  CheckJson(cdx, "CycloneDX");
  (void)report::WriteTable(in);
  in.group = report::GroupBy::kSeverity;
  (void)report::WriteTable(in);
  (void)report::WriteMarkdown(in);
  return 0;
}
