#include "common/pg.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <vector>

namespace vigil::pg {
namespace {

// Type OIDs of the built-in types parameters are sent as (pg_type.dat); 0 lets the server infer.
constexpr Oid kUnspecifiedOid = 0;
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kFloat8Oid = 701;
// The protocol counts parameters in 16 bits.
constexpr size_t kMaxParams = 65535;

constexpr std::string_view kSqlStateTag = " (SQLSTATE ";

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The password part of a postgres:// URL as written (still percent-encoded), found as libpq finds
// it: the user info ends at the first '@' before any '/', the password follows its first ':'.
// Returns {offset, length} in `url`, or {npos, 0} when there is none.
std::pair<size_t, size_t> PasswordSpan(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return {std::string_view::npos, 0};
  start += 3;
  size_t at = url.find_first_of("@/", start);
  if (at == std::string_view::npos || url[at] != '@') return {std::string_view::npos, 0};
  size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return {std::string_view::npos, 0};
  return {colon + 1, at - colon - 1};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void ReplaceAll(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size())) {
    s.replace(pos, what.size(), with);
  }
}

// libpq's messages end with newlines and may span lines; an Error is one line, spaces collapsed.
std::string OneLine(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';  // newlines, tabs, and a stray NUL
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The start of a statement for messages: enough to recognise it, one line.
std::string SqlForMessage(std::string_view sql) {
  constexpr size_t kMax = 60;
  std::string s = OneLine(sql.substr(0, 4 * kMax));
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return "'" + s + "'";
}

// Server errors that end the session: any FATAL or PANIC (the server closes the connection after
// sending it, whether or not libpq has seen the close yet), among them the server shutting down or
// crashing (57P01, 57P02) and starting up (57P03). Class 08 alone is not enough: 08P01 (protocol
// violation, e.g. fewer parameters than the statement uses) is a plain ERROR that keeps the
// session.
bool EndsSession(std::string_view severity, std::string_view sqlstate) {
  return severity == "FATAL" || severity == "PANIC" || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

void DropNotice(void*, const char*) {}

}  // namespace

std::string_view SqlState(const Error& error) {
  std::string_view m = error.message();
  size_t pos = m.rfind(kSqlStateTag);
  if (pos == std::string_view::npos) return {};
  std::string_view code = m.substr(pos + kSqlStateTag.size());
  if (code.size() < 6 || code[5] != ')') return {};
  return code.substr(0, 5);
}

std::string RedactUrl(std::string_view url) {
  auto [pos, len] = PasswordSpan(url);
  std::string out(url);
  if (pos != std::string_view::npos) out.replace(pos, len, "***");
  return out;
}

// --- Param -----------------------------------------------------------------------------------

Param::Param(double v) : kind_(Kind::kDouble) {
  if (std::isnan(v)) {
    value_ = "NaN";
  } else if (std::isinf(v)) {
    value_ = v > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    assert(ec == std::errc());
    value_.assign(buf, end);
  }
}

// --- Rows ------------------------------------------------------------------------------------

void Rows::ResultDeleter::operator()(pg_result* r) const { PQclear(r); }

Rows::Rows(pg_result* r) : result_(r) {}
Rows::~Rows() = default;
Rows::Rows(Rows&& other) noexcept = default;
Rows& Rows::operator=(Rows&& other) noexcept = default;

int Rows::size() const { return result_ ? PQntuples(result_.get()) : 0; }
int Rows::columns() const { return result_ ? PQnfields(result_.get()) : 0; }

int Rows::Column(std::string_view name) const {
  if (!result_) return -1;
  // PQfnumber folds unquoted names to lower case, as SQL does; compare exactly instead.
  for (int c = 0; c < columns(); ++c) {
    if (name == PQfname(result_.get(), c)) return c;
  }
  return -1;
}

int64_t Rows::affected() const {
  if (!result_) return 0;
  const char* n = PQcmdTuples(result_.get());
  int64_t v = 0;
  std::from_chars(n, n + std::strlen(n), v);
  return v;
}

const char* Rows::Value(int row, int col) const {
  bool in_range = result_ && row >= 0 && row < size() && col >= 0 && col < columns();
  assert(in_range && "pg::Rows: row or column out of range");
  if (!in_range || PQgetisnull(result_.get(), row, col)) return nullptr;
  return PQgetvalue(result_.get(), row, col);
}

bool Rows::IsNull(int row, int col) const { return Value(row, col) == nullptr; }

std::string_view Rows::Text(int row, int col) const {
  const char* v = Value(row, col);
  if (!v) return {};
  return std::string_view(v, static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

namespace {
Error NotA(std::string_view type, int row, int col, bool null) {
  return Corrupt("pg: row " + std::to_string(row) + " column " + std::to_string(col) + ": " +
                 (null ? std::string("NULL") : std::string("value")) + " is not " + std::string(type));
}
}  // namespace

Result<int64_t> Rows::Int(int row, int col) const {
  if (IsNull(row, col)) return NotA("an integer", row, col, true);
  std::string_view t = Text(row, col);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty()) return NotA("a 64-bit integer", row, col, false);
  return v;
}

Result<bool> Rows::Bool(int row, int col) const {
  if (IsNull(row, col)) return NotA("a boolean", row, col, true);
  std::string_view t = Text(row, col);
  if (t == "t") return true;
  if (t == "f") return false;
  return NotA("a boolean", row, col, false);
}

Result<double> Rows::Double(int row, int col) const {
  if (IsNull(row, col)) return NotA("a number", row, col, true);
  std::string_view t = Text(row, col);
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty()) return NotA("a number", row, col, false);
  return v;
}

Result<std::string> Rows::Bytes(int row, int col) const {
  if (IsNull(row, col)) return NotA("bytea", row, col, true);
  std::string_view t = Text(row, col);
  if (PQftype(result_.get(), col) != kByteaOid) return NotA("bytea", row, col, false);
  // Results come in text form: "\x" and two hex digits a byte, unless the server is set to
  // bytea_output = escape, which libpq decodes.
  if (!StartsWith(t, "\\x")) {
    size_t n = 0;
    unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(Value(row, col)), &n);
    if (!raw) return NotA("bytea", row, col, false);
    std::string out(reinterpret_cast<const char*>(raw), n);
    PQfreemem(raw);
    return out;
  }
  if (t.size() % 2 != 0) return NotA("bytea", row, col, false);
  std::string out;
  out.resize((t.size() - 2) / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(t[2 + 2 * i]), lo = HexValue(t[3 + 2 * i]);
    if (hi < 0 || lo < 0) return NotA("bytea", row, col, false);
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// --- Connection ------------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connect(const std::string& url, const ConnectOptions& options) {
  std::string redacted = RedactUrl(url);
  auto [pos, len] = PasswordSpan(url);
  std::string password = pos == std::string_view::npos ? "" : url.substr(pos, len);
  auto scrub = [&](std::string m) {
    ReplaceAll(m, password, "***");
    ReplaceAll(m, PercentDecode(password), "***");
    return OneLine(m);
  };

  if (!StartsWith(url, "postgres://") && !StartsWith(url, "postgresql://")) {
    // Not quoted: without the URL's shape there is no telling where a password would be.
    return InvalidArgument("pg: the database URL does not start with postgres:// or postgresql://");
  }
  if (url.find('\0') != std::string::npos) return InvalidArgument("pg: the URL contains a NUL byte");
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (!parsed) {
    std::string why = parse_error ? parse_error : "out of memory";
    PQfreemem(parse_error);
    return InvalidArgument("pg: bad URL '" + scrub(redacted) + "': " + scrub(why));
  }
  // libpq checks these values only when it connects, and then its error reads like a network one.
  std::string bad;
  for (PQconninfoOption* o = parsed; o->keyword; ++o) {
    if (!o->val) continue;
    std::string_view key = o->keyword, val = o->val;
    if (key == "port") {
      // A comma-separated list, one per host; an empty entry means the default.
      for (size_t start = 0; start <= val.size();) {
        size_t comma = std::min(val.find(',', start), val.size());
        std::string_view one = val.substr(start, comma - start);
        int port = 0;
        auto [end, ec] = std::from_chars(one.data(), one.data() + one.size(), port);
        if (!one.empty() && (ec != std::errc() || end != one.data() + one.size() || port < 1 || port > 65535)) {
          bad = "port '" + std::string(one) + "' is not a number from 1 to 65535";
        }
        start = comma + 1;
      }
    } else if (key == "sslmode" && val != "disable" && val != "allow" && val != "prefer" && val != "require" &&
               val != "verify-ca" && val != "verify-full") {
      bad = "sslmode '" + std::string(val) + "' is not disable, allow, prefer, require, verify-ca or verify-full";
    }
  }
  PQconninfoFree(parsed);
  if (!bad.empty()) return InvalidArgument("pg: bad URL '" + scrub(redacted) + "': " + scrub(bad));

  // Later keywords override what the URL (expanded from dbname) says.
  std::string timeout = std::to_string(std::max<int64_t>(1, options.connect_timeout.count()));
  // Keepalives notice a peer that vanished without closing (a host gone, a cut network) while
  // the session waits; a server that restarts closes its sessions and is noticed at once.
  const char* keys[] = {"dbname",     "connect_timeout", "application_name",    "client_encoding",
                        "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        nullptr};
  const char* values[] = {url.c_str(), timeout.c_str(), options.application_name.c_str(), "UTF8", "1", "30", "10",
                          "3",         nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn) return Unavailable("pg: cannot connect to " + redacted + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = scrub(PQerrorMessage(conn));
    PQfinish(conn);
    return Unavailable("pg: cannot connect to " + scrub(redacted) + ": " + why);
  }
  PQsetNoticeProcessor(conn, DropNotice, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn, scrub(redacted), std::move(password), options));
}

Connection::Connection(pg_conn* conn, std::string redacted_url, std::string password, ConnectOptions options)
    : conn_(conn),
      redacted_url_(std::move(redacted_url)),
      password_(std::move(password)),
      options_(std::move(options)) {}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::ok() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

int Connection::backend_pid() const { return ok() ? PQbackendPID(conn_) : 0; }

std::string Connection::Scrub(std::string m) const {
  ReplaceAll(m, password_, "***");
  ReplaceAll(m, PercentDecode(password_), "***");
  return OneLine(m);
}

Status Connection::Reset() {
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return Unavailable("pg: cannot reconnect to " + redacted_url_ + ": " + Scrub(PQerrorMessage(conn_)));
  }
  broken_ = false;
  return OkStatus();
}

Error Connection::ErrorFor(pg_result* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  std::string message;
  if (const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr) {
    message = primary;
    if (const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) message += std::string("; ") + detail;
  } else {
    // Errors libpq made itself (the connection closed, out of memory) have no fields.
    message = res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
  }
  message = Scrub(std::move(message));
  if (message.empty()) message = "unknown error";
  if (!sqlstate.empty()) message += std::string(kSqlStateTag) + sqlstate + ")";
  const char* severity = res ? PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) : nullptr;
  if (PQstatus(conn_) != CONNECTION_OK || EndsSession(severity ? severity : "", sqlstate)) {
    broken_ = true;
    return Unavailable("pg: " + std::string(what) + ": connection to " + redacted_url_ +
                       " lost (Reset() to reconnect): " + message);
  }
  return IoError("pg: " + std::string(what) + ": " + message);
}

