// The one HTTP client of vigil (libcurl; its header stays in http_client.cc): requests over TCP
// (https, and http where allowed) or a unix socket, with time limits, a cap on the body, retries
// with backoff, and a streaming variant that hands the body to the caller as it arrives.
//
//   net::HttpClient client({.ca_file = ca, .retry = {.retries = 2}});
//   Result<net::HttpResponse> r = client.Send({.url = "https://registry.example/v2/"});
//   if (!r.ok()) ...           // transport: kUnavailable / kLimitExceeded / kInvalidArgument
//   if (r->status != 200) ...  // an HTTP status is an answer, not an error: the caller decides
//
// What this layer guarantees:
//  - TLS peers are always verified (certificate chain and host name; TLS 1.2 or later), against
//    the system store, HttpClientOptions::ca_file or HttpClientOptions::ca_pem.
//  - Only https is requested unless http is allowed (HttpClientOptions::allow_http, or a loopback
//    host with allow_loopback_http); unix-socket requests are plain http to a local peer.
//    Redirects are followed up to max_redirects and never from https to http.
//  - A body is never decoded (no Accept-Encoding is sent) and never kept beyond its cap: a
//    Content-Length above the cap fails before any byte is kept, a longer stream as soon as it
//    passes the cap.
//  - A 2xx body is complete: the transfer finished, its length matches Content-Length, and (by
//    default) an HTTP/1 body delimited only by the connection's end is refused, since a cut there
//    looks like the end.
//  - Proxies: libcurl's defaults (https_proxy, HTTPS_PROXY, http_proxy, ALL_PROXY, NO_PROXY from
//    the environment) for TCP requests; none for unix sockets. No .netrc, no cookies.
//
// Thread-safe: one HttpClient may be used from many threads at once; every call uses a curl
// handle of its own (no connection is kept between calls). libcurl's global setup runs once,
// behind std::call_once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace vigil::net {

// Header fields in order. Request names are sent as written; response names are lower case.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Lets another thread abandon calls in progress: a transfer stops within about 100 ms, a wait
// between retries at once, and the call returns kUnavailable ("cancelled"). Thread-safe. Must
// outlive every call it is passed to.
class Cancellation {
 public:
  // Cancels every call using this object, now and later.
  void Cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // Sleeps for `d` or until Cancel(); true when cancelled.
  bool WaitFor(std::chrono::milliseconds d) const;

 private:
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
};

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS
  // "https://host[:port]/path?query" (http:// where allowed). With unix_socket, the URL's host
  // only fills the Host header: "http://localhost/v1.41/containers/json".
  std::string url;
  // Extra request headers. A name must be an HTTP token and a value must not contain CR, LF or
  // NUL (kInvalidArgument otherwise). "User-Agent" here replaces HttpClientOptions::user_agent.
  Headers headers;
  // Sent when not empty (and for POST, PUT and PATCH even when empty).
  std::string body;
  // Connect to this unix socket instead of the URL's host; "" = TCP.
  std::string unix_socket;
  // Not owned; may be null.
  Cancellation* cancel = nullptr;
};

// The final answer, after redirects and retries.
struct HttpResponse {
  int status = 0;
  Headers headers;  // of the final response only; names in lower case, in the order received
  // The body (Send), or empty when it went to a BodySink (a 2xx answer of Stream). The body of a
  // status outside 2xx is kept up to HttpClientOptions::max_error_body_bytes and cut there.
  std::string body;
  bool body_truncated = false;  // a body outside 2xx was cut at max_error_body_bytes
  uint64_t body_bytes = 0;      // bytes of the body received (streamed or kept)
  std::string effective_url;    // the URL that answered, after redirects
  int attempts = 1;             // requests made, retries included
  // Why a retryable status (408, 429, 5xx) is returned instead of retried once more:
  // "gave up after 3 attempts", or "the server asks to retry after 3600 s, more than the 60 s
  // allowed". "" when the status is not retryable or no retry was allowed.
  std::string retry_note;

  // The first value of header `name` (any case), or "".
  std::string Header(std::string_view name) const;
};

