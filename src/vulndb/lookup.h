// `vigil db lookup` as a library call: which advisories name a package, and whether a given
// version is affected by each. The fleet server answers the same question for its API.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace vigil::vulndb {

class Store;

struct LookupRequest {
  std::string ecosystem;  // as OSV writes it: "Debian:12", "PyPI", "Alpine:v3.19", "Ubuntu:Pro:22.04"
  std::string package;    // the name as given; normalised per ecosystem (version::NormalizeName)
  std::string version;    // "" = do not judge; else parsed with the ecosystem's scheme
};

struct LookupRow {
  std::string id;
  // "affected", "not-affected", "unknown" (the entry has no evaluable ranges), or "-" when the
  // request gave no version.
  std::string verdict;
  std::vector<std::string> fixed;  // fixed versions, as the record gives them
  std::string status;              // the distro's fix status name, "" when none
  double cvss_score = -1;          // -1 when the record has none
  std::string cvss_severity;
  // Per CVE of the record (its id or an alias starting "CVE-"): KEV date added, EPSS score.
  struct Intel {
    std::string cve;
    std::string kev_date_added;  // "" when not in KEV
    double epss = -1;            // -1 when no score
    // What the CVE records stored for it say (ChooseCvss): the chosen metric's score (-1 when
    // none), its severity and source ("NVD CVSS 3.1"); whether a record says it was rejected.
    double cvss_score = -1;
    std::string cvss_severity, cvss_source;
    bool rejected = false;
  };
  std::vector<Intel> intel;
};

struct LookupResult {
  std::vector<LookupRow> rows;  // in index order
  uint64_t advisories_loaded = 0;
  double load_seconds = 0;
};

// Loads the whole index from `store` and looks `request.package` up in `request.ecosystem`.
// Errors: kInvalidArgument when a version is given for an ecosystem without a version scheme, the
// scheme's parse error for a bad version, and the store's errors. KEV/EPSS/CVE-record lookups that fail are
// left out of the row.
Result<LookupResult> LookupPackage(Store& store, const LookupRequest& request);

}  // namespace vigil::vulndb
