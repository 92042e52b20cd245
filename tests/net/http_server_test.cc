// net::HttpServer: routes, parameters, JSON errors, the auth hook, limits, the request log, a
// graceful stop, unix sockets and TLS. Requests are made with net::HttpClient, and raw bytes where
// the client would not send them.
#include "net/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../support/loopback.h"
#include "common/json.h"
#include "net/http_client.h"
#include "net_test_util.h"

namespace vigil::net {
namespace {

using vigil::testing::Accepts;

using testing::Gate;
using testing::kPatience;
using testing::LocalUrl;
using testing::Route;
using testing::StartOrFail;
using testing::TempDir;

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "'" << (text) << "' lacks '" << (part) << "'"

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  }

  static HttpClientOptions ClientOptions() {
    HttpClientOptions o;
    o.retry.retries = 0;
    return o;
  }

  Result<HttpResponse> Get(const HttpServer& server, const std::string& path, Headers headers = {}) {
    return client_.Send({.url = LocalUrl(server, path), .headers = std::move(headers)});
  }

  HttpClient client_{ClientOptions()};
};

// The {"error":{"code","message"}} body of an answer; fails the test when it is not one.
std::pair<std::string, std::string> ErrorOf(const HttpResponse& r) {
  auto j = ParseJson(r.body, "error body");
  EXPECT_TRUE(j.ok()) << r.body;
  if (!j.ok() || !j->contains("error")) {
    ADD_FAILURE() << "not an error body: " << r.body;
    return {};
  }
  EXPECT_EQ(r.Header("content-type"), "application/json");
  const auto& e = (*j)["error"];
  return {JsonString(e, "code"), JsonString(e, "message")};
}

Handler Say(std::string what) {
  return [what](const ServerRequest&) -> Result<ServerResponse> { return ServerResponse::Text(what); };
}

// Sends `bytes` on a new connection to 127.0.0.1:port and returns the first answer: its header
// fields and a body of the length they announce (or all until the server closes).
std::string Raw(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{static_cast<time_t>(kPatience.count()), 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return "";
  }
  (void)!write(fd, bytes.data(), bytes.size());
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    size_t end = out.find("\r\n\r\n");
    size_t cl = out.find("Content-Length: ");
    if (end != std::string::npos && cl != std::string::npos && cl < end &&
        out.size() >= end + 4 + std::stoul(out.substr(cl + 16))) {
      break;
    }
  }
  close(fd);
  return out;
}

