// Vulnerability identifiers, as every part reads them: feed parsers (which ids are CVEs), the
// matcher (which alias names the CVE), VEX and the ignore file (is this the same vulnerability).
#pragma once

#include <string_view>

namespace vigil {

// True for a CVE identifier: "CVE-", four digits, "-", four to nineteen digits (the syntax of the
// CVE JSON 5 schema and of the CISA KEV schema, ^CVE-[0-9]{4}-[0-9]{4,19}$). Case-sensitive.
bool IsCveId(std::string_view s);

// True when `id` starts with "CVE-" or "GHSA-" in any case.
bool IsCveOrGhsaId(std::string_view id);

// True if `a` and `b` name the same vulnerability: equal (and not empty), or equal ignoring ASCII
// case when both are CVE or GHSA ids (whose case carries no meaning).
bool SameVulnerabilityId(std::string_view a, std::string_view b);

}  // namespace vigil
