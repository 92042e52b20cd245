// net::HttpClient against an in-process net::HttpServer on 127.0.0.1 and on a unix socket.
#include "net/http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "common/strings.h"
#include "common/time.h"
#include "net/http_server.h"
#include "net_test_util.h"

namespace vigil::net {
namespace {

using std::chrono::milliseconds;
using testing::Gate;
using testing::kPatience;
using testing::LocalUrl;
using testing::Route;
using testing::StartOrFail;

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "'" << (text) << "' lacks '" << (part) << "'"

// A port nothing listens on (bound, then released).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Options for a fast test: no real waits between retries.
HttpClientOptions Fast() {
  HttpClientOptions o;
  o.retry.base_delay = milliseconds(1);
  o.retry.max_delay = milliseconds(5);
  return o;
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The server is local: a proxy in the environment must not capture it.
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  }
  void TearDown() override { server_.Stop(); }

  HttpServer server_{ServerOptions{}};
  std::atomic<int> calls_{0};
};

TEST_F(HttpClientTest, StatusHeadersAndBody) {
  Route(server_, "GET", "/hello", [](const ServerRequest& r) -> Result<ServerResponse> {
    ServerResponse out = ServerResponse::Text("hello " + r.Header("X-Name"));
    out.status = 203;
    out.headers = {{"X-Thing", "one"}, {"ETag", "\"v1\""}};
    return out;
  });
  Route(server_, "POST", "/echo", [](const ServerRequest& r) -> Result<ServerResponse> {
    return ServerResponse::Text(r.method + " " + r.body + " " + r.Header("content-type"));
  });
  StartOrFail(server_);
  HttpClient client(Fast());
  auto r = client.Send({.url = LocalUrl(server_, "/hello"), .headers = {{"X-Name", "vigil"}}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 203);
  EXPECT_EQ(r->body, "hello vigil");
  EXPECT_EQ(r->body_bytes, r->body.size());
  EXPECT_EQ(r->Header("x-thing"), "one");
  EXPECT_EQ(r->Header("ETag"), "\"v1\"") << "any case";
  EXPECT_EQ(r->Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r->Header("missing"), "");
  for (const auto& [name, value] : r->headers) {
    EXPECT_EQ(name, AsciiLower(name)) << "names are lower case";
  }
  EXPECT_EQ(r->effective_url, LocalUrl(server_, "/hello"));
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->retry_note, "");

  auto posted = client.Send({.method = "POST",
                             .url = LocalUrl(server_, "/echo"),
                             .headers = {{"Content-Type", "text/x-test"}},
                             .body = "payload"});
  ASSERT_TRUE(posted.ok()) << posted.error().ToString();
  EXPECT_EQ(posted->body, "POST payload text/x-test");
}

TEST_F(HttpClientTest, ErrorStatusIsAnAnswerWithItsBody) {
  StartOrFail(server_);
  HttpClient client(Fast());
  auto r = client.Send({.url = LocalUrl(server_, "/nowhere")});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 404);
  EXPECT_HAS(r->body, "\"not_found\"");
  EXPECT_FALSE(r->body_truncated);

  HttpClientOptions small = Fast();
  small.max_error_body_bytes = 10;
  auto cut = HttpClient(small).Send({.url = LocalUrl(server_, "/nowhere")});
  ASSERT_TRUE(cut.ok()) << cut.error().ToString();
  EXPECT_EQ(cut->status, 404);
  EXPECT_EQ(cut->body.size(), 10u);
  EXPECT_TRUE(cut->body_truncated);
}

