// The PostgreSQL adapter against a live server: the throwaway one of the ctest fixture vigil_pg
// (tests/support/pg_cluster.sh). Without a server these tests fail, saying how to get one.
#include "common/pg.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "pg_url.h"

namespace vigil::pg {
namespace {

// The password part of a URL made by pg_cluster.sh (postgres://vigil:PASSWORD@host:port/db).
std::string PasswordOf(const std::string& url) {
  size_t colon = url.find(':', url.find("://") + 3);
  return url.substr(colon + 1, url.find('@') - colon - 1);
}

std::string WithPassword(const std::string& url, const std::string& password) {
  std::string out = url;
  size_t colon = url.find(':', url.find("://") + 3);
  out.replace(colon + 1, url.find('@') - colon - 1, password);
  return out;
}

std::string HostPort(const std::string& url) {
  size_t at = url.find('@');
  return url.substr(at + 1, url.find('/', at) - at - 1);
}

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> url = testing::TestPgUrl();
    ASSERT_TRUE(url.ok()) << "no PostgreSQL server for this test: " << url.error().message();
    url_ = *url;
  }

  // A connection to the test server; null (and a test failure) when there is none.
  std::unique_ptr<Connection> Open() {
    Result<std::unique_ptr<Connection>> c = Connect(url_);
    EXPECT_TRUE(c.ok()) << c.error().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // A fresh table `name` made with `columns`.
  void MakeTable(Connection& c, const std::string& name, const std::string& columns) {
    ASSERT_TRUE(c.Exec("DROP TABLE IF EXISTS " + name).ok());
    Status s = c.Exec("CREATE TABLE " + name + " (" + columns + ")");
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }

  std::string url_;
};

// --- without a server --------------------------------------------------------------------------

TEST(PgErrorTest, SqlStateIsReadBackFromTheMessage) {
  struct Case {
    Error error;
    std::string_view want;
  };
  std::vector<Case> cases = {
      {IoError("pg: 'INSERT': duplicate key (SQLSTATE 23505)"), "23505"},
      {Unavailable("pg: 'SELECT 1': connection lost: terminating (SQLSTATE 57P01)"), "57P01"},
      {IoError("pg: 'X': value '(SQLSTATE 40001)' is odd (SQLSTATE 22P02)"), "22P02"},
      {IoError("pg: no state here"), ""},
      {IoError("pg: cut short (SQLSTATE 235"), ""},
      {IoError("(SQLSTATE 23505)"), ""},  // not the form the adapter writes (no leading space)
  };
  cases.push_back({IoError("pg: 'INSERT': duplicate (SQLSTATE 23505)"), "23505"});
  cases.back().error.Context("store: add image");
  for (const Case& c : cases) {
    EXPECT_EQ(SqlState(c.error), c.want) << c.error.message();
  }
}

TEST(PgErrorTest, RedactUrlHidesThePassword) {
  struct Case {
    std::string_view url, want;
  };
  const Case cases[] = {
      {"postgres://vigil:s3cret@127.0.0.1:5432/vigil", "postgres://vigil:***@127.0.0.1:5432/vigil"},
      {"postgresql://u:p%40ss@h/db?sslmode=require", "postgresql://u:***@h/db?sslmode=require"},
      {"postgres://u:@h/db", "postgres://u:***@h/db"},
      {"postgres://vigil@h/db", "postgres://vigil@h/db"},
      {"postgres://h:5432/db", "postgres://h:5432/db"},
      {"postgres://h/db?user=a@b", "postgres://h/db?user=a@b"},
      {"not a url", "not a url"},
  };
  for (const Case& c : cases) EXPECT_EQ(RedactUrl(c.url), c.want) << c.url;
}

TEST(PgErrorTest, ParamsKeepTheirKindAndText) {
  struct Case {
    Param param;
    Param::Kind kind;
    std::string value;
  };
  const Case cases[] = {
      {Param(nullptr), Param::Kind::kNull, ""},
      {Param::Null(), Param::Kind::kNull, ""},
      {Param("abc"), Param::Kind::kText, "abc"},
      {Param(std::string("abc")), Param::Kind::kText, "abc"},
      {Param(std::string_view("abc")), Param::Kind::kText, "abc"},
      {Param(int64_t{-9223372036854775807 - 1}), Param::Kind::kInt, "-9223372036854775808"},
      {Param(42), Param::Kind::kInt, "42"},
      {Param(uint16_t{7}), Param::Kind::kInt, "7"},
      {Param(true), Param::Kind::kBool, "t"},
      {Param(false), Param::Kind::kBool, "f"},
      {Param(0.1), Param::Kind::kDouble, "0.1"},
      {Param(std::numeric_limits<double>::infinity()), Param::Kind::kDouble, "Infinity"},
      {Param(-std::numeric_limits<double>::infinity()), Param::Kind::kDouble, "-Infinity"},
      {Param(std::numeric_limits<double>::quiet_NaN()), Param::Kind::kDouble, "NaN"},
      {Param::Bytes(std::string("a\0b", 3)), Param::Kind::kBytes, std::string("a\0b", 3)},
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_EQ(cases[i].param.kind(), cases[i].kind) << "case " << i;
    EXPECT_EQ(cases[i].param.value(), cases[i].value) << "case " << i;
  }
}

// --- connecting --------------------------------------------------------------------------------

TEST_F(PgTest, ConnectsToAGoodUrl) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->ok());
  EXPECT_GT(c->backend_pid(), 0);
  EXPECT_EQ(c->redacted_url().find(PasswordOf(url_)), std::string::npos) << c->redacted_url();
  Result<Rows> r = c->Query("SELECT current_user, current_setting('application_name')");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->Text(0, 0), "vigil");
  EXPECT_EQ(r->Text(0, 1), "vigil");
}