Result<Rows> Connection::Query(std::string_view sql, std::span<const Param> params) {
  if (!ok()) {
    return Unavailable("pg: " + SqlForMessage(sql) + ": connection to " + redacted_url_ +
                       " is broken (Reset() to reconnect)");
  }
  if (sql.find('\0') != std::string_view::npos) {
    return InvalidArgument("pg: " + SqlForMessage(sql) + ": the SQL text contains a NUL byte");
  }
  if (params.size() > kMaxParams) {
    return InvalidArgument("pg: " + SqlForMessage(sql) + ": " + std::to_string(params.size()) +
                           " parameters; PostgreSQL takes at most " + std::to_string(kMaxParams));
  }
  size_t max_bytes = std::min<size_t>(options_.max_param_bytes, INT_MAX);
  std::vector<Oid> types(params.size());
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    const std::string& v = p.value();
    std::string where = "pg: " + SqlForMessage(sql) + ": parameter $" + std::to_string(i + 1);
    if (v.size() > max_bytes) {
      return LimitExceeded(where + " is " + std::to_string(v.size()) + " bytes; the limit is " +
                           std::to_string(max_bytes));
    }
    // Text parameters travel NUL-terminated (libpq ignores their length), so a NUL would cut
    // the value short without a word.
    if (p.kind() == Param::Kind::kText && v.find('\0') != std::string::npos) {
      return InvalidArgument(where + " contains a NUL byte; bind binary data with Param::Bytes");
    }
    switch (p.kind()) {
      case Param::Kind::kNull:
      case Param::Kind::kText:
        types[i] = kUnspecifiedOid;
        break;
      case Param::Kind::kInt:
        types[i] = kInt8Oid;
        break;
      case Param::Kind::kBool:
        types[i] = kBoolOid;
        break;
      case Param::Kind::kDouble:
        types[i] = kFloat8Oid;
        break;
      case Param::Kind::kBytes:
        types[i] = kByteaOid;
        break;
    }
    values[i] = p.kind() == Param::Kind::kNull ? nullptr : v.c_str();
    lengths[i] = static_cast<int>(v.size());
    formats[i] = p.kind() == Param::Kind::kBytes ? 1 : 0;
  }
  std::string text(sql);
  PGresult* res = PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), types.data(), values.data(),
                               lengths.data(), formats.data(), /*resultFormat=*/0);
  Rows rows(res);
  switch (PQresultStatus(res)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return rows;
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH: {
      // Not supported; end the COPY so that the session stays usable.
      PQputCopyEnd(conn_, "COPY is not supported by vigil::pg");
      char* buf = nullptr;
      while (PQgetCopyData(conn_, &buf, 0) > 0) PQfreemem(buf);
      while (PGresult* r = PQgetResult(conn_)) PQclear(r);
      return InvalidArgument("pg: " + SqlForMessage(sql) + ": COPY is not supported");
    }
    default:
      return ErrorFor(res, SqlForMessage(sql));
  }
}

