#include "net/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "common/strings.h"
#include "common/time.h"

#ifndef VIGIL_VERSION_STRING
#define VIGIL_VERSION_STRING "0"
#endif

namespace vigil::net {
namespace {

// How often a transfer in progress looks at its Cancellation.
constexpr long kCancelPollMs = 100;
// Retry-After values are clipped here before they are compared with the allowed wait.
constexpr long kMaxRetryAfterSeconds = 1'000'000;

Status GlobalInit() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) return InternalError(std::string("curl_global_init: ") + curl_easy_strerror(rc));
  return OkStatus();
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  void operator()(char* s) const { curl_free(s); }
};
template <typename T>
using CurlPtr = std::unique_ptr<T, CurlDeleter>;
// CURL and CURLM are both `void`, so the multi handle has a deleter of its own.
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;

bool IsTokenChar(unsigned char c) { return std::isalnum(c) != 0 || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr; }

bool ValidHeader(const std::string& name, const std::string& value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char c) { return IsTokenChar(c); })) {
    return false;
  }
  return std::none_of(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool RetryableCurlError(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// Errors that can happen while a body is being received, after the status line and headers.
bool BodyPhaseError(CURLcode rc) {
  return rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_HTTP2 ||
         rc == CURLE_HTTP2_STREAM || rc == CURLE_WRITE_ERROR;
}

// The headers of the last response (after redirects), names in lower case.
Headers CollectHeaders(CURL* c) {
  Headers out;
  curl_header* prev = nullptr;
  while (curl_header* h = curl_easy_nextheader(c, CURLH_HEADER, -1, prev)) {
    out.emplace_back(AsciiLower(h->name), h->value);
    prev = h;
  }
  return out;
}

// Retry-After in seconds from now ("120" or an HTTP-date); 0 when absent, in the past or unusable.
long RetryAfterSeconds(const std::string& value) {
  std::string_view v = value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return 0;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    long s = 0;
    for (char c : v) {
      s = s * 10 + (c - '0');
      if (s > kMaxRetryAfterSeconds) return kMaxRetryAfterSeconds;
    }
    return s;
  }
  std::optional<std::time_t> at = ParseHttpDate(v);
  if (!at) return 0;
  std::time_t now = std::time(nullptr);
  if (*at <= now) return 0;
  return static_cast<long>(std::min<std::time_t>(*at - now, kMaxRetryAfterSeconds));
}

// What the write callback of one attempt sees and collects.
struct Transfer {
  CURL* curl = nullptr;
  const BodySink* sink = nullptr;  // null: the 2xx body is kept in `body`
  uint64_t max_body = 0;
  uint64_t max_error_body = 0;
  bool decided = false;  // the status of the answer whose body arrives was looked at
  bool success = false;  // ... and it is 2xx
  bool began = false;    // sink->begin was called
  bool limit_hit = false;
  bool truncated = false;
  uint64_t bytes = 0;
  std::string body;
  Status sink_status;

  Status Begin(long status) {
    began = true;
    HttpResponse head;
    head.status = static_cast<int>(status);
    head.headers = CollectHeaders(curl);
    return sink->begin(head);
  }
};

size_t OnBody(char* data, size_t one, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = one * n;
  // Returning less than `len` makes curl stop the transfer with CURLE_WRITE_ERROR.
  if (!t->decided) {
    t->decided = true;
    long code = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
    t->success = code >= 200 && code <= 299;
    if (t->success && t->sink != nullptr) {
      t->sink_status = t->Begin(code);
      if (!t->sink_status.ok()) return 0;
    }
  }
  if (t->success) {
    if (len > t->max_body - t->bytes) {
      t->limit_hit = true;
      return 0;
    }
    t->bytes += len;
    if (t->sink != nullptr) {
      t->sink_status = t->sink->write(std::string_view(data, len));
      return t->sink_status.ok() ? len : 0;
    }
    t->body.append(data, len);
    return len;
  }
  // The body of another status: informational, kept up to its own cap.
  uint64_t room = t->max_error_body - t->body.size();
  if (len > room) {
    t->body.append(data, static_cast<size_t>(room));
    t->bytes += room;
    t->truncated = true;
    return 0;
  }
  t->body.append(data, len);
  t->bytes += len;
  return len;
}

// One attempt's outcome.
struct Attempt {
  enum class Verdict { kDone, kRetry, kFail };
  Verdict verdict = Verdict::kFail;
  std::optional<HttpResponse> response;   // kDone, or kRetry on a retryable status
  Error error{ErrorCode::kInternal, ""};  // kFail, or kRetry on a transport error
  long retry_after_s = 0;
};

// The parts of a request that are checked once, before any attempt.
struct Prepared {
  std::string where;  // the start of every error message
  std::string scheme;
  bool unix_socket = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

void Cancellation::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_.store(true, std::memory_order_relaxed);
  }
  cv_.notify_all();
}

