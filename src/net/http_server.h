// The one HTTP server of vigil (cpp-httplib; its header stays in http_server.cc): routes by method
// and path, an auth hook, limits, JSON error bodies, a request log, optional TLS, and a graceful
// stop. docs/howto/add-an-http-endpoint.md shows how to add an endpoint.
//
//   net::HttpServer server({.listen = "127.0.0.1:9464"});
//   VIGIL_RETURN_IF_ERROR(server.Handle("GET", "/v1/images/{id}", [&](const net::ServerRequest& r)
//       -> Result<net::ServerResponse> {
//     VIGIL_ASSIGN_OR_RETURN(std::string json, LookUp(r.Param("id")));  // kNotFound → 404
//     return net::ServerResponse::Json(std::move(json));
//   }));
//   VIGIL_RETURN_IF_ERROR(server.Start());  // listens, then serves from threads of its own
//   ...
//   server.Stop();                          // finishes the requests in flight
//
// Every answer the adapter makes itself (unknown path, method not allowed, body or header fields
// too large, auth refused, a handler's Error, a malformed request) has a JSON body
// {"error":{"code":"not_found","message":"..."}} and Content-Type application/json.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace vigil::net {

// One request as a handler sees it.
struct ServerRequest {
  std::string method;  // "GET", "POST", ...; a HEAD request is routed as GET and says "HEAD"
  std::string path;    // percent-decoded, e.g. "/v1/images/sha256:ab"
  // The pattern that matched ("/v1/images/{id}"); "" in the auth hook when no route matched.
  std::string route;
  // The {name} and {name...} parts of the route, percent-decoded. A {name} value is one
  // non-empty path segment (never contains '/'); a {name...} value may be empty or contain '/'.
  std::map<std::string, std::string> params;
  // Decoded query parameters.
  std::multimap<std::string, std::string> query;
  // Header fields, names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  // The whole body (at most ServerOptions::max_body_bytes).
  std::string body;
  // The peer's IP address; "" on a unix socket.
  std::string remote_addr;

  // The route parameter `name`, or "".
  std::string Param(std::string_view name) const;
  // The first value of header `name` (any case), or "".
  std::string Header(std::string_view name) const;
  // The first value of query parameter `name`, or "".
  std::string Query(std::string_view name) const;
};

// A handler's answer.
struct ServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra header fields. A name or value with CR, LF or NUL makes the answer a 500.
  std::vector<std::pair<std::string, std::string>> headers;
  // Instead of `body`: a producer that writes the body in pieces, sent with chunked encoding as
  // it goes (for large answers). It runs on the worker thread after the status and header fields
  // were sent; `write` returns false once the client is gone. An Error, or a throw, ends the
  // answer without its last chunk, so the client sees a broken transfer.
  using Writer = std::function<bool(std::string_view data)>;
  std::function<Status(const Writer& write)> stream;

  static ServerResponse Json(std::string body, int status = 200);
  static ServerResponse Text(std::string body, std::string content_type = "text/plain; charset=utf-8");
};

// A handler. An Error becomes the JSON error body with HttpStatusFor(code); the message is sent
// to the client, except for kIo and kInternal (500), which are sent as "internal error" and
// written only to the request log. Handlers run on the server's worker threads, several at once.
using Handler = std::function<Result<ServerResponse>(const ServerRequest&)>;

// What the auth hook decides.
struct AuthResult {
  int status = 0;         // 0: allowed; 401, 403 or 429: refused with that status
  std::string message;    // for the client, when refused
  std::string challenge;  // a WWW-Authenticate value sent with a 401 (e.g. "Bearer realm=\"vigil\"")
  int retry_after = 0;    // seconds, sent as Retry-After with a 429 when > 0

  static AuthResult Allow() { return {}; }
  static AuthResult Unauthenticated(std::string message, std::string challenge = "") {
    return {401, std::move(message), std::move(challenge), 0};
  }
  static AuthResult Forbidden(std::string message) { return {403, std::move(message), "", 0}; }
  static AuthResult TooManyRequests(std::string message, int retry_after_seconds) {
    return {429, std::move(message), "", retry_after_seconds};
  }
};

// Runs before every handler, and before the 404 and 405 answers (so an unauthenticated client
// learns nothing about the routes); `request.route` tells which route matched. The body has been
// read (within max_body_bytes) when it runs.
using AuthHook = std::function<AuthResult(const ServerRequest&)>;

