// Helpers the report writers share (not part of the library's interface).
#pragma once

#include <string>
#include <vector>

#include "catalog/package.h"
#include "match/scan.h"
#include "report/report.h"

namespace vigil::report {

const catalog::Package& PackageOf(const ReportInput& in, const match::ScanFinding& f);
// "name" or "namespace/name" ("@scope/name" for npm, "group:artifact" for Maven).
std::string DisplayName(const catalog::Package& p);
// The recommended fix ("2.5.0-1+deb12u1"), else every fixed version ("1.19.10, 1.20.5"), else
// the status ("no fix", "will not fix", "end of life", ...).
std::string FixText(const match::Finding& f);
// For a finding rated by a CVE record (its rating_source is its enrichment_source), a short form
// of that source: "NVD 3.1", "CNA 4.0", "CISA-ADP 3.1"; "" otherwise. Not escaped.
std::string ShortCveSource(const match::ScanFinding& sf);
// "critical", "high", ... (lower case).
std::string RatingLower(vulndb::Rating r);
// The layer's build step on one line, without the "/bin/sh -c #(nop) " prefix, its controls
// escaped (common/escape.h), cut to `max` columns (0: not cut).
std::string StepText(const catalog::Inventory& inv, int layer, size_t max);
// The installed version as people read it: the package's own version, and for a Debian binary
// package built from a source of another version (binNMU "1.0.9-2+b6" of source "1.0.9-2"),
// the source version beside it, "1.0.9-2+b6 (source 1.0.9-2)" — the matcher compares the source
// version (finding.installed_version). Not escaped.
std::string InstalledText(const catalog::Package& p, const match::Finding& f);
// What the scan could not check, one sentence each, empty when every package was looked up: the
// matcher's unchecked reasons (OS packages of a distribution without advisories, ecosystems the
// database has none for), files that list packages but could not be read, package types no
// advisory source covers, installed versions that could not be parsed, problems reading the
// image. Escaped for the terminal.
std::vector<std::string> NotChecked(const ReportInput& in);
// "sha256:0123456789ab" (the first 12 hex digits).
std::string ShortDigest(const std::string& digest);

}  // namespace vigil::report
