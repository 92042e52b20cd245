// The SQL seam of the fleet store (internal to the fleet library): one connection and statement
// interface over SQLite and PostgreSQL, so that the store's queries are written once.
//
//   VIGIL_ASSIGN_OR_RETURN(auto conn, sql::Open("postgres://vigil@db/vigil"));   // or a file path
//   sql::Stmt s = conn->Prepare("SELECT id FROM image WHERE key = ?");
//   s.Bind(1, key);
//   VIGIL_ASSIGN_OR_RETURN(bool row, s.Next());
//   if (row) id = s.Int(0);
//
// Statements are written in the SQL both dialects read (ON CONFLICT upserts, RETURNING, row values)
// with SQLite's placeholders: "?" numbered in order, or "?N". For PostgreSQL they become "$N".
// Values are text, 64-bit integers and blobs (BYTEA on PostgreSQL).
//
// Errors are vigil's (common/status.h): kIo for a statement the database refused, kUnavailable
// when a PostgreSQL session is lost (the next call reconnects), kInvalidArgument for a URL that is
// not a postgres:// one libpq reads. Not thread-safe: one thread at a time per connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil::fleet::sql {

enum class Dialect { kSqlite, kPostgres };

// True when `store` names a PostgreSQL store (postgres:// or postgresql://).
bool IsPostgresUrl(std::string_view store);

// A prepared statement. A statement that did not prepare reports why at Next/Run. Binds copy their
// values and stay until Reset; Next runs the statement on its first call and then moves row by row;
// column accessors read the current row (views valid until the next Next or Reset).
class Stmt {
 public:
  class Impl;
  Stmt();
  explicit Stmt(std::unique_ptr<Impl> impl);
  ~Stmt();
  Stmt(Stmt&&) noexcept;
  Stmt& operator=(Stmt&&) noexcept;

  Stmt& Bind(int i, std::string_view text);
  Stmt& Bind(int i, const std::string& text) { return Bind(i, std::string_view(text)); }
  Stmt& Bind(int i, const char* text) { return Bind(i, std::string_view(text)); }
  Stmt& Bind(int i, int64_t v);
  Stmt& BindBlob(int i, std::string_view bytes);

  // Runs the statement (on the first call after a Reset) and moves to the next row: true on a
  // row, false when there is none left.
  Result<bool> Next();
  // Runs a statement whose rows are not wanted; returns how many rows it changed. Resets.
  Result<int64_t> Run();
  // Forgets the bindings and the result.
  void Reset();

  std::string_view Text(int col);
  int64_t Int(int col);  // 0 for NULL or a value that is not an integer
  std::string Blob(int col);

 private:
  std::unique_ptr<Impl> impl_;
};

class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  // Where the store is, for messages: the file, or the URL without its password.
  virtual const std::string& where() const = 0;
  virtual Stmt Prepare(std::string_view sql) = 0;
  // Runs one or more statements without parameters (migrations, pragmas).
  virtual Status Exec(std::string_view script) = 0;
  // BEGIN (SQLite: BEGIN IMMEDIATE, so that a writer waits at the start, never half way through),
  // COMMIT, ROLLBACK. Begin reconnects a lost PostgreSQL session first.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  // The bytes the store takes on disk (SQLite: the file and its WAL; PostgreSQL: the store's tables
  // with their indexes and TOAST).
  virtual Result<uint64_t> SizeBytes() = 0;
  // PostgreSQL's session advisory locks (pg_try_advisory_lock / pg_advisory_unlock). SQLite has no
  // sessions to compete with: TryLock is always true.
  virtual Result<bool> TryLock(int64_t key) = 0;
  virtual Status Unlock(int64_t key) = 0;
  // False once a PostgreSQL session is known lost (its locks are gone with it).
  virtual bool alive() const = 0;
  // Reconnects a lost PostgreSQL session (no-op on SQLite or a live session).
  virtual Status Reconnect() = 0;
};

// Opens `store`: a postgres:// URL, else a SQLite file path (created with its folder when
// missing; WAL, synchronous=FULL, a memory map and a 64 MiB page cache). Errors: kIo (SQLite
// cannot open the file), kInvalidArgument / kUnavailable (PostgreSQL, as pg::Connect).
Result<std::unique_ptr<Conn>> Open(const std::string& store);

// True for an error worth running the transaction again for: a lost PostgreSQL session
// (kUnavailable), a serialization failure, a deadlock, or a unique violation raced by another
// server.
bool Retryable(const Error& error);

}  // namespace vigil::fleet::sql