TEST_F(PgTest, ABadPasswordFailsWithoutSayingThePassword) {
  // Percent-encoded in the URL: neither the encoded nor the decoded form may leak.
  const std::string wrong_encoded = "Wr0ng%2FSecret%40Xyz";
  const std::string wrong_decoded = "Wr0ng/Secret@Xyz";
  Result<std::unique_ptr<Connection>> c = Connect(WithPassword(url_, wrong_encoded));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kUnavailable) << c.error().ToString();
  EXPECT_NE(c.error().message().find("password authentication failed"), std::string::npos) << c.error().message();
  EXPECT_NE(c.error().message().find("***"), std::string::npos) << c.error().message();
  EXPECT_EQ(c.error().message().find(wrong_encoded), std::string::npos) << c.error().message();
  EXPECT_EQ(c.error().message().find(wrong_decoded), std::string::npos) << c.error().message();
  EXPECT_EQ(c.error().message().find(PasswordOf(url_)), std::string::npos) << c.error().message();
}

TEST_F(PgTest, NobodyListeningIsUnavailable) {
  // A port bound but not listening refuses connections for as long as the socket lives.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  int port = ntohs(a.sin_port);

  const std::string password = PasswordOf(url_);
  const std::string urls[] = {
      "postgres://vigil:" + password + "@127.0.0.1:" + std::to_string(port) + "/vigil",
      // .invalid never resolves (RFC 2606).
      "postgres://vigil:" + password + "@no-such-host.invalid:5432/vigil",
  };
  for (const std::string& url : urls) {
    ConnectOptions options;
    options.connect_timeout = std::chrono::seconds(2);
    Result<std::unique_ptr<Connection>> c = Connect(url, options);
    ASSERT_FALSE(c.ok()) << RedactUrl(url);
    EXPECT_EQ(c.error().code(), ErrorCode::kUnavailable) << c.error().ToString();
    EXPECT_NE(c.error().message().find("cannot connect to"), std::string::npos) << c.error().message();
    EXPECT_EQ(c.error().message().find(password), std::string::npos) << c.error().message();
  }
  close(fd);
}

