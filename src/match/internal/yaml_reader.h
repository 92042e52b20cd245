// For the readers of user-written YAML in this part (ignore.cc, license_policy.cc): mistakes as
// Diagnostics located "<what>:<line>:<col>", collected, and the name of a node's kind for messages.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/diagnostic.h"
#include "common/yaml_node.h"

namespace vigil::match {

class YamlReader {
 public:
  explicit YamlReader(std::string_view what) : what_(what) {}

  std::string Location(const YAML::Node& node) const { return Location(node.Mark()); }
  std::string Location(const YAML::Mark& m) const { return YamlLocation(what_, m); }
  void Error(const YAML::Mark& m, std::string message) { Add(Diagnostic::Severity::kError, m, std::move(message)); }
  void Warning(const YAML::Mark& m, std::string message) { Add(Diagnostic::Severity::kWarning, m, std::move(message)); }
  size_t error_count() const { return diagnostics_.error_count(); }
  std::vector<Diagnostic> TakeDiagnostics() { return diagnostics_.Take(); }

 private:
  void Add(Diagnostic::Severity severity, const YAML::Mark& m, std::string message) {
    Diagnostic d{severity, Location(m), std::move(message)};
    d.file = std::string(what_);
    if (m.line >= 0) {
      d.line = m.line + 1;
      d.column = m.column + 1;
    }
    diagnostics_.Add(std::move(d));
  }

  std::string_view what_;
  Diagnostics diagnostics_;
};

// "a list", "a mapping", "nothing" or "a scalar", for "… must be X, found Y" messages.
inline std::string_view NodeKind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "a scalar";
  }
}

}  // namespace vigil::match
