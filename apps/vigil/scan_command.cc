// `vigil scan IMAGE | --sbom FILE`: inventory (or read) an image, match it against the advisory
// database, apply VEX and the ignore file, write the report, and gate on the policy.
// Exit codes: 0 the policy passed, 1 it failed, 2 an error (docs/SCAN.md).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <utility>

#include "cli.h"
#include "commands.h"
#include "common/diagnostic.h"
#include "common/escape.h"
#include "common/strings.h"
#include "common/time.h"
#include "image_input.h"
#include "match/scan_image.h"
#include "report/report.h"
#include "vulndb/sqlite_store.h"

namespace vigil::app {
namespace {

struct ScanFlags {
  std::string image;
  std::string sbom;
  std::string db;
  std::string format;
  std::string output;
  std::string group_by = "layer";
  std::string base;
  std::vector<std::string> vex;
  std::string ignore_file;
  std::string license_policy;
  std::string fail_on;
  std::vector<std::string> severities;
  std::string unknown_severity = "fail";
  std::string color = "auto";
  bool only_fixed = false;
  bool fail_on_kev = false;
  bool exclude_base = false;
  ImageFlags image_flags;
  bool quiet = false;
  bool verbose = false;
};

constexpr const char* kCmd = "vigil scan: ";

// Messages quote file names and text from images and SBOMs: escaped for the terminal.
int Fail(const std::string& message) {
  std::cerr << kCmd << EscapeControls(message) << "\n";
  return kExitError;
}

// Prints diagnostics: errors always, warnings unless `quiet`. A snippet keeps its own line.
void Print(const std::vector<Diagnostic>& diagnostics, bool quiet) {
  for (const Diagnostic& d : diagnostics) {
    if (d.severity != Diagnostic::Severity::kError && quiet) continue;
    Diagnostic safe = d;
    safe.snippet.clear();
    std::cerr << kCmd << EscapeControls(safe.ToString()) << "\n";
    if (!d.snippet.empty()) std::cerr << "  " << EscapeControls(d.snippet) << "\n";
  }
}

// "fail", "ignore", or a rating: what an UNKNOWN-rated finding counts as for --fail-on.
Result<vulndb::Rating> ParseUnknownSeverity(const std::string& text) {
  if (text == "fail") return vulndb::Rating::kCritical;
  if (text == "ignore") return vulndb::Rating::kUnknown;
  auto r = match::ParseSeverityFlag(text);
  if (!r.ok() || *r == vulndb::Rating::kUnknown) {
    return InvalidArgument("--unknown-severity must be fail, ignore, critical, high, medium, low or negligible, not '" +
                           text + "'");
  }
  return *r;
}

int RunScan(const ScanFlags& f) {
  if (f.image.empty() == f.sbom.empty()) return Fail("give either an IMAGE or --sbom FILE");
  if (Status st = CheckOutputPath(f.output); !st.ok()) return Fail(st.error().message());
  auto format = report::ParseFormat(
      !f.format.empty() ? f.format : ((f.output.empty() && isatty(STDOUT_FILENO)) ? "table" : "json"));
  if (!format.ok()) return Fail(format.error().ToString());
  if (f.group_by != "layer" && f.group_by != "severity") {
    return Fail("--group-by must be layer or severity, not '" + f.group_by + "'");
  }
  match::ScanRequest req;
  req.image = f.image;
  req.sbom_path = f.sbom;
  req.base = f.base;
  req.platform = f.image_flags.platform;
  req.analyze = AnalyzeOptionsFrom(f.image_flags, f.quiet);
  match::ScanOptions& options = req.options;
  options.match.include_unfixed = !f.only_fixed;
  options.policy.fail_on_kev = f.fail_on_kev;
  options.policy.exclude_base = f.exclude_base;
  options.policy.accept_incomplete = f.image_flags.accept_incomplete;
  if (!f.fail_on.empty()) {
    auto rating = match::ParseSeverityFlag(f.fail_on);
    if (!rating.ok()) return Fail("--fail-on: " + rating.error().message());
    options.policy.fail_on = *rating;
  }
  auto unknown_as = ParseUnknownSeverity(AsciiLower(f.unknown_severity));
  if (!unknown_as.ok()) return Fail(unknown_as.error().message());
  options.policy.unknown_as = *unknown_as;
  for (const std::string& name : f.severities) {
    auto rating = match::ParseSeverityFlag(name);
    if (!rating.ok()) return Fail("--severity: " + rating.error().message());
    options.severities.push_back(*rating);
  }

  // User inputs first: a mistake in them should not cost a whole image analysis.
  std::vector<Diagnostic> diagnostics;
  for (const std::string& path : f.vex) {
    auto doc = match::LoadVexFile(path, &diagnostics);
    Print(std::exchange(diagnostics, {}), f.quiet);
    if (!doc.ok())
      return Fail(doc.error().code() == ErrorCode::kInvalidArgument ? doc.error().message() : doc.error().ToString());
    options.vex.push_back(std::move(*doc));
  }
  std::string ignore_path = f.ignore_file;
  if (ignore_path.empty() && std::filesystem::exists(".vigilignore.yaml")) ignore_path = ".vigilignore.yaml";
  if (!ignore_path.empty()) {
    const char* today = std::getenv("VIGIL_TODAY");  // tests pin the date entries expire against
    auto file = match::LoadIgnoreFile(ignore_path, today && *today ? today : TodayUtc(), &diagnostics);
    Print(std::exchange(diagnostics, {}), f.quiet);
    if (!file.ok())
      return Fail(file.error().code() == ErrorCode::kInvalidArgument ? file.error().message()
                                                                     : file.error().ToString());
    options.ignore = std::move(*file);
  }

  if (!f.license_policy.empty()) {
    auto policy = match::LoadLicensePolicy(f.license_policy, &diagnostics);
    Print(std::exchange(diagnostics, {}), f.quiet);
    if (!policy.ok()) {
      return Fail(policy.error().code() == ErrorCode::kInvalidArgument ? policy.error().message()
                                                                       : policy.error().ToString());
    }
    options.license_policy = std::move(*policy);
  }

  auto db = match::OpenDatabase(!f.db.empty() ? f.db : vulndb::DefaultDbDir());
  if (!db.ok()) {
    return Fail(db.error().code() == ErrorCode::kNotFound ? db.error().message() : db.error().ToString());
  }
  req.store = db->store.get();
  auto scan = match::ScanImage(req);
  EndProgress(req.analyze);
  if (!scan.ok()) return Fail(scan.error().ToString());

  auto start = std::chrono::steady_clock::now();
  report::ReportInput in;
  in.inventory = &scan->inventory;
  in.scan = &scan->report;
  in.db.path = db->path;
  in.db.built_at = db->built_at;
  in.db.records = db->records;
  in.group = f.group_by == "severity" ? report::GroupBy::kSeverity : report::GroupBy::kLayer;
  in.tool_version = kVersion;
  if (f.output.empty() || f.output == "-") {
    in.width = OutputWidth(STDOUT_FILENO);
    in.color = WantColor(AsciiLower(f.color), STDOUT_FILENO);
  } else {
    in.color = AsciiLower(f.color) == "always";
  }
  if (Status st = WriteOutput(f.output, report::Write(*format, in)); !st.ok()) return Fail(st.error().ToString());
  scan->phases.emplace_back("report", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (f.verbose) {
    const match::MatchStats& st = scan->report.stats;
    std::cerr << kCmd << scan->inventory.packages.size() << " packages: " << st.packages_matched << " looked up, "
              << st.skipped_owned << " owned by an OS package, " << st.skipped_os << " OS packages of an unsupported "
              << "distribution, " << st.skipped_type << " of types no ecosystem covers; " << st.invalid_versions
              << " invalid versions, " << st.unevaluable_entries << " unevaluable entries, " << st.not_affected_entries
              << " entries stating not affected\n";
    std::cerr << kCmd << "index: " << scan->index_advisories << " advisories, " << scan->index_entries
              << " entries loaded for " << scan->index_scopes << " ecosystems and " << scan->index_names << " names\n";
    std::string line;
    for (const auto& [name, s] : scan->phases) {
      line += (line.empty() ? "" : ", ") + name + " " + std::to_string(static_cast<int>(s * 1000)) + " ms";
    }
    std::cerr << kCmd << "time: " << line << "\n";
  }
  // Warnings in every format: the table's footer only counts what could not be checked.
  if (!f.quiet) {
    for (const auto* list : {&scan->inventory.warnings, &scan->report.stats.warnings, &scan->report.warnings,
                             &scan->report.stats.unchecked_reasons}) {
      for (const std::string& w : *list) PrintWarning(kCmd, w);
    }
  }
  // An inventory with unread files is an error, not a policy verdict: the answer is unknown.
  if (!CheckComplete(scan->inventory, f.image_flags, kCmd, f.quiet)) return kExitError;
  if (scan->report.policy.failed) {
    if (!f.quiet) {
      for (const std::string& r : scan->report.policy.reasons) {
        std::cerr << kCmd << "policy failed: " << EscapeControls(r) << "\n";
      }
    }
    return kExitPolicy;
  }
  return kExitOk;
}

}  // namespace

void AddScanCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ScanFlags>();
  CLI::App* cmd = app.add_subcommand(
      "scan", "Find the known vulnerabilities of an image (or an SBOM), layer by layer; exit 1 when --fail-on* trips");
  cmd->add_option("image", f->image,
                  "Image: docker-archive or OCI archive (.tar), OCI layout folder, or root folder; prefixes "
                  "docker-archive:, oci-archive:, oci:, dir: force the form");
  cmd->add_option(
      "--sbom", f->sbom,
      "Scan this SBOM (CycloneDX 1.2-1.6 JSON, SPDX 2.2/2.3 JSON, or vigil sbom -f json) instead of an image");
  cmd->add_option("--db", f->db, "Database folder (default: $VIGIL_DB, else $XDG_DATA_HOME/vigil/db)")
      ->envname("VIGIL_DB");
  cmd->add_option("-f,--format", f->format,
                  "table, json, sarif, cyclonedx (cyclonedx-json), markdown, or spdx (spdx-json: the SBOM only); "
                  "default: table on a terminal, else json")
      ->check(CLI::IsMember(FormatNames(), CLI::ignore_case));
  cmd->add_option("-o,--output", f->output, "Write to this file instead of standard output (-f picks the format)");
  cmd->add_option("--group-by", f->group_by, "Table grouping: layer (default) or severity")
      ->check(CLI::IsMember({"layer", "severity"}));
  cmd->add_option("--base", f->base, "The base image (any image form); its layers' findings are marked as base");
  cmd->add_option("--vex", f->vex, "OpenVEX, CycloneDX VEX or CSAF VEX file (repeatable)");
  cmd->add_option("--ignore-file", f->ignore_file, "Ignore file (default: ./.vigilignore.yaml when present)");
  cmd->add_option("--license-policy", f->license_policy,
                  "License policy (YAML: allow, deny, deny_categories, unknown, exceptions; docs/LICENSES.md): "
                  "components it denies are reported and exit 1");
  cmd->add_option("--fail-on", f->fail_on,
                  "Exit 1 when an unsuppressed finding rates at least this: critical, high, medium, low, "
                  "negligible, unknown (findings of unknown severity count as --unknown-severity says)")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "negligible", "unknown"}, CLI::ignore_case));
  cmd->add_option("--unknown-severity", f->unknown_severity,
                  "How a finding no source rated counts for --fail-on: fail (default: it fails any level), ignore "
                  "(only --fail-on unknown catches it), or a level it counts as (critical ... negligible)")
      ->check(CLI::IsMember({"fail", "ignore", "critical", "high", "medium", "low", "negligible"}, CLI::ignore_case))
      ->default_str("fail");
  cmd->add_option("--severity", f->severities,
                  "Only these severities, comma-separated (UNKNOWN,NEGLIGIBLE,LOW,MEDIUM,HIGH,CRITICAL): the others "
                  "are left out of the report and the gate (counted in the summary)")
      ->delimiter(',')
      ->check(CLI::IsMember({"unknown", "negligible", "low", "medium", "high", "critical"}, CLI::ignore_case));
  cmd->add_flag("--only-fixed,--ignore-unfixed", f->only_fixed,
                "Report only vulnerabilities that have a fixed version (--ignore-unfixed: Trivy's name)");
  cmd->add_flag("--fail-on-kev", f->fail_on_kev, "Exit 1 when an unsuppressed finding is in CISA KEV");
  cmd->add_flag("--exclude-base", f->exclude_base, "Leave base-image findings out of the report and the gate");
  AddImageFlags(cmd, &f->image_flags);
  AddColorOption(cmd, &f->color);
  cmd->add_flag("-q,--quiet", f->quiet, "No progress, warnings or policy messages on standard error");
  cmd->add_flag("-v,--verbose", f->verbose, "Print what was matched and skipped, and where the time went");
  cmd->callback([f, exit_code]() { *exit_code = RunScan(*f); });
}

}  // namespace vigil::app