TEST_F(PgTest, AMalformedUrlIsAnInvalidArgument) {
  const std::string secret = "Sup3rSecretPw";
  const std::string hp = HostPort(url_);
  const std::string urls[] = {
      "",
      "127.0.0.1:5432",
      "mysql://vigil:" + secret + "@" + hp + "/vigil",
      "host=127.0.0.1 password=" + secret,
      "postgres://vigil:" + secret + "@" + hp + "/vigil?bogus=1",
      "postgres://vigil:" + secret + "@[::1/vigil",
      "postgres://vigil:" + secret + "@" + hp + "/vigil?sslmode",
      "postgres://vigil:" + secret + "%zz@" + hp + "/vigil",
      "postgres://vigil:" + secret + "@127.0.0.1:notaport/vigil",
      "postgres://vigil:" + secret + "@127.0.0.1:99999/vigil",
      "postgres://vigil:" + secret + "@" + hp + "/vigil?sslmode=sometimes",
      std::string("postgres://vigil:") + secret + "@" + hp + "/vigil" + std::string(1, '\0') + "x",
  };
  for (const std::string& url : urls) {
    Result<std::unique_ptr<Connection>> c = Connect(url);
    ASSERT_FALSE(c.ok()) << RedactUrl(url);
    EXPECT_EQ(c.error().code(), ErrorCode::kInvalidArgument) << c.error().ToString();
    EXPECT_EQ(c.error().message().find(secret), std::string::npos) << c.error().message();
  }
}

// --- queries -----------------------------------------------------------------------------------

TEST_F(PgTest, ParametersOfEachKindRoundTrip) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  const std::string text = "h\xc3\xa9llo 'quoted' \"and\" $2 ;--";
  const std::string bytes("\0\x01\xff\x7f\0z", 6);
  Result<Rows> r = c->Query("SELECT $1::text, $2::bigint, $3::bigint, $4::bool, $5::float8, $6::text IS NULL, $7, $8",
                            {text, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), true, 0.1,
                             nullptr, Param::Bytes(bytes), Param::Null()});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1);
  ASSERT_EQ(r->columns(), 8);
  EXPECT_EQ(r->Text(0, 0), text);
  EXPECT_EQ(r->Int(0, 1).value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(r->Int(0, 2).value(), std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(r->Bool(0, 3).value());
  EXPECT_EQ(r->Double(0, 4).value(), 0.1);
  EXPECT_TRUE(r->Bool(0, 5).value());
  EXPECT_EQ(r->Bytes(0, 6).value(), bytes);
  EXPECT_TRUE(r->IsNull(0, 7));
  EXPECT_FALSE(r->IsNull(0, 0));

  // Text parameters take the type the statement gives them; integers fit smaller columns.
  MakeTable(*c, "pg_test_kinds", "id integer PRIMARY KEY, at timestamptz, doc jsonb, score real");
  Status s = c->Exec("INSERT INTO pg_test_kinds VALUES ($1, $2, $3, $4)",
                     {7, "2024-05-01T10:00:00Z", R"({"a": [1, 2]})", 2.5});
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  r = c->Query(
      "SELECT id, extract(epoch FROM at)::bigint, doc->'a'->>1, score FROM pg_test_kinds WHERE id = $1 AND at < $2",
      {int64_t{7}, "2030-01-01"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1);
  EXPECT_EQ(r->Int(0, 0).value(), 7);
  EXPECT_EQ(r->Int(0, 1).value(), 1714557600);
  EXPECT_EQ(r->Text(0, 2), "2");
  EXPECT_EQ(r->Double(0, 3).value(), 2.5);

  // A parameter list built at run time.
  std::vector<Param> params = {Param(1), Param(2), Param(3)};
  r = c->Query("SELECT $1::int + $2::int + $3::int", params);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->Int(0, 0).value(), 6);
}

TEST_F(PgTest, ByteaRoundTripsEveryByte) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  MakeTable(*c, "pg_test_blobs", "id bigint PRIMARY KEY, data bytea");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  const std::string blobs[] = {"", std::string(1, '\0'), all, all + all + std::string(3, '\0')};
  for (size_t i = 0; i < std::size(blobs); ++i) {
    Status s = c->Exec("INSERT INTO pg_test_blobs VALUES ($1, $2)", {i, Param::Bytes(blobs[i])});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  Result<Rows> r = c->Query("SELECT id, data, length(data) FROM pg_test_blobs ORDER BY id");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), static_cast<int>(std::size(blobs)));
  for (int i = 0; i < r->size(); ++i) {
    EXPECT_EQ(r->Bytes(i, 1).value(), blobs[i]) << "blob " << i;
    EXPECT_EQ(r->Int(i, 2).value(), static_cast<int64_t>(blobs[i].size())) << "blob " << i;
  }
  // A server that writes bytea in the old escape form reads the same.
  ASSERT_TRUE(c->Exec("SET bytea_output = 'escape'").ok());
  r = c->Query("SELECT data FROM pg_test_blobs WHERE id = 2");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->Bytes(0, 0).value(), all);
}

