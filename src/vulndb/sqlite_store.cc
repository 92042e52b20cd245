#include "vulndb/sqlite_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#define ZDICT_STATIC_LINKING_ONLY  // ZDICT_trainFromBuffer_fastCover with fixed parameters
#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/sqlite.h"
#include "common/strings.h"
#include "vulndb/osv.h"

namespace vigil::vulndb {

namespace {

// 2: the enrichment table (CVE records). A version 1 database is upgraded when opened for
// writing (the table is created empty) and read as it is otherwise (no enrichment).
constexpr int kSchemaVersion = 2;
constexpr int kOldestReadableSchema = 1;
constexpr size_t kDictionaryBytes = 64 << 10;
// A stored document never decompresses to more than this (the parser refuses larger records).
constexpr size_t kMaxDocumentBytes = 64u << 20;

using sqlite::Exec;
using sqlite::SqlError;
using sqlite::Stmt;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dict(id INTEGER PRIMARY KEY, key TEXT NOT NULL, data BLOB NOT NULL);
-- modified: microseconds since the epoch (TimeMicros); the text is in the document.
-- (A WITHOUT ROWID table keyed by id measured 12 % larger: half-empty pages after splits.)
CREATE TABLE IF NOT EXISTS advisory(
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  modified INTEGER NOT NULL,
  withdrawn INTEGER NOT NULL,
  ecoset INTEGER NOT NULL,
  source INTEGER NOT NULL,
  dict INTEGER NOT NULL,
  size INTEGER NOT NULL,
  doc BLOB NOT NULL);
-- Ids are found through an index of their 8-byte hashes (vigil_idhash, registered on every
-- connection): a third the size of an index of the ids themselves, and no column to store.
-- Queries write "+id = ?": without the '+', SQLite 3.40's planner scans instead of using it.
CREATE INDEX IF NOT EXISTS advisory_idhash ON advisory(vigil_idhash(id));
-- The names an advisory goes by besides its id (its aliases and upstream ids), by their
-- vigil_idhash: `db get CVE-...` finds every record that names the CVE. advisory: its rowid.
CREATE TABLE IF NOT EXISTS alias(hash INTEGER NOT NULL, advisory INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS alias_hash ON alias(hash);
CREATE INDEX IF NOT EXISTS alias_advisory ON alias(advisory);
CREATE TABLE IF NOT EXISTS kev(cve TEXT PRIMARY KEY, date_added TEXT, due_date TEXT,
  ransomware INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS epss(cve TEXT PRIMARY KEY, epss REAL NOT NULL, percentile REAL NOT NULL);
-- What CVE records say (NVD CVE JSON 2.0: origin 'nvd'; CVE JSON 5: 'cve5'), as the JSON of
-- vulndb/enrichment.h EnrichmentToJson.
CREATE TABLE IF NOT EXISTS enrichment(cve TEXT NOT NULL, origin TEXT NOT NULL, modified TEXT NOT NULL,
  rejected INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY(cve, origin));
CREATE TABLE IF NOT EXISTS ecoset(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS source(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT, etag TEXT, last_modified TEXT,
  sha256 TEXT, size INTEGER, records INTEGER, imported_at TEXT, dict INTEGER);
CREATE TABLE IF NOT EXISTS run(run INTEGER PRIMARY KEY, command TEXT, started TEXT, finished TEXT);
-- kind: 0 new, 1 changed, 2 withdrawn; advisory: advisory.rowid (rows are never deleted).
CREATE TABLE IF NOT EXISTS change(seq INTEGER PRIMARY KEY, run INTEGER NOT NULL,
  advisory INTEGER NOT NULL, kind INTEGER NOT NULL);
)sql";

// FNV-1a, 64 bits: stable across builds and platforms, as an on-disk key must be.
int64_t IdHash(std::string_view id) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<int64_t>(h);
}

void IdHashFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 1 || sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    sqlite3_result_null(ctx);
    return;
  }
  const unsigned char* p = sqlite3_value_text(argv[0]);
  int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int64(ctx, IdHash(std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(n))));
}

// Replaces the alias rows of advisory `rowid` with `aliases` (the id itself left out).
Status PutAliases(sqlite3* db, Stmt& del, Stmt& ins, int64_t rowid, std::string_view id,
                  const std::vector<std::string>& aliases) {
  del.Bind(1, rowid);
  int rc = del.Step();
  del.Reset();
  if (rc != SQLITE_DONE) return SqlError(db, "store aliases of " + std::string(id));
  std::unordered_set<int64_t> seen;
  for (const std::string& a : aliases) {
    if (a.empty() || a == id || !seen.insert(IdHash(a)).second) continue;
    ins.Bind(1, IdHash(a)).Bind(2, rowid);
    rc = ins.Step();
    ins.Reset();
    if (rc != SQLITE_DONE) return SqlError(db, "store aliases of " + std::string(id));
  }
  return OkStatus();
}

// The names a stored record goes by besides its id: its aliases and upstream ids, and the
// normalised names of the packages it affects (as PackageNameKey, for IdsAffecting).
std::vector<std::string> NamesOf(const Advisory& a) {
  std::vector<std::string> names = a.aliases;
  names.insert(names.end(), a.upstream.begin(), a.upstream.end());
  for (const Affected& af : a.affected) {
    if (!af.normalized_name.empty()) names.push_back(PackageNameKey(af.normalized_name));
  }
  return names;
}

// The writer's note next to the database ("vigil.db.writer"): who holds the write lock, so that
// a second writer can say for whom it waits. Written once the lock is taken, removed when the
// transaction ends; a note left by a killed process names a pid that no longer runs.
void WriteLockFile(const std::string& path, std::string_view holder) {
  std::string text =
      "pid " + std::to_string(::getpid()) + ": " + std::string(holder) + " (since " + NowRfc3339() + ")\n";
  std::string tmp = path + ".tmp";
  if (FILE* f = std::fopen(tmp.c_str(), "w")) {
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = std::fclose(f) == 0 && ok;
    if (ok) std::rename(tmp.c_str(), path.c_str());
  }
}

