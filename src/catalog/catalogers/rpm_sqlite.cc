// rpm's SQLite database (rpmdb.sqlite): table Packages(hnum INTEGER PRIMARY KEY, blob BLOB).
//
// The file is opened from memory with sqlite3_deserialize, read-only, so nothing touches the
// disk. The settings below follow SQLite's advice for reading untrusted database files: defensive
// mode, no triggers or views, an untrusted schema, cell size checks, temporary data kept in memory,
// and a progress handler that bounds the work by the input size.
#include <sqlite3.h>

#include <memory>
#include <string>

#include "catalog/catalogers/rpm_internal.h"

namespace vigil::catalog::rpm_internal {
namespace {

constexpr size_t kSqliteHeaderSize = 100;
// Bytes 18 and 19 of the database header are the write and read format versions: 1 for a
// rollback journal, 2 for WAL.
constexpr size_t kWriteVersionOffset = 18;
constexpr size_t kReadVersionOffset = 19;
// The progress handler runs every kProgressOps virtual machine instructions. Reading a table
// takes a handful of instructions per row, so allowing one call per 4 KiB of input (plus a base)
// is far more than an honest rpmdb needs, yet stops a crafted schema from spinning.
constexpr int kProgressOps = 10000;

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct Finalize {
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};

struct Budget {
  uint64_t calls_left = 0;
};

int OnProgress(void* arg) {
  auto* budget = static_cast<Budget*>(arg);
  if (budget->calls_left == 0) return 1;  // interrupts the statement
  --budget->calls_left;
  return 0;
}

Error SqliteError(sqlite3* db, const std::string& what) {
  return Corrupt("rpm SQLite: " + what + ": " + sqlite3_errmsg(db));
}

}  // namespace

Status ReadSqliteBlobs(std::string_view db, const RpmBlobVisitor& visit, ErrorCollector& errors) {
  if (db.size() < kSqliteHeaderSize) {
    return Corrupt("rpm SQLite: file is " + std::to_string(db.size()) +
                   " bytes, shorter than the 100-byte database header");
  }
  // rpm keeps its database in WAL mode, which the in-memory VFS cannot open. The only way around
  // that is to mark a copy as a rollback-journal database; the copy is read-only all the same.
  // (The -wal file beside it is not read: images are built after rpm has checkpointed.)
  std::string copy;
  auto* data = reinterpret_cast<unsigned char*>(const_cast<char*>(db.data()));
  if (db[kWriteVersionOffset] == 2 || db[kReadVersionOffset] == 2) {
    copy.assign(db);
    copy[kWriteVersionOffset] = 1;
    copy[kReadVersionOffset] = 1;
    data = reinterpret_cast<unsigned char*>(copy.data());
  }

  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, CloseDb> conn(raw);
  if (rc != SQLITE_OK) {
    return InternalError("rpm SQLite: cannot open an in-memory connection: " +
                         std::string(raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_db_config(raw, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  // The largest value rpm could have stored: a header at rpm's own limits.
  sqlite3_limit(raw, SQLITE_LIMIT_LENGTH, static_cast<int>(8 + 16 * uint64_t{kRpmMaxIndexEntries} + kRpmMaxDataSize));
  // Read-only and not freed by SQLite: `data` (the input or our copy) outlives the connection.
  rc = sqlite3_deserialize(raw, "main", data, static_cast<sqlite3_int64>(db.size()),
                           static_cast<sqlite3_int64>(db.size()), SQLITE_DESERIALIZE_READONLY);
  if (rc != SQLITE_OK) return SqliteError(raw, "cannot load the database");
  for (const char* pragma : {"PRAGMA cell_size_check=ON", "PRAGMA temp_store=MEMORY"}) {
    if (sqlite3_exec(raw, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return SqliteError(raw, pragma);
    }
  }
  Budget budget{1000 + db.size() / 4096};
  sqlite3_progress_handler(raw, kProgressOps, OnProgress, &budget);

  sqlite3_stmt* st_raw = nullptr;
  // No ORDER BY: the caller sorts, and a sort over a crafted table could need temporary space.
  rc = sqlite3_prepare_v2(raw, "SELECT hnum, blob FROM Packages", -1, &st_raw, nullptr);
  std::unique_ptr<sqlite3_stmt, Finalize> st(st_raw);
  if (rc != SQLITE_OK) return SqliteError(raw, "no readable Packages(hnum, blob) table");
  // SQLite stores each value once, so honest rows cannot add up to more than the file. Rows
  // sharing overflow pages can, and would make us copy the same bytes over and over.
  uint64_t blob_bytes = 0;
  while ((rc = sqlite3_step(st_raw)) == SQLITE_ROW) {
    sqlite3_int64 hnum = sqlite3_column_int64(st_raw, 0);
    std::string where = "rpm SQLite: Packages row hnum=" + std::to_string(hnum);
    if (hnum <= 0 || hnum > UINT32_MAX) {
      errors.Add(Corrupt(where + ": hnum is not a header number (1 to 2^32-1)"));
      continue;
    }
    if (sqlite3_column_type(st_raw, 1) != SQLITE_BLOB) {
      errors.Add(Corrupt(where + ": blob column is not a BLOB"));
      continue;
    }
    const void* blob = sqlite3_column_blob(st_raw, 1);
    int size = sqlite3_column_bytes(st_raw, 1);
    blob_bytes += static_cast<uint64_t>(size);
    if (blob_bytes > db.size()) {
      return Corrupt(where + ": the rows so far hold " + std::to_string(blob_bytes) +
                     " bytes of headers, more than the whole " + std::to_string(db.size()) +
                     "-byte file (shared overflow pages?)");
    }
    visit(static_cast<uint32_t>(hnum),
          blob == nullptr ? std::string_view()
                          : std::string_view(static_cast<const char*>(blob), static_cast<size_t>(size)));
  }
  if (rc == SQLITE_INTERRUPT) {
    return LimitExceeded(
        "rpm SQLite: reading the Packages table took more work than a database "
        "of this size can need; stopped");
  }
  if (rc != SQLITE_DONE) return SqliteError(raw, "reading the Packages table");
  return OkStatus();
}

}  // namespace vigil::catalog::rpm_internal