TEST_F(HttpServerTest, RoutesAndParameters) {
  HttpServer server({});
  ASSERT_TRUE(server.Handle("GET", "/", Say("root")).ok());
  ASSERT_TRUE(server.Handle("GET", "/metrics", Say("exact")).ok());
  Route(server, "GET", "/v1/images/{id}", [](const ServerRequest& r) -> Result<ServerResponse> {
    return ServerResponse::Text("image " + r.Param("id") + " via " + r.route + " q=" + r.Query("q"));
  });
  ASSERT_TRUE(server.Handle("GET", "/v1/images/latest", Say("literal wins")).ok());
  Route(server, "GET", "/v1/images/{id}/layers/{n}", [](const ServerRequest& r) -> Result<ServerResponse> {
    return ServerResponse::Text(r.Param("id") + "#" + r.Param("n"));
  });
  Route(server, "GET", "/static/{path...}", [](const ServerRequest& r) -> Result<ServerResponse> {
    return ServerResponse::Text("static [" + r.Param("path") + "]");
  });
  // Regression: the exact route beats a {name...} that would match nothing (it used to win, being
  // longer).
  ASSERT_TRUE(server.Handle("GET", "/static", Say("static index")).ok());
  ASSERT_TRUE(server.Handle("DELETE", "/v1/images/{id}", Say("deleted")).ok());
  Route(server, "GET", "/headers", [](const ServerRequest& r) -> Result<ServerResponse> {
    std::string names;
    for (const auto& [name, value] : r.headers) names += name + ";";
    return ServerResponse::Text(names + " from " + r.remote_addr);
  });
  StartOrFail(server);

  const struct {
    std::string path;
    std::string body;
  } cases[] = {
      {"/", "root"},
      {"/metrics", "exact"},
      {"/v1/images/sha256:ab12?q=x%20y", "image sha256:ab12 via /v1/images/{id} q=x y"},
      {"/v1/images/a%2Fb%20c", "not found"},  // %2F decodes to '/': two segments, no route
      {"/v1/images/with%20space", "image with space via /v1/images/{id} q="},
      {"/v1/images/latest", "literal wins"},
      {"/v1/images/x/layers/3", "x#3"},
      {"/static", "static index"},
      {"/static/", "static []"},
      {"/static/css/site.css", "static [css/site.css]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    auto r = Get(server, c.path);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    if (c.body == "not found") {
      EXPECT_EQ(r->status, 404);
    } else {
      EXPECT_EQ(r->status, 200) << r->body;
      EXPECT_EQ(r->body, c.body);
    }
  }
  auto head = client_.Send({.method = "HEAD", .url = LocalUrl(server, "/metrics")});
  ASSERT_TRUE(head.ok()) << head.error().ToString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->Header("content-length"), "5");
  // cpp-httplib's address pseudo-headers are neither shown nor forgeable.
  auto headers = Get(server, "/headers", {{"X-Custom", "1"}, {"REMOTE_ADDR", "10.9.8.7"}});
  ASSERT_TRUE(headers.ok()) << headers.error().ToString();
  EXPECT_HAS(headers->body, "x-custom;");
  EXPECT_EQ(headers->body.find("remote_addr"), std::string::npos) << headers->body;
  EXPECT_EQ(headers->body.find("local_port"), std::string::npos) << headers->body;
  EXPECT_HAS(headers->body, " from 127.0.0.1");
  auto del = client_.Send({.method = "DELETE", .url = LocalUrl(server, "/v1/images/x")});
  ASSERT_TRUE(del.ok()) << del.error().ToString();
  EXPECT_EQ(del->body, "deleted");
}

