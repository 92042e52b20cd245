// Helpers the report writers share (not part of the library's interface).
#pragma once

#include <string>

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
// "critical", "high", ... (lower case).
std::string RatingLower(vulndb::Rating r);
// The layer's build step on one line, without the "/bin/sh -c #(nop) " prefix, cut to `max`.
std::string StepText(const catalog::Inventory& inv, int layer, size_t max);
// "sha256:0123456789ab" (the first 12 hex digits).
std::string ShortDigest(const std::string& digest);

}  // namespace vigil::report
