// The PostgreSQL adapter (target vigil::common_pg, namespace vigil::pg): a connection, queries
// with $1.. parameters, transactions, session advisory locks and PostgreSQL's errors in vigil's
// vocabulary. A thin RAII layer over libpq; libpq-fe.h stays in pg.cc, so this header is cheap.
//
// Errors (docs/ERRORS.md):
//   kInvalidArgument  the URL is not a postgres:// URL libpq accepts; the SQL text or a text
//                     parameter holds a NUL byte (bind binary data with Param::Bytes); more than
//                     65,535 parameters
//   kLimitExceeded    a parameter is larger than ConnectOptions::max_param_bytes
//   kUnavailable      the server could not be reached or refused the connection (bad credentials
//                     included), or the session was lost (the socket closed, or a FATAL error
//                     such as 57P01 when the server shuts down or restarts): Reset() and try again
//   kIo               any other error the server reported (constraint, syntax, serialization...)
//   kCorrupt          a value in a result is not of the asked type (Rows::Int on "abc")
// Every message that comes from the server ends with " (SQLSTATE XXXXX)"; SqlState() reads it
// back, so callers can tell 40001 (retry the transaction) from 23505 (a duplicate). Messages never
// contain the password: URLs in messages are redacted ("postgres://vigil:***@host/db").
//
// Thread-safety: a Connection (and the Rows and Transactions made from it) is used by one thread
// at a time; use one Connection per thread. Different Connections are independent.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/status.h"

// libpq's opaque types (libpq-fe.h), declared here so that the header need not include it.
struct pg_conn;
struct pg_result;

namespace vigil::pg {

// SQLSTATE codes callers commonly branch on (PostgreSQL's appendix A).
inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kForeignKeyViolation = "23503";
inline constexpr std::string_view kSerializationFailure = "40001";
inline constexpr std::string_view kDeadlockDetected = "40P01";
inline constexpr std::string_view kLockNotAvailable = "55P03";  // FOR UPDATE NOWAIT, lock_timeout
inline constexpr std::string_view kAdminShutdown = "57P01";

// The SQLSTATE at the end of `error`'s message (" (SQLSTATE 23505)", as this adapter writes it,
// also after Error::Context() prefixes), or "" when there is none (errors not from the server).
// The view points into `error`.
std::string_view SqlState(const Error& error);

// `url` with the password (if any) replaced by "***"; the text as is when it holds none.
std::string RedactUrl(std::string_view url);

// A query parameter ($1, $2, ... in order). Implicit from the types it accepts, so a call reads
// Query("... WHERE id = $1 AND name = $2", {id, name}). Each Param owns a copy of its value.
//   text (std::string, std::string_view, const char*): sent as text of unspecified type, so the
//       server infers it from the context (text, jsonb, timestamptz...); must not contain NUL
//   integers: sent as bigint (int8)
//   bool: boolean; double: float8 (NaN and infinities included)
//   Param::Bytes(data): binary, as bytea; any bytes, NUL included
//   nullptr or Param::Null(): SQL NULL of unspecified type
class Param {
 public:
  enum class Kind { kNull, kText, kInt, kBool, kDouble, kBytes };

  Param(std::nullptr_t) : kind_(Kind::kNull) {}                              // NOLINT: implicit by design
  Param(std::string text) : kind_(Kind::kText), value_(std::move(text)) {}   // NOLINT
  Param(std::string_view text) : kind_(Kind::kText), value_(text) {}         // NOLINT
  Param(const char* text) : kind_(Kind::kText), value_(text ? text : "") {}  // NOLINT
  Param(bool v) : kind_(Kind::kBool), value_(v ? "t" : "f") {}               // NOLINT
  Param(double v);                                                           // NOLINT
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) Param(T v)
      : kind_(Kind::kInt), value_(std::to_string(v)) {}  // NOLINT
  // A char is almost always a mistake for a one-letter string; say which.
  Param(char) = delete;

  // SQL NULL.
  static Param Null() { return Param(nullptr); }
  // `data` as bytea, sent in binary: every byte kept, NUL included.
  static Param Bytes(std::string data) {
    Param p(std::move(data));
    p.kind_ = Kind::kBytes;
    return p;
  }

  Kind kind() const { return kind_; }
  // The value as sent: text for every kind but kBytes (raw bytes); "" for kNull.
  const std::string& value() const { return value_; }

 private:
  Kind kind_;
  std::string value_;
};

// The result of a query: rows × columns of values in PostgreSQL's text form. Owns its data;
// views it hands out stay valid as long as the Rows. Row and column numbers start at 0; a number
// out of range is a programmer error (asserted; in release builds the value reads as NULL).
class Rows {
 public:
  Rows() = default;
  ~Rows();
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  // Number of rows (0 for a command that returns none).
  int size() const;
  bool empty() const { return size() == 0; }
  // Number of columns.
  int columns() const;
  // The number of the column called `name`, or -1 when there is none.
  int Column(std::string_view name) const;
  // Rows affected by INSERT/UPDATE/DELETE/MERGE/COPY (or returned by SELECT); 0 for other commands.
  int64_t affected() const;

  // True when the value is SQL NULL.
  bool IsNull(int row, int col) const;
  // The value in text form ("" for NULL: check IsNull when it matters). A bytea reads as
  // PostgreSQL's hex text ("\x00ff"): use Bytes.
  std::string_view Text(int row, int col) const;
  // An integer column (smallint, integer, bigint, or text holding one). kCorrupt when the value is
  // NULL or not a 64-bit integer.
  Result<int64_t> Int(int row, int col) const;
  // A boolean column. kCorrupt when NULL or not a boolean.
  Result<bool> Bool(int row, int col) const;
  // A float column (real, double precision; integers and numeric read too). kCorrupt when NULL or
  // not a number.
  Result<double> Double(int row, int col) const;
  // A bytea column, decoded (every byte, NUL included). kCorrupt when NULL or not bytea.
  Result<std::string> Bytes(int row, int col) const;

