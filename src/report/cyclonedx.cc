// CycloneDX 1.6 with `vulnerabilities`: the inventory as `vigil sbom -f cyclonedx` writes it, and
// one vulnerability per finding, its `affects` pointing at the component's bom-ref.
#include <fmt/format.h>

#include <cstdio>

#include "common/json.h"
#include "report/internal/common.h"
#include "report/report.h"
#include "sbom/sbom.h"

namespace vigil::report {

namespace {

using nlohmann::json;

// CycloneDX severities: critical, high, medium, low, info, none, unknown.
std::string CdxSeverity(vulndb::Rating r) {
  switch (r) {
    case vulndb::Rating::kCritical:
      return "critical";
    case vulndb::Rating::kHigh:
      return "high";
    case vulndb::Rating::kMedium:
      return "medium";
    case vulndb::Rating::kLow:
      return "low";
    case vulndb::Rating::kNegligible:
      return "info";
    default:
      return "unknown";
  }
}

std::string CdxMethod(const std::string& cvss_version) {
  if (cvss_version == "2.0") return "CVSSv2";
  if (cvss_version == "3.0") return "CVSSv3";
  if (cvss_version == "3.1") return "CVSSv31";
  if (cvss_version == "4.0") return "CVSSv4";
  return "other";
}

// OpenVEX / CSAF justifications → CycloneDX's; "" when none fits.
std::string CdxJustification(const std::string& j) {
  if (j == "component_not_present" || j == "vulnerable_code_not_present" || j == "code_not_present") {
    return "code_not_present";
  }
  if (j == "vulnerable_code_not_in_execute_path" || j == "code_not_reachable") return "code_not_reachable";
  if (j == "vulnerable_code_cannot_be_controlled_by_adversary") return "requires_environment";
  if (j == "inline_mitigations_already_exist") return "protected_by_mitigating_control";
  for (const char* same :
       {"requires_configuration", "requires_dependency", "requires_environment", "protected_by_compiler",
        "protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control"}) {
    if (j == same) return j;
  }
  return {};
}

std::string IssuerName(const std::string& id) {
  size_t dash = id.find('-');
  return dash == std::string::npos ? "vigil" : id.substr(0, dash);
}

void Prop(json& props, const std::string& name, const std::string& value) {
  if (!value.empty()) props.push_back({{"name", name}, {"value", value}});
}

}  // namespace

std::string WriteCycloneDx(const ReportInput& in) {
  const catalog::Inventory& inv = *in.inventory;
  sbom::WriteOptions options;
  options.tool_version = in.tool_version;
  options.timestamp = in.timestamp;
  json bom = json::parse(sbom::WriteCycloneDx(inv, options));
  std::vector<std::string> refs = sbom::CycloneDxRefs(inv);
  json vulns = json::array();
  size_t n = 0;
  for (const match::ScanFinding& sf : in.scan->findings) {
    const match::Finding& f = sf.finding;
    const catalog::Package& p = PackageOf(in, sf);
    json v;
    v["bom-ref"] = fmt::format("vigil:vulnerability:{}", n++);
    v["id"] = f.id;
    v["source"]["name"] = IssuerName(f.id);
    json references = json::array();
    for (const std::string& a : f.aliases) references.push_back({{"id", a}, {"source", {{"name", IssuerName(a)}}}});
    if (!references.empty()) v["references"] = references;
    json ratings = json::array();
    if (f.vendor_rating != vulndb::Rating::kUnknown) {
      ratings.push_back(
          {{"source", {{"name", f.vendor_source}}}, {"severity", CdxSeverity(f.vendor_rating)}, {"method", "other"}});
    }
    if (f.cvss_score >= 0) {
      ratings.push_back({{"source", {{"name", f.cvss_source}}},
                         {"score", f.cvss_score},
                         {"severity", CdxSeverity(vulndb::ParseRating(f.severity))},
                         {"method", CdxMethod(f.cvss_version)},
                         {"vector", f.cvss_vector}});
    }
    // The CVE records' CVSS (NVD, CNA, CISA-ADP), named as the rating source says.
    if (sf.enrichment_score >= 0) {
      ratings.push_back({{"source", {{"name", sf.enrichment_source}}},
                         {"score", sf.enrichment_score},
                         {"severity", CdxSeverity(vulndb::ParseRating(sf.enrichment_severity))},
                         {"method", CdxMethod(sf.enrichment_version)},
                         {"vector", sf.enrichment_vector}});
    }
    if (!ratings.empty()) v["ratings"] = ratings;
    if (!sf.cwes.empty()) {
      json cwes = json::array();
      for (const std::string& c : sf.cwes) {
        int n = 0;
        if (std::sscanf(c.c_str(), "CWE-%d", &n) == 1 && n > 0) cwes.push_back(n);
      }
      if (!cwes.empty()) v["cwes"] = cwes;
    }
    if (!f.summary.empty()) v["description"] = f.summary;
    if (!f.fixed_versions.empty()) {
      v["recommendation"] = "Upgrade " + DisplayName(p) + " to " + FixText(f) + ".";
    }
    v["affects"] =
        json::array({{{"ref", refs[f.package]},
                      {"versions", json::array({{{"version", f.installed_version}, {"status", "affected"}}})}}});
    if (sf.suppression.suppressed()) {
      json analysis;
      if (sf.suppression.kind == match::Suppression::Kind::kVex) {
        analysis["state"] = sf.suppression.status == "fixed" ? "resolved" : "not_affected";
        std::string j = CdxJustification(sf.suppression.reason.substr(0, sf.suppression.reason.find(':')));
        if (!j.empty()) analysis["justification"] = j;
      } else {
        analysis["state"] = "exploitable";
        analysis["response"] = json::array({"will_not_fix"});
      }
      analysis["detail"] = sf.suppression.status + ": " + sf.suppression.reason + " (" + sf.suppression.source + ")";
      v["analysis"] = analysis;
    }
    json props = json::array();
    Prop(props, "vigil:severity", std::string(vulndb::RatingName(sf.rating)));
    Prop(props, "vigil:severity-source", sf.rating_source);
    Prop(props, "vigil:fix-status", std::string(vulndb::FixStatusName(f.status)));
    if (sf.layer >= 0) Prop(props, "vigil:layer:index", std::to_string(sf.layer));
    Prop(props, "vigil:base-image", sf.base ? "true" : "false");
    if (sf.kev) Prop(props, "vigil:kev:date-added", sf.kev_date_added);
    if (sf.epss >= 0) Prop(props, "vigil:epss", fmt::format("{:.5f}", sf.epss));
    for (const std::string& note : sf.vex_notes) Prop(props, "vigil:vex-note", note);
    if (!props.empty()) v["properties"] = props;
    vulns.push_back(v);
  }
  bom["vulnerabilities"] = vulns;
  return bom.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace vigil::report