Result<Rows> Connection::Query(std::string_view sql, std::initializer_list<Param> params) {
  return Query(sql, std::span<const Param>(params.begin(), params.size()));
}

Status Connection::Exec(std::string_view sql, std::span<const Param> params) { return Query(sql, params).status(); }

Status Connection::Exec(std::string_view sql, std::initializer_list<Param> params) {
  return Query(sql, params).status();
}

Result<int64_t> Connection::ExecCount(std::string_view sql, std::span<const Param> params) {
  VIGIL_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  return rows.affected();
}

Result<int64_t> Connection::ExecCount(std::string_view sql, std::initializer_list<Param> params) {
  return ExecCount(sql, std::span<const Param>(params.begin(), params.size()));
}

Status Connection::ExecScript(std::string_view sql) {
  if (!ok()) return Unavailable("pg: script: connection to " + redacted_url_ + " is broken (Reset() to reconnect)");
  if (sql.find('\0') != std::string_view::npos) return InvalidArgument("pg: script: the SQL text contains a NUL byte");
  std::string text(sql);
  // PQexec returns the last statement's result; an error stops the script there.
  Rows rows(PQexec(conn_, text.c_str()));
  ExecStatusType status = PQresultStatus(rows.result_.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return OkStatus();
  return ErrorFor(rows.result_.get(), "script " + SqlForMessage(sql));
}

Status Connection::Begin(Isolation isolation) {
  switch (isolation) {
    case Isolation::kReadCommitted:
      return Exec("BEGIN ISOLATION LEVEL READ COMMITTED");
    case Isolation::kRepeatableRead:
      return Exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
    case Isolation::kSerializable:
      return Exec("BEGIN ISOLATION LEVEL SERIALIZABLE");
  }
  return InternalError("pg: unknown isolation level");
}

Status Connection::Commit() {
  VIGIL_ASSIGN_OR_RETURN(Rows rows, Query("COMMIT"));
  // COMMIT of a transaction in which a statement failed succeeds, as a ROLLBACK.
  if (std::string_view(PQcmdStatus(rows.result_.get())) == "ROLLBACK") {
    return IoError("pg: COMMIT: the server rolled the transaction back (a statement in it failed)");
  }
  return OkStatus();
}

Status Connection::Rollback() { return Exec("ROLLBACK"); }

Result<bool> Connection::TryAdvisoryLock(int64_t key) {
  VIGIL_ASSIGN_OR_RETURN(Rows rows, Query("SELECT pg_try_advisory_lock($1)", {key}));
  return rows.Bool(0, 0);
}

Status Connection::AdvisoryUnlock(int64_t key) {
  VIGIL_ASSIGN_OR_RETURN(Rows rows, Query("SELECT pg_advisory_unlock($1)", {key}));
  VIGIL_ASSIGN_OR_RETURN(bool released, rows.Bool(0, 0));
  if (!released) return NotFound("pg: advisory lock " + std::to_string(key) + " is not held by this session");
  return OkStatus();
}

// --- Transaction -----------------------------------------------------------------------------

Result<Transaction> Transaction::Begin(Connection& conn, Isolation isolation) {
  VIGIL_RETURN_IF_ERROR(conn.Begin(isolation));
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_ && conn_->ok()) (void)conn_->Rollback();
}

Status Transaction::Commit() {
  assert(conn_ && "pg::Transaction: already committed or rolled back");
  if (!conn_) return InternalError("pg: the transaction is already over");
  return std::exchange(conn_, nullptr)->Commit();
}

Status Transaction::Rollback() {
  assert(conn_ && "pg::Transaction: already committed or rolled back");
  if (!conn_) return InternalError("pg: the transaction is already over");
  return std::exchange(conn_, nullptr)->Rollback();
}

}  // namespace vigil::pg