bool Cancellation::WaitFor(std::chrono::milliseconds d) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, d, [this] { return cancelled(); });
}

std::string HttpResponse::Header(std::string_view name) const {
  std::string want = AsciiLower(name);
  for (const auto& [n, v] : headers) {
    if (n == want) return v;
  }
  return "";
}

std::string DefaultUserAgent() { return "vigil/" VIGIL_VERSION_STRING; }

bool IsRetryableStatus(int status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

bool IsLoopbackHost(std::string_view host_in) {
  std::string host = AsciiLower(host_in);
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
}

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions o) : options(std::move(o)) {
    init = GlobalInit();
    if (!init.ok()) return;
    // DNS answers and TLS sessions are shared between the calls of one client (connections
    // are not: libcurl does not support sharing them between threads).
    share = curl_share_init();
    if (share != nullptr) {
      curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Lock);
      curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Unlock);
      curl_share_setopt(share, CURLSHOPT_USERDATA, this);
      curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
      curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
  }
  ~Impl() {
    if (share != nullptr) curl_share_cleanup(share);
  }

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->locks[static_cast<size_t>(data) % kLocks].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->locks[static_cast<size_t>(data) % kLocks].unlock();
  }

  Result<HttpResponse> Run(const HttpRequest& request, const BodySink* sink) const;
  Result<Prepared> Prepare(const HttpRequest& request) const;
  Attempt Once(const HttpRequest& request, const Prepared& p, const BodySink* sink) const;
  Attempt FromCurlError(CURL* c, CURLcode rc, const char* errbuf, const Prepared& p) const;
  std::string TimeoutText() const;

  static constexpr size_t kLocks = CURL_LOCK_DATA_LAST;
  HttpClientOptions options;
  Status init;
  CURLSH* share = nullptr;
  mutable std::array<std::mutex, kLocks> locks;
};

Result<Prepared> HttpClient::Impl::Prepare(const HttpRequest& request) const {
  const std::string& url = request.url;
  Prepared p;
  p.unix_socket = !request.unix_socket.empty();
  p.where = url;
  if (url.empty()) return InvalidArgument("empty URL");
  if (url.find('\0') != std::string::npos) return InvalidArgument("URL contains a NUL byte");
  CurlPtr<CURLU> parsed(curl_url());
  if (!parsed) return InternalError("curl_url failed");
  if (CURLUcode uc = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0); uc != CURLUE_OK) {
    return InvalidArgument(url + ": not a valid URL (" + curl_url_strerror(uc) + ")");
  }
  char* raw = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_SCHEME, &raw, 0) != CURLUE_OK || raw == nullptr) {
    return InvalidArgument(url + ": no scheme");
  }
  CurlPtr<char> scheme(raw);
  p.scheme = AsciiLower(scheme.get());
  if (p.unix_socket) {
    raw = nullptr;
    std::string path = "/";
    if (curl_url_get(parsed.get(), CURLUPART_PATH, &raw, 0) == CURLUE_OK && raw != nullptr) path = raw;
    curl_free(raw);
    raw = nullptr;
    if (curl_url_get(parsed.get(), CURLUPART_QUERY, &raw, 0) == CURLUE_OK && raw != nullptr) {
      path += std::string("?") + raw;
    }
    curl_free(raw);
    p.where = request.unix_socket + ": " + request.method + " " + path;
  }
  if (p.scheme != "https" && p.scheme != "http") {
    return InvalidArgument(p.where + ": unsupported scheme '" + p.scheme + "' (https, http)");
  }
  raw = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_HOST, &raw, 0) != CURLUE_OK || raw == nullptr) {
    return InvalidArgument(p.where + ": no host");
  }
  CurlPtr<char> host(raw);
  if (p.scheme == "http" && !p.unix_socket && !options.allow_http &&
      !(options.allow_loopback_http && IsLoopbackHost(host.get()))) {
    return InvalidArgument(url + ": plain http is refused (use https, a loopback mirror, or allow http)");
  }
  static constexpr std::array<std::string_view, 7> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                               "PATCH", "DELETE", "OPTIONS"};
  if (std::find(kMethods.begin(), kMethods.end(), request.method) == kMethods.end()) {
    return InvalidArgument(p.where + ": unsupported method '" + request.method + "'");
  }
  for (const auto& [name, value] : request.headers) {
    if (!ValidHeader(name, value)) {
      return InvalidArgument(p.where + ": header '" + name + "' is not a token with a value free of CR, LF and NUL");
    }
  }
  return p;
}