TEST_F(HttpServerTest, NotFoundAndMethodNotAllowedAreJson) {
  HttpServer server({});
  ASSERT_TRUE(server.Handle("GET", "/metrics", Say("m")).ok());
  ASSERT_TRUE(server.Handle("PUT", "/metrics", Say("m")).ok());
  StartOrFail(server);
  auto missing = Get(server, "/nope");
  ASSERT_TRUE(missing.ok()) << missing.error().ToString();
  EXPECT_EQ(missing->status, 404);
  auto [code, message] = ErrorOf(*missing);
  EXPECT_EQ(code, "not_found");
  EXPECT_EQ(message, "no route for /nope");

  auto post = client_.Send({.method = "POST", .url = LocalUrl(server, "/metrics"), .body = "x"});
  ASSERT_TRUE(post.ok()) << post.error().ToString();
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(ErrorOf(*post).first, "method_not_allowed");
  EXPECT_EQ(post->Header("allow"), "GET, HEAD, PUT");

  // curl removes dot segments itself: they are sent raw.
  std::string raw = Raw(server.port(), "GET /a/../metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_HAS(raw, "HTTP/1.1 400");
  EXPECT_HAS(raw, "\"invalid_argument\"");

  std::string garbage = Raw(server.port(), "NONSENSE\r\n\r\n");
  EXPECT_HAS(garbage, "HTTP/1.1 400");
  EXPECT_HAS(garbage, "{\"error\":{\"code\":\"bad_request\",\"message\":\"malformed request\"}}");
}

TEST_F(HttpServerTest, HandlerErrorsMapToStatuses) {
  std::vector<RequestLogEntry> log;
  std::mutex mu;
  HttpServer server({.log = [&](const RequestLogEntry& e) {
    std::lock_guard lock(mu);
    log.push_back(e);
  }});
  const struct {
    Error error;
    int status;
    std::string code;
    std::string message;  // what the client sees
  } cases[] = {
      {InvalidArgument("bad flag"), 400, "invalid_argument", "bad flag"},
      {Corrupt("bad JSON at 3"), 400, "corrupt", "bad JSON at 3"},
      {NotFound("no image x"), 404, "not_found", "no image x"},
      {LimitExceeded("too many"), 413, "limit_exceeded", "too many"},
      {Unsupported("SPDX 1.0"), 415, "unsupported", "SPDX 1.0"},
      {IntegrityError("digest"), 422, "integrity", "digest"},
      {Unavailable("registry down"), 503, "unavailable", "registry down"},
      {IoError("cannot read /var/lib/vigil/db"), 500, "io", "internal error"},
      {InternalError("bug \"quoted\"\n"), 500, "internal", "internal error"},
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    Error e = cases[i].error;
    Route(server, "GET", "/e" + std::to_string(i), [e](const ServerRequest&) -> Result<ServerResponse> { return e; });
  }
  Route(server, "GET", "/throws",
        [](const ServerRequest&) -> Result<ServerResponse> { throw std::runtime_error("boom"); });
  StartOrFail(server);
  for (size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(cases[i].error.ToString());
    EXPECT_EQ(HttpStatusFor(cases[i].error.code()), cases[i].status);
    auto r = Get(server, "/e" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->status, cases[i].status);
    auto [code, message] = ErrorOf(*r);
    EXPECT_EQ(code, cases[i].code);
    EXPECT_EQ(message, cases[i].message);
  }
  auto thrown = Get(server, "/throws");
  ASSERT_TRUE(thrown.ok());
  EXPECT_EQ(thrown->status, 500);
  EXPECT_EQ(ErrorOf(*thrown).second, "internal error");
  server.Stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(log.size(), std::size(cases) + 1);
  // An entry is logged once its answer is sent, so the next request may be logged first: look
  // them up by path.
  auto entry = [&](const std::string& path) {
    for (const RequestLogEntry& e : log) {
      if (e.path == path) return e;
    }
    ADD_FAILURE() << "no log entry for " << path;
    return RequestLogEntry{};
  };
  EXPECT_EQ(entry("/e7").error, "io: cannot read /var/lib/vigil/db") << "the log has what the client does not";
  EXPECT_HAS(entry("/throws").error, "/throws: the handler threw: boom");
}

TEST_F(HttpServerTest, AuthHookRunsBeforeEveryHandler) {
  std::atomic<int> handled{0};
  HttpServer server({.auth = [](const ServerRequest& r) {
    if (r.route == "/healthz") return AuthResult::Allow();
    std::string token = r.Header("authorization");
    if (token.empty()) return AuthResult::Unauthenticated("a bearer token is needed", "Bearer realm=\"vigil\"");
    if (token != "Bearer good") return AuthResult::Forbidden("this token may not " + r.method + " " + r.path);
    return AuthResult::Allow();
  }});
  ASSERT_TRUE(server.Handle("GET", "/healthz", Say("ok")).ok());
  Route(server, "GET", "/secret/{id}", [&](const ServerRequest& r) -> Result<ServerResponse> {
    ++handled;
    return ServerResponse::Text("secret " + r.Param("id"));
  });
  StartOrFail(server);

  auto open = Get(server, "/healthz");
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->status, 200);

  auto anonymous = Get(server, "/secret/1");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(ErrorOf(*anonymous), (std::pair<std::string, std::string>{"unauthenticated", "a bearer token is needed"}));
  EXPECT_EQ(anonymous->Header("www-authenticate"), "Bearer realm=\"vigil\"");

  auto wrong = Get(server, "/secret/1", {{"Authorization", "Bearer bad"}});
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 403);
  EXPECT_EQ(ErrorOf(*wrong), (std::pair<std::string, std::string>{"forbidden", "this token may not GET /secret/1"}));

  auto unknown = Get(server, "/elsewhere");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 401) << "routes are not revealed before authentication";

  auto good = Get(server, "/secret/7", {{"Authorization", "Bearer good"}});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->status, 200);
  EXPECT_EQ(good->body, "secret 7");
  EXPECT_EQ(handled, 1);
}