// One line of the request log, written after the answer was sent.
struct RequestLogEntry {
  std::string method;
  std::string path;  // decoded, without the query
  int status = 0;
  // Bytes of the response body sent (0 for HEAD).
  uint64_t bytes = 0;
  // From the end of the request's header fields to the answer sent.
  std::chrono::microseconds duration{0};
  std::string remote_addr;
  // The full message of an error answer the adapter made, else "".
  std::string error;
};
// Called from the server's threads once an answer is sent; entries of requests that overlap, or
// follow each other closely, may come in either order.
using RequestLogger = std::function<void(const RequestLogEntry&)>;

struct ServerOptions {
  // "HOST:PORT" ("127.0.0.1:9464", "localhost:8080", "0.0.0.0:443"), "[IPv6]:PORT" ("[::1]:0"),
  // or "unix:/path/to.sock". Port 0 picks a free port (see HttpServer::port()).
  std::string listen = "127.0.0.1:0";
  // TLS: PEM files of the certificate (chain) and its private key; both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // A request body larger than this is answered 413 (from Content-Length before it is read, or
  // while a chunked body is read).
  uint64_t max_body_bytes = 1 << 20;
  // The request line and header fields together larger than this are answered 431. (cpp-httplib
  // also refuses any single line longer than 8 KiB with 400, and a target longer than 8 KiB with
  // 414.)
  size_t max_header_bytes = 16 * 1024;
  size_t threads = 8;  // requests served at once; at least 1
  std::chrono::seconds read_timeout{5};
  std::chrono::seconds write_timeout{5};
  // An idle keep-alive connection is closed after this; Stop() may wait this long for one.
  std::chrono::seconds keep_alive_timeout{5};
  AuthHook auth;      // none: every request is allowed
  RequestLogger log;  // none: no log; called from the worker threads, several at once
};

// The listening address ServerOptions::listen names.
struct ListenAddress {
  std::string host;       // without brackets: "127.0.0.1", "::1", "localhost"; "" for unix
  int port = 0;           // 0..65535
  std::string unix_path;  // for "unix:/path"
};

// Parses ServerOptions::listen. Errors (kInvalidArgument), `address` quoted:
//   "'nonsense' is not HOST:PORT (e.g. 127.0.0.1:9464)";
//   "'host:x': the port is not a number from 0 to 65535";
//   "'unix:' names no socket path".
Result<ListenAddress> ParseListenAddress(std::string_view address);

// The HTTP status for an error of `code`, the one mapping every server uses:
//   kInvalidArgument, kCorrupt → 400; kNotFound → 404; kLimitExceeded → 413;
//   kUnsupported → 415; kIntegrity → 422; kUnavailable → 503; kIo, kInternal → 500.
int HttpStatusFor(ErrorCode code);

// The JSON code of an error: ErrorCodeName with '_' for ' ' ("not_found", "limit_exceeded").
std::string ErrorCodeJsonName(ErrorCode code);

// {"error":{"code":"<code>","message":"<message>"}} (JSON-escaped).
std::string ErrorBody(std::string_view code, std::string_view message);

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  // Stop()s.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a route: `method` is GET, POST, PUT, PATCH, DELETE or OPTIONS (GET also answers HEAD);
  // `pattern` is a path of segments, each literal, "{name}" (one segment), or, as the last one,
  // "{name...}" (the rest of the path, possibly empty): "/metrics", "/v1/images/{id}",
  // "/static/{path...}". When several routes match, the most specific wins, segment by segment
  // (literal over {name} over {name...}). A path with a "." or ".." segment is answered 400.
  // Errors (kInvalidArgument): an unknown method, a malformed pattern, a route with the same
  // method and shape as an earlier one, or a call after Start().
  Status Handle(std::string_view method, std::string_view pattern, Handler handler);

  // Binds ServerOptions::listen and serves from a thread of its own (and its workers). Errors:
  // kInvalidArgument for a bad address, unreadable or mismatched TLS files, or a call after an
  // earlier Start() or Stop();
  // kUnavailable "cannot listen on <address>: <reason>" when the address cannot be bound (in use,
  // not local, no permission; a unix socket path where another server listens).
  Status Start();

  // Stops accepting, lets the requests in flight finish and be answered, closes idle
  // connections (within keep_alive_timeout) and returns when every thread has ended; removes a
  // unix socket it created. Idempotent; thread-safe; must not be called from a handler.
  void Stop();

  // The port bound by Start() (the one picked for port 0); 0 before Start() and for unix sockets.
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::net