std::string HttpClient::Impl::TimeoutText() const {
  bool total = options.total_timeout.count() > 0;
  bool low_speed = options.low_speed_bytes_per_s > 0 && options.low_speed_time.count() > 0;
  if (total && low_speed) return "timed out (connecting, past the time limit, or slower than the low-speed limit)";
  if (total) return "timed out (connecting, or past the time limit)";
  if (low_speed) return "timed out (connecting, or slower than the low-speed limit)";
  return "timed out (connecting)";
}

Attempt HttpClient::Impl::FromCurlError(CURL* c, CURLcode rc, const char* errbuf, const Prepared& p) const {
  std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  std::string what;
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
      what = "TLS: the server's certificate is not trusted or does not match the host";
      break;
    case CURLE_UNSUPPORTED_PROTOCOL: {
      char* redirect = nullptr;
      curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redirect);
      what = "refused a redirect to a scheme that is not allowed";
      if (redirect != nullptr) what += std::string(" (") + redirect + ")";
      what += "; https is never redirected to http";
      break;
    }
    case CURLE_TOO_MANY_REDIRECTS:
      what = "more than " + std::to_string(options.max_redirects) + " redirects";
      break;
    case CURLE_PARTIAL_FILE:
      what = "transfer incomplete: the connection closed before the whole body arrived";
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      what = "cannot resolve the host";
      break;
    case CURLE_COULDNT_CONNECT:
      what = "cannot connect";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      what = TimeoutText();
      break;
    default:
      what = "transfer failed";
      break;
  }
  what += " (curl error " + std::to_string(static_cast<int>(rc)) + ": " + detail + ")";
  Attempt a;
  a.verdict = RetryableCurlError(rc) ? Attempt::Verdict::kRetry : Attempt::Verdict::kFail;
  a.error = Unavailable(p.where + ": " + what);
  return a;
}