TEST_F(PgTest, RowsSayWhenAValueIsNotOfTheAskedType) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  Result<Rows> r = c->Query("SELECT 'abc' AS word, NULL::bigint AS nothing, '12x' AS almost, 'maybe' AS flag");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->Column("word"), 0);
  EXPECT_EQ(r->Column("flag"), 3);
  EXPECT_EQ(r->Column("WORD"), -1);
  EXPECT_EQ(r->Column("missing"), -1);
  struct Case {
    const char* what;
    Status status;
  };
  const Case cases[] = {
      {"Int on text", r->Int(0, 0).status()},       {"Int on NULL", r->Int(0, 1).status()},
      {"Int on 12x", r->Int(0, 2).status()},        {"Bool on maybe", r->Bool(0, 3).status()},
      {"Double on text", r->Double(0, 0).status()}, {"Bytes on text", r->Bytes(0, 0).status()},
      {"Bytes on NULL", r->Bytes(0, 1).status()},
  };
  for (const Case& k : cases) {
    ASSERT_FALSE(k.status.ok()) << k.what;
    EXPECT_EQ(k.status.error().code(), ErrorCode::kCorrupt) << k.what << ": " << k.status.error().ToString();
  }
  EXPECT_EQ(r->Text(0, 1), "");
  EXPECT_TRUE(r->IsNull(0, 1));
}

TEST_F(PgTest, ExecCountSaysHowManyRowsChanged) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  MakeTable(*c, "pg_test_count", "id bigint PRIMARY KEY, n bigint");
  Result<int64_t> n = c->ExecCount("INSERT INTO pg_test_count SELECT g, 0 FROM generate_series(1, 10) g");
  ASSERT_TRUE(n.ok()) << n.error().ToString();
  EXPECT_EQ(*n, 10);
  n = c->ExecCount("UPDATE pg_test_count SET n = n + 1 WHERE id <= $1", {4});
  ASSERT_TRUE(n.ok()) << n.error().ToString();
  EXPECT_EQ(*n, 4);
  n = c->ExecCount("DELETE FROM pg_test_count WHERE id > $1", {100});
  ASSERT_TRUE(n.ok()) << n.error().ToString();
  EXPECT_EQ(*n, 0);
  n = c->ExecCount("CREATE INDEX ON pg_test_count (n)");
  ASSERT_TRUE(n.ok()) << n.error().ToString();
  EXPECT_EQ(*n, 0);
}

TEST_F(PgTest, ExecScriptRunsSeveralStatementsAndQueryOnlyOne) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  Status s = c->ExecScript(
      "DROP TABLE IF EXISTS pg_test_script; CREATE TABLE pg_test_script (id int);"
      " INSERT INTO pg_test_script VALUES (1), (2);");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  Result<Rows> r = c->Query("SELECT count(*) FROM pg_test_script");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->Int(0, 0).value(), 2);

  // With parameters there is one statement: a second one cannot ride along.
  s = c->Exec("SELECT $1::int; DROP TABLE pg_test_script", {1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kIo) << s.error().ToString();
  EXPECT_EQ(SqlState(s.error()), "42601") << s.error().message();
  r = c->Query("SELECT count(*) FROM pg_test_script");
  ASSERT_TRUE(r.ok()) << r.error().ToString();

  s = c->ExecScript("SELECT 1; SELEKT 2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(SqlState(s.error()), "42601") << s.error().message();
  EXPECT_TRUE(c->ok());
}

// --- transactions ------------------------------------------------------------------------------

TEST_F(PgTest, ATransactionNotCommittedLeavesNothing) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  MakeTable(*c, "pg_test_tx", "id bigint PRIMARY KEY");
  {
    Result<Transaction> tx = Transaction::Begin(*c);
    ASSERT_TRUE(tx.ok()) << tx.error().ToString();
    ASSERT_TRUE(c->Exec("INSERT INTO pg_test_tx VALUES (1)").ok());
  }  // destroyed uncommitted: rolled back
  {
    Result<Transaction> tx = Transaction::Begin(*c, Isolation::kSerializable);
    ASSERT_TRUE(tx.ok()) << tx.error().ToString();
    ASSERT_TRUE(c->Exec("INSERT INTO pg_test_tx VALUES (2)").ok());
    ASSERT_TRUE(tx->Rollback().ok());
  }
  {
    Result<Transaction> tx = Transaction::Begin(*c, Isolation::kRepeatableRead);
    ASSERT_TRUE(tx.ok()) << tx.error().ToString();
    ASSERT_TRUE(c->Exec("INSERT INTO pg_test_tx VALUES (3)").ok());
    Status s = tx->Commit();
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  Result<Rows> r = c->Query("SELECT id FROM pg_test_tx ORDER BY id");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1);
  EXPECT_EQ(r->Int(0, 0).value(), 3);
}

