// Diagnostics: mistakes and oddities found in input that a person wrote (VEX documents, the
// ignore file, and next rules, policies and manifests). A reader collects every diagnostic of a
// document in one pass and returns them with what it could read; it never throws one, and an
// Error (common/status.h) is kept for a document that cannot be read at all (docs/ERRORS.md).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace vigil {

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  // Where, as the user reads it: "<file>:<line>:<col>" (1-based) for text formats such as YAML,
  // "<file>:<json path>" for JSON ("vex.json:statements[3].status"), "<file>" when nothing finer
  // is known.
  std::string location;
  // What is wrong, with the offending value quoted when there is one.
  std::string message;
  // A stable identifier of the kind of mistake ("vex.unknown-status"), "" when the reader gives
  // none; for tools that filter or count diagnostics.
  std::string code;
  // The position again, taken apart where the reader knows it: the file, and 1-based line and
  // column (0 = unknown).
  std::string file;
  int line = 0;
  int column = 0;
  // The offending line or value, clipped, "" when none is given.
  std::string snippet;

  // "<location>: error|warning: <message>", then "\n  <snippet>" when there is a snippet.
  std::string ToString() const;
  // One JSON object: {"severity","location","message"} and "code", "file", "line", "column",
  // "snippet" when set.
  std::string ToJson() const;
};

// "error" or "warning".
const char* SeverityName(Diagnostic::Severity severity);

// True if `diagnostics` holds at least one of severity kError.
bool HasErrors(const std::vector<Diagnostic>& diagnostics);

// The number of kError diagnostics in `diagnostics`.
size_t ErrorCount(const std::vector<Diagnostic>& diagnostics);

// A JSON array of Diagnostic::ToJson objects.
std::string DiagnosticsToJson(const std::vector<Diagnostic>& diagnostics);

// "<file>:<line>:<col>", or "<file>" when `line` is 0.
std::string FileLocation(const std::string& file, int line, int column);

// The collector a reader fills while it goes through one document.
class Diagnostics {
 public:
  void Add(Diagnostic d) { list_.push_back(std::move(d)); }
  void Error(std::string location, std::string message) {
    list_.push_back({Diagnostic::Severity::kError, std::move(location), std::move(message)});
  }
  void Warning(std::string location, std::string message) {
    list_.push_back({Diagnostic::Severity::kWarning, std::move(location), std::move(message)});
  }
  size_t error_count() const { return ErrorCount(list_); }
  const std::vector<Diagnostic>& list() const { return list_; }
  // Hands the diagnostics over; the collector is empty afterwards.
  std::vector<Diagnostic> Take() { return std::exchange(list_, {}); }

 private:
  std::vector<Diagnostic> list_;
};

}  // namespace vigil