Attempt HttpClient::Impl::Once(const HttpRequest& request, const Prepared& p, const BodySink* sink) const {
  auto fail = [&](ErrorCode code, const std::string& what, bool retry) {
    Attempt a;
    a.verdict = retry ? Attempt::Verdict::kRetry : Attempt::Verdict::kFail;
    a.error = Error(code, p.where + ": " + what);
    return a;
  };
  CurlPtr<CURL> curl(curl_easy_init());
  MultiPtr multi(curl_multi_init());
  if (!curl || !multi) return fail(ErrorCode::kInternal, "curl_easy_init or curl_multi_init failed", false);
  CURL* c = curl.get();

  Transfer t;
  t.curl = c;
  t.sink = sink;
  t.max_body = options.max_body_bytes;
  t.max_error_body = options.max_error_body_bytes;

  curl_slist* raw = nullptr;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is curl's way of sending a header with an empty value ("Name:" would remove it).
    raw = curl_slist_append(raw, (value.empty() ? name + ";" : name + ": " + value).c_str());
  }
  // No "Expect: 100-continue" round trip before a large body.
  if (!request.body.empty()) raw = curl_slist_append(raw, "Expect:");
  CurlPtr<curl_slist> headers(raw);

  char errbuf[CURL_ERROR_SIZE] = {0};
  bool http_ok = p.scheme == "http";
  if (p.unix_socket) {
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, request.unix_socket.c_str());
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, p.scheme.c_str());
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, p.scheme.c_str());
  } else {
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, options.allow_http || http_ok ? "https,http" : "https");
    // Never https → http, whatever allow_http says. From http, redirects may stay on http only
    // when http is allowed in general: a loopback host must not hand the client to another
    // http host.
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, http_ok && options.allow_http ? "https,http" : "https");
  }
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  if (options.max_redirects > 0) {
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
  }
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options.ca_pem.empty()) {
    // CURL_BLOB_COPY: curl keeps its own copy, so the options need not outlive the handle.
    curl_blob blob{const_cast<char*>(options.ca_pem.data()), options.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  } else if (!options.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  // "Instead of the system's": a build's default CA folder (Debian: /etc/ssl/certs) would
  // otherwise still be trusted next to the bundle given.
  if (!options.ca_pem.empty() || !options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
  // Bodies are kept byte for byte: no Accept-Encoding is sent and nothing is decoded.
  curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, options.connect_timeout.count())));
  if (options.low_speed_bytes_per_s > 0 && options.low_speed_time.count() > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes_per_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
  }
  if (options.total_timeout.count() > 0) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  }
  // A Content-Length above the cap fails before any byte is received. (Not for HEAD: its
  // Content-Length describes a body that is not sent.)
  if (request.method != "HEAD" && options.max_body_bytes <= static_cast<uint64_t>(INT64_MAX)) {
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (share != nullptr) curl_easy_setopt(c, CURLOPT_SHARE, share);
  const std::string& m = request.method;
  bool send_body = !request.body.empty() || m == "POST" || m == "PUT" || m == "PATCH";
  if (m == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (m == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
  } else if (m != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
  }
  if (send_body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  }

  // Driven through the multi interface so that a Cancellation is seen while waiting.
  CURLcode rc = CURLE_OK;
  bool cancelled = false;
  curl_multi_add_handle(multi.get(), c);
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
      rc = CURLE_FAILED_INIT;
      break;
    }
    if (running == 0) break;
    if (request.cancel != nullptr && request.cancel->cancelled()) {
      cancelled = true;
      break;
    }
    curl_multi_poll(multi.get(), nullptr, 0, request.cancel != nullptr ? kCancelPollMs : 1000, nullptr);
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == c) rc = msg->data.result;
  }
  curl_multi_remove_handle(multi.get(), c);
  if (cancelled) return fail(ErrorCode::kUnavailable, "cancelled", false);

  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  bool success = code >= 200 && code <= 299;
  if (!t.sink_status.ok()) {
    Attempt a;
    a.error = t.sink_status.error();
    return a;
  }
  if (t.limit_hit || (rc == CURLE_FILESIZE_EXCEEDED && success)) {
    return fail(ErrorCode::kLimitExceeded,
                "the body is larger than the limit of " + std::to_string(options.max_body_bytes) + " bytes", false);
  }

  auto answer = [&]() {
    HttpResponse r;
    r.status = static_cast<int>(code);
    r.headers = CollectHeaders(c);
    r.body = std::move(t.body);
    r.body_bytes = t.bytes;
    char* effective = nullptr;
    if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective != nullptr) {
      r.effective_url = effective;
    }
    return r;
  };

  // A status outside 2xx is an answer even when its (informational) body was cut short.
  if (code != 0 && !success &&
      (rc == CURLE_OK || rc == CURLE_FILESIZE_EXCEEDED || t.truncated || (t.decided && BodyPhaseError(rc)))) {
    Attempt a;
    a.response = answer();
    a.response->body_truncated = rc != CURLE_OK;
    if (IsRetryableStatus(static_cast<int>(code))) {
      a.verdict = Attempt::Verdict::kRetry;
      a.error = Unavailable(p.where + ": HTTP " + std::to_string(code));
      a.retry_after_s = RetryAfterSeconds(a.response->Header("retry-after"));
    } else {
      a.verdict = Attempt::Verdict::kDone;
    }
    return a;
  }
  if (rc != CURLE_OK) return FromCurlError(c, rc, errbuf, p);
  if (code == 0) return fail(ErrorCode::kUnavailable, "no HTTP status", true);

  // 2xx: is the body whole?
  bool has_body = m != "HEAD" && code != 204;
  curl_off_t length = -1;
  curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  if (has_body && options.require_framed_body && length < 0) {
    // An HTTP/1 body with neither Content-Length nor chunked encoding ends where the connection
    // does, and libcurl accepts even a TLS connection closed without close_notify as that end: a
    // cut would go unnoticed. (HTTP/2 and 3 frame every body.)
    long version = 0;
    curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &version);
    if (version == CURL_HTTP_VERSION_1_0 || version == CURL_HTTP_VERSION_1_1) {
      curl_header* te = nullptr;
      std::string encoding;
      if (curl_easy_header(c, "Transfer-Encoding", 0, CURLH_HEADER, -1, &te) == CURLHE_OK && te != nullptr) {
        encoding = AsciiLower(te->value);
      }
      if (encoding.find("chunked") == std::string::npos) {
        return fail(ErrorCode::kUnavailable,
                    "the body has neither Content-Length nor chunked encoding, so its end cannot be verified", false);
      }
    }
  }
  if (has_body && length >= 0 && static_cast<uint64_t>(length) != t.bytes) {
    return fail(
        ErrorCode::kUnavailable,
        "transfer incomplete: " + std::to_string(t.bytes) + " of " + std::to_string(length) + " bytes (Content-Length)",
        true);
  }
  if (sink != nullptr && !t.began) {
    // An empty body: the sink still learns that this attempt succeeded.
    if (Status s = t.Begin(code); !s.ok()) {
      Attempt a;
      a.error = s.error();
      return a;
    }
  }
  Attempt a;
  a.verdict = Attempt::Verdict::kDone;
  a.response = answer();
  return a;
}