TEST_F(HttpServerTest, LimitsOnBodyAndHeaderFields) {
  std::atomic<int> handled{0};
  HttpServer server({.max_body_bytes = 100, .max_header_bytes = 1024});
  Route(server, "POST", "/upload", [&](const ServerRequest& r) -> Result<ServerResponse> {
    ++handled;
    return ServerResponse::Text(std::to_string(r.body.size()));
  });
  StartOrFail(server);
  auto fits = client_.Send({.method = "POST", .url = LocalUrl(server, "/upload"), .body = std::string(100, 'x')});
  ASSERT_TRUE(fits.ok()) << fits.error().ToString();
  EXPECT_EQ(fits->body, "100");

  auto big = client_.Send({.method = "POST", .url = LocalUrl(server, "/upload"), .body = std::string(101, 'x')});
  ASSERT_TRUE(big.ok()) << big.error().ToString();
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(ErrorOf(*big), (std::pair<std::string, std::string>{
                               "limit_exceeded", "the request body is larger than the limit of 100 bytes"}));

  std::string chunked =
      Raw(server.port(),
          "POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
          "50\r\n" +
              std::string(80, 'y') + "\r\n50\r\n" + std::string(80, 'y') + "\r\n0\r\n\r\n");
  EXPECT_HAS(chunked, "HTTP/1.1 413");
  EXPECT_HAS(chunked, "\"limit_exceeded\"");

  // No Content-Length and no Transfer-Encoding: no body (not "read until the connection ends").
  std::string bodiless = Raw(server.port(), "POST /upload HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_HAS(bodiless, "HTTP/1.1 200");
  EXPECT_HAS(bodiless, "\r\n\r\n0");

  auto headers = Get(server, "/upload", {{"X-Filler", std::string(1100, 'h')}});
  ASSERT_TRUE(headers.ok()) << headers.error().ToString();
  EXPECT_EQ(headers->status, 431);
  EXPECT_EQ(ErrorOf(*headers).first, "limit_exceeded");
  EXPECT_EQ(handled, 2);
}

TEST_F(HttpServerTest, RequestLog) {
  std::vector<RequestLogEntry> log;
  std::mutex mu;
  HttpServer server({.log = [&](const RequestLogEntry& e) {
    std::lock_guard lock(mu);
    log.push_back(e);
  }});
  ASSERT_TRUE(server.Handle("GET", "/metrics", Say("0123456789")).ok());
  StartOrFail(server);
  ASSERT_TRUE(Get(server, "/metrics?x=1").ok());
  ASSERT_TRUE(Get(server, "/missing").ok());
  ASSERT_TRUE(client_.Send({.method = "HEAD", .url = LocalUrl(server, "/metrics")}).ok());
  server.Stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(log.size(), 3u);
  // Entries are logged once each answer is sent, so their order may differ from the requests'.
  auto entry = [&](const std::string& method, const std::string& path) {
    for (const RequestLogEntry& e : log) {
      if (e.method == method && e.path == path) return e;
    }
    ADD_FAILURE() << "no log entry for " << method << " " << path;
    return RequestLogEntry{};
  };
  RequestLogEntry get = entry("GET", "/metrics");
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.path, "/metrics");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.bytes, 10u);
  EXPECT_EQ(get.remote_addr, "127.0.0.1");
  EXPECT_EQ(get.error, "");
  EXPECT_GE(get.duration.count(), 0);
  RequestLogEntry missing = entry("GET", "/missing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error, "no route for /missing");
  EXPECT_GT(missing.bytes, 0u);
  RequestLogEntry head = entry("HEAD", "/metrics");
  EXPECT_EQ(head.method, "HEAD");
  EXPECT_EQ(head.bytes, 0u);
}

TEST_F(HttpServerTest, StopFinishesTheRequestInFlight) {
  Gate entered, release;
  HttpServer server({});
  Route(server, "GET", "/slow", [&](const ServerRequest&) -> Result<ServerResponse> {
    entered.Open();
    (void)release.Wait();
    return ServerResponse::Text("finished");
  });
  StartOrFail(server);
  int port = server.port();
  Result<HttpResponse> answer = InternalError("not run");
  std::thread caller([&] { answer = Get(server, "/slow"); });
  ASSERT_TRUE(entered.Wait());
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server.Stop();
    stopped = true;
  });
  // Once new connections are refused, Stop() has begun; it cannot end while the handler waits.
  for (int i = 0; i < 3000 && Accepts(port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(Accepts(port));
  EXPECT_FALSE(stopped) << "Stop() returned while a request was in flight";
  release.Open();
  stopper.join();
  caller.join();
  EXPECT_TRUE(stopped);
  ASSERT_TRUE(answer.ok()) << answer.error().ToString();
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "finished");
  server.Stop();  // idempotent
}

