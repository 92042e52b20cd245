// The advisory model: one vulnerability record as the OSV schema 1.6 describes it, whatever feed
// it came from (OSV JSON/YAML, Alpine secdb, Debian security tracker). Distro feeds are converted
// into this shape, so every later part (store, index, matcher) sees one vocabulary.
//
//   Result<Advisory> a = ParseOsvJson(text, "go.jsonl:17");
//   for (const Affected& af : a->affected) ... af.ecosystem.family, af.name, af.spec ...
//
// Plain data: no invariants beyond those the parsers establish; cheap enough to build ~30,000 per
// second per core.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "version/osv_range.h"

namespace vigil::vulndb {

// An OSV ecosystem string split into its parts. Family is the part before the first ':' (the
// name the OSV ecosystem list uses: "Debian", "Ubuntu", "Alpine", "AlmaLinux", "Rocky Linux",
// "PyPI", ...); release identifies the distribution release where the ecosystem has one.
//   "Debian:12"            -> family "Debian",  release "12"
//   "Ubuntu:22.04:LTS"     -> family "Ubuntu",  release "22.04"        (":LTS" dropped)
//   "Ubuntu:Pro:18.04:LTS" -> family "Ubuntu",  release "18.04", pro = true
//   "Alpine:v3.19"         -> family "Alpine",  release "v3.19"
//   "AlmaLinux:9"          -> family "AlmaLinux", release "9"
//   "PyPI"                 -> family "PyPI",    release ""
//   "npm"                  -> family "npm",     release ""
struct Ecosystem {
  std::string text;     // exactly as written in the record
  std::string family;   // as written (case kept)
  std::string release;  // "" when the ecosystem has none
  bool pro = false;     // Ubuntu Pro / ESM stream
};

// Splits an ecosystem string. Never fails; surrounding white space is dropped.
Ecosystem ParseEcosystem(std::string_view text);

// The fix status of one affected package in one release, for feeds that state it (distro
// trackers). OSV records leave it kUnspecified: their ranges say everything.
enum class FixStatus {
  kUnspecified,   // the ranges decide (OSV)
  kFixed,         // fixed in the version the ranges give
  kNotFixed,      // affected, no fixed version yet (Debian "open", Ubuntu "needed")
  kWillNotFix,    // affected, the distribution decided not to fix (Debian "ignored")
  kPostponed,     // affected, fix deferred to a later point release (Debian "postponed", no-dsa)
  kNotAffected,   // the release never shipped the vulnerable code (Alpine "0", Debian fixed "0")
  kEndOfLife,     // security support for the package ended in this release
  kUndetermined,  // the tracker has not decided yet
};

// "fixed", "not-fixed", "will-not-fix", "postponed", "not-affected", "end-of-life",
// "undetermined", "" for kUnspecified. The names used in stored records and in reports.
std::string_view FixStatusName(FixStatus s);
// The inverse of FixStatusName; kUnspecified for an unknown name.
FixStatus FixStatusFromName(std::string_view name);

// `severity[]` entry: type is "CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu", or a distro's own
// (e.g. "Debian" for the tracker's urgency); score is the vector or the rating as written.
struct Severity {
  std::string type;
  std::string score;
};

// `references[]` entry.
struct Reference {
  std::string type;  // "ADVISORY", "WEB", "FIX", "PACKAGE", ...
  std::string url;
};

// `credits[]` entry.
struct Credit {
  std::string name;
  std::string type;
  std::vector<std::string> contact;
};

// One `affected[]` entry.
struct Affected {
  Ecosystem ecosystem;          // empty family when the entry has no package (GIT-only records)
  std::string name;             // package name as written
  std::string normalized_name;  // version::NormalizeName(ecosystem, name)
  std::string purl;
  version::AffectedSpec spec;                  // ranges and the explicit versions list
  std::vector<Severity> severity;              // per-package severity (schema 1.4+), rarely used
  std::string ecosystem_specific;              // compact JSON text, "" when absent
  std::string database_specific;               // compact JSON text, "" when absent
  FixStatus status = FixStatus::kUnspecified;  // from distro feeds (see FixStatus)
  std::string status_note;                     // e.g. Debian's no-dsa reason, urgency; "" when none
};

// One advisory (OSV record). Timestamps are kept as the RFC 3339 text written in the record
// ("" when absent); `modified` is required by the schema and by the importer.
struct Advisory {
  std::string schema_version;
  std::string id;
  std::vector<std::string> aliases;
  std::vector<std::string> related;
  std::vector<std::string> upstream;
  std::string summary;
  std::string details;
  std::string published;
  std::string modified;
  std::string withdrawn;  // non-empty: the record was withdrawn and must not be matched
  std::vector<Severity> severity;
  std::vector<Affected> affected;
  std::vector<Reference> references;
  std::vector<Credit> credits;
  std::string database_specific;  // compact JSON text, "" when absent
};

// The version scheme that evaluates `af`: its ecosystem's, else — for ecosystems vigil has no
// scheme for (Bitnami, SwiftURL, ...) whose ranges are all of type SEMVER (GIT ranges aside) —
// SemVer 2.0, as the OSV schema defines SEMVER ranges. nullptr when neither applies.
const version::Scheme* SchemeFor(const Affected& af);

}  // namespace vigil::vulndb