TEST_F(PgTest, CommitAfterAFailedStatementIsAnError) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  MakeTable(*c, "pg_test_failed_tx", "id bigint PRIMARY KEY");
  Result<Transaction> tx = Transaction::Begin(*c);
  ASSERT_TRUE(tx.ok()) << tx.error().ToString();
  ASSERT_TRUE(c->Exec("INSERT INTO pg_test_failed_tx VALUES (1)").ok());
  ASSERT_FALSE(c->Exec("SELECT 1/0").ok());
  Status s = c->Exec("INSERT INTO pg_test_failed_tx VALUES (2)");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(SqlState(s.error()), "25P02") << s.error().message();  // in failed transaction
  s = tx->Commit();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kIo);
  EXPECT_NE(s.error().message().find("rolled the transaction back"), std::string::npos) << s.error().message();
  Result<Rows> r = c->Query("SELECT count(*) FROM pg_test_failed_tx");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->Int(0, 0).value(), 0);
}

TEST_F(PgTest, AUniqueViolationHasSqlState23505) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  MakeTable(*c, "pg_test_unique", "name text PRIMARY KEY");
  ASSERT_TRUE(c->Exec("INSERT INTO pg_test_unique VALUES ($1)", {"alpine"}).ok());
  Status s = c->Exec("INSERT INTO pg_test_unique VALUES ($1)", {"alpine"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kIo) << s.error().ToString();
  EXPECT_EQ(SqlState(s.error()), kUniqueViolation) << s.error().message();
  EXPECT_NE(s.error().message().find("already exists"), std::string::npos) << s.error().message();  // the detail
  s.error().Context("store: add image");
  EXPECT_EQ(SqlState(s.error()), kUniqueViolation) << s.error().message();
  EXPECT_TRUE(c->ok());
}

TEST_F(PgTest, ASerializationFailureHasSqlState40001) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  MakeTable(*a, "pg_test_serial", "id int PRIMARY KEY, n int");
  ASSERT_TRUE(a->Exec("INSERT INTO pg_test_serial VALUES (1, 0)").ok());
  Result<Transaction> ta = Transaction::Begin(*a, Isolation::kRepeatableRead);
  Result<Transaction> tb = Transaction::Begin(*b, Isolation::kRepeatableRead);
  ASSERT_TRUE(ta.ok() && tb.ok());
  ASSERT_TRUE(a->Query("SELECT n FROM pg_test_serial").ok());
  ASSERT_TRUE(b->Query("SELECT n FROM pg_test_serial").ok());
  ASSERT_TRUE(a->Exec("UPDATE pg_test_serial SET n = n + 1").ok());
  ASSERT_TRUE(ta->Commit().ok());
  Status s = b->Exec("UPDATE pg_test_serial SET n = n + 1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(SqlState(s.error()), kSerializationFailure) << s.error().message();
  EXPECT_EQ(s.error().code(), ErrorCode::kIo);
}

// --- locks -------------------------------------------------------------------------------------

