#include "cli.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "common/escape.h"
#include "common/strings.h"

namespace vigil::app {

const std::vector<std::string>& FormatNames() {
  static const std::vector<std::string> kNames = {"table", "json",      "sarif",    "cyclonedx", "cyclonedx-json",
                                                  "spdx",  "spdx-json", "markdown", "cdx",       "md"};
  return kNames;
}

Status CheckOutputPath(const std::string& output) {
  std::string lower = AsciiLower(output);
  const auto& names = FormatNames();
  if (std::find(names.begin(), names.end(), lower) == names.end()) return OkStatus();
  return InvalidArgument("-o " + output + ": '" + output +
                         "' is a format name, and -o names the output file (as in Trivy); use -f " + lower +
                         " to choose the format, or -o ./" + output + " to write a file of that name");
}

void AddColorOption(CLI::App* cmd, std::string* value) {
  cmd->add_option("--color", *value,
                  "Colour severities in the table: auto (on a terminal, unless $NO_COLOR is set), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}, CLI::ignore_case))
      ->default_str("auto");
}

bool WantColor(const std::string& mode, int fd) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  return isatty(fd) != 0;
}

size_t OutputWidth(int fd) {
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    uint64_t n = 0;
    if (ParseDecimal(columns, 100000, &n) && n >= 40) return static_cast<size_t>(n);
  }
  if (isatty(fd) == 0) return 0;
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
  return 0;
}

void PrintWarning(std::string_view prefix, std::string_view text) {
  std::cerr << prefix << "warning: " << EscapeControls(text) << "\n";
}

namespace {

std::string EnvName(const std::string& long_name) {
  std::string env = "VIGIL_";
  for (char c : long_name) env += c == '-' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return env;
}

void NameOptions(CLI::App* cmd, bool only_db) {
  for (CLI::Option* opt : cmd->get_options()) {
    if (opt->get_positional() || opt == cmd->get_help_ptr() || opt->get_lnames().empty()) continue;
    if (!opt->get_envname().empty()) continue;
    const std::string& name = opt->get_lnames().front();
    if (only_db ? name != "db" : (name == "sbom" || name == "base" || name == "output" || name == "help-all")) continue;
    opt->envname(EnvName(name));
  }
}

}  // namespace

void AddEnvironmentNames(CLI::App& app) {
  for (const char* name : {"scan", "sbom"}) NameOptions(app.get_subcommand(name), false);
  NameOptions(app.get_subcommand("db"), true);
}

}  // namespace vigil::app