TEST_F(HttpClientTest, BodyLimitFromContentLengthBeforeAnyByte) {
  Route(server_, "GET", "/big",
        [](const ServerRequest&) -> Result<ServerResponse> { return ServerResponse::Text(std::string(1000, 'x')); });
  StartOrFail(server_);
  HttpClientOptions o = Fast();
  o.max_body_bytes = 999;
  HttpClient client(o);
  auto r = client.Send({.url = LocalUrl(server_, "/big")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  EXPECT_HAS(r.error().message(), "larger than the limit of 999 bytes");
  EXPECT_HAS(r.error().message(), LocalUrl(server_, "/big"));

  // Streaming: the sink never sees a byte (nor the start of a body).
  int begins = 0;
  uint64_t written = 0;
  BodySink sink{[&](const HttpResponse&) {
                  ++begins;
                  return OkStatus();
                },
                [&](std::string_view d) {
                  written += d.size();
                  return OkStatus();
                }};
  auto s = client.Stream({.url = LocalUrl(server_, "/big")}, sink);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(begins, 0);
  EXPECT_EQ(written, 0u);

  o.max_body_bytes = 1000;
  auto exact = HttpClient(o).Send({.url = LocalUrl(server_, "/big")});
  ASSERT_TRUE(exact.ok()) << exact.error().ToString();
  EXPECT_EQ(exact->body.size(), 1000u);
}

TEST_F(HttpClientTest, BodyLimitWhileStreaming) {
  // 100 chunks of 16 bytes, chunked: no Content-Length to refuse it early.
  Route(server_, "GET", "/chunked", [](const ServerRequest&) -> Result<ServerResponse> {
    ServerResponse out;
    out.content_type = "application/octet-stream";
    out.stream = [](const ServerResponse::Writer& write) -> Status {
      for (int i = 0; i < 100; ++i) {
        if (!write("0123456789abcdef")) return Unavailable("client gone");
      }
      return OkStatus();
    };
    return out;
  });
  StartOrFail(server_);
  HttpClientOptions o = Fast();
  o.max_body_bytes = 1000;
  uint64_t written = 0;
  int begins = 0;
  BodySink sink{[&](const HttpResponse& head) {
                  ++begins;
                  EXPECT_EQ(head.status, 200);
                  EXPECT_EQ(head.Header("transfer-encoding"), "chunked");
                  written = 0;
                  return OkStatus();
                },
                [&](std::string_view d) {
                  written += d.size();
                  return OkStatus();
                }};
  auto r = HttpClient(o).Stream({.url = LocalUrl(server_, "/chunked")}, sink);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  EXPECT_LE(written, 1000u) << "nothing beyond the cap reaches the sink";
  EXPECT_EQ(begins, 1) << "a limit is not retried";

  o.max_body_bytes = 1600;
  auto exact = HttpClient(o).Stream({.url = LocalUrl(server_, "/chunked")}, sink);
  ASSERT_TRUE(exact.ok()) << exact.error().ToString();
  EXPECT_EQ(exact->status, 200);
  EXPECT_EQ(exact->body, "") << "the body went to the sink";
  EXPECT_EQ(exact->body_bytes, 1600u);
  EXPECT_EQ(written, 1600u);
}

TEST_F(HttpClientTest, BrokenTransferIsRetriedAndTheSinkStartsAgain) {
  Route(server_, "GET", "/once-broken", [&](const ServerRequest&) -> Result<ServerResponse> {
    bool first = calls_++ == 0;
    ServerResponse out;
    out.stream = [first](const ServerResponse::Writer& write) -> Status {
      if (!write("part one;")) return Unavailable("client gone");
      if (first) return IoError("the producer failed half way");  // the chunked body is cut
      write("part two");
      return OkStatus();
    };
    return out;
  });
  StartOrFail(server_);
  HttpClientOptions o = Fast();
  o.retry.retries = 1;
  int begins = 0;
  std::string got;
  BodySink sink{[&](const HttpResponse&) {
                  ++begins;
                  got.clear();
                  return OkStatus();
                },
                [&](std::string_view d) {
                  got += d;
                  return OkStatus();
                }};
  auto r = HttpClient(o).Stream({.url = LocalUrl(server_, "/once-broken")}, sink);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(begins, 2);
  EXPECT_EQ(got, "part one;part two");
  EXPECT_EQ(calls_, 2);
}

TEST_F(HttpClientTest, SinkErrorEndsTheCall) {
  Route(server_, "GET", "/x",
        [](const ServerRequest&) -> Result<ServerResponse> { return ServerResponse::Text("data"); });
  Route(server_, "GET", "/empty", [&](const ServerRequest&) -> Result<ServerResponse> {
    ++calls_;
    return ServerResponse::Text("");
  });
  StartOrFail(server_);
  HttpClient client(Fast());
  BodySink refuse{[](const HttpResponse&) { return OkStatus(); },
                  [](std::string_view) -> Status { return IoError("disk full"); }};
  auto r = client.Stream({.url = LocalUrl(server_, "/x")}, refuse);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_EQ(r.error().message(), "disk full");

  // An empty 2xx body still starts the sink, once.
  int begins = 0;
  BodySink count{[&](const HttpResponse& head) {
                   ++begins;
                   EXPECT_EQ(head.status, 200);
                   return OkStatus();
                 },
                 [](std::string_view) { return OkStatus(); }};
  auto empty = client.Stream({.url = LocalUrl(server_, "/empty")}, count);
  ASSERT_TRUE(empty.ok()) << empty.error().ToString();
  EXPECT_EQ(begins, 1);
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpClientTest, RetriesA503ThenSucceeds) {
  Route(server_, "GET", "/flaky", [&](const ServerRequest&) -> Result<ServerResponse> {
    if (calls_++ == 0) {
      ServerResponse busy = ServerResponse::Text("busy");
      busy.status = 503;
      return busy;
    }
    return ServerResponse::Text("ok");
  });
  StartOrFail(server_);
  HttpClientOptions o = Fast();
  o.retry.retries = 2;
  auto r = HttpClient(o).Send({.url = LocalUrl(server_, "/flaky")});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(calls_, 2);
}

TEST_F(HttpClientTest, GivesUpOnA503AfterTheRetries) {
  Route(server_, "GET", "/down", [&](const ServerRequest&) -> Result<ServerResponse> {
    ++calls_;
    return Unavailable("the database is away");  // 503
  });
  StartOrFail(server_);
  HttpClientOptions o = Fast();
  o.retry.retries = 2;
  auto r = HttpClient(o).Send({.url = LocalUrl(server_, "/down")});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(r->retry_note, "gave up after 3 attempts");
  EXPECT_HAS(r->body, "the database is away");
  EXPECT_EQ(calls_, 3);
}

// Retry-After is honoured: the backoff alone would wait an hour, so the call can only end in
// time if the server's one or two seconds were used instead. A Cancellation after kPatience turns
// a hang into a failure.
TEST_F(HttpClientTest, RetryAfterInSecondsAndAsHttpDateIsHonoured) {
  Route(server_, "GET", "/{form}", [&](const ServerRequest& r) -> Result<ServerResponse> {
    if (calls_++ % 2 == 0) {
      ServerResponse later = ServerResponse::Text("later");
      later.status = r.Param("form") == "seconds" ? 429 : 503;
      later.headers = {{"Retry-After", r.Param("form") == "seconds" ? "1" : HttpDate(std::time(nullptr) + 3)}};
      return later;
    }
    return ServerResponse::Text("ok");
  });
  StartOrFail(server_);
  HttpClientOptions o = Fast();
  o.retry.base_delay = std::chrono::hours(1);
  o.retry.max_delay = std::chrono::hours(1);
  HttpClient client(o);
  Cancellation watchdog, finished;
  std::thread timer([&] {
    if (!finished.WaitFor(kPatience)) watchdog.Cancel();
  });
  for (const char* form : {"seconds", "date"}) {
    SCOPED_TRACE(form);
    auto r = client.Send({.url = LocalUrl(server_, std::string("/") + form), .cancel = &watchdog});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->attempts, 2);
  }
  EXPECT_FALSE(watchdog.cancelled());
  finished.Cancel();
  timer.join();
  EXPECT_EQ(calls_, 4);
}

TEST_F(HttpClientTest, RetryAfterBeyondTheBoundFailsAtOnce) {
  Route(server_, "GET", "/x", [&](const ServerRequest&) -> Result<ServerResponse> {
    ++calls_;
    ServerResponse later = ServerResponse::Text("later");
    later.status = 503;
    later.headers = {{"Retry-After", "3600"}};
    return later;
  });
  StartOrFail(server_);
  auto r = HttpClient(Fast()).Send({.url = LocalUrl(server_, "/x")});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->retry_note, "the server asks to retry after 3600 s, more than the 60 s allowed");
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpClientTest, ClientErrorsAreNotRetried) {
  Route(server_, "GET", "/gone", [&](const ServerRequest&) -> Result<ServerResponse> {
    ++calls_;
    return NotFound("no such thing");
  });
  StartOrFail(server_);
  auto r = HttpClient(Fast()).Send({.url = LocalUrl(server_, "/gone")});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->retry_note, "");
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpClientTest, TimeoutIsAnErrorAndRetried) {
  Gate release;
  Route(server_, "GET", "/slow", [&](const ServerRequest&) -> Result<ServerResponse> {
    ++calls_;
    (void)release.Wait();
    return ServerResponse::Text("late");
  });
  StartOrFail(server_);
  HttpClientOptions o = Fast();
  o.total_timeout = milliseconds(200);
  o.retry.retries = 1;
  auto r = HttpClient(o).Send({.url = LocalUrl(server_, "/slow")});
  release.Open();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_HAS(r.error().message(), "timed out");
  EXPECT_HAS(r.error().message(), "curl error 28");
  EXPECT_HAS(r.error().message(), "gave up after 2 attempts");
  server_.Stop();
  EXPECT_EQ(calls_, 2);
}