TEST_F(PgTest, AnAdvisoryLockIsHeldByOneSessionUntilUnlockedOrDisconnected) {
  const int64_t key = 0x76696769'6c000001;  // "vigil" and a number
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);

  EXPECT_TRUE(a->TryAdvisoryLock(key).value());
  EXPECT_FALSE(b->TryAdvisoryLock(key).value());
  ASSERT_TRUE(a->AdvisoryUnlock(key).ok());
  EXPECT_TRUE(b->TryAdvisoryLock(key).value());
  EXPECT_FALSE(a->TryAdvisoryLock(key).value());

  Status s = a->AdvisoryUnlock(key);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound) << s.error().ToString();

  // The holder goes away: its backend ends after the disconnect, and the lock with it. Waiting
  // for the lock (lock_timeout only guards against a hang) shows it was released.
  ASSERT_TRUE(a->Exec("SET lock_timeout = '120s'").ok());
  b.reset();
  Status waited = a->Exec("SELECT pg_advisory_lock($1)", {key});
  ASSERT_TRUE(waited.ok()) << waited.error().ToString();
  ASSERT_TRUE(a->AdvisoryUnlock(key).ok());

  // Reset ends the session too.
  auto c = Open();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->TryAdvisoryLock(key).value());
  ASSERT_TRUE(c->Reset().ok());
  waited = a->Exec("SELECT pg_advisory_lock($1)", {key});
  ASSERT_TRUE(waited.ok()) << waited.error().ToString();
  EXPECT_FALSE(c->TryAdvisoryLock(key).value());
}

TEST_F(PgTest, SkipLockedLetsTwoWorkersClaimDifferentRows) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  MakeTable(*a, "pg_test_outbox", "id bigint PRIMARY KEY, claimed_by text");
  ASSERT_TRUE(a->Exec("INSERT INTO pg_test_outbox VALUES (1, NULL), (2, NULL)").ok());
  const char* claim =
      "SELECT id FROM pg_test_outbox WHERE claimed_by IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED";

  Result<Transaction> ta = Transaction::Begin(*a);
  ASSERT_TRUE(ta.ok());
  Result<Rows> ra = a->Query(claim);
  ASSERT_TRUE(ra.ok()) << ra.error().ToString();
  ASSERT_EQ(ra->size(), 1);
  EXPECT_EQ(ra->Int(0, 0).value(), 1);

  Result<Transaction> tb = Transaction::Begin(*b);
  ASSERT_TRUE(tb.ok());
  Result<Rows> rb = b->Query(claim);
  ASSERT_TRUE(rb.ok()) << rb.error().ToString();
  ASSERT_EQ(rb->size(), 1);
  EXPECT_EQ(rb->Int(0, 0).value(), 2);  // skipped the row a holds
  // Without SKIP LOCKED (and NOWAIT instead of waiting), a's row is refused.
  Result<Rows> held = b->Query("SELECT id FROM pg_test_outbox WHERE id = 1 FOR UPDATE NOWAIT");
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(SqlState(held.error()), kLockNotAvailable) << held.error().message();
  ASSERT_TRUE(tb->Rollback().ok());

  ASSERT_TRUE(a->Exec("UPDATE pg_test_outbox SET claimed_by = 'a' WHERE id = $1", {1}).ok());
  ASSERT_TRUE(ta->Commit().ok());
  Result<Rows> next = b->Query(claim);
  ASSERT_TRUE(next.ok()) << next.error().ToString();
  ASSERT_EQ(next->size(), 1);
  EXPECT_EQ(next->Int(0, 0).value(), 2);
}

// --- losing the connection ---------------------------------------------------------------------

TEST_F(PgTest, ATerminatedSessionIsUnavailableUntilReset) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  int pid = a->backend_pid();
  // pg_terminate_backend with a timeout returns once the backend has exited.
  Result<Rows> killed = b->Query("SELECT pg_terminate_backend($1::int, 60000)", {pid});
  ASSERT_TRUE(killed.ok()) << killed.error().ToString();
  ASSERT_TRUE(killed->Bool(0, 0).value());

  Result<Rows> r = a->Query("SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_FALSE(a->ok());
  r = a->Query("SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("Reset()"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find(PasswordOf(url_)), std::string::npos) << r.error().message();

  Status s = a->Reset();
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_TRUE(a->ok());
  EXPECT_NE(a->backend_pid(), pid);
  r = a->Query("SELECT 1");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
}

TEST_F(PgTest, AServerRestartIsUnavailableThenResetReconnects) {
  auto a = Open();
  ASSERT_NE(a, nullptr);
  MakeTable(*a, "pg_test_restart", "id bigint PRIMARY KEY");
  ASSERT_TRUE(a->TryAdvisoryLock(42).value());
  Result<Transaction> tx = Transaction::Begin(*a);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE(a->Exec("INSERT INTO pg_test_restart VALUES (1)").ok());

  Status restarted = testing::RunPgCluster("restart");
  ASSERT_TRUE(restarted.ok()) << restarted.error().ToString();

  Status s = a->Exec("INSERT INTO pg_test_restart VALUES (2)");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable) << s.error().ToString();
  EXPECT_NE(s.error().message().find("lost"), std::string::npos) << s.error().message();
  EXPECT_FALSE(a->ok());
  s = tx->Commit();
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable) << s.error().ToString();

  s = a->Reset();
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  Result<Rows> r = a->Query("SELECT count(*) FROM pg_test_restart");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->Int(0, 0).value(), 0);  // the open transaction died with the old session
  // So did the advisory lock: another session can take it.
  auto b = Open();
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->TryAdvisoryLock(42).value());

  // A fresh connection works as well.
  auto c = Open();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->Query("SELECT 1").ok());
}

