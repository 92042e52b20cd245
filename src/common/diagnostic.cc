#include "common/diagnostic.h"

#include <algorithm>

#include "common/json.h"

namespace vigil {

const char* SeverityName(Diagnostic::Severity severity) {
  return severity == Diagnostic::Severity::kError ? "error" : "warning";
}

std::string Diagnostic::ToString() const {
  std::string out = location + ": " + SeverityName(severity) + ": " + message;
  if (!snippet.empty()) out += "\n  " + snippet;
  return out;
}

namespace {

nlohmann::json AsJson(const Diagnostic& d) {
  nlohmann::json j = {{"severity", SeverityName(d.severity)}, {"location", d.location}, {"message", d.message}};
  if (!d.code.empty()) j["code"] = d.code;
  if (!d.file.empty()) j["file"] = d.file;
  if (d.line > 0) j["line"] = d.line;
  if (d.column > 0) j["column"] = d.column;
  if (!d.snippet.empty()) j["snippet"] = d.snippet;
  return j;
}

}  // namespace

std::string Diagnostic::ToJson() const {
  return AsJson(*this).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) { return ErrorCount(diagnostics) > 0; }

size_t ErrorCount(const std::vector<Diagnostic>& diagnostics) {
  return static_cast<size_t>(std::count_if(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  }));
}

std::string DiagnosticsToJson(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json a = nlohmann::json::array();
  for (const Diagnostic& d : diagnostics) a.push_back(AsJson(d));
  return a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string FileLocation(const std::string& file, int line, int column) {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace vigil