void RemoveLockFile(const std::string& path) {
  if (!path.empty()) std::remove(path.c_str());
}

// Who holds the write lock, as the writer's note says: "vigil (pid 1234: vigil db import (since
// ...))", or "another process" when there is no note or its process is gone.
std::string DescribeHolder(const std::string& lock_file) {
  std::string text;
  if (FILE* f = std::fopen(lock_file.c_str(), "r")) {
    char buf[512];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    text.assign(buf, n);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  long pid = text.starts_with("pid ") ? std::atol(text.c_str() + 4) : 0;
  if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)) {
    return "another process (no running vigil writer left a note in " + lock_file + ")";
  }
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';  // the note is a file anyone could write
  }
  return "vigil " + text;
}

}  // namespace

std::string DefaultDbDir() {
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/vigil/db";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/vigil/db";
}

struct SqliteStore::Impl {
  sqlite3* db = nullptr;
  std::string path;
  std::string lock_file;  // the writer's note, path + ".writer"
  SqliteOptions options;
  bool writing = false;
  bool has_enrichment = true;  // false: a schema 1 database opened read-only
  // Decompression dictionaries by id, loaded on first use.
  std::unordered_map<int64_t, ZSTD_DDict*> ddicts;
  ZSTD_DCtx* dctx = nullptr;

  ~Impl() {
    for (auto& [id, d] : ddicts) ZSTD_freeDDict(d);
    ZSTD_freeDCtx(dctx);
    sqlite3_close(db);
  }

  Result<const ZSTD_DDict*> DDict(int64_t id) {
    if (id == 0) return static_cast<const ZSTD_DDict*>(nullptr);
    if (auto it = ddicts.find(id); it != ddicts.end()) return static_cast<const ZSTD_DDict*>(it->second);
    Stmt s(db, "SELECT data FROM dict WHERE id = ?");
    if (!s.ok()) return SqlError(db, "read dictionary");
    s.Bind(1, id);
    if (s.Step() != SQLITE_ROW) return Corrupt("dictionary " + std::to_string(id) + " is missing");
    std::string_view data = s.Blob(0);
    ZSTD_DDict* d = ZSTD_createDDict(data.data(), data.size());
    if (!d) return Corrupt("dictionary " + std::to_string(id) + " is damaged");
    ddicts.emplace(id, d);
    return static_cast<const ZSTD_DDict*>(d);
  }

  Result<std::string> Decompress(std::string_view id, int64_t dict, int64_t size, std::string_view blob) {
    if (size < 0 || static_cast<size_t>(size) > kMaxDocumentBytes) {
      return Corrupt("advisory " + std::string(id) + ": stored size " + std::to_string(size) + " is out of range");
    }
    VIGIL_ASSIGN_OR_RETURN(const ZSTD_DDict* d, DDict(dict));
    if (!dctx) dctx = ZSTD_createDCtx();
    return DecompressWith(dctx, d, id, size, blob);
  }

