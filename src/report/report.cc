#include "report/report.h"

#include "common/escape.h"
#include "common/strings.h"
#include "sbom/sbom.h"

namespace vigil::report {

Result<Format> ParseFormat(std::string_view name) {
  std::string n = AsciiLower(name);
  if (n == "table") return Format::kTable;
  if (n == "json") return Format::kJson;
  if (n == "sarif") return Format::kSarif;
  if (n == "cyclonedx" || n == "cyclonedx-json" || n == "cdx") return Format::kCycloneDx;
  if (n == "markdown" || n == "md") return Format::kMarkdown;
  if (n == "spdx" || n == "spdx-json") return Format::kSpdx;
  return InvalidArgument("unknown report format '" + EscapeControls(name) +
                         "' (use table, json, sarif, cyclonedx, markdown or spdx)");
}

std::string WriteSpdx(const ReportInput& in) {
  sbom::WriteOptions options;
  options.tool_version = in.tool_version;
  options.timestamp = in.timestamp;
  return sbom::WriteSpdx(*in.inventory, options);
}

std::string Write(Format format, const ReportInput& in) {
  switch (format) {
    case Format::kJson:
      return WriteJson(in);
    case Format::kSarif:
      return WriteSarif(in);
    case Format::kCycloneDx:
      return WriteCycloneDx(in);
    case Format::kMarkdown:
      return WriteMarkdown(in);
    case Format::kSpdx:
      return WriteSpdx(in);
    case Format::kTable:
      break;
  }
  return WriteTable(in);
}

}  // namespace vigil::report
