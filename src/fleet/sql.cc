#include "fleet/sql.h"

#include <sqlite3.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "common/pg.h"
#include "common/sqlite.h"

namespace vigil::fleet::sql {

class Stmt::Impl {
 public:
  virtual ~Impl() = default;
  virtual void Bind(int i, std::string_view text) = 0;
  virtual void Bind(int i, int64_t v) = 0;
  virtual void BindBlob(int i, std::string_view bytes) = 0;
  virtual Result<bool> Next() = 0;
  virtual Result<int64_t> Run() = 0;
  virtual void Reset() = 0;
  virtual std::string_view Text(int col) = 0;
  virtual int64_t Int(int col) = 0;
  virtual std::string Blob(int col) = 0;
};

Stmt::Stmt() = default;
Stmt::Stmt(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Stmt::~Stmt() = default;
Stmt::Stmt(Stmt&&) noexcept = default;
Stmt& Stmt::operator=(Stmt&&) noexcept = default;
Stmt& Stmt::Bind(int i, std::string_view text) {
  impl_->Bind(i, text);
  return *this;
}
Stmt& Stmt::Bind(int i, int64_t v) {
  impl_->Bind(i, v);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view bytes) {
  impl_->BindBlob(i, bytes);
  return *this;
}
Result<bool> Stmt::Next() { return impl_->Next(); }
Result<int64_t> Stmt::Run() { return impl_->Run(); }
void Stmt::Reset() { impl_->Reset(); }
std::string_view Stmt::Text(int col) { return impl_->Text(col); }
int64_t Stmt::Int(int col) { return impl_->Int(col); }
std::string Stmt::Blob(int col) { return impl_->Blob(col); }

bool IsPostgresUrl(std::string_view store) {
  return store.starts_with("postgres://") || store.starts_with("postgresql://");
}

bool Retryable(const Error& error) {
  if (error.code() == ErrorCode::kUnavailable) return true;
  std::string_view state = pg::SqlState(error);
  return state == pg::kSerializationFailure || state == pg::kDeadlockDetected || state == pg::kUniqueViolation;
}

namespace {

// ---- SQLite ----

class SqliteStmt final : public Stmt::Impl {
 public:
  SqliteStmt(sqlite3* db, std::string_view sql, const std::string& where)
      : db_(db), stmt_(db, std::string(sql).c_str()), where_(where), sql_(sql) {}
  void Bind(int i, std::string_view text) override {
    if (stmt_.ok()) stmt_.Bind(i, text);
  }
  void Bind(int i, int64_t v) override {
    if (stmt_.ok()) stmt_.Bind(i, v);
  }
  void BindBlob(int i, std::string_view b) override {
    if (stmt_.ok()) stmt_.BindBlob(i, b.data(), b.size());
  }
  Result<bool> Next() override {
    if (!stmt_.ok()) return Failed("prepare");
    int rc = stmt_.Step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error e = Failed("run");
    stmt_.Reset();
    return e;
  }
  Result<int64_t> Run() override {
    if (!stmt_.ok()) return Failed("prepare");
    int rc = stmt_.Step();
    while (rc == SQLITE_ROW) rc = stmt_.Step();
    if (rc != SQLITE_DONE) {
      Error e = Failed("run");
      stmt_.Reset();
      return e;
    }
    int64_t changes = sqlite3_changes64(db_);
    stmt_.Reset();
    return changes;
  }
  void Reset() override {
    if (stmt_.ok()) stmt_.Reset();
  }
  std::string_view Text(int col) override { return stmt_.Text(col); }
  int64_t Int(int col) override { return stmt_.Int(col); }
  std::string Blob(int col) override { return std::string(stmt_.Blob(col)); }

 private:
  Error Failed(std::string_view what) {
    std::string head(sql_.substr(0, 60));
    return sqlite::SqlError(db_,
                            where_ + ": " + std::string(what) + " \"" + head + (sql_.size() > 60 ? "...\"" : "\""));
  }
  sqlite3* db_;
  sqlite::Stmt stmt_;
  const std::string& where_;
  std::string sql_;
};

class SqliteConn final : public Conn {
 public:
  ~SqliteConn() override {
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }
  static Result<std::unique_ptr<Conn>> Open(const std::string& path) {
    auto c = std::make_unique<SqliteConn>();
    c->where_ = path;
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return IoError("cannot create the folder of " + path + ": " + ec.message());
    if (sqlite3_open_v2(path.c_str(), &c->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      return IoError("cannot open " + path + ": " + (c->db_ ? sqlite3_errmsg(c->db_) : "out of memory"));
    }
    sqlite3_busy_timeout(c->db_, 10000);
    // Reads through a memory map (no pread per page) and a 64 MiB page cache: a delta reads the
    // index rows of a few names scattered over a large file.
    if (Status st = sqlite::Exec(c->db_,
                                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                                 "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536;");
        !st.ok()) {
      return Corrupt(path + " is not a fleet store (" + st.error().message() + ")");
    }
    return std::unique_ptr<Conn>(std::move(c));
  }
  Dialect dialect() const override { return Dialect::kSqlite; }
  const std::string& where() const override { return where_; }
  Stmt Prepare(std::string_view sql) override { return Stmt(std::make_unique<SqliteStmt>(db_, sql, where_)); }
  Status Exec(std::string_view script) override {
    Status st = sqlite::Exec(db_, std::string(script).c_str());
    if (!st.ok()) return st.error().Context(where_);
    return st;
  }
  Status Begin() override { return Exec("BEGIN IMMEDIATE"); }
  Status Commit() override { return Exec("COMMIT"); }
  Status Rollback() override { return Exec("ROLLBACK"); }
  Result<uint64_t> SizeBytes() override {
    uint64_t bytes = 0;
    std::error_code ec;
    for (const char* suffix : {"", "-wal"}) {
      auto n = std::filesystem::file_size(where_ + suffix, ec);
      if (!ec) bytes += n;
    }
    return bytes;
  }
  Result<bool> TryLock(int64_t) override { return true; }
  Status Unlock(int64_t) override { return OkStatus(); }
  bool alive() const override { return true; }
  Status Reconnect() override { return OkStatus(); }

 private:
  sqlite3* db_ = nullptr;
  std::string where_;
};

// ---- PostgreSQL ----

// `sql` with SQLite's placeholders ("?" in order, "?N") as PostgreSQL's "$N"; quoted text, quoted
// identifiers and comments are left as they are.
std::string ToDollars(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      size_t end = sql.find(c, i + 1);
      if (end == std::string_view::npos) end = sql.size() - 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) end = sql.size() - 1;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '?') {
      size_t j = i + 1;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
      if (j > i + 1) {
        int n = 0;
        std::from_chars(sql.data() + i + 1, sql.data() + j, n);
        next = std::max(next, n);
        out += '$';
        out.append(sql.substr(i + 1, j - i - 1));
        i = j - 1;
      } else {
        out += '$' + std::to_string(++next);
      }
    } else {
      out += c;
    }
  }
  return out;
}

// `s` as valid UTF-8: PostgreSQL refuses text that is not (SQLSTATE 22021), and image metadata is
// whatever a stranger wrote. Each byte that is not part of a valid sequence becomes U+FFFD.
std::string ValidUtf8(std::string_view s) {
  auto valid_at = [&](size_t i) -> size_t {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    if (c == 0) return 0;  // PostgreSQL text holds no NUL either
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2) return 0;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
  };
  size_t i = 0;
  for (; i < s.size(); ++i) {
    size_t n = valid_at(i);
    if (n == 0) break;
    i += n - 1;
  }
  if (i == s.size()) return std::string(s);
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    size_t n = valid_at(i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

class PgConn;

class PgStmt final : public Stmt::Impl {
 public:
  PgStmt(PgConn* conn, std::string sql) : conn_(conn), sql_(std::move(sql)) {}
  void Bind(int i, std::string_view text) override { Slot(i) = pg::Param(ValidUtf8(text)); }
  void Bind(int i, int64_t v) override { Slot(i) = pg::Param(v); }
  void BindBlob(int i, std::string_view b) override { Slot(i) = pg::Param::Bytes(std::string(b)); }
  Result<bool> Next() override;
  Result<int64_t> Run() override;
  void Reset() override {
    params_.clear();
    rows_.reset();
    row_ = -1;
  }
  std::string_view Text(int col) override { return rows_ ? rows_->Text(row_, col) : std::string_view(); }
  int64_t Int(int col) override {
    if (!rows_) return 0;
    auto v = rows_->Int(row_, col);
    return v.ok() ? *v : 0;
  }
  std::string Blob(int col) override {
    if (!rows_) return {};
    auto v = rows_->Bytes(row_, col);
    return v.ok() ? std::move(*v) : std::string();
  }

 private:
  pg::Param& Slot(int i) {
    size_t at = static_cast<size_t>(std::max(i, 1)) - 1;
    while (params_.size() <= at) params_.emplace_back(nullptr);
    return params_[at];
  }
  PgConn* conn_;
  std::string sql_;
  std::vector<pg::Param> params_;
  std::optional<pg::Rows> rows_;
  int row_ = -1;
};

class PgConn final : public Conn {
 public:
  static Result<std::unique_ptr<Conn>> Open(const std::string& url) {
    pg::ConnectOptions options;
    options.application_name = "vigil-serve";
    options.max_param_bytes = size_t{256} << 20;  // a stored inventory is one parameter
    VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<pg::Connection> c, pg::Connect(url, options));
    auto conn = std::make_unique<PgConn>();
    conn->conn_ = std::move(c);
    conn->where_ = conn->conn_->redacted_url();
    // Quiet NOTICEs (CREATE ... IF NOT EXISTS) and a bound on a statement stuck behind a lock.
    VIGIL_RETURN_IF_ERROR(conn->conn_->Exec("SET client_min_messages = warning"));
    return std::unique_ptr<Conn>(std::move(conn));
  }
  Dialect dialect() const override { return Dialect::kPostgres; }
  const std::string& where() const override { return where_; }
  Stmt Prepare(std::string_view sql) override { return Stmt(std::make_unique<PgStmt>(this, ToDollars(sql))); }
  Status Exec(std::string_view script) override {
    VIGIL_RETURN_IF_ERROR(Reconnect());
    return conn_->ExecScript(script);
  }
  Status Begin() override {
    VIGIL_RETURN_IF_ERROR(Reconnect());
    VIGIL_RETURN_IF_ERROR(conn_->Begin());
    in_transaction_ = true;
    return OkStatus();
  }
  Status Commit() override {
    in_transaction_ = false;
    return conn_->Commit();
  }
  Status Rollback() override {
    in_transaction_ = false;
    return conn_->Rollback();
  }
  Result<uint64_t> SizeBytes() override {
    VIGIL_RETURN_IF_ERROR(Reconnect());
    VIGIL_ASSIGN_OR_RETURN(pg::Rows rows, conn_->Query("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) "
                                                       "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                                       "WHERE n.nspname = current_schema() AND c.relkind = 'r'"));
    VIGIL_ASSIGN_OR_RETURN(int64_t n, rows.Int(0, 0));
    return static_cast<uint64_t>(n);
  }
  Result<bool> TryLock(int64_t key) override {
    VIGIL_RETURN_IF_ERROR(Reconnect());
    return conn_->TryAdvisoryLock(key);
  }
  Status Unlock(int64_t key) override { return conn_->AdvisoryUnlock(key); }
  bool alive() const override { return conn_->ok(); }
  // Never inside a transaction: its statements would then run on a new session, outside it.
  Status Reconnect() override {
    if (conn_->ok()) return OkStatus();
    if (in_transaction_) return Unavailable(where_ + ": the session was lost inside a transaction");
    VIGIL_RETURN_IF_ERROR(conn_->Reset());
    return conn_->Exec("SET client_min_messages = warning");
  }
  pg::Connection& pg() { return *conn_; }

 private:
  std::unique_ptr<pg::Connection> conn_;
  std::string where_;
  bool in_transaction_ = false;
};

Result<bool> PgStmt::Next() {
  if (!rows_) {
    // A statement outside a transaction reconnects a lost session first; inside one, a lost
    // session is an error for the transaction to retry (Reconnect refuses).
    if (!conn_->alive()) VIGIL_RETURN_IF_ERROR(conn_->Reconnect());
    auto rows = conn_->pg().Query(sql_, params_);
    if (!rows.ok()) return rows.error();
    rows_ = std::move(*rows);
    row_ = -1;
  }
  if (row_ + 1 >= rows_->size()) return false;
  ++row_;
  return true;
}

Result<int64_t> PgStmt::Run() {
  if (!conn_->alive()) VIGIL_RETURN_IF_ERROR(conn_->Reconnect());
  auto n = conn_->pg().ExecCount(sql_, params_);
  Reset();
  return n;
}

}  // namespace

Result<std::unique_ptr<Conn>> Open(const std::string& store) {
  if (IsPostgresUrl(store)) return PgConn::Open(store);
  return SqliteConn::Open(store);
}

}  // namespace vigil::fleet::sql
