// `vigil db ...`: build, update and inspect the vulnerability database.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "common/escape.h"
#include "vulndb/importer.h"
#include "vulndb/lookup.h"
#include "vulndb/sqlite_store.h"
#include "vulndb/store.h"
#include "vulndb/update.h"

namespace vigil::app {
namespace {

struct DbFlags {
  std::string db;      // --db given before the subcommand (vigil db --db DIR import ...)
  std::string sub_db;  // --db given after it (vigil db import --db DIR ...): wins
  double lock_timeout = 30;
  std::vector<std::string> paths;
  std::string format;
  size_t show_problems = 20;
  int level = 6;
  std::string id;
  std::string ecosystem;
  std::string package;
  std::string version;
  int64_t since = 0;
  size_t limit = 1000;
  // update
  std::vector<std::string> sources;
  std::vector<std::string> ecosystems;
  std::string ca_file;
  bool allow_http = false;
};

// --db (after the subcommand, else before it), else VIGIL_DB, else the user's data folder.
std::string DbDir(const DbFlags& f) {
  if (!f.sub_db.empty()) return f.sub_db;
  if (!f.db.empty()) return f.db;
  if (const char* env = std::getenv("VIGIL_DB"); env && *env) return env;
  return vulndb::DefaultDbDir();
}

// The store for writing: waits for another writer as long as --lock-timeout says, telling
// stderr once for whom it waits.
Result<std::unique_ptr<vulndb::Store>> OpenForWriting(const DbFlags& f, std::string_view cmd) {
  vulndb::SqliteOptions opts;
  opts.lock_timeout = std::chrono::milliseconds(static_cast<int64_t>(f.lock_timeout * 1000));
  opts.on_wait = [](const std::string& line) { std::cerr << "vigil: " << line << "\n"; };
  opts.holder = "vigil db " + std::string(cmd);
  return vulndb::SqliteStore::Open(DbDir(f), vulndb::Store::Mode::kReadWrite, opts);
}

// A one-line progress display on stderr, only when stderr is a terminal; redrawn at most ten
// times a second and erased by Done().
class Progress {
 public:
  Progress() : tty_(::isatty(STDERR_FILENO) == 1) {}
  bool enabled() const { return tty_; }
  void Show(const std::string& line) {
    if (!tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  }
  void Done() {
    if (tty_ && shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }
  ~Progress() { Done(); }

 private:
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_;
};

std::string ImportLine(const vulndb::ImportProgress& p) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "importing input %zu of %zu: %llu records read, %.1f MB", p.input, p.inputs,
                static_cast<unsigned long long>(p.records), static_cast<double>(p.bytes) / 1e6);
  return buf;
}

int Fail(std::string_view cmd, const Error& e) {
  std::cerr << "vigil db " << cmd << ": " << EscapeControls(e.ToString()) << "\n";
  return kExitError;
}

void PrintReport(const vulndb::ImportReport& r, double seconds, const DbFlags& f) {
  if (f.format == "json") {
    nlohmann::json j = {{"run", r.run},
                        {"read", r.read},
                        {"added", r.added},
                        {"changed", r.changed},
                        {"withdrawn", r.withdrawn},
                        {"unchanged", r.unchanged},
                        {"stale", r.stale},
                        {"skipped", r.skipped},
                        {"warnings", r.warnings},
                        {"kev", r.kev},
                        {"epss", r.epss},
                        {"bytes", r.bytes},
                        {"cve_records", r.enrichment},
                        {"cve_records_stale", r.enrichment_stale},
                        {"seconds", seconds}};
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : r.problems) {
      problems.push_back({{"where", p.where}, {"id", p.id}, {"reason", p.reason}, {"skipped", p.skipped}});
    }
    j["problems"] = std::move(problems);
    nlohmann::json inputs = nlohmann::json::array();
    for (const auto& in : r.inputs) {
      nlohmann::json i = {
          {"path", in.path}, {"kind", in.kind}, {"read", in.read}, {"imported", in.imported}, {"skipped", in.skipped}};
      if (in.imported == 0) i["reason"] = in.reason;
      inputs.push_back(std::move(i));
    }
    j["inputs"] = std::move(inputs);
    j["empty_inputs"] = r.empty_inputs;
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::printf(
      "read %llu records (%.1f MB) in %.2f s: %llu new, %llu changed (%llu withdrawn), "
      "%llu unchanged, %llu stale, %llu skipped, %llu warnings",
      static_cast<unsigned long long>(r.read), static_cast<double>(r.bytes) / 1e6, seconds,
      static_cast<unsigned long long>(r.added), static_cast<unsigned long long>(r.changed),
      static_cast<unsigned long long>(r.withdrawn), static_cast<unsigned long long>(r.unchanged),
      static_cast<unsigned long long>(r.stale), static_cast<unsigned long long>(r.skipped),
      static_cast<unsigned long long>(r.warnings));
  if (r.kev) std::printf(", %llu KEV entries", static_cast<unsigned long long>(r.kev));
  if (r.epss) std::printf(", %llu EPSS scores", static_cast<unsigned long long>(r.epss));
  if (r.enrichment || r.enrichment_stale) {
    std::printf(", %llu CVE records", static_cast<unsigned long long>(r.enrichment));
    if (r.enrichment_stale) {
      std::printf(" (%llu older than the stored ones, kept those)",
                  static_cast<unsigned long long>(r.enrichment_stale));
    }
  }
  std::printf("\n");
  size_t shown = 0;
  for (const auto& p : r.problems) {
    if (shown++ >= f.show_problems) {
      std::printf("... %zu more (--problems N shows more, --format json lists all)\n",
                  r.problems.size() - f.show_problems);
      break;
    }
    // Paths, ids and reasons quote the feed files: escaped for the terminal.
    std::printf("%s: %s\n", p.skipped ? "skipped" : "warning",
                EscapeControls(p.where + (p.id.empty() ? "" : " (" + p.id + ")") + ": " + p.reason).c_str());
  }
  // Per input, when there is more than one or one gave nothing.
  if (r.inputs.size() > 1 || r.empty_inputs > 0) {
    for (const auto& in : r.inputs) {
      if (in.imported > 0) {
        std::printf("input %s (%s): %llu imported, %llu skipped\n", in.path.c_str(),
                    in.kind.empty() ? "?" : in.kind.c_str(), static_cast<unsigned long long>(in.imported),
                    static_cast<unsigned long long>(in.skipped));
      } else {
        std::printf("input %s (%s): nothing imported: %s\n", in.path.c_str(), in.kind.empty() ? "?" : in.kind.c_str(),
                    in.reason.c_str());
      }
    }
  }
}

// Exit 2 when an input gave nothing (what the others gave is committed), 0 otherwise; skipped
// records inside inputs that gave something are warnings (listed, exit 0).
// `db update` passes allow_empty: a mirror's archive with no records in it (read, nothing
// skipped) is not a failure there.
int ImportExit(std::string_view cmd, const vulndb::ImportReport& r, bool allow_empty = false) {
  uint64_t failed = r.empty_inputs;
  if (allow_empty) {
    for (const auto& in : r.inputs) {
      if (in.imported == 0 && in.read == 0 && in.skipped == 0) --failed;
    }
  }
  if (failed == 0) return kExitOk;
  if (failed == r.inputs.size()) {
    std::cerr << "vigil db " << cmd << ": nothing could be imported from "
              << (r.inputs.size() == 1 ? "the input" : "any of the " + std::to_string(r.inputs.size()) + " inputs")
              << "\n";
  } else {
    std::cerr << "vigil db " << cmd << ": " << failed << " of " << r.inputs.size()
              << " inputs gave nothing (listed above); what the others gave was imported\n";
  }
  return kExitError;
}

int RunImport(const DbFlags& f) {
  auto store = OpenForWriting(f, "import");
  if (!store.ok()) return Fail("import", store.error());
  std::vector<vulndb::ImportInput> inputs;
  for (const auto& p : f.paths) inputs.push_back({p, "", {}});
  vulndb::ImportOptions opts;
  opts.command = "import";
  opts.compression_level = f.level;
  Progress progress;
  if (progress.enabled()) opts.progress = [&](const vulndb::ImportProgress& p) { progress.Show(ImportLine(p)); };
  vulndb::ImportReport report;
  auto start = std::chrono::steady_clock::now();
  Status st = vulndb::Import(**store, inputs, opts, &report);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.Done();
  if (!st.ok()) return Fail("import", st.error());
  PrintReport(report, seconds, f);
  return ImportExit("import", report);
}

int RunUpdate(const DbFlags& f) {
  auto store = OpenForWriting(f, "update");
  if (!store.ok()) return Fail("update", store.error());
  vulndb::UpdateOptions opts;
  opts.sources = f.sources;
  opts.ecosystems = f.ecosystems;
  opts.fetch.ca_file = f.ca_file;
  opts.fetch.allow_http = f.allow_http;
  opts.compression_level = f.level;
  opts.staging_dir = DbDir(f) + "/staging";
  Progress progress;
  if (progress.enabled()) {
    opts.fetch.progress = [&](std::string_view url, uint64_t bytes, uint64_t total) {
      char buf[64];
      if (total > 0) {
        std::snprintf(buf, sizeof buf, ": %.1f of %.1f MB", static_cast<double>(bytes) / 1e6,
                      static_cast<double>(total) / 1e6);
      } else {
        std::snprintf(buf, sizeof buf, ": %.1f MB", static_cast<double>(bytes) / 1e6);
      }
      progress.Show("fetching " + std::string(url.substr(0, 100)) + buf);
    };
    opts.import_progress = [&](const vulndb::ImportProgress& p) { progress.Show(ImportLine(p)); };
  }
  vulndb::UpdateReport report;
  auto start = std::chrono::steady_clock::now();
  Status st = vulndb::Update(**store, opts, &report);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.Done();
  for (const auto& line : report.fetched) std::printf("%s\n", line.c_str());
  if (!st.ok()) return Fail("update", st.error());
  PrintReport(report.import, seconds, f);
  int imported = ImportExit("update", report.import, /*allow_empty=*/true);
  return report.failed_sources > 0 ? kExitError : imported;
}

int RunStatus(const DbFlags& f) {
  auto store = vulndb::SqliteStore::Open(DbDir(f), vulndb::Store::Mode::kReadOnly);
  if (!store.ok()) return Fail("status", store.error());
  auto st = (*store)->GetStatus();
  if (!st.ok()) return Fail("status", st.error());
  if (f.format == "json") {
    nlohmann::json j = {{"path", st->path},
                        {"size_bytes", st->size_bytes},
                        {"records", st->records},
                        {"withdrawn", st->withdrawn},
                        {"newest_modified", st->newest_modified},
                        {"built_at", st->built_at},
                        {"per_ecosystem", st->per_ecosystem},
                        {"kev", {{"entries", st->kev}, {"catalog", st->kev_catalog}}},
                        {"epss", {{"entries", st->epss}, {"score_date", st->epss_date}}},
                        {"cve_records", {{"entries", st->enrichment}, {"rejected", st->enrichment_rejected}}},
                        {"dictionaries", st->dictionaries},
                        {"last_change_seq", st->last_change_seq}};
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& s : st->sources) {
      sources.push_back({{"name", s.name},
                         {"kind", s.kind},
                         {"records", s.records},
                         {"imported_at", s.imported_at},
                         {"sha256", s.sha256},
                         {"size", s.size},
                         {"etag", s.etag},
                         {"last_modified", s.last_modified}});
    }
    j["sources"] = std::move(sources);
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  std::printf("database:   %s (%.1f MB)\n", st->path.c_str(), static_cast<double>(st->size_bytes) / 1e6);
  std::printf("advisories: %llu (%llu withdrawn)\n", static_cast<unsigned long long>(st->records),
              static_cast<unsigned long long>(st->withdrawn));
  std::printf("newest:     %s\nbuilt:      %s\n", st->newest_modified.c_str(), st->built_at.c_str());
  std::printf("KEV:        %llu entries%s\n", static_cast<unsigned long long>(st->kev),
              st->kev_catalog.empty() ? "" : (" (catalog " + st->kev_catalog + ")").c_str());
  std::printf("EPSS:       %llu scores%s\n", static_cast<unsigned long long>(st->epss),
              st->epss_date.empty() ? "" : (" (" + st->epss_date + ")").c_str());
  std::printf("CVE records: %llu (NVD, CVE5; %llu rejected)\n", static_cast<unsigned long long>(st->enrichment),
              static_cast<unsigned long long>(st->enrichment_rejected));
  std::printf("ecosystems:\n");
  for (const auto& [eco, n] : st->per_ecosystem) {
    std::printf("  %-28s %llu\n", eco.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("sources:\n");
  for (const auto& s : st->sources) {
    std::printf("  %s (%s, %llu records, imported %s)\n", s.name.c_str(), s.kind.c_str(),
                static_cast<unsigned long long>(s.records), s.imported_at.c_str());
  }
  return kExitOk;
}

int RunCheck(const DbFlags& f) {
  auto store = vulndb::SqliteStore::Open(DbDir(f), vulndb::Store::Mode::kReadOnly);
  if (!store.ok()) return Fail("check", store.error());
  Status st = (*store)->CheckIntegrity();
  if (!st.ok()) return Fail("check", st.error());
  std::printf("%s: ok\n", (*store)->path().c_str());
  return kExitOk;
}

int RunGet(const DbFlags& f) {
  auto store = vulndb::SqliteStore::Open(DbDir(f), vulndb::Store::Mode::kReadOnly);
  if (!store.ok()) return Fail("get", store.error());
  auto ids = (*store)->IdsNaming(f.id);
  if (!ids.ok()) return Fail("get", ids.error());
  // What CVE records (NVD, CVE5) say about it, after the advisories: {"cve_record": {...}}.
  std::vector<vulndb::CveEnrichment> records;
  if (f.id.starts_with("CVE-")) {
    auto recs = (*store)->GetEnrichment(f.id);
    if (!recs.ok()) return Fail("get", recs.error());
    records = std::move(*recs);
  }
  if (ids->empty() && records.empty()) {
    return Fail("get", NotFound("no advisory has the id or alias " + f.id + ", and no CVE record names it"));
  }
  if (ids->empty()) std::cerr << "no advisory names " << f.id << "; its CVE records:\n";
  if (ids->size() > 1 || (!ids->empty() && ids->front() != f.id)) {
    std::string list;
    for (const auto& id : *ids) list += (list.empty() ? "" : ", ") + id;
    std::cerr << ids->size() << (ids->size() == 1 ? " record names " : " records name ") << f.id << ": " << list
              << "\n";
  }
  for (const auto& id : *ids) {
    auto json = (*store)->GetJson(id);
    if (!json.ok()) return Fail("get", json.error());
    if (*json) std::printf("%s\n", (*json)->c_str());
  }
  for (const vulndb::CveEnrichment& r : records) {
    nlohmann::json j = {{"cve_record", nlohmann::json::parse(vulndb::EnrichmentToJson(r))}};
    if (auto chosen = vulndb::ChooseCvss({r})) j["cve_record"]["rating"] = chosen->source;
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return kExitOk;
}

int RunLookup(const DbFlags& f) {
  auto store = vulndb::SqliteStore::Open(DbDir(f), vulndb::Store::Mode::kReadOnly);
  if (!store.ok()) return Fail("lookup", store.error());
  auto found = vulndb::LookupPackage(**store, {f.ecosystem, f.package, f.version});
  if (!found.ok()) return Fail("lookup", found.error());
  std::fprintf(stderr, "index of %llu advisories loaded in %.3f s\n",
               static_cast<unsigned long long>(found->advisories_loaded), found->load_seconds);
  for (const vulndb::LookupRow& row : found->rows) {
    std::string fixed;
    for (const auto& x : row.fixed) fixed += (fixed.empty() ? "" : ",") + x;
    std::string cvss =
        row.cvss_score < 0 ? "" : "\tcvss=" + std::to_string(row.cvss_score).substr(0, 3) + " " + row.cvss_severity;
    for (const auto& intel : row.intel) {
      if (!intel.kev_date_added.empty()) cvss += "\tkev=" + intel.cve + " (added " + intel.kev_date_added + ")";
      if (intel.epss >= 0) cvss += "\tepss=" + std::to_string(intel.epss).substr(0, 6);
      if (intel.cvss_score >= 0) {
        char score[16];
        std::snprintf(score, sizeof score, "%.1f", intel.cvss_score);
        cvss += "\tcve-cvss=" + intel.cve + " " + score + " " + intel.cvss_severity + " (" + intel.cvss_source + ")";
      }
      if (intel.rejected) cvss += "\trejected=" + intel.cve;
    }
    std::printf("%s\t%s\tfixed=%s%s%s\n", EscapeControls(row.id).c_str(), row.verdict.c_str(),
                fixed.empty() ? "none" : EscapeControls(fixed).c_str(),
                row.status.empty() ? "" : ("\tstatus=" + EscapeControls(row.status)).c_str(), cvss.c_str());
  }
  return kExitOk;
}

int RunChanges(const DbFlags& f) {
  auto store = vulndb::SqliteStore::Open(DbDir(f), vulndb::Store::Mode::kReadOnly);
  if (!store.ok()) return Fail("changes", store.error());
  auto changes = (*store)->ChangesSince(f.since, f.limit);
  if (!changes.ok()) return Fail("changes", changes.error());
  for (const auto& c : *changes) {
    std::printf("%lld\t%lld\t%s\t%s\t%s\n", static_cast<long long>(c.seq), static_cast<long long>(c.run),
                c.kind.c_str(), EscapeControls(c.id).c_str(), EscapeControls(c.modified).c_str());
  }
  return kExitOk;
}

}  // namespace

void AddDbCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<DbFlags>();
  CLI::App* db = app.add_subcommand("db", "Build, update and inspect the vulnerability database");
  db->require_subcommand(1);
  // --db is accepted before the subcommand and after it (as `vigil scan --db`); VIGIL_DB is read
  // by DbDir when neither is given.
  db->add_option("--db", flags->db, "Database folder (default: $VIGIL_DB, else $XDG_DATA_HOME/vigil/db)");
  auto add_db = [&](CLI::App* sub) {
    sub->add_option("--db", flags->sub_db, "Database folder (default: $VIGIL_DB, else $XDG_DATA_HOME/vigil/db)");
  };
  auto add_lock_timeout = [&](CLI::App* sub) {
    sub->add_option("--lock-timeout", flags->lock_timeout,
                    "Seconds to wait for another vigil writing the database (default 30)")
        ->envname("VIGIL_DB_LOCK_TIMEOUT")
        ->check(CLI::Range(0.0, 86400.0));
  };

  CLI::App* imp = db->add_subcommand("import", "Import advisory files, folders and zip archives");
  imp->add_option("paths", flags->paths,
                  "OSV JSON/JSONL/YAML files, folders or zips (osv.dev's <Ecosystem>/all.zip), "
                  "Alpine secdb, Debian security-tracker JSON or DSA/DLA list, CISA KEV JSON, EPSS CSV, "
                  "NVD CVE JSON 2.0 records or API pages, CVE JSON 5 records")
      ->required();
  imp->add_option("--format", flags->format, "text (default) or json report");
  imp->add_option("--problems", flags->show_problems, "How many problems to print (default 20)");
  imp->add_option("--level", flags->level, "zstd level for stored records (default 6)")->check(CLI::Range(1, 19));
  add_db(imp);
  add_lock_timeout(imp);
  imp->callback([flags, exit_code]() { *exit_code = RunImport(*flags); });

  CLI::App* upd = db->add_subcommand("update", "Fetch changed feeds and import them");
  upd->add_option("--source", flags->sources,
                  "Base URL of an OSV mirror (osv.dev's bucket layout), a folder in that layout, or "
                  "a URL/file of one archive; repeatable (default: osv.dev)");
  upd->add_option("--ecosystem", flags->ecosystems,
                  "Ecosystems to fetch from an OSV mirror (default: the mirror's ecosystems.txt)");
  upd->add_option("--cacert", flags->ca_file, "Extra CA certificates (PEM) to trust");
  upd->add_flag("--allow-http", flags->allow_http, "Accept plain http:// sources");
  upd->add_option("--format", flags->format, "text (default) or json report");
  upd->add_option("--problems", flags->show_problems, "How many problems to print (default 20)");
  add_db(upd);
  add_lock_timeout(upd);
  upd->callback([flags, exit_code]() { *exit_code = RunUpdate(*flags); });

  CLI::App* status = db->add_subcommand("status", "Sources, counts per ecosystem, freshness, size");
  status->add_option("--format", flags->format, "text (default) or json");
  add_db(status);
  status->callback([flags, exit_code]() { *exit_code = RunStatus(*flags); });

  CLI::App* check = db->add_subcommand("check", "Verify the database file and every stored record");
  add_db(check);
  check->callback([flags, exit_code]() { *exit_code = RunCheck(*flags); });

  CLI::App* get =
      db->add_subcommand("get", "Print the stored advisories with this id or alias as OSV JSON, one per line");
  get->add_option("id", flags->id, "Advisory id or alias (CVE-...): every record that names it")->required();
  add_db(get);
  get->callback([flags, exit_code]() { *exit_code = RunGet(*flags); });

  CLI::App* lookup = db->add_subcommand("lookup", "List the advisories naming a package");
  lookup->add_option("ecosystem", flags->ecosystem, "OSV ecosystem, e.g. Debian:12, PyPI, Alpine:v3.19")->required();
  lookup->add_option("package", flags->package, "Package name (source package for distributions)")->required();
  lookup->add_option("version", flags->version, "Installed version: say for each whether it is affected");
  add_db(lookup);
  lookup->callback([flags, exit_code]() { *exit_code = RunLookup(*flags); });

  CLI::App* changes = db->add_subcommand("changes", "The change log: new, changed and withdrawn ids");
  changes->add_option("--since", flags->since, "Only changes after this sequence number");
  changes->add_option("--limit", flags->limit, "At most this many (default 1000)");
  add_db(changes);
  changes->callback([flags, exit_code]() { *exit_code = RunChanges(*flags); });
}

}  // namespace vigil::app