  // BEGIN IMMEDIATE, waiting up to options.lock_timeout for another writer (and saying so once
  // through options.on_wait). kIo naming the database and the holder when the wait expires.
  Status BeginImmediate() {
    auto deadline = std::chrono::steady_clock::now() + options.lock_timeout;
    bool told = false;
    sqlite3_busy_timeout(db, 0);
    Status result = OkStatus();
    for (;;) {
      int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) break;
      if (rc != SQLITE_BUSY) {
        result = SqlError(db, path + ": cannot start writing");
        break;
      }
      std::string holder = DescribeHolder(lock_file);
      auto now = std::chrono::steady_clock::now();
      double seconds = std::chrono::duration<double>(options.lock_timeout).count();
      char secs[32];
      std::snprintf(secs, sizeof secs, "%g s", seconds);
      if (now >= deadline) {
        result = IoError(path + " is locked by " + holder + ": still locked after waiting " + secs +
                         " (try again when it has finished, or wait longer with --lock-timeout)");
        break;
      }
      if (!told && options.on_wait) {
        options.on_wait("waiting for " + holder + " to finish writing " + path + " (up to " + secs + ")");
        told = true;
      }
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(100), deadline - now));
    }
    sqlite3_busy_timeout(db, 10000);
    return result;
  }

  // The decompression itself, with the caller's context (one per thread) and dictionary.
  static Result<std::string> DecompressWith(ZSTD_DCtx* dctx, const ZSTD_DDict* d, std::string_view id, int64_t size,
                                            std::string_view blob) {
    std::string out(static_cast<size_t>(size), '\0');
    size_t n = d ? ZSTD_decompress_usingDDict(dctx, out.data(), out.size(), blob.data(), blob.size(), d)
                 : ZSTD_decompressDCtx(dctx, out.data(), out.size(), blob.data(), blob.size());
    if (ZSTD_isError(n) || n != out.size()) {
      return Corrupt("advisory " + std::string(id) + ": stored document does not decompress" +
                     (ZSTD_isError(n) ? std::string(": ") + ZSTD_getErrorName(n) : std::string()));
    }
    return out;
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;
const std::string& SqliteStore::path() const { return impl_->path; }

Result<std::unique_ptr<Store>> SqliteStore::Open(const std::string& dir, Mode mode, const SqliteOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = dir + "/vigil.db";
  impl->lock_file = impl->path + ".writer";
  impl->options = options;
  std::error_code ec;
  if (mode == Mode::kReadWrite) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return IoError("cannot create database folder " + dir + ": " + ec.message());
  } else if (!std::filesystem::exists(impl->path, ec)) {
    return NotFound("no vulnerability database at " + impl->path +
                    " (create one with `vigil db import` or `vigil db update`)");
  }
  int flags = mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(impl->path.c_str(), &impl->db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    return IoError("cannot open " + impl->path + ": " + (impl->db ? sqlite3_errmsg(impl->db) : "out of memory"));
  }
  sqlite3_busy_timeout(impl->db, 10000);
  if (sqlite3_create_function_v2(impl->db, "vigil_idhash", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                 IdHashFunction, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return IoError("cannot register vigil_idhash on " + impl->path + ": " + sqlite3_errmsg(impl->db));
  }
  sqlite3* db = impl->db;
  if (mode == Mode::kReadWrite) {
    // page_size takes effect only for a new file (before the first table).
    VIGIL_RETURN_IF_ERROR(Exec(db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
    if (Status st = Exec(db, kSchema); !st.ok()) return st.error().Context(impl->path);
  }
  // Refuse files that are not ours (or that a newer vigil wrote).
  Stmt s(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!s.ok()) {
    return Corrupt(impl->path + " is not a vigil vulnerability database (" + sqlite3_errmsg(db) + ")");
  }
  if (s.Step() == SQLITE_ROW) {
    std::string v(s.Text(0));
    int64_t found = std::atoll(v.c_str());
    if (found >= kOldestReadableSchema && found < kSchemaVersion && mode == Mode::kReadWrite) {
      // kSchema above created what the newer version adds; record the upgrade.
      Stmt up(db, "UPDATE meta SET value = ? WHERE key = 'schema_version'");
      up.Bind(1, std::to_string(kSchemaVersion));
      if (up.Step() != SQLITE_DONE) return SqlError(db, impl->path + ": upgrade the schema");
    } else if (found >= kOldestReadableSchema && found < kSchemaVersion) {
      impl->has_enrichment = false;
    } else if (v != std::to_string(kSchemaVersion)) {
      if (found > kSchemaVersion) {
        return Corrupt(impl->path + " was written by a newer vigil (database schema " + v + "; this vigil reads " +
                       std::to_string(kSchemaVersion) + "): update vigil, or build a database for it with " +
                       "`vigil db update --db OTHER_DIR`");
      }
      return Corrupt(impl->path + " has schema version " + v + "; this vigil reads version " +
                     std::to_string(kSchemaVersion) + ": build it again with `vigil db update` or `vigil db import`");
    }
  } else if (mode == Mode::kReadWrite) {
    Stmt ins(db,
             "INSERT INTO meta(key, value) VALUES('schema_version', ?), ('created', ?), "
             "('alias_index', '2')");
    ins.Bind(1, std::to_string(kSchemaVersion)).Bind(2, NowRfc3339());
    if (ins.Step() != SQLITE_DONE) return SqlError(db, impl->path);
  } else {
    return Corrupt(impl->path + " is not a vigil vulnerability database (no schema version)");
  }
  return std::unique_ptr<Store>(new SqliteStore(std::move(impl)));
}

Result<std::map<std::string, StoredMeta, std::less<>>> SqliteStore::AllMeta() {
  std::map<std::string, StoredMeta, std::less<>> out;
  Stmt s(impl_->db, "SELECT id, modified, withdrawn FROM advisory");
  if (!s.ok()) return SqlError(impl_->db, "read advisories");
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.emplace(std::string(s.Text(0)), StoredMeta{s.Int(1), s.Int(2) != 0});
  }
  if (rc != SQLITE_DONE) return SqlError(impl_->db, "read advisories");
  return out;
}

Result<std::optional<std::string>> SqliteStore::GetJson(std::string_view id) {
  Stmt s(impl_->db, "SELECT dict, size, doc FROM advisory WHERE vigil_idhash(id) = ? AND +id = ?");
  if (!s.ok()) return SqlError(impl_->db, "read advisory");
  s.Bind(1, IdHash(id)).Bind(2, id);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return SqlError(impl_->db, "read advisory");
  VIGIL_ASSIGN_OR_RETURN(std::string json, impl_->Decompress(id, s.Int(0), s.Int(1), s.Blob(2)));
  return std::optional<std::string>(std::move(json));
}

// The alias table is complete when it was filled (meta alias_index '2': aliases, upstream ids and
// the normalised package names, PackageNameKey) and the last run that wrote the database
// maintained it (meta alias_run2): a vigil from before the table, or from before it held package
// names ('1', alias_run), can still import into this file, and its runs leave the table stale.
bool SqliteStore::AliasIndexed() {
  Stmt s(impl_->db,
         "SELECT (SELECT value FROM meta WHERE key = 'alias_index') = '2' AND "
         "CAST(coalesce((SELECT value FROM meta WHERE key = 'alias_run2'), '0') AS INTEGER) = "
         "coalesce((SELECT max(run) FROM run), 0)");
  return s.ok() && s.Step() == SQLITE_ROW && s.Int(0) == 1;
}

Status SqliteStore::FillAliases() {
  // A database written before the alias table, or since by a vigil that did not keep it: fill
  // it again from every stored record (inside the caller's write transaction).
  VIGIL_RETURN_IF_ERROR(Exec(impl_->db, "DELETE FROM alias"));
  Stmt del(impl_->db, "DELETE FROM alias WHERE advisory = ?");
  Stmt ins(impl_->db, "INSERT INTO alias(hash, advisory) VALUES(?, ?)");
  Stmt all(impl_->db, "SELECT rowid, id, dict, size, doc FROM advisory");
  if (!del.ok() || !ins.ok() || !all.ok()) return SqlError(impl_->db, "index aliases");
  OsvParser parser;
  int rc;
  while ((rc = all.Step()) == SQLITE_ROW) {
    std::string id(all.Text(1));
    VIGIL_ASSIGN_OR_RETURN(std::string json, impl_->Decompress(id, all.Int(2), all.Int(3), all.Blob(4)));
    Result<Advisory> a = parser.Parse(json, id);
    if (!a.ok()) continue;  // `db check` reports damage; the alias index simply lacks it
    VIGIL_RETURN_IF_ERROR(PutAliases(impl_->db, del, ins, all.Int(0), id, NamesOf(*a)));
  }
  if (rc != SQLITE_DONE) return SqlError(impl_->db, "index aliases");
  return Exec(impl_->db,
              "INSERT OR REPLACE INTO meta(key, value) VALUES('alias_index', '2'), "
              "('alias_run2', CAST(coalesce((SELECT max(run) FROM run), 0) AS TEXT))");
}

Result<std::vector<std::string>> SqliteStore::IdsAffecting(const std::vector<std::string>& normalized_names) {
  std::set<std::string> ids;
  std::unordered_set<std::string> wanted;
  for (const std::string& n : normalized_names) {
    if (!n.empty()) wanted.insert(n);
  }
  if (wanted.empty()) return std::vector<std::string>{};
  if (AliasIndexed()) {
    for (const std::string& n : wanted) {
      VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> of, IdsNaming(PackageNameKey(n)));
      ids.insert(of.begin(), of.end());
    }
  } else {
    // No current name table (an older vigil's database, opened read-only): one pass over the
    // records for all the names.
    OsvParser parser;
    VIGIL_RETURN_IF_ERROR(ForEachJson(
        [&](std::string_view id, std::string_view json) {
          Result<Advisory> a = parser.Parse(json, id);
          if (!a.ok()) return OkStatus();
          for (const Affected& af : a->affected) {
            if (wanted.count(af.normalized_name) != 0) {
              ids.emplace(id);
              break;
            }
          }
          return OkStatus();
        },
        nullptr));
  }
  return std::vector<std::string>(ids.begin(), ids.end());
}

Result<std::vector<std::string>> SqliteStore::IdsNaming(std::string_view name) {
  std::vector<std::string> ids;
  VIGIL_ASSIGN_OR_RETURN(std::optional<std::string> direct, GetJson(name));
  if (direct) ids.emplace_back(name);
  OsvParser parser;
  auto names_it = [&](std::string_view id, std::string_view json) {
    Result<Advisory> a = parser.Parse(json, id);
    if (!a.ok()) return false;
    for (const std::string& n : NamesOf(*a)) {
      if (n == name) return true;
    }
    return false;
  };
  std::vector<std::string> named;
  if (AliasIndexed()) {
    // Candidates by hash; each is checked against its record (hashes can collide).
    Stmt s(impl_->db,
           "SELECT a.id, a.dict, a.size, a.doc FROM alias l JOIN advisory a ON a.rowid = l.advisory "
           "WHERE l.hash = ?");
    if (!s.ok()) return SqlError(impl_->db, "read aliases");
    s.Bind(1, IdHash(name));
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      std::string id(s.Text(0));
      VIGIL_ASSIGN_OR_RETURN(std::string json, impl_->Decompress(id, s.Int(1), s.Int(2), s.Blob(3)));
      if (id != name && names_it(id, json)) named.push_back(std::move(id));
    }
    if (rc != SQLITE_DONE) return SqlError(impl_->db, "read aliases");
  } else {
    // A database from before the alias index, opened read-only: every record is read.
    VIGIL_RETURN_IF_ERROR(ForEachJson(
        [&](std::string_view id, std::string_view json) {
          if (id != name && names_it(id, json)) named.emplace_back(id);
          return OkStatus();
        },
        nullptr));
  }
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());
  ids.insert(ids.end(), named.begin(), named.end());
  return ids;
}