Result<HttpResponse> HttpClient::Impl::Run(const HttpRequest& request, const BodySink* sink) const {
  VIGIL_RETURN_IF_ERROR(init);
  VIGIL_ASSIGN_OR_RETURN(Prepared p, Prepare(request));
  const RetryPolicy& retry = options.retry;
  int attempts = std::max(0, retry.retries) + 1;
  std::minstd_rand jitter(std::random_device{}());
  for (int i = 1;; ++i) {
    Attempt a = Once(request, p, sink);
    if (a.response) a.response->attempts = i;
    switch (a.verdict) {
      case Attempt::Verdict::kDone:
        return std::move(*a.response);
      case Attempt::Verdict::kFail:
        return std::move(a.error);
      case Attempt::Verdict::kRetry:
        break;
    }
    if (i >= attempts) {
      std::string note = attempts == 1 ? "" : "gave up after " + std::to_string(attempts) + " attempts";
      if (a.response) {
        a.response->retry_note = std::move(note);
        return std::move(*a.response);
      }
      if (note.empty()) return std::move(a.error);
      return Error(a.error.code(), a.error.message() + "; " + note);
    }
    long delay_ms;
    if (a.retry_after_s > 0) {
      long allowed = static_cast<long>(retry.max_retry_after.count());
      if (a.retry_after_s > allowed) {
        a.response->retry_note = "the server asks to retry after " + std::to_string(a.retry_after_s) +
                                 " s, more than the " + std::to_string(allowed) + " s allowed";
        return std::move(*a.response);
      }
      delay_ms = a.retry_after_s * 1000;
    } else {
      long base = std::max<long>(0, static_cast<long>(retry.base_delay.count()));
      long cap = std::max<long>(0, static_cast<long>(retry.max_delay.count()));
      delay_ms = std::min(cap, base << std::min(i - 1, 16));
      delay_ms += static_cast<long>(jitter() % static_cast<unsigned long>(delay_ms / 4 + 1));
    }
    if (request.cancel != nullptr) {
      if (request.cancel->WaitFor(std::chrono::milliseconds(delay_ms))) return Unavailable(p.where + ": cancelled");
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
  }
}

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) const { return impl_->Run(request, nullptr); }

Result<HttpResponse> HttpClient::Stream(const HttpRequest& request, const BodySink& sink) const {
  if (!sink.begin || !sink.write) return InvalidArgument(request.url + ": a BodySink needs begin and write");
  return impl_->Run(request, &sink);
}

const HttpClientOptions& HttpClient::options() const { return impl_->options; }

}  // namespace vigil::net
