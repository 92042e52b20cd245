// VEX documents (OpenVEX, CycloneDX VEX, CSAF VEX): one model, one parser, one matching helper.
//
// A VEX statement says how one vulnerability bears on some products: not affected (with a
// justification), affected, fixed or under investigation. vigil reads them before the CI gate so
// that findings a vendor or the user has triaged can be suppressed (docs/VEX.md).
//
// Error policy: a document that cannot be read at all (not JSON, not a VEX format vigil knows,
// over the size limit) is an Error. Every mistake inside a readable document is a Diagnostic,
// all of them collected in one pass; a statement with an error-severity diagnostic is left out
// of VexDocument::statements, so a broken statement never suppresses anything.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.h"
#include "common/status.h"

namespace vigil::match {

struct VexStatement {
  enum class Status { kNotAffected, kAffected, kFixed, kUnderInvestigation };

  // The vulnerability id as written (OpenVEX vulnerability.name, CycloneDX id, CSAF cve).
  std::string vulnerability;
  // Other ids of it (OpenVEX aliases, CycloneDX references[].id, CSAF ids[].text); may hold URLs.
  std::vector<std::string> aliases;
  // Products: purls, image references or CPEs as written; CycloneDX refs resolved to the purl of
  // the component they name (left as written when they name none); CSAF product ids resolved to
  // the purl of their product (product ids without a purl are left out and counted in a warning).
  std::vector<std::string> products;
  // OpenVEX subcomponents (purls of packages inside the products).
  std::vector<std::string> subcomponents;
  Status status = Status::kUnderInvestigation;
  // OpenVEX justification label, CycloneDX analysis.justification, CSAF flags[].label;
  // "false_positive" for a CycloneDX false_positive without a justification of its own.
  std::string justification;
  std::string impact_statement;
  std::string action_statement;
  // The statement's timestamp, else the document's; "" if neither gives one.
  std::string timestamp;
  // "<what>:<json path>" of the statement, e.g. "ubuntu.json:statements[2]".
  std::string source;
};

struct VexDocument {
  enum class Format { kOpenVex, kCycloneDx, kCsaf };
  Format format = Format::kOpenVex;
  // OpenVEX @id, CycloneDX serialNumber, CSAF document.tracking.id ("" if absent).
  std::string id;
  std::string author;
  std::string timestamp;
  std::vector<VexStatement> statements;
  std::vector<Diagnostic> diagnostics;
};

// Lower-case names as the formats spell them: "not_affected", "affected", "fixed",
// "under_investigation".
std::string_view VexStatusName(VexStatement::Status status);

// Largest document ParseVex accepts.
inline constexpr size_t kMaxVexBytes = 64u << 20;

// Reads the VEX document `text`; `what` (usually the file name) prefixes every location.
// Detects the format: OpenVEX (`@context` under https://openvex.dev/ns, v0.2.0 and 0.0.x),
// CycloneDX (`bomFormat` "CycloneDX" with vulnerabilities[].analysis), CSAF 2.0 with
// document.category "csaf_vex".
// Errors: kCorrupt for malformed JSON or nesting deeper than 64; kLimitExceeded above
// kMaxVexBytes; kUnsupported for JSON that is none of those formats (including CSAF documents of
// another category, e.g. csaf_security_advisory). Everything else is a diagnostic.
Result<VexDocument> ParseVex(std::string_view text, std::string_view what);

// True if `statement` speaks of the vulnerability `vulnerability_id` (or one of
// `vulnerability_aliases`) in the package `package_purl`: some id of the statement (its
// vulnerability or an alias) is SameVulnerabilityId with some id of the finding, and some
// product or subcomponent of the statement catalog::PurlMatches `package_purl`. Products that are not
// purls (image references, CPEs) never match here; scoping by image is the caller's part.
// The status is not looked at: the caller decides what each status does.
bool VexApplies(const VexStatement& statement, std::string_view vulnerability_id,
                const std::vector<std::string>& vulnerability_aliases, std::string_view package_purl);

}  // namespace vigil::match