Status SqliteStore::ForEachJson(const std::function<Status(std::string_view id, std::string_view json)>& fn,
                                const std::function<bool(std::string_view ecosystems)>& want) {
  std::unordered_set<int64_t> wanted;
  if (want) {
    Stmt e(impl_->db, "SELECT id, text FROM ecoset");
    if (!e.ok()) return SqlError(impl_->db, "read ecosystem sets");
    int rc;
    while ((rc = e.Step()) == SQLITE_ROW) {
      if (want(e.Text(1))) wanted.insert(e.Int(0));
    }
    if (rc != SQLITE_DONE) return SqlError(impl_->db, "read ecosystem sets");
  }
  Stmt s(impl_->db, "SELECT id, dict, size, doc, ecoset FROM advisory WHERE withdrawn = 0");
  if (!s.ok()) return SqlError(impl_->db, "read advisories");
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    if (want && !wanted.contains(s.Int(4))) continue;
    std::string_view id = s.Text(0);
    VIGIL_ASSIGN_OR_RETURN(std::string json, impl_->Decompress(id, s.Int(1), s.Int(2), s.Blob(3)));
    VIGIL_RETURN_IF_ERROR(fn(id, json));
  }
  if (rc != SQLITE_DONE) return SqlError(impl_->db, "read advisories");
  return OkStatus();
}

Status SqliteStore::ForEachJsonParallel(
    const std::function<Status(size_t seq, std::string_view id, std::string_view json)>& fn,
    const std::function<bool(std::string_view ecosystems)>& want, unsigned threads) {
  struct Row {
    std::string id;
    const ZSTD_DDict* dict;
    int64_t size;
    std::string blob;
  };
  std::vector<Row> rows;
  {
    std::unordered_set<int64_t> wanted;
    Stmt e(impl_->db, "SELECT id, text FROM ecoset");
    if (!e.ok()) return SqlError(impl_->db, "read ecosystem sets");
    int rc;
    while ((rc = e.Step()) == SQLITE_ROW) {
      if (!want || want(e.Text(1))) wanted.insert(e.Int(0));
    }
    if (rc != SQLITE_DONE) return SqlError(impl_->db, "read ecosystem sets");
    Stmt s(impl_->db, "SELECT id, dict, size, doc, ecoset FROM advisory WHERE withdrawn = 0");
    if (!s.ok()) return SqlError(impl_->db, "read advisories");
    while ((rc = s.Step()) == SQLITE_ROW) {
      if (!wanted.contains(s.Int(4))) continue;
      int64_t size = s.Int(2);
      if (size < 0 || static_cast<size_t>(size) > kMaxDocumentBytes) {
        return Corrupt("advisory " + std::string(s.Text(0)) + ": stored size " + std::to_string(size) +
                       " is out of range");
      }
      VIGIL_ASSIGN_OR_RETURN(const ZSTD_DDict* d, impl_->DDict(s.Int(1)));
      rows.push_back({std::string(s.Text(0)), d, size, std::string(s.Blob(3))});
    }
    if (rc != SQLITE_DONE) return SqlError(impl_->db, "read advisories");
  }
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(rows.size() / 256 + 1)));
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  std::optional<Error> first_error;
  std::atomic<bool> stop{false};
  auto work = [&]() {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    for (size_t i; !stop.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < rows.size();) {
      const Row& r = rows[i];
      Result<std::string> json = Impl::DecompressWith(dctx, r.dict, r.id, r.size, r.blob);
      Status st = json.ok() ? fn(i, r.id, *json) : Status(json.error());
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!first_error) first_error = st.error();
        stop = true;
      }
    }
    ZSTD_freeDCtx(dctx);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (first_error) return *first_error;
  return OkStatus();
}

