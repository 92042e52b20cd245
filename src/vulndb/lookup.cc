#include "vulndb/lookup.h"

#include <chrono>
#include <optional>

#include "version/names.h"
#include "version/version.h"
#include "vulndb/advisory.h"
#include "vulndb/index.h"
#include "vulndb/store.h"

namespace vigil::vulndb {

Result<LookupResult> LookupPackage(Store& store, const LookupRequest& request) {
  LookupResult out;
  auto start = std::chrono::steady_clock::now();
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Index> index, Index::Load(store));
  out.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.advisories_loaded = index->stats().advisories;
  Ecosystem eco = ParseEcosystem(request.ecosystem);
  std::string release = eco.pro ? "pro:" + eco.release : eco.release;
  std::string name = version::NormalizeName(eco.family, request.package);
  std::optional<version::Version> v;
  if (!request.version.empty()) {
    const version::Scheme* scheme = version::FindScheme(eco.family);
    if (!scheme) return InvalidArgument("no version scheme for ecosystem " + eco.family);
    VIGIL_ASSIGN_OR_RETURN(v, scheme->Parse(request.version));
  }
  for (const IndexEntry& e : index->Lookup(eco.family, release, name)) {
    const auto& adv = index->advisory(e.advisory);
    LookupRow row;
    row.id = adv.id;
    row.verdict = "-";
    if (v) row.verdict = !e.ranges ? "unknown" : e.ranges->IsAffected(*v) ? "affected" : "not-affected";
    row.fixed.assign(e.fixed.begin(), e.fixed.end());
    row.status = std::string(FixStatusName(e.status));
    row.cvss_score = adv.cvss_score;
    row.cvss_severity = adv.cvss_severity;
    // Enrichment is per CVE: the record's own id or one of its aliases.
    std::vector<std::string> cves;
    if (adv.id.starts_with("CVE-")) cves.push_back(adv.id);
    for (const auto& alias : adv.aliases) {
      if (alias.starts_with("CVE-")) cves.push_back(alias);
    }
    for (const auto& cve : cves) {
      LookupRow::Intel intel{cve, "", -1};
      auto kev = store.GetKev(cve);
      if (kev.ok() && *kev) intel.kev_date_added = (*kev)->date_added;
      auto epss = store.GetEpss(cve);
      if (epss.ok() && *epss) intel.epss = (*epss)->epss;
      if (auto recs = store.GetEnrichment(cve); recs.ok()) {
        for (const CveEnrichment& r : *recs) intel.rejected = intel.rejected || r.rejected;
        if (auto chosen = ChooseCvss(*recs)) {
          intel.cvss_score = chosen->metric->base_score;
          intel.cvss_severity = chosen->metric->severity;
          intel.cvss_source = chosen->source;
        }
      }
      row.intel.push_back(std::move(intel));
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace vigil::vulndb
