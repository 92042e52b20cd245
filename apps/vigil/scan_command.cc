// `vigil scan IMAGE | --sbom FILE`: inventory (or read) an image, match it against the advisory
// database, apply VEX and the ignore file, write the report, and gate on the policy.
// Exit codes: 0 the policy passed, 1 it failed, 2 an error (docs/SCAN.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "catalog/analyzer.h"
#include "commands.h"
#include "image_input.h"
#include "common/file.h"
#include "image/image.h"
#include "match/base_image.h"
#include "match/ignore.h"
#include "match/matcher.h"
#include "match/scan.h"
#include "match/vex.h"
#include "report/report.h"
#include "sbom/reader.h"
#include "vulndb/index.h"
#include "vulndb/store.h"

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
  std::string fail_on;
  bool only_fixed = false;
  bool fail_on_kev = false;
  bool exclude_base = false;
  ImageFlags image_flags;
  bool quiet = false;
  bool verbose = false;
};

constexpr const char* kCmd = "vigil scan: ";

int Fail(const std::string& message) {
  std::cerr << kCmd << message << "\n";
  return kExitError;
}

std::string Today() {
  if (const char* t = std::getenv("VIGIL_TODAY"); t && *t) return t;
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Prints diagnostics; true when one of them is an error.
bool Report(const std::vector<match::Diagnostic>& diagnostics, bool quiet) {
  bool errors = false;
  for (const match::Diagnostic& d : diagnostics) {
    bool error = d.severity == match::Diagnostic::Severity::kError;
    errors = errors || error;
    if (error || !quiet) std::cerr << kCmd << d.ToString() << "\n";
  }
  return errors;
}

Result<catalog::Inventory> Inventory(const ScanFlags& f) {
  if (!f.sbom.empty()) {
    VIGIL_ASSIGN_OR_RETURN(std::string text, ReadFile(f.sbom, sbom::ReadLimits{}.max_bytes));
    return sbom::ReadSbom(text, f.sbom);
  }
  return AnalyzeImage(f.image, f.image_flags, f.quiet);
}

// Phase timings for --verbose.
class Phases {
 public:
  void Mark(const char* name) {
    auto now = std::chrono::steady_clock::now();
    marks_.emplace_back(name, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }
  std::string Line() const {
    std::string out;
    for (const auto& [name, s] : marks_) out += (out.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(static_cast<int>(s * 1000)) + " ms";
    return out;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::vector<std::pair<const char*, double>> marks_;
};

int RunScan(const ScanFlags& f) {
  Phases phases;
  if (f.image.empty() == f.sbom.empty()) return Fail("give either an IMAGE or --sbom FILE");
  auto format = report::ParseFormat(
      !f.format.empty() ? f.format : ((f.output.empty() && isatty(STDOUT_FILENO)) ? "table" : "json"));
  if (!format.ok()) return Fail(format.error().ToString());
  if (f.group_by != "layer" && f.group_by != "severity") {
    return Fail("--group-by must be layer or severity, not '" + f.group_by + "'");
  }
  match::ScanOptions options;
  options.match.include_unfixed = !f.only_fixed;
  options.policy.fail_on_kev = f.fail_on_kev;
  options.policy.exclude_base = f.exclude_base;
  if (!f.fail_on.empty()) {
    auto rating = match::ParseSeverityFlag(f.fail_on);
    if (!rating.ok()) return Fail("--fail-on: " + rating.error().message());
    options.policy.fail_on = *rating;
  }

  // User inputs first: a mistake in them should not cost a whole image analysis.
  for (const std::string& path : f.vex) {
    auto text = ReadFile(path, match::kMaxVexBytes);
    if (!text.ok()) return Fail("--vex " + text.error().ToString());
    auto doc = match::ParseVex(*text, path);
    if (!doc.ok()) return Fail(doc.error().ToString());
    if (Report(doc->diagnostics, f.quiet)) return Fail(path + ": not used, it has errors (above)");
    options.vex.push_back(std::move(*doc));
  }
  std::string ignore_path = f.ignore_file;
  if (ignore_path.empty() && std::filesystem::exists(".vigilignore.yaml")) ignore_path = ".vigilignore.yaml";
  if (!ignore_path.empty()) {
    auto text = ReadFile(ignore_path, match::kMaxIgnoreFileBytes);
    if (!text.ok()) return Fail("ignore file: " + text.error().ToString());
    auto file = match::ParseIgnoreFile(*text, ignore_path, Today());
    if (!file.ok()) return Fail(file.error().ToString());
    if (Report(file->diagnostics, f.quiet)) return Fail(ignore_path + ": not used, it has errors (above)");
    options.ignore = std::move(*file);
  }

  std::string db_dir = !f.db.empty() ? f.db : vulndb::DefaultDbDir();
  auto store = vulndb::Store::Open(db_dir, vulndb::Store::Mode::kReadOnly);
  if (!store.ok()) {
    if (store.error().code() == ErrorCode::kNotFound) {
      return Fail("no vulnerability database at " + db_dir +
                  ": run `vigil db update` (or `vigil db import FILES`) first, or give --db DIR");
    }
    return Fail(store.error().ToString());
  }
  auto status = (*store)->GetSummary();
  if (!status.ok()) return Fail(status.error().ToString());
  if (status->empty) {
    return Fail("the vulnerability database at " + db_dir +
                " holds no advisories: run `vigil db update` (or `vigil db import FILES`) first");
  }

  phases.Mark("inputs and database");
  auto inventory = Inventory(f);
  phases.Mark(f.sbom.empty() ? "image analysis" : "SBOM read");
  if (!inventory.ok()) return Fail((f.sbom.empty() ? f.image : f.sbom) + ": " + inventory.error().ToString());

  if (!f.base.empty()) {
    if (!f.sbom.empty() && inventory->layers.empty()) return Fail("--base needs layer digests, and this SBOM has none");
    auto base = image::Image::Open(f.base, image::OpenOptions{f.image_flags.platform});
    if (!base.ok()) return Fail("--base " + f.base + ": " + base.error().ToString());
    std::vector<std::string> image_ids, base_ids;
    for (const auto& l : inventory->layers) image_ids.push_back(l.layer.diff_id);
    for (const auto& l : (*base)->info().layers) base_ids.push_back(l.diff_id);
    auto b = match::BaseFromImage(image_ids, base_ids, f.base);
    if (!b.ok()) return Fail("--base: " + b.error().message());
    options.base = std::move(*b);
  } else {
    options.base = match::InferBaseImage(inventory->image);
  }

  match::IndexNeeds needs = match::NeedsOf(*inventory);
  std::unique_ptr<vulndb::Index> index;
  if (needs.scopes.empty()) {
    index = vulndb::Index::Build({});
  } else {
    auto loaded = vulndb::Index::Load(**store, needs.scopes, needs.names);
    if (!loaded.ok()) return Fail(loaded.error().ToString());
    index = std::move(*loaded);
  }
  phases.Mark("index load");
  auto scan = match::Scan(*inventory, *index, store->get(), options);
  if (!scan.ok()) return Fail(scan.error().ToString());
  phases.Mark("match");

  report::ReportInput in;
  in.inventory = &*inventory;
  in.scan = &*scan;
  in.db.path = (*store)->path();
  in.db.built_at = status->built_at;
  in.db.records = status->records;
  in.group = f.group_by == "severity" ? report::GroupBy::kSeverity : report::GroupBy::kLayer;
  std::string doc = report::Write(*format, in);
  if (Status st = WriteOutput(f.output, doc); !st.ok()) return Fail(st.error().ToString());
  phases.Mark("report");
  if (f.verbose) {
    const match::MatchStats& st = scan->stats;
    std::cerr << kCmd << inventory->packages.size() << " packages: " << st.packages_matched << " looked up, "
              << st.skipped_owned << " owned by an OS package, " << st.skipped_os << " OS packages of an unsupported "
              << "distribution, " << st.skipped_type << " of types no ecosystem covers; " << st.invalid_versions
              << " invalid versions, " << st.unevaluable_entries << " unevaluable entries, " << st.not_affected_entries
              << " entries stating not affected\n";
    std::cerr << kCmd << "index: " << index->stats().advisories << " advisories, " << index->stats().entries
              << " entries loaded for " << needs.scopes.size() << " ecosystems and " << needs.names.size() << " names\n";
    std::cerr << kCmd << "time: " << phases.Line() << "\n";
  }
  if (!f.quiet && *format != report::Format::kTable) {
    for (const auto* list : {&inventory->warnings, &scan->stats.warnings, &scan->warnings}) {
      for (const std::string& w : *list) std::cerr << kCmd << "warning: " << w << "\n";
    }
  }
  if (scan->policy.failed) {
    if (!f.quiet) {
      for (const std::string& r : scan->policy.reasons) std::cerr << kCmd << "policy failed: " << r << "\n";
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
  cmd->add_option("--sbom", f->sbom, "Scan this SBOM (CycloneDX 1.2-1.6 or SPDX 2.2/2.3 JSON) instead of an image");
  cmd->add_option("--db", f->db, "Database folder (default: $VIGIL_DB, else $XDG_DATA_HOME/vigil/db)")
      ->envname("VIGIL_DB");
  cmd->add_option("-f,--format", f->format,
                  "table, json, sarif, cyclonedx or markdown; default: table on a terminal, else json");
  cmd->add_option("-o,--output", f->output, "Write to this file instead of standard output");
  cmd->add_option("--group-by", f->group_by, "Table grouping: layer (default) or severity");
  cmd->add_option("--base", f->base, "The base image (any image form); its layers' findings are marked as base");
  cmd->add_option("--vex", f->vex, "OpenVEX, CycloneDX VEX or CSAF VEX file (repeatable)");
  cmd->add_option("--ignore-file", f->ignore_file, "Ignore file (default: ./.vigilignore.yaml when present)");
  cmd->add_option("--fail-on", f->fail_on,
                  "Exit 1 when an unsuppressed finding rates at least this: critical, high, medium, low, "
                  "negligible, unknown");
  cmd->add_flag("--only-fixed", f->only_fixed, "Report only vulnerabilities that have a fixed version");
  cmd->add_flag("--fail-on-kev", f->fail_on_kev, "Exit 1 when an unsuppressed finding is in CISA KEV");
  cmd->add_flag("--exclude-base", f->exclude_base, "Leave base-image findings out of the report and the gate");
  AddImageFlags(cmd, &f->image_flags);
  cmd->add_flag("-q,--quiet", f->quiet, "No progress, warnings or policy messages on standard error");
  cmd->add_flag("-v,--verbose", f->verbose, "Print what was matched and skipped, and where the time went");
  cmd->callback([f, exit_code]() { *exit_code = RunScan(*f); });
}

}  // namespace vigil::app