Result<std::optional<KevRecord>> SqliteStore::GetKev(std::string_view cve) {
  Stmt s(impl_->db, "SELECT date_added, due_date, ransomware, json FROM kev WHERE cve = ?");
  if (!s.ok()) return SqlError(impl_->db, "read kev");
  s.Bind(1, cve);
  if (s.Step() != SQLITE_ROW) return std::optional<KevRecord>();
  return std::optional<KevRecord>(KevRecord{std::string(cve), std::string(s.Text(0)), std::string(s.Text(1)),
                                            s.Int(2) != 0, std::string(s.Text(3))});
}

Result<std::vector<CveEnrichment>> SqliteStore::GetEnrichment(std::string_view cve) {
  std::vector<CveEnrichment> out;
  if (!impl_->has_enrichment) return out;
  Stmt s(impl_->db, "SELECT origin, json FROM enrichment WHERE cve = ? ORDER BY origin = 'nvd', origin");
  if (!s.ok()) return SqlError(impl_->db, "read enrichment");
  s.Bind(1, cve);
  while (s.Step() == SQLITE_ROW) {
    std::string what = impl_->path + ": enrichment " + std::string(cve) + " (" + std::string(s.Text(0)) + ")";
    VIGIL_ASSIGN_OR_RETURN(CveEnrichment e, EnrichmentFromJson(s.Text(1), what));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::optional<EpssRecord>> SqliteStore::GetEpss(std::string_view cve) {
  Stmt s(impl_->db, "SELECT epss, percentile FROM epss WHERE cve = ?");
  if (!s.ok()) return SqlError(impl_->db, "read epss");
  s.Bind(1, cve);
  if (s.Step() != SQLITE_ROW) return std::optional<EpssRecord>();
  return std::optional<EpssRecord>(EpssRecord{std::string(cve), s.Double(0), s.Double(1)});
}

namespace {
SourceInfo ReadSource(Stmt& s) {
  SourceInfo src;
  src.name = s.Text(0);
  src.kind = s.Text(1);
  src.etag = s.Text(2);
  src.last_modified = s.Text(3);
  src.sha256 = s.Text(4);
  src.size = static_cast<uint64_t>(s.Int(5));
  src.records = static_cast<uint64_t>(s.Int(6));
  src.imported_at = s.Text(7);
  return src;
}
constexpr const char* kSourceColumns =
    "SELECT name, kind, etag, last_modified, sha256, size, records, imported_at FROM source";
}  // namespace

Result<std::optional<SourceInfo>> SqliteStore::GetSource(std::string_view name) {
  Stmt s(impl_->db, (std::string(kSourceColumns) + " WHERE name = ?").c_str());
  if (!s.ok()) return SqlError(impl_->db, "read source");
  s.Bind(1, name);
  if (s.Step() != SQLITE_ROW) return std::optional<SourceInfo>();
  return std::optional<SourceInfo>(ReadSource(s));
}

Result<std::vector<Change>> SqliteStore::ChangesSince(int64_t after, size_t limit) {
  Stmt s(impl_->db,
         "SELECT c.seq, c.run, a.id, c.kind, a.modified FROM change c JOIN advisory a "
         "ON a.rowid = c.advisory WHERE c.seq > ? ORDER BY c.seq LIMIT ?");
  if (!s.ok()) return SqlError(impl_->db, "read changes");
  s.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
  std::vector<Change> out;
  while (s.Step() == SQLITE_ROW) {
    static constexpr const char* kKinds[] = {"new", "changed", "withdrawn"};
    int64_t k = s.Int(3);
    out.push_back(Change{s.Int(0), s.Int(1), std::string(s.Text(2)), k >= 0 && k <= 2 ? kKinds[k] : "unknown",
                         FormatMicros(s.Int(4))});
  }
  return out;
}

Status SqliteStore::CheckIntegrity() {
  Stmt s(impl_->db, "PRAGMA integrity_check(20)");
  if (!s.ok()) return SqlError(impl_->db, "integrity check");
  std::string problems;
  while (s.Step() == SQLITE_ROW) {
    std::string_view line = s.Text(0);
    if (line != "ok") problems += std::string(line) + "; ";
  }
  if (!problems.empty()) return Corrupt(impl_->path + ": " + problems);
  Stmt docs(impl_->db, "SELECT id, dict, size, doc FROM advisory");
  if (!docs.ok()) return SqlError(impl_->db, "integrity check");
  while (docs.Step() == SQLITE_ROW) {
    Result<std::string> json = impl_->Decompress(docs.Text(0), docs.Int(1), docs.Int(2), docs.Blob(3));
    if (!json.ok()) return json.error().Context(impl_->path);
  }
  return OkStatus();
}

Result<Store::Summary> SqliteStore::GetSummary() {
  sqlite3* db = impl_->db;
  Summary out;
  {
    Stmt s(db, "SELECT count(*) FROM advisory INDEXED BY advisory_idhash");
    if (!s.ok() || s.Step() != SQLITE_ROW) return SqlError(db, "count advisories");
    out.records = static_cast<uint64_t>(s.Int(0));
  }
  {
    Stmt s(db, "SELECT 1 FROM advisory WHERE withdrawn = 0 LIMIT 1");
    if (!s.ok()) return SqlError(db, "find an advisory");
    out.empty = s.Step() != SQLITE_ROW;
  }
  {
    Stmt s(db, "SELECT max(finished) FROM run");
    if (s.ok() && s.Step() == SQLITE_ROW) out.built_at = s.Text(0);
  }
  return out;
}

Result<StoreStatus> SqliteStore::GetStatus() {
  sqlite3* db = impl_->db;
  StoreStatus st;
  st.path = impl_->path;
  int64_t newest = INT64_MIN;
  for (const char* suffix : {"", "-wal"}) {
    struct stat sb {};
    if (::stat((impl_->path + suffix).c_str(), &sb) == 0) st.size_bytes += static_cast<uint64_t>(sb.st_size);
  }
  {
    Stmt s(db,
           "SELECT e.text, count(*), sum(a.withdrawn), max(a.modified) FROM advisory a "
           "JOIN ecoset e ON e.id = a.ecoset GROUP BY a.ecoset");
    if (!s.ok()) return SqlError(db, "status");
    while (s.Step() == SQLITE_ROW) {
      uint64_t n = static_cast<uint64_t>(s.Int(1));
      st.records += n;
      st.withdrawn += static_cast<uint64_t>(s.Int(2));
      newest = std::max(newest, s.Int(3));
      std::string_view ecos = s.Text(0);
      if (ecos.empty()) {
        st.per_ecosystem["(none)"] += n;
        continue;
      }
      for (std::string_view e : Split(ecos, '\n')) st.per_ecosystem[std::string(e)] += n;
    }
  }
  st.newest_modified = st.records ? FormatMicros(newest) : "";
  {
    Stmt s(db, "SELECT max(finished) FROM run");
    if (s.ok() && s.Step() == SQLITE_ROW) st.built_at = s.Text(0);
  }
  {
    Stmt s(db, (std::string(kSourceColumns) + " ORDER BY name").c_str());
    if (!s.ok()) return SqlError(db, "status");
    while (s.Step() == SQLITE_ROW) st.sources.push_back(ReadSource(s));
  }
  auto scalar = [&](const char* sql) -> int64_t {
    Stmt s(db, sql);
    return s.ok() && s.Step() == SQLITE_ROW ? s.Int(0) : 0;
  };
  auto text = [&](const char* sql) -> std::string {
    Stmt s(db, sql);
    return s.ok() && s.Step() == SQLITE_ROW ? std::string(s.Text(0)) : std::string();
  };
  st.kev = static_cast<uint64_t>(scalar("SELECT count(*) FROM kev"));
  st.epss = static_cast<uint64_t>(scalar("SELECT count(*) FROM epss"));
  if (impl_->has_enrichment) {
    st.enrichment = static_cast<uint64_t>(scalar("SELECT count(*) FROM enrichment"));
    st.enrichment_rejected = static_cast<uint64_t>(scalar("SELECT count(*) FROM enrichment WHERE rejected"));
  }
  st.dictionaries = static_cast<uint64_t>(scalar("SELECT count(*) FROM dict"));
  st.last_change_seq = scalar("SELECT coalesce(max(seq), 0) FROM change");
  st.kev_catalog = text("SELECT value FROM meta WHERE key = 'kev_catalog'");
  st.epss_date = text("SELECT value FROM meta WHERE key = 'epss_date'");
  return st;
}

namespace {

class TransactionImpl final : public Store::Transaction {
 public:
  TransactionImpl(sqlite3* db, bool* writing, std::string lock_file, int64_t run, bool first_import)
      : db_(db),
        writing_(writing),
        lock_file_(std::move(lock_file)),
        run_(run),
        first_import_(first_import),
        find_(db, "SELECT rowid FROM advisory WHERE vigil_idhash(id) = ? AND +id = ?"),
        insert_(db,
                "INSERT INTO advisory(id, modified, withdrawn, ecoset, source, dict, size, doc) "
                "VALUES(?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        update_(db,
                "UPDATE advisory SET modified = ?3, withdrawn = ?4, ecoset = ?5, source = ?6, "
                "dict = ?7, size = ?8, doc = ?9 WHERE rowid = ?1 AND id = ?2"),
        change_(db,
                "INSERT INTO change(run, advisory, kind) "
                "SELECT ?1, rowid, ?2 FROM advisory WHERE vigil_idhash(id) = ?3 AND +id = ?4"),
        kev_(db,
             "INSERT OR REPLACE INTO kev(cve, date_added, due_date, ransomware, json) "
             "VALUES(?, ?, ?, ?, ?)"),
        epss_(db, "INSERT OR REPLACE INTO epss(cve, epss, percentile) VALUES(?, ?, ?)"),
        enrichment_(db,
                    "INSERT INTO enrichment(cve, origin, modified, rejected, json) VALUES(?, ?, ?, ?, ?) "
                    "ON CONFLICT(cve, origin) DO UPDATE SET modified = excluded.modified, "
                    "rejected = excluded.rejected, json = excluded.json "
                    "WHERE excluded.modified >= enrichment.modified"),
        alias_delete_(db, "DELETE FROM alias WHERE advisory = ?"),
        alias_insert_(db, "INSERT INTO alias(hash, advisory) VALUES(?, ?)"),
        cctx_(ZSTD_createCCtx()) {}

  ~TransactionImpl() override {
    if (!done_) (void)Exec(db_, "ROLLBACK");
    RemoveLockFile(lock_file_);
    *writing_ = false;
    for (auto& [id, d] : cdicts_) ZSTD_freeCDict(d);
    ZSTD_freeCCtx(cctx_);
  }

  bool ready() const {
    return find_.ok() && insert_.ok() && update_.ok() && change_.ok() && kev_.ok() && epss_.ok() && enrichment_.ok() &&
           alias_delete_.ok() && alias_insert_.ok() && cctx_;
  }

  Result<int64_t> AddDictionary(const std::vector<std::string_view>& samples, std::string_view key) override {
    std::string joined;
    std::vector<size_t> sizes;
    for (std::string_view s : samples) {
      joined += s;
      sizes.push_back(s.size());
    }
    // A 64 KiB dictionary for a source of a few hundred records would outweigh its records.
    std::string dict(std::clamp<size_t>(joined.size() / 16, 4096, kDictionaryBytes), '\0');
    // Fixed fastCover parameters instead of ZDICT_trainFromBuffer's search over ~40 of them:
    // on OSV feeds the search costs about 10x the time for 1-2 % smaller records.
    ZDICT_fastCover_params_t params{};
    params.k = 1000;
    params.d = 8;
    params.f = 20;
    params.accel = 10;
    params.splitPoint = 1.0;
    params.zParams.compressionLevel = 6;
    size_t n = ZDICT_trainFromBuffer_fastCover(dict.data(), dict.size(), joined.data(), sizes.data(),
                                               static_cast<unsigned>(sizes.size()), params);
    if (ZDICT_isError(n)) {
      return InvalidArgument(std::string("cannot train a dictionary: ") + ZDICT_getErrorName(n));
    }
    dict.resize(n);
    Stmt s(db_, "INSERT INTO dict(key, data) VALUES(?, ?)");
    s.Bind(1, key).BindBlob(2, dict.data(), dict.size());
    if (s.Step() != SQLITE_DONE) return SqlError(db_, "store dictionary");
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
  }

  Result<int64_t> DictionaryFor(std::string_view source, std::string_view key) override {
    Stmt s(db_, "SELECT dict FROM source WHERE name = ? AND dict IN (SELECT id FROM dict)");
    s.Bind(1, source);
    if (s.Step() == SQLITE_ROW && s.Int(0) != 0) return s.Int(0);
    Stmt by_key(db_, "SELECT coalesce(max(id), 0) FROM dict WHERE key = ?");
    by_key.Bind(1, key);
    if (by_key.Step() == SQLITE_ROW) return by_key.Int(0);
    return int64_t{0};
  }

  Result<int64_t> NewestDictionary() override {
    Stmt latest(db_, "SELECT coalesce(max(id), 0) FROM dict");
    if (latest.Step() == SQLITE_ROW) return latest.Int(0);
    return int64_t{0};
  }

  bool first_import() const override { return first_import_; }

  Status Put(std::string_view id, std::string_view modified, bool withdrawn, const std::vector<std::string>& ecosystems,
             const std::vector<std::string>& aliases, std::string_view source, std::string_view json, int64_t dict,
             int level) override {
    VIGIL_ASSIGN_OR_RETURN(const ZSTD_CDict* cdict, CDict(dict, level));
    buffer_.resize(ZSTD_compressBound(json.size()));
    size_t n = cdict ? ZSTD_compress_usingCDict(cctx_, buffer_.data(), buffer_.size(), json.data(), json.size(), cdict)
                     : ZSTD_compressCCtx(cctx_, buffer_.data(), buffer_.size(), json.data(), json.size(), level);
    if (ZSTD_isError(n)) return InternalError(std::string("zstd: ") + ZSTD_getErrorName(n));
    std::string ecos;
    for (const std::string& e : ecosystems) {
      if (!ecos.empty()) ecos += '\n';
      ecos += e;
    }
    VIGIL_ASSIGN_OR_RETURN(int64_t ecoset, Intern(ecosets_, "ecoset", "text", ecos));
    VIGIL_ASSIGN_OR_RETURN(int64_t source_id, Intern(sources_, "source", "name", source));
    find_.Bind(1, IdHash(id)).Bind(2, id);
    int found = find_.Step();
    int64_t rowid = found == SQLITE_ROW ? find_.Int(0) : 0;
    find_.Reset();
    if (found != SQLITE_ROW && found != SQLITE_DONE) return SqlError(db_, "find advisory " + std::string(id));
    // Parameters 3..9 are the same for both statements; 1 and 2 say which row.
    Stmt& put = rowid ? update_ : insert_;
    if (rowid) {
      put.Bind(1, rowid).Bind(2, id);
    } else {
      put.Bind(2, id);
    }
    put.Bind(3, TimeMicros(modified)).Bind(4, int64_t{withdrawn}).Bind(5, ecoset).Bind(6, source_id);
    put.Bind(7, dict).Bind(8, static_cast<int64_t>(json.size())).BindBlob(9, buffer_.data(), n);
    int rc = put.Step();
    put.Reset();
    if (rc != SQLITE_DONE) return SqlError(db_, "store advisory " + std::string(id));
    if (!rowid) rowid = sqlite3_last_insert_rowid(db_);
    return PutAliases(db_, alias_delete_, alias_insert_, rowid, id, aliases);
  }

  Status AddChange(std::string_view id, std::string_view kind) override {
    int64_t k = kind == "new" ? 0 : kind == "changed" ? 1 : 2;
    change_.Bind(1, run_).Bind(2, k).Bind(3, IdHash(id)).Bind(4, id);
    int rc = change_.Step();
    change_.Reset();
    if (rc != SQLITE_DONE) return SqlError(db_, "record change");
    return OkStatus();
  }

  Status PutKev(const KevRecord& k) override {
    kev_.Bind(1, k.cve).Bind(2, k.date_added).Bind(3, k.due_date).Bind(4, int64_t{k.ransomware});
    kev_.Bind(5, k.json);
    int rc = kev_.Step();
    kev_.Reset();
    if (rc != SQLITE_DONE) return SqlError(db_, "store KEV entry");
    return OkStatus();
  }

  Status PutEpss(const EpssRecord& e) override {
    epss_.Bind(1, e.cve).BindDouble(2, e.epss).BindDouble(3, e.percentile);
    int rc = epss_.Step();
    epss_.Reset();
    if (rc != SQLITE_DONE) return SqlError(db_, "store EPSS entry");
    return OkStatus();
  }

  Result<bool> PutEnrichment(const CveEnrichment& e) override {
    enrichment_.Bind(1, e.cve).Bind(2, e.origin).Bind(3, e.modified).Bind(4, int64_t{e.rejected});
    std::string json = EnrichmentToJson(e);
    enrichment_.Bind(5, json);
    int rc = enrichment_.Step();
    enrichment_.Reset();
    if (rc != SQLITE_DONE) return SqlError(db_, "store CVE record " + e.cve);
    return sqlite3_changes(db_) > 0;
  }

  Status SetMeta(std::string_view key, std::string_view value) override {
    Stmt s(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
    s.Bind(1, key).Bind(2, value);
    if (s.Step() != SQLITE_DONE) return SqlError(db_, "store meta");
    return OkStatus();
  }

  Status PutSource(const SourceInfo& src, int64_t dict) override {
    Stmt s(db_,
           "INSERT INTO source(name, kind, etag, last_modified, sha256, size, records, "
           "imported_at, dict) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
           "kind = excluded.kind, etag = excluded.etag, last_modified = excluded.last_modified, "
           "sha256 = excluded.sha256, size = excluded.size, records = excluded.records, "
           "imported_at = excluded.imported_at, dict = excluded.dict");
    s.Bind(1, src.name).Bind(2, src.kind).Bind(3, src.etag).Bind(4, src.last_modified);
    s.Bind(5, src.sha256).Bind(6, static_cast<int64_t>(src.size));
    s.Bind(7, static_cast<int64_t>(src.records)).Bind(8, src.imported_at).Bind(9, dict);
    if (s.Step() != SQLITE_DONE) return SqlError(db_, "store source");
    return OkStatus();
  }

  int64_t run() const override { return run_; }

  Status Commit() override {
    if (done_) return InternalError("transaction already finished");
    Status st = Exec(db_,
                     "DELETE FROM dict WHERE id NOT IN (SELECT DISTINCT dict FROM advisory);"
                     "UPDATE source SET dict = 0 WHERE dict NOT IN (SELECT id FROM dict);");
    if (st.ok()) {
      Stmt s(db_, "UPDATE run SET finished = ? WHERE run = ?");
      s.Bind(1, NowRfc3339()).Bind(2, run_);
      if (s.Step() != SQLITE_DONE) st = SqlError(db_, "finish run");
    }
    if (st.ok()) {
      // This run kept the alias table (SqliteStore::AliasIndexed).
      Stmt s(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES('alias_run2', ?)");
      s.Bind(1, std::to_string(run_));
      if (s.Step() != SQLITE_DONE) st = SqlError(db_, "record the alias index");
    }
    if (st.ok()) st = Exec(db_, "COMMIT");
    if (!st.ok()) (void)Exec(db_, "ROLLBACK");
    done_ = true;
    RemoveLockFile(lock_file_);
    if (!st.ok()) return st;
    // Fold the WAL into the main file so that its size on disk is the database's, and give
    // freed pages back. Readers still holding the old snapshot make this a no-op, not an error.
    (void)Exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
    return OkStatus();
  }

 private:
  // The id of `value` in a (id, <column> UNIQUE) table, inserting it when new.
  Result<int64_t> Intern(std::unordered_map<std::string, int64_t>& cache, const char* table, const char* column,
                         std::string_view value) {
    if (auto it = cache.find(std::string(value)); it != cache.end()) return it->second;
    std::string sql =
        std::string("INSERT INTO ") + table + "(" + column + ") VALUES(?) ON CONFLICT(" + column + ") DO NOTHING";
    Stmt ins(db_, sql.c_str());
    ins.Bind(1, value);
    if (ins.Step() != SQLITE_DONE) return SqlError(db_, std::string("store ") + table);
    Stmt get(db_, (std::string("SELECT id FROM ") + table + " WHERE " + column + " = ?").c_str());
    get.Bind(1, value);
    if (get.Step() != SQLITE_ROW) return SqlError(db_, std::string("read ") + table);
    int64_t id = get.Int(0);
    cache.emplace(std::string(value), id);
    return id;
  }

  Result<const ZSTD_CDict*> CDict(int64_t id, int level) {
    if (id == 0) return static_cast<const ZSTD_CDict*>(nullptr);
    if (auto it = cdicts_.find(id); it != cdicts_.end()) return static_cast<const ZSTD_CDict*>(it->second);
    Stmt s(db_, "SELECT data FROM dict WHERE id = ?");
    s.Bind(1, id);
    if (s.Step() != SQLITE_ROW) return InternalError("dictionary " + std::to_string(id) + " is missing");
    std::string_view data = s.Blob(0);
    ZSTD_CDict* d = ZSTD_createCDict(data.data(), data.size(), level);
    if (!d) return InternalError("cannot load dictionary " + std::to_string(id));
    cdicts_.emplace(id, d);
    return static_cast<const ZSTD_CDict*>(d);
  }

  sqlite3* db_;
  bool* writing_;
  std::string lock_file_;
  int64_t run_;
  bool first_import_;
  Stmt find_, insert_, update_, change_, kev_, epss_, enrichment_, alias_delete_, alias_insert_;
  ZSTD_CCtx* cctx_;
  std::unordered_map<int64_t, ZSTD_CDict*> cdicts_;
  std::unordered_map<std::string, int64_t> ecosets_, sources_;
  std::string buffer_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<Store::Transaction>> SqliteStore::Begin(std::string_view command) {
  if (impl_->writing) return InternalError("an import transaction is already open");
  VIGIL_RETURN_IF_ERROR(impl_->BeginImmediate());
  if (!AliasIndexed()) {
    if (Status st = FillAliases(); !st.ok()) {
      (void)Exec(impl_->db, "ROLLBACK");
      return st.error().Context(impl_->path);
    }
  }
  WriteLockFile(impl_->lock_file,
                impl_->options.holder.empty() ? "vigil db " + std::string(command) : impl_->options.holder);
  Stmt s(impl_->db, "INSERT INTO run(command, started) VALUES(?, ?)");
  s.Bind(1, command).Bind(2, NowRfc3339());
  if (s.Step() != SQLITE_DONE) {
    Error e = SqlError(impl_->db, "start run");
    (void)Exec(impl_->db, "ROLLBACK");
    RemoveLockFile(impl_->lock_file);
    return e;
  }
  int64_t run = sqlite3_last_insert_rowid(impl_->db);
  Stmt any(impl_->db, "SELECT EXISTS(SELECT 1 FROM advisory)");
  bool first = any.ok() && any.Step() == SQLITE_ROW && any.Int(0) == 0;
  impl_->writing = true;
  auto tx = std::make_unique<TransactionImpl>(impl_->db, &impl_->writing, impl_->lock_file, run, first);
  if (!tx->ready()) return SqlError(impl_->db, "prepare import statements");
  return std::unique_ptr<Transaction>(std::move(tx));
}

}  // namespace vigil::vulndb