TEST_F(HttpServerTest, Tls) {
  TempDir dir;
  std::string cert = (dir.path() / "cert.pem").string();
  std::string key = (dir.path() / "key.pem").string();
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "
      "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >" + (dir.path() / "openssl.log").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  HttpServer server({.tls_cert_file = cert, .tls_key_file = key});
  ASSERT_TRUE(server.Handle("GET", "/hello", Say("over tls")).ok());
  StartOrFail(server);

  HttpClientOptions o = ClientOptions();
  o.ca_file = cert;
  auto r = HttpClient(o).Send({.url = LocalUrl(server, "/hello", "https")});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "over tls");

  auto untrusted = client_.Send({.url = LocalUrl(server, "/hello", "https")});
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(untrusted.error().message(), "certificate");

  // The same CA from memory (ca_pem, a kubeconfig's certificate-authority-data); it wins over
  // ca_file. Another CA in memory does not verify the server.
  std::ifstream pem_in(cert);
  std::string pem((std::istreambuf_iterator<char>(pem_in)), std::istreambuf_iterator<char>());
  HttpClientOptions from_memory = ClientOptions();
  from_memory.ca_pem = pem;
  from_memory.ca_file = (dir.path() / "nope.pem").string();
  auto r2 = HttpClient(from_memory).Send({.url = LocalUrl(server, "/hello", "https")});
  ASSERT_TRUE(r2.ok()) << r2.error().ToString();
  EXPECT_EQ(r2->body, "over tls");
  std::string other_cert = (dir.path() / "other.pem").string();
  std::string other_cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=other -keyout " +
      (dir.path() / "other-key.pem").string() + " -out " + other_cert + " >>" + (dir.path() / "openssl.log").string() +
      " 2>&1";
  ASSERT_EQ(std::system(other_cmd.c_str()), 0) << other_cmd;
  std::ifstream other_in(other_cert);
  HttpClientOptions wrong = ClientOptions();
  wrong.ca_pem.assign(std::istreambuf_iterator<char>(other_in), std::istreambuf_iterator<char>());
  auto refused = HttpClient(wrong).Send({.url = LocalUrl(server, "/hello", "https")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(refused.error().message(), "certificate");

  // A certificate without its key, and files that are missing.
  HttpServer mismatched({.tls_cert_file = cert, .tls_key_file = cert});
  Status s = mismatched.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  HttpServer missing({.tls_cert_file = cert, .tls_key_file = (dir.path() / "nope.pem").string()});
  s = missing.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.error().message(), "nope.pem");
  HttpServer half({.tls_cert_file = cert});
  EXPECT_FALSE(half.Start().ok());
}

TEST_F(HttpServerTest, ListenAddresses) {
  HttpServer first({.listen = "127.0.0.1:0"});
  StartOrFail(first);
  ASSERT_GT(first.port(), 0);
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second({.listen = taken});
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(s.error().message(), "cannot listen on " + taken);
  EXPECT_FALSE(first.Start().ok()) << "Start() twice";

  HttpServer v6({.listen = "[::1]:0"});
  Status v6s = v6.Start();
  if (!v6s.ok()) {
    GTEST_SKIP() << "no IPv6 loopback here: " << v6s.error().ToString();
  }
  EXPECT_GT(v6.port(), 0);
}

TEST_F(HttpServerTest, UnixSocketPaths) {
  TempDir dir;
  std::string path = (dir.path() / "s.sock").string();
  {
    HttpServer a({.listen = "unix:" + path});
    StartOrFail(a);
    HttpServer b({.listen = "unix:" + path});
    Status s = b.Start();
    ASSERT_FALSE(s.ok());
    EXPECT_HAS(s.error().message(), "another server is listening there");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  std::ofstream(dir.path() / "file") << "x";
  HttpServer c({.listen = "unix:" + (dir.path() / "file").string()});
  Status s = c.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.error().message(), "not a socket");
}