TEST_F(HttpClientTest, CancellationAbandonsARequestInFlight) {
  Gate entered, release;
  Route(server_, "GET", "/hang", [&](const ServerRequest&) -> Result<ServerResponse> {
    entered.Open();
    (void)release.Wait();
    return ServerResponse::Text("late");
  });
  StartOrFail(server_);
  Cancellation cancel;
  std::thread canceller([&] {
    if (entered.Wait()) cancel.Cancel();
  });
  auto r = HttpClient(Fast()).Send({.url = LocalUrl(server_, "/hang"), .cancel = &cancel});
  release.Open();
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(r.error().message(), "cancelled");
}

TEST_F(HttpClientTest, ConnectionRefusedIsRetriedThenNamed) {
  HttpClientOptions o = Fast();
  o.retry.retries = 2;
  std::string url = "http://127.0.0.1:" + std::to_string(FreePort()) + "/x";
  auto r = HttpClient(o).Send({.url = url});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(r.error().message(), url + ": cannot connect (curl error 7");
  EXPECT_HAS(r.error().message(), "gave up after 3 attempts");
}

TEST_F(HttpClientTest, UnixSocketServer) {
  testing::TempDir dir;
  std::string sock = (dir.path() / "api.sock").string();
  HttpServer server({.listen = "unix:" + sock});
  Route(server, "GET", "/v1/items/{id}", [](const ServerRequest& r) -> Result<ServerResponse> {
    return ServerResponse::Json("{\"id\":\"" + r.Param("id") + "\",\"remote\":\"" + r.remote_addr + "\"}");
  });
  StartOrFail(server);
  EXPECT_EQ(server.port(), 0);
  HttpClient client(Fast());
  auto r = client.Send({.url = "http://localhost/v1/items/42", .unix_socket = sock});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"id\":\"42\",\"remote\":\"\"}");
  EXPECT_EQ(r->Header("content-type"), "application/json");
  server.Stop();
  EXPECT_FALSE(std::filesystem::exists(sock)) << "the server removes its socket";

  HttpClientOptions once = Fast();
  once.retry.retries = 0;
  auto gone = HttpClient(once).Send({.url = "http://localhost/v1/items/42?x=1", .unix_socket = sock});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(gone.error().message(), sock + ": GET /v1/items/42?x=1: cannot connect");
}