TEST_F(PgTest, ATransactionOnALostConnectionIsDroppedQuietly) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  {
    Result<Transaction> tx = Transaction::Begin(*a);
    ASSERT_TRUE(tx.ok());
    Result<Rows> killed = b->Query("SELECT pg_terminate_backend($1::int, 60000)", {a->backend_pid()});
    ASSERT_TRUE(killed.ok()) << killed.error().ToString();
    EXPECT_FALSE(a->Query("SELECT 1").ok());
  }  // the destructor must not try to roll back on the broken connection (nor crash)
  EXPECT_FALSE(a->ok());
  EXPECT_TRUE(a->Reset().ok());
}

// --- bad input ---------------------------------------------------------------------------------

TEST_F(PgTest, BadInputIsAnErrorNotACrash) {
  auto c = Open();
  ASSERT_NE(c, nullptr);
  struct Case {
    const char* what;
    Status status;
    ErrorCode want;
  };
  const std::string nul_sql("SELECT 1\0; DROP TABLE x", 23);
  const std::string huge(size_t{64} << 20, 'x');
  std::vector<Param> too_many(70000, Param(1));
  const Case cases[] = {
      {"SQL with a NUL", c->Exec(nul_sql), ErrorCode::kInvalidArgument},
      {"script with a NUL", c->ExecScript(nul_sql), ErrorCode::kInvalidArgument},
      {"text parameter with a NUL", c->Exec("SELECT $1::text", {std::string("a\0b", 3)}), ErrorCode::kInvalidArgument},
      {"64 MiB text parameter", c->Exec("SELECT length($1::text)", {huge}), ErrorCode::kLimitExceeded},
      {"64 MiB bytea parameter", c->Exec("SELECT length($1)", {Param::Bytes(huge)}), ErrorCode::kLimitExceeded},
      {"70000 parameters", c->Exec("SELECT 1", too_many), ErrorCode::kInvalidArgument},
      {"fewer parameters than the SQL uses", c->Exec("SELECT $1::int + $2::int", {1}), ErrorCode::kIo},
      {"an int parameter that is not a bigint", c->Exec("SELECT $1", {uint64_t{1} << 63}), ErrorCode::kIo},
      {"syntax error", c->Exec("SELEKT 1"), ErrorCode::kIo},
      {"invalid UTF-8 text", c->Exec("SELECT $1::text", {"\xff\xfe"}), ErrorCode::kIo},
  };
  for (const Case& k : cases) {
    ASSERT_FALSE(k.status.ok()) << k.what;
    EXPECT_EQ(k.status.error().code(), k.want) << k.what << ": " << k.status.error().ToString().substr(0, 300);
    EXPECT_LT(k.status.error().message().size(), size_t{1000}) << k.what << ": the message quotes too much";
  }
  EXPECT_TRUE(c->ok());
  EXPECT_TRUE(c->Exec("").ok());  // an empty statement does nothing, successfully

  // With the cap raised, a 64 MiB value goes through.
  ConnectOptions big;
  big.max_param_bytes = size_t{80} << 20;
  Result<std::unique_ptr<Connection>> d = Connect(url_, big);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  Result<Rows> r = (*d)->Query("SELECT length($1), length($2::text)", {Param::Bytes(huge), huge});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->Int(0, 0).value(), int64_t{64} << 20);
  EXPECT_EQ(r->Int(0, 1).value(), int64_t{64} << 20);
}

}  // namespace
}  // namespace vigil::pg