TEST(HttpServerRoutes, BadPatternsAndDuplicates) {
  HttpServer server({});
  const struct {
    std::string method, pattern, says;
  } bad[] = {
      {"GET", "metrics", "does not start with '/'"},
      {"GET", "/a/{id", "is not {name} or {name...}"},
      {"GET", "/a/{1d}", "not a parameter name"},
      {"GET", "/a/{x}/{x}", "appears twice"},
      {"GET", "/a/{rest...}/b", "must be the last segment"},
      {"GET", "/a{b}", "a brace inside a literal"},
      {"GET", "/a/../b", "'..'"},
      {"BREW", "/coffee", "unsupported method"},
  };
  for (const auto& c : bad) {
    SCOPED_TRACE(c.pattern);
    Status s = server.Handle(c.method, c.pattern, Say("x"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_HAS(s.error().message(), c.says);
  }
  ASSERT_TRUE(server.Handle("GET", "/v1/{id}", Say("x")).ok());
  Status dup = server.Handle("GET", "/v1/{name}", Say("y"));
  ASSERT_FALSE(dup.ok());
  EXPECT_HAS(dup.error().message(), "is the same as GET /v1/{id}");
  EXPECT_TRUE(server.Handle("POST", "/v1/{name}", Say("y")).ok()) << "another method is another route";
  StartOrFail(server);
  EXPECT_FALSE(server.Handle("GET", "/late", Say("z")).ok()) << "routes are fixed once started";
}

TEST(HttpServerHelpers, ParseListenAddress) {
  const struct {
    std::string text;
    std::string host;
    int port;
    std::string unix_path;
  } good[] = {
      {"127.0.0.1:9464", "127.0.0.1", 9464, ""},
      {"localhost:0", "localhost", 0, ""},
      {"[::1]:65535", "::1", 65535, ""},
      {"0.0.0.0:443", "0.0.0.0", 443, ""},
      {"unix:/run/vigil.sock", "", 0, "/run/vigil.sock"},
  };
  for (const auto& c : good) {
    auto a = ParseListenAddress(c.text);
    ASSERT_TRUE(a.ok()) << c.text << ": " << a.error().ToString();
    EXPECT_EQ(a->host, c.host) << c.text;
    EXPECT_EQ(a->port, c.port) << c.text;
    EXPECT_EQ(a->unix_path, c.unix_path) << c.text;
  }
  const struct {
    std::string text;
    std::string message;
  } bad[] = {
      {"nonsense", "'nonsense' is not HOST:PORT (e.g. 127.0.0.1:9464)"},
      {":80", "':80' is not HOST:PORT (e.g. 127.0.0.1:9464)"},
      {"host:", "'host:' is not HOST:PORT (e.g. 127.0.0.1:9464)"},
      {"host:http", "'host:http': the port is not a number from 0 to 65535"},
      {"host:65536", "'host:65536': the port is not a number from 0 to 65535"},
      {"host:-1", "'host:-1': the port is not a number from 0 to 65535"},
      {"unix:", "'unix:' names no socket path"},
  };
  for (const auto& c : bad) {
    auto a = ParseListenAddress(c.text);
    ASSERT_FALSE(a.ok()) << c.text;
    EXPECT_EQ(a.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(a.error().message(), c.message);
  }
}

TEST(HttpServerHelpers, ErrorBodies) {
  EXPECT_EQ(ErrorBody("not_found", "no route for /x"),
            "{\"error\":{\"code\":\"not_found\",\"message\":\"no route for /x\"}}");
  EXPECT_EQ(ErrorBody("internal", "a \"quote\"\n\x01"),
            "{\"error\":{\"code\":\"internal\",\"message\":\"a \\\"quote\\\"\\n\\u0001\"}}");
  EXPECT_EQ(ErrorBody("x", "\xff"), "{\"error\":{\"code\":\"x\",\"message\":\"\xef\xbf\xbd\"}}")
      << "bad UTF-8 replaced";
  EXPECT_EQ(ErrorCodeJsonName(ErrorCode::kLimitExceeded), "limit_exceeded");
  EXPECT_EQ(ErrorCodeJsonName(ErrorCode::kInvalidArgument), "invalid_argument");
}

}  // namespace
}  // namespace vigil::net