 private:
  friend class Connection;
  struct ResultDeleter {
    void operator()(pg_result* r) const;
  };
  explicit Rows(pg_result* r);
  const char* Value(int row, int col) const;

  std::unique_ptr<pg_result, ResultDeleter> result_;
};

// How Connect connects.
struct ConnectOptions {
  // How long to wait for each connection attempt (libpq rounds below 2 s up to 2 s).
  std::chrono::seconds connect_timeout{10};
  // application_name the server shows in pg_stat_activity.
  std::string application_name = "vigil";
  // The largest single parameter Query/Exec accept (kLimitExceeded above it). PostgreSQL itself
  // caps a value at 1 GiB.
  size_t max_param_bytes = size_t{32} << 20;
};

// Transaction isolation levels (PostgreSQL's; read uncommitted is read committed there).
enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

// One session with a PostgreSQL server. Made by Connect; not copyable or movable (Transactions
// refer to it). Session state (transaction, advisory locks, SET values, temporary tables) lives
// until the connection is lost or Reset. Notices and warnings from the server are dropped.
class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // False once the connection is known to be broken (a query failed with kUnavailable, or a
  // Reset failed): every call then fails with kUnavailable until Reset succeeds.
  bool ok() const;

  // Closes the session and connects again with the same URL and options. Everything of the old
  // session is gone: an open transaction is rolled back by the server, advisory locks are
  // released. kUnavailable when the server cannot be reached (ok() stays false).
  Status Reset();

  // Runs one statement with `params` bound to $1, $2, ... and returns its rows (none for
  // statements that return none). Errors: see the top of this file.
  Result<Rows> Query(std::string_view sql, std::span<const Param> params = {});
  Result<Rows> Query(std::string_view sql, std::initializer_list<Param> params);
  // Query, for statements whose rows the caller does not want.
  Status Exec(std::string_view sql, std::span<const Param> params = {});
  Status Exec(std::string_view sql, std::initializer_list<Param> params);
  // Exec, returning the number of rows the statement inserted, updated or deleted.
  Result<int64_t> ExecCount(std::string_view sql, std::span<const Param> params = {});
  Result<int64_t> ExecCount(std::string_view sql, std::initializer_list<Param> params);
  // Runs `sql`, one or more statements separated by ';' and without parameters (schema
  // migrations). Run outside a transaction, all statements form one implicit transaction.
  Status ExecScript(std::string_view sql);

  // BEGIN (with `isolation`), COMMIT and ROLLBACK. Commit fails with kIo when the server rolled
  // the transaction back instead (an earlier statement of it failed), and with the server's error
  // (SqlState() 40001 for a serialization failure) when it could not commit. Prefer Transaction.
  Status Begin(Isolation isolation = Isolation::kReadCommitted);
  Status Commit();
  Status Rollback();

  // pg_try_advisory_lock(key): true when this session now holds the session-level lock `key`,
  // false when another session holds it. Session locks stack: a session that takes a key twice
  // must unlock it twice. They are released by AdvisoryUnlock, by closing the connection, by
  // losing it and by Reset.
  Result<bool> TryAdvisoryLock(int64_t key);
  // pg_advisory_unlock(key). kNotFound when this session did not hold `key`.
  Status AdvisoryUnlock(int64_t key);

  // The server's process id for this session (pg_backend_pid(); 0 when not connected): lets a
  // test or an operator find the session in pg_stat_activity.
  int backend_pid() const;
  // The URL connected to, with the password redacted.
  const std::string& redacted_url() const { return redacted_url_; }

 private:
  friend Result<std::unique_ptr<Connection>> Connect(const std::string& url, const ConnectOptions& options);
  Connection(pg_conn* conn, std::string redacted_url, std::string password, ConnectOptions options);
  // A server or connection error for `res` (may be null) in vigil's vocabulary; marks the
  // connection broken when it was lost.
  Error ErrorFor(pg_result* res, std::string_view what);
  std::string Scrub(std::string message) const;

  pg_conn* conn_;
  std::string redacted_url_;
  std::string password_;  // only to scrub it from messages
  ConnectOptions options_;
  bool broken_ = false;
};

// Connects to `url` (postgres:// or postgresql://user:password@host:port/db?param=value..., as
// libpq reads it; sslmode and the other libpq parameters may be given in the query). Options
// override the same parameters given in the URL.
// Errors: kInvalidArgument when `url` is not such a URL (or libpq cannot parse it);
// kUnavailable when the server cannot be reached in time or refuses the connection (bad
// credentials, unknown database). The messages name the redacted URL, never the password.
Result<std::unique_ptr<Connection>> Connect(const std::string& url, const ConnectOptions& options = {});

// A transaction that rolls back unless committed: BEGIN when made, ROLLBACK when destroyed
// uncommitted (errors then ignored: a lost connection has rolled it back already). Refers to the
// Connection, which must outlive it. Movable, so it can be returned in a Result.
class Transaction {
 public:
  // BEGIN on `conn`. Errors as Connection::Begin.
  static Result<Transaction> Begin(Connection& conn, Isolation isolation = Isolation::kReadCommitted);

  ~Transaction();
  Transaction(Transaction&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // COMMIT; the transaction is over whatever the outcome. Errors as Connection::Commit.
  Status Commit();
  // ROLLBACK now; the transaction is over whatever the outcome.
  Status Rollback();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;  // null once committed, rolled back or moved from
};

}  // namespace vigil::pg
