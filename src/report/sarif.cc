// SARIF 2.1.0: one rule per vulnerability id, one result per finding; suppressed findings keep
// their result with a `suppressions` entry, as code-scanning dashboards expect.
#include <fmt/format.h>

#include <map>

#include "common/escape.h"
#include "common/json.h"
#include "common/sha256.h"
#include "report/internal/common.h"
#include "report/report.h"

namespace vigil::report {

namespace {

using nlohmann::json;

// SARIF levels: error for critical/high, warning for medium, note below.
const char* Level(vulndb::Rating r) {
  if (r >= vulndb::Rating::kHigh) return "error";
  if (r == vulndb::Rating::kMedium) return "warning";
  return "note";
}

// The number code-scanning tools sort by ("security-severity", 0.0-10.0): the CVSS base score,
// else a value inside the rating's CVSS band.
std::string SecuritySeverity(const match::ScanFinding& sf) {
  if (sf.finding.cvss_score >= 0) return fmt::format("{:.1f}", sf.finding.cvss_score);
  if (sf.enrichment_score >= 0) return fmt::format("{:.1f}", sf.enrichment_score);
  switch (sf.rating) {
    case vulndb::Rating::kCritical:
      return "9.5";
    case vulndb::Rating::kHigh:
      return "8.0";
    case vulndb::Rating::kMedium:
      return "5.5";
    case vulndb::Rating::kLow:
      return "2.0";
    default:
      return "0.0";
  }
}

std::string Message(const ReportInput& in, const match::ScanFinding& sf) {
  const catalog::Package& p = PackageOf(in, sf);
  std::string m = fmt::format("{} {} is affected by {}", DisplayName(p), InstalledText(p, sf.finding), sf.finding.id);
  if (!sf.finding.summary.empty()) m += " (" + sf.finding.summary + ")";
  m += sf.finding.fixed_versions.empty() ? "; " + FixText(sf.finding) : "; fixed in " + FixText(sf.finding);
  m += fmt::format("; severity {}", vulndb::RatingName(sf.rating));
  if (!sf.rating_source.empty()) m += " (" + sf.rating_source + ")";
  if (sf.layer >= 0) {
    m += fmt::format("; introduced by layer {}{}", sf.layer, sf.base ? " of the base image" : "");
    std::string step = StepText(*in.inventory, sf.layer, 120);
    if (!step.empty()) m += ": " + step;
  }
  if (sf.kev) m += "; listed in CISA KEV";
  return EscapeControls(m + ".");
}

}  // namespace

std::string WriteSarif(const ReportInput& in) {
  const match::ScanReport& scan = *in.scan;
  json rules = json::array();
  std::map<std::string, size_t> rule_index;
  json results = json::array();
  for (const match::ScanFinding& sf : scan.findings) {
    const match::Finding& f = sf.finding;
    auto [it, added] = rule_index.emplace(f.id, rules.size());
    if (added) {
      json rule;
      rule["id"] = f.id;
      rule["shortDescription"]["text"] = EscapeControls(f.summary.empty() ? f.id : f.summary);
      std::string full = f.id;
      if (!f.aliases.empty()) {
        full += " (also";
        for (const std::string& a : f.aliases) full += " " + a;
        full += ")";
      }
      if (!f.summary.empty()) full += ": " + f.summary;
      rule["fullDescription"]["text"] = EscapeControls(full);
      rule["help"]["text"] = "Upgrade the package to a fixed version, or rebuild on a base image that has one.";
      rule["defaultConfiguration"]["level"] = Level(sf.rating);
      rule["properties"] = {{"security-severity", SecuritySeverity(sf)},
                            {"tags", json::array({"security", "vulnerability", RatingLower(sf.rating)})}};
      rules.push_back(rule);
    }
    const catalog::Package& p = PackageOf(in, sf);
    json r;
    r["ruleId"] = f.id;
    r["ruleIndex"] = it->second;
    r["level"] = Level(sf.rating);
    r["message"]["text"] = Message(in, sf);
    json location;
    if (!p.location.empty()) location["physicalLocation"]["artifactLocation"]["uri"] = p.location;
    json logical = {{"kind", "package"}, {"fullyQualifiedName", p.purl.empty() ? DisplayName(p) : p.purl}};
    location["logicalLocations"] = json::array({logical});
    r["locations"] = json::array({location});
    r["partialFingerprints"]["vigilFinding/v1"] = Sha256Digest(f.id + "\n" + p.purl + "\n" + p.location).substr(7, 32);
    if (sf.suppression.suppressed()) {
      json s;
      s["kind"] = "external";
      s["status"] = "accepted";
      std::string why = sf.suppression.status;
      if (!sf.suppression.reason.empty()) why += ": " + sf.suppression.reason;
      s["justification"] = EscapeControls(why + " (" + sf.suppression.source + ")");
      r["suppressions"] = json::array({s});
    }
    json props;
    props["severity"] = std::string(vulndb::RatingName(sf.rating));
    props["severitySource"] = sf.rating_source;
    if (sf.enrichment_score >= 0) {
      props["cveCvss"] = {
          {"score", sf.enrichment_score}, {"vector", sf.enrichment_vector}, {"source", sf.enrichment_source}};
    }
    if (sf.cve_rejected) props["cveRejected"] = true;
    if (!sf.ssvc.empty()) {
      props["ssvc"] = {{"exploitation", sf.ssvc.exploitation},
                       {"automatable", sf.ssvc.automatable},
                       {"technicalImpact", sf.ssvc.technical_impact}};
    }
    props["installedVersion"] = f.installed_version;
    props["fixedVersions"] = f.fixed_versions;
    props["layer"] = sf.layer;
    props["baseImage"] = sf.base;
    props["kev"] = sf.kev;
    if (sf.epss >= 0) props["epss"] = sf.epss;
    r["properties"] = props;
    results.push_back(r);
  }
  // License policy results: one rule per verdict, one result per component.
  for (const match::LicenseFinding& lf : scan.licenses) {
    std::string rule_id = lf.verdict == "denied" ? "vigil/license-denied" : "vigil/license-unknown";
    const char* level = lf.action == "deny" ? "error" : "warning";
    auto [it, added] = rule_index.emplace(rule_id, rules.size());
    if (added) {
      json rule;
      rule["id"] = rule_id;
      rule["shortDescription"]["text"] = lf.verdict == "denied"
                                             ? "A component's license is denied by the license policy"
                                             : "A component has no license vigil can name";
      rule["fullDescription"]["text"] = rule["shortDescription"]["text"];
      rule["help"]["text"] = lf.verdict == "denied"
                                 ? "Replace the component, or add an exception with a reason to the license policy."
                                 : "Check the component's license by hand and add it to the policy as an exception.";
      rule["defaultConfiguration"]["level"] = level;
      rule["properties"] = {{"tags", json::array({"license", lf.verdict})}};
      rules.push_back(rule);
    }
    const catalog::Package& p = in.inventory->packages[lf.package];
    json r;
    r["ruleId"] = rule_id;
    r["ruleIndex"] = it->second;
    r["level"] = level;
    std::string m = fmt::format("{} {}: {}", DisplayName(p), p.version,
                                lf.license.empty() ? std::string("no license found") : "license " + lf.license);
    if (!lf.reason.empty() && !lf.license.empty()) m += " (" + lf.reason + ")";
    if (lf.layer >= 0) m += fmt::format("; introduced by layer {}{}", lf.layer, lf.base ? " of the base image" : "");
    r["message"]["text"] = EscapeControls(m + ".");
    json location;
    if (!p.location.empty()) location["physicalLocation"]["artifactLocation"]["uri"] = p.location;
    location["logicalLocations"] =
        json::array({{{"kind", "package"}, {"fullyQualifiedName", p.purl.empty() ? DisplayName(p) : p.purl}}});
    r["locations"] = json::array({location});
    r["partialFingerprints"]["vigilFinding/v1"] =
        Sha256Digest(rule_id + "\n" + p.purl + "\n" + p.location).substr(7, 32);
    r["properties"] = {{"license", lf.license}, {"action", lf.action}, {"layer", lf.layer}, {"baseImage", lf.base}};
    results.push_back(r);
  }
  json run;
  run["tool"]["driver"] = {
      {"name", "vigil"}, {"version", in.tool_version}, {"semanticVersion", in.tool_version}, {"rules", rules}};
  run["results"] = results;
  run["columnKind"] = "utf16CodeUnits";
  run["properties"] = {{"image", ImageName(*in.inventory)},
                       {"configDigest", in.inventory->image.config_digest},
                       {"policyFailed", scan.policy.failed}};
  json doc;
  doc["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = json::array({run});
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace vigil::report
