#include "report/report.h"

#include "common/strings.h"

namespace vigil::report {

Result<Format> ParseFormat(std::string_view name) {
  std::string n = AsciiLower(name);
  if (n == "table") return Format::kTable;
  if (n == "json") return Format::kJson;
  if (n == "sarif") return Format::kSarif;
  if (n == "cyclonedx" || n == "cdx") return Format::kCycloneDx;
  if (n == "markdown" || n == "md") return Format::kMarkdown;
  return InvalidArgument("unknown report format '" + std::string(name) +
                         "' (use table, json, sarif, cyclonedx or markdown)");
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
    case Format::kTable:
      break;
  }
  return WriteTable(in);
}

}  // namespace vigil::report
