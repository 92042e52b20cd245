// vigil's scan JSON ("schema": "vigil-scan/1"); fields documented in docs/SCAN.md.
#include "common/json.h"

#include "report/internal/common.h"
#include "report/report.h"
#include "vulndb/advisory.h"

namespace vigil::report {

namespace {

using nlohmann::json;

json Str(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json FindingJson(const ReportInput& in, const match::ScanFinding& sf) {
  const match::Finding& f = sf.finding;
  const catalog::Package& p = PackageOf(in, sf);
  json j;
  j["id"] = f.id;
  j["aliases"] = f.aliases;
  j["advisories"] = f.advisories;
  j["summary"] = Str(f.summary);
  json pkg;
  pkg["type"] = p.type;
  pkg["namespace"] = Str(p.name_space);
  pkg["name"] = p.name;
  pkg["version"] = p.epoch.empty() || p.type == "deb" ? p.version : p.epoch + ":" + p.version;
  pkg["arch"] = Str(p.arch);
  pkg["purl"] = Str(p.purl);
  pkg["source_name"] = Str(p.source_name);
  pkg["source_version"] = Str(p.source_version);
  pkg["location"] = Str(p.location);
  j["package"] = pkg;
  j["ecosystem"] = f.ecosystem;
  j["matched_name"] = f.matched_name;
  j["installed_version"] = f.installed_version;
  j["fixed_versions"] = f.fixed_versions;
  j["fix"] = Str(f.fix);
  std::string_view status = vulndb::FixStatusName(f.status);
  j["status"] = status.empty() ? (f.fixed_versions.empty() ? "affected" : "fixed") : std::string(status);
  j["severity"] = std::string(vulndb::RatingName(sf.rating));
  j["severity_source"] = Str(sf.rating_source);
  if (f.cvss_score >= 0) {
    j["cvss"] = {{"score", f.cvss_score},
                 {"vector", f.cvss_vector},
                 {"version", f.cvss_version},
                 {"severity", f.severity},
                 {"source", f.cvss_source}};
  } else {
    j["cvss"] = nullptr;
  }
  // What CVE records (NVD, CVE5) in the database say about the finding's CVE.
  if (!sf.enrichment_cve.empty()) {
    json cve = {{"id", sf.enrichment_cve}, {"rejected", sf.cve_rejected}, {"cwes", sf.cwes}};
    if (!sf.ssvc.empty()) {
      cve["ssvc"] = {{"exploitation", sf.ssvc.exploitation},
                     {"automatable", sf.ssvc.automatable},
                     {"technical_impact", sf.ssvc.technical_impact}};
    }
    if (sf.enrichment_score >= 0) {
      cve["cvss"] = {{"score", sf.enrichment_score},
                     {"vector", sf.enrichment_vector},
                     {"version", sf.enrichment_version},
                     {"severity", sf.enrichment_severity},
                     {"source", sf.enrichment_source}};
    } else {
      cve["cvss"] = nullptr;
    }
    j["cve_record"] = std::move(cve);
  } else {
    j["cve_record"] = nullptr;
  }
  if (sf.kev) {
    j["kev"] = {{"date_added", sf.kev_date_added}, {"due_date", sf.kev_due_date}, {"ransomware", sf.kev_ransomware}};
  } else {
    j["kev"] = nullptr;
  }
  if (sf.epss >= 0) {
    j["epss"] = {{"probability", sf.epss}, {"percentile", sf.epss_percentile}};
  } else {
    j["epss"] = nullptr;
  }
  json layer;
  layer["index"] = sf.layer;
  if (sf.layer >= 0 && static_cast<size_t>(sf.layer) < in.inventory->layers.size()) {
    const image::Layer& l = in.inventory->layers[static_cast<size_t>(sf.layer)].layer;
    layer["diff_id"] = Str(l.diff_id);
    layer["created_by"] = Str(l.created_by);
  } else {
    layer["diff_id"] = nullptr;
    layer["created_by"] = nullptr;
  }
  layer["base"] = sf.base;
  j["layer"] = layer;
  j["paths"] = p.location.empty() ? json::array() : json::array({p.location});
  if (sf.suppression.suppressed()) {
    j["suppressed"] = {{"by", sf.suppression.kind == match::Suppression::Kind::kVex ? "vex" : "ignore"},
                       {"status", sf.suppression.status},
                       {"reason", sf.suppression.reason},
                       {"source", sf.suppression.source}};
  } else {
    j["suppressed"] = nullptr;
  }
  j["vex_notes"] = sf.vex_notes;
  return j;
}

}  // namespace

std::string WriteJson(const ReportInput& in) {
  const catalog::Inventory& inv = *in.inventory;
  const match::ScanReport& scan = *in.scan;
  json doc;
  doc["schema"] = "vigil-scan/1";
  doc["tool"] = {{"name", "vigil"}, {"version", in.tool_version}};
  doc["image"] = {{"source", inv.image.source},
                  {"format", inv.image.format},
                  {"tags", inv.image.tags},
                  {"manifest_digest", Str(inv.image.manifest_digest)},
                  {"config_digest", Str(inv.image.config_digest)}};
  if (inv.distro.empty()) {
    doc["distro"] = nullptr;
  } else {
    doc["distro"] = {
        {"id", inv.distro.id}, {"version_id", inv.distro.version_id}, {"pretty_name", inv.distro.pretty_name}};
  }
  doc["database"] = {{"path", in.db.path}, {"built_at", Str(in.db.built_at)}, {"records", in.db.records}};
  doc["base_image"] = {{"known", scan.base.known()},
                       {"layers", scan.base.layers},
                       {"how", Str(scan.base.how)},
                       {"name", Str(scan.base.name)}};
  json layers = json::array();
  for (size_t i = 0; i < inv.layers.size(); ++i) {
    const image::Layer& l = inv.layers[i].layer;
    layers.push_back({{"index", i},
                      {"diff_id", Str(l.diff_id)},
                      {"created_by", Str(l.created_by)},
                      {"base", scan.base.IsBaseLayer(static_cast<int>(i))}});
  }
  doc["layers"] = layers;
  json findings = json::array();
  for (const match::ScanFinding& sf : scan.findings) findings.push_back(FindingJson(in, sf));
  doc["findings"] = findings;
  const match::ScanSummary& s = scan.summary;
  json by_severity = json::object();
  for (int r = 5; r >= 0; --r) by_severity[RatingLower(static_cast<vulndb::Rating>(r))] = s.by_rating[r];
  doc["summary"] = {{"packages", inv.packages.size()},
                    {"findings", s.findings},
                    {"suppressed", s.suppressed},
                    {"by_severity", by_severity},
                    {"fixable", s.fixable},
                    {"kev", s.kev},
                    {"base_image", s.base},
                    {"excluded_base", s.excluded_base},
                    {"severity_filtered", s.severity_filtered},
                    {"packages_matched", scan.stats.packages_matched},
                    {"packages_unchecked", scan.stats.unchecked},
                    {"unfixed_dropped", scan.stats.unfixed_dropped}};
  doc["policy"] = {
      {"failed", scan.policy.failed}, {"violations", scan.policy.violations}, {"reasons", scan.policy.reasons}};
  if (scan.license_policy_given) {
    json lf = json::array();
    size_t denied = 0, unknown = 0;
    for (const match::LicenseFinding& f : scan.licenses) {
      const catalog::Package& p = inv.packages[f.package];
      ++(f.verdict == "denied" ? denied : unknown);
      lf.push_back({{"package", p.name_space.empty() ? p.name : p.name_space + "/" + p.name},
                    {"version", p.version},
                    {"type", p.type},
                    {"purl", p.purl},
                    {"license", f.license},
                    {"declared", p.licenses},
                    {"verdict", f.verdict},
                    {"action", f.action},
                    {"reason", f.reason},
                    {"offending", f.offending},
                    {"layer", f.layer},
                    {"base", f.base},
                    {"location", p.location}});
    }
    doc["licenses"] = {{"checked", scan.license_checked}, {"denied", denied}, {"unknown", unknown}, {"findings", lf}};
  }
  json warnings = scan.warnings;
  for (const std::string& w : scan.stats.warnings) warnings.push_back(w);
  for (const std::string& w : inv.warnings) warnings.push_back(w);
  doc["warnings"] = warnings;
  // What the scan could not look at: never read as "clean".
  json unchecked = scan.stats.unchecked_reasons;
  for (const catalog::UnreadFile& u : inv.unread) {
    unchecked.push_back("not read, its packages are unknown: " + catalog::Describe(u));
  }
  doc["unchecked"] = unchecked;
  doc["complete"] = unchecked.empty();
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace vigil::report