// Where Stream() delivers a 2xx body. begin() is called once per attempt that got a 2xx answer,
// before the first byte of its body (also for an empty body), with the status and headers
// (`body` empty); when a broken transfer is retried, begin() is called again and the sink must
// drop what the earlier attempt delivered. write() gets the bytes in order. An error from either
// ends the call with that error (never retried).
struct BodySink {
  std::function<Status(const HttpResponse& head)> begin;
  std::function<Status(std::string_view data)> write;
};

struct RetryPolicy {
  // Extra attempts after the first on connection errors, timeouts, broken transfers, and the
  // statuses 408, 429 and 5xx. Every method is retried: set 0 for a request that must not be
  // sent twice.
  int retries = 3;
  // The wait before retry n (1-based): base_delay * 2^(n-1), at most max_delay, plus up to 25%
  // jitter. A Retry-After header (seconds or an HTTP-date) replaces it; one longer than
  // max_retry_after ends the retries at once (see HttpResponse::retry_note).
  std::chrono::milliseconds base_delay{1000};
  std::chrono::milliseconds max_delay{30'000};
  std::chrono::seconds max_retry_after{60};
};

// "vigil/<project version>".
std::string DefaultUserAgent();

struct HttpClientOptions {
  // A PEM CA bundle used instead of the system's (curl's --cacert); "" = the system store.
  std::string ca_file;
  // PEM CA certificates held in memory (a kubeconfig's certificate-authority-data), used instead
  // of the system's store and of ca_file; "" = not used.
  std::string ca_pem;
  // http:// URLs to any host. A redirect from an http:// URL may then also go to http://.
  bool allow_http = false;
  // http:// URLs whose host is a loopback address (127.0.0.0/8, [::1], localhost), for local
  // mirrors and tests. Redirects from them go to https only (unless allow_http).
  bool allow_loopback_http = true;
  // Redirects (301, 302, 303, 307, 308) followed; more is an error. 0: a 3xx is the answer.
  int max_redirects = 5;
  std::chrono::milliseconds connect_timeout{30'000};
  // A hard cap on one attempt (connection included); 0 = none.
  std::chrono::milliseconds total_timeout{0};
  // An attempt slower than low_speed_bytes_per_s for low_speed_time is aborted (and retried).
  // 0 for either: no such check.
  long low_speed_bytes_per_s = 1024;
  std::chrono::seconds low_speed_time{60};
  // A 2xx body larger than this is refused (kLimitExceeded, not retried).
  uint64_t max_body_bytes = uint64_t{64} << 20;
  // Bodies of other statuses are kept up to this many bytes (HttpResponse::body_truncated).
  uint64_t max_error_body_bytes = 64 * 1024;
  // Refuse a 2xx HTTP/1 body with neither Content-Length nor chunked encoding (its end is where
  // the connection ends, so a cut cannot be told apart from the end).
  bool require_framed_body = true;
  std::string user_agent = DefaultUserAgent();
  RetryPolicy retry;
};

// Error codes of Send() and Stream(); every message starts with where: the URL, or for a unix
// socket "<socket>: <METHOD> <path>":
//  - kInvalidArgument: a malformed URL, a scheme other than https/http, http not allowed
//    ("plain http is refused"), a bad method or header; nothing was sent;
//  - kUnavailable: DNS, connection, TLS ("certificate is not trusted or does not match the
//    host"), timeouts, a broken or short transfer, an unframed body, too many redirects or one
//    to a refused scheme ("https is never redirected to http"), cancelled; the curl error is
//    named ("curl error 7: ..."), and "; gave up after N attempts" when retries were made;
//  - kLimitExceeded: a 2xx body larger than max_body_bytes;
//  - kInternal: libcurl could not be set up;
//  - the error a BodySink returned.
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and returns the answer with its body (any status: see HttpResponse).
  Result<HttpResponse> Send(const HttpRequest& request) const;

  // As Send(), but a 2xx body goes to `sink` as it arrives instead of into HttpResponse::body.
  Result<HttpResponse> Stream(const HttpRequest& request, const BodySink& sink) const;

  const HttpClientOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True for a host that names the local machine: "localhost", 127.0.0.0/8, "[::1]" or "::1".
bool IsLoopbackHost(std::string_view host);

// True for the statuses the client retries: 408, 429 and 500..599.
bool IsRetryableStatus(int status);

}  // namespace vigil::net
