// Writing a scan out: a table for people (grouped by layer or by severity), vigil's JSON, SARIF
// 2.1.0 for code-scanning dashboards, CycloneDX 1.6 with `vulnerabilities`, a Markdown summary for
// pull requests, and the scanned inventory as SPDX 2.3. Formats and their fields: docs/SCAN.md.
// Text that came from the image, the SBOM or a feed is escaped for each output (common/escape.h):
// the table and SARIF text carry no control character, Markdown no markup; JSON data fields keep
// the full values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "catalog/inventory.h"
#include "common/status.h"
#include "match/scan.h"

namespace vigil::report {

enum class Format { kTable, kJson, kSarif, kCycloneDx, kMarkdown, kSpdx };

// "table", "json", "sarif", "cyclonedx" (or "cyclonedx-json", "cdx"), "markdown" (or "md"),
// "spdx" (or "spdx-json"), in any case; kInvalidArgument naming the accepted values otherwise.
Result<Format> ParseFormat(std::string_view name);

// The database a scan used, for the report's header.
struct DatabaseInfo {
  std::string path;
  std::string built_at;  // when the last import finished (RFC 3339), "" unknown
  uint64_t records = 0;  // advisory records stored (withdrawn ones included)
};

enum class GroupBy { kLayer, kSeverity };

struct ReportInput {
  const catalog::Inventory* inventory = nullptr;  // what was scanned (required)
  const match::ScanReport* scan = nullptr;        // its findings (required)
  DatabaseInfo db;
  std::string tool_version = "0.1.0";
  // RFC 3339 time for CycloneDX's metadata; "" = now, or $SOURCE_DATE_EPOCH when set.
  std::string timestamp;
  GroupBy group = GroupBy::kLayer;  // table only
  // Table only: the terminal's width in columns (0 = no limit: every value in full), and whether
  // severities and the verdict are coloured with ANSI escapes.
  size_t width = 0;
  bool color = false;
};

// Each returns the whole document.
std::string WriteTable(const ReportInput& in);
std::string WriteJson(const ReportInput& in);
std::string WriteSarif(const ReportInput& in);
std::string WriteCycloneDx(const ReportInput& in);
std::string WriteMarkdown(const ReportInput& in);
// The scanned inventory as SPDX 2.3 JSON (SPDX 2.3 has no vulnerability model: findings are not
// in it; the gate still applies).
std::string WriteSpdx(const ReportInput& in);
std::string Write(Format format, const ReportInput& in);

}  // namespace vigil::report
