// CVSS vector strings: validation, base scores and qualitative severities for CVSS v2.0, v3.0,
// v3.1 and v4.0, as advisories carry them (OSV `severity[].score`, NVD, GHSA, CSAF, npm).
//
//   Result<CvssScore> s = ScoreCvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
//   s->base_score == 9.8, s->severity == "CRITICAL"
//
// Formulas and tables follow FIRST's specifications (first.org/cvss: the v2 guide, the v3.0 and
// v3.1 specification documents, the v4.0 specification document and FIRST's v4.0 calculator),
// with the floating-point arithmetic done in the same order as FIRST's reference calculators so
// that every score equals theirs. tests/vulndb/cvss_oracle_test.cc checks that against two npm
// implementations over every vector in shared/data and every base vector of each version;
// docs/CVSS.md records the decisions below and the results.
//
// Accepted syntax (anything else is kInvalidArgument, with the offending metric and its byte
// offset in the message):
//   v4.0  "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N[/E:A/CR:H/.../U:Red]"
//   v3.x  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H[/E:P/RL:O/.../MA:H]", same for "CVSS:3.0/"
//   v2.0  "AV:N/AC:L/Au:N/C:P/I:P/A:P[/E:F/RL:OF/RC:C][/CDP:N/TD:N/CR:M/IR:M/AR:M]", optionally
//         inside "(" and ")" as NVD prints it; v2 has no "CVSS:" prefix.
// Every base metric exactly once; threat/temporal, environmental and supplemental metrics at most
// once each, with the values their specification lists (names and values are case-sensitive).
// Order and grouping as each specification says: v3.x metrics in any order ("programs reading
// CVSS v3.1 vector strings must accept metrics in any order"), v4.0 and v2 metrics in the order
// of the specification's table ("every other ordering is invalid"; "a predetermined order"); v2
// temporal and environmental metrics come as whole groups (ND where not defined), v3/v4 optional
// metrics one by one. No empty parts, white space or control characters; at most
// kMaxCvssVectorLength bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil::vulndb {

enum class CvssVersion { kV2, kV30, kV31, kV40 };

// "2.0", "3.0", "3.1", "4.0".
std::string_view CvssVersionName(CvssVersion version);

// Longer strings are refused without being parsed: the longest valid v4.0 vector (every metric,
// "U:Amber") has 178 bytes.
inline constexpr size_t kMaxCvssVectorLength = 512;

// The scores of one vector. Scores have one decimal (x == std::round(x * 10) / 10), 0.0 to 10.0.
struct CvssScore {
  CvssVersion version = CvssVersion::kV31;
  // The base score: the base metrics alone. For v4.0 this is CVSS-B, the score of the vector
  // with its threat and environmental metrics dropped (E and CR/IR/AR taken at their worst case,
  // as the specification does when they are not defined). v3.x temporal/environmental and v2
  // temporal/environmental metrics are validated and do not change it.
  double base_score = 0;
  // SeverityFromScore(version, base_score).
  std::string severity;
  // The score of the whole vector as FIRST's calculator shows it. v4.0: one formula covers the
  // threat and environmental metrics too (CVSS-BT, -BE, -BTE; nomenclature says which); this is
  // what FIRST's calculator and the npm reference packages compute for such a vector. v2/v3: equal to
  // base_score (their temporal and environmental scores are separate figures vigil does not
  // compute).
  double score = 0;
  // SeverityFromScore(version, score).
  std::string score_severity;
  // v4.0: "CVSS-B", "CVSS-BT", "CVSS-BE" or "CVSS-BTE" (which metric groups define a value other
  // than X; supplemental metrics never count). v2/v3: "".
  std::string nomenclature;
  // The vector in canonical form: the prefix ("CVSS:3.1/", none for v2, no parentheses), the
  // base metrics, then every other metric whose value is not "Not Defined" (X; v2 keeps its ND
  // values, since its groups are whole), all in the order of the specification's table.
  // ScoreCvss accepts it and gives it the same scores.
  std::string vector;
};

// Parses `vector` (version from its prefix, see the top of this file) and scores it.
// Errors (all kInvalidArgument; the message starts "invalid CVSS vector: " or, once the version
// is known, "invalid CVSS v3.1 vector: "): empty input; longer than kMaxCvssVectorLength; a
// character that is white space, a control character or not ASCII; a "cvss:" prefix in lower
// case; an unknown "CVSS:x.y" version; an empty part (e.g. a trailing '/'); a part that is not NAME:VALUE; an
// unknown metric; a metric given twice; a value the metric does not have; a missing base metric; a metric out
// of order (v2, v4.0); an incomplete v2 temporal or environmental group; unbalanced parentheses around a v2
// vector. Pure function, thread-safe.
Result<CvssScore> ScoreCvss(std::string_view vector);

// The qualitative severity of `score` (which should have one decimal).
//   v3.0, v3.1, v4.0 (FIRST): "NONE" 0.0, "LOW" 0.1-3.9, "MEDIUM" 4.0-6.9, "HIGH" 7.0-8.9,
//                             "CRITICAL" 9.0-10.0.
//   v2.0 (NVD; the v2 guide defines none): "LOW" 0.0-3.9, "MEDIUM" 4.0-6.9, "HIGH" 7.0-10.0.
// Boundaries are "< 4.0" and so on, so 3.95 is LOW. Returns "" for a score outside 0-10 or NaN.
std::string_view SeverityFromScore(CvssVersion version, double score);

}  // namespace vigil::vulndb