TEST_F(HttpClientTest, RefusedBeforeAnyTraffic) {
  HttpClient client(Fast());
  const struct {
    HttpRequest request;
    std::string says;
  } cases[] = {
      {{.url = "http://example.com/x"}, "plain http is refused"},
      {{.url = "ftp://example.com/x"}, "unsupported scheme 'ftp'"},
      {{.url = "https://"}, "not a valid URL"},
      {{.url = ""}, "empty URL"},
      {{.method = "BREW", .url = "https://example.com/"}, "unsupported method 'BREW'"},
      {{.url = "https://example.com/", .headers = {{"X-A", "1\r\nX-Injected: 1"}}}, "header 'X-A'"},
      {{.url = "https://example.com/", .headers = {{"Bad Name", "1"}}}, "header 'Bad Name'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request.url + " " + c.says);
    auto r = client.Send(c.request);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
    EXPECT_HAS(r.error().message(), c.says);
  }
  HttpClientOptions no_loopback = Fast();
  no_loopback.allow_loopback_http = false;
  auto r = HttpClient(no_loopback).Send({.url = "http://127.0.0.1:1/x"});
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.error().message(), "plain http is refused");
}

TEST(HttpClientHelpers, LoopbackHostsAndRetryableStatuses) {
  for (const char* host : {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "[::1]", "::1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"example.com", "10.0.0.1", "0.0.0.0", "[::]", "128.0.0.1", "localhost.example", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
  for (int s : {408, 429, 500, 502, 503, 504, 599}) EXPECT_TRUE(IsRetryableStatus(s)) << s;
  for (int s : {200, 304, 400, 401, 403, 404, 410, 600}) EXPECT_FALSE(IsRetryableStatus(s)) << s;
  EXPECT_EQ(DefaultUserAgent().rfind("vigil/", 0), 0u);
  EXPECT_EQ(HttpClientOptions{}.user_agent, DefaultUserAgent());
}

}  // namespace
}  // namespace vigil::net
