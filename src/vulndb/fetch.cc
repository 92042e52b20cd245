#include "vulndb/fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>

#include "common/sha256.h"
#include "common/time.h"

#ifndef VIGIL_VERSION_STRING
#define VIGIL_VERSION_STRING "0"
#endif

namespace vigil::vulndb {
namespace {

constexpr long kMaxRedirects = 5;
constexpr long kMaxBackoffMs = 30'000;
constexpr size_t kMaxEcosystemBytes = 200;
constexpr size_t kMaxEcosystems = 10'000;

std::string ErrnoText(int err) { return std::strerror(err); }

// ---------------------------------------------------------------------------------------------
// The staging file: created with mkostemp inside the staging folder, removed unless committed.

class StagedFile {
 public:
  StagedFile() = default;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  StagedFile(StagedFile&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
    o.fd_ = -1;
    o.path_.clear();
  }
  StagedFile& operator=(StagedFile&& o) noexcept {
    if (this != &o) {
      Discard();
      fd_ = o.fd_;
      path_ = std::move(o.path_);
      o.fd_ = -1;
      o.path_.clear();
    }
    return *this;
  }
  ~StagedFile() { Discard(); }

  static Result<StagedFile> Create(const std::string& dir) {
    std::string tmpl = JoinPath(dir, ".vigil-fetch-XXXXXX");
    int fd = mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      return IoError("cannot create a file in the staging folder '" + dir + "': " + ErrnoText(err));
    }
    StagedFile f;
    f.fd_ = fd;
    f.path_ = std::move(tmpl);
    return f;
  }

  static std::string JoinPath(const std::string& dir, std::string_view name) {
    std::string out = dir;
    if (out.empty() || out.back() != '/') out += '/';
    out += name;
    return out;
  }

  Status Write(const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = write(fd_, data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        return IoError("cannot write '" + path_ + "': " + ErrnoText(err));
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
    return OkStatus();
  }

  // fsync and close; the file stays (until Commit or destruction).
  Status Close() {
    if (fsync(fd_) != 0) {
      int err = errno;
      return IoError("cannot fsync '" + path_ + "': " + ErrnoText(err));
    }
    int rc = close(fd_);
    fd_ = -1;
    if (rc != 0) {
      int err = errno;
      return IoError("cannot close '" + path_ + "': " + ErrnoText(err));
    }
    return OkStatus();
  }

  // Renames the (closed) file to `final_path`, which must be in the same folder.
  Status Commit(const std::string& final_path, const std::string& dir) {
    if (rename(path_.c_str(), final_path.c_str()) != 0) {
      int err = errno;
      return IoError("cannot rename '" + path_ + "' to '" + final_path + "': " + ErrnoText(err));
    }
    path_.clear();
    // Best effort: if the rename is lost in a crash the caller has not recorded the new state
    // either (it does so after importing), so the next run simply fetches again.
    int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)fsync(dfd);
      close(dfd);
    }
    return OkStatus();
  }

 private:
  void Discard() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    if (!path_.empty()) unlink(path_.c_str());
    path_.clear();
  }

  int fd_ = -1;
  std::string path_;
};

// The final name: not derived from the URL's text, so no path syntax can leak into it.
std::string FinalPath(const std::string& staging_dir, const std::string& url) {
  Sha256 h;
  h.Update(url);
  return StagedFile::JoinPath(staging_dir, h.FinishHex().substr(0, 32) + ".fetched");
}

// The part shared by both sources once the body is on disk: close, compare, commit.
Result<FetchResult> Complete(StagedFile file, std::string digest, uint64_t size, std::string etag,
                             std::string last_modified, const FetchState& previous,
                             const std::string& url, const std::string& staging_dir) {
  VIGIL_RETURN_IF_ERROR(file.Close());
  FetchResult out;
  out.state.etag = std::move(etag);
  out.state.last_modified = std::move(last_modified);
  out.state.sha256 = std::move(digest);
  out.state.size = size;
  if (!previous.sha256.empty() && previous.sha256 == out.state.sha256 && previous.size == size) {
    out.kind = FetchResult::Kind::kNotModified;
    return out;  // `file` is removed on return
  }
  std::string final_path = FinalPath(staging_dir, url);
  VIGIL_RETURN_IF_ERROR(file.Commit(final_path, staging_dir));
  out.kind = FetchResult::Kind::kDownloaded;
  out.path = std::move(final_path);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sources.

bool IsSchemeChar(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

// The scheme of "scheme://…" in lower case, or "" when `url` is not of that form (a plain path).
std::string SchemeOf(std::string_view url) {
  size_t p = url.find("://");
  if (p == std::string_view::npos || p == 0) return "";
  std::string scheme;
  for (size_t i = 0; i < p; ++i) {
    if (!IsSchemeChar(url[i], i == 0)) return "";
    scheme += static_cast<char>(url[i] >= 'A' && url[i] <= 'Z' ? url[i] + 32 : url[i]);
  }
  return scheme;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view s, std::string_view url) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) return InvalidArgument(std::string(url) + ": bad %-escape in the path");
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return InvalidArgument(std::string(url) + ": %00 in the path");
    out += c;
    i += 2;
  }
  return out;
}

// "file:///a/b%20c" → "/a/b c". Only the local host is accepted.
Result<std::string> FileUrlPath(std::string_view url) {
  std::string_view rest = url.substr(std::string_view("file://").size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return InvalidArgument(std::string(url) + ": no path");
  std::string host(rest.substr(0, slash));
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!host.empty() && host != "localhost") {
    return InvalidArgument(std::string(url) + ": file:// URLs must name the local host");
  }
  return PercentDecode(rest.substr(slash), url);
}

Result<FetchResult> FetchLocal(const std::string& url, const std::string& path, const FetchState& previous,
                               const std::string& staging_dir, const FetchOptions& options) {
  // O_NONBLOCK so that a FIFO does not hang the open; it is refused below.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return NotFound(url + ": no such file");
    return IoError(url + ": cannot open: " + ErrnoText(err));
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    return IoError(url + ": cannot stat: " + ErrnoText(err));
  }
  if (!S_ISREG(st.st_mode)) return Unsupported(url + ": not a regular file");
  auto size = static_cast<uint64_t>(st.st_size);
  // Validators as a web server would make them: the file's identity is its mtime and size.
  int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  std::string etag = "\"local-" + std::to_string(mtime_ns) + "-" + std::to_string(size) + "\"";
  std::string last_modified = HttpDate(st.st_mtim.tv_sec);
  if (!previous.sha256.empty() && previous.etag == etag && previous.size == size) {
    FetchResult out;
    out.kind = FetchResult::Kind::kNotModified;
    out.state = previous;
    out.state.last_modified = last_modified;
    return out;
  }
  if (size > options.max_bytes) {
    return LimitExceeded(url + ": " + std::to_string(size) + " bytes, more than the limit of " +
                         std::to_string(options.max_bytes));
  }
  VIGIL_ASSIGN_OR_RETURN(StagedFile file, StagedFile::Create(staging_dir));
  Sha256 sha;
  uint64_t total = 0;
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  for (;;) {
    ssize_t n = read(fd, buf.get(), 1 << 20);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      return IoError(url + ": cannot read: " + ErrnoText(err));
    }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > options.max_bytes) {
      return LimitExceeded(url + ": more than the limit of " + std::to_string(options.max_bytes) + " bytes");
    }
    sha.Update(buf.get(), static_cast<size_t>(n));
    VIGIL_RETURN_IF_ERROR(file.Write(buf.get(), static_cast<size_t>(n)));
  }
  struct stat after {};
  if (fstat(fd, &after) != 0 || total != size || after.st_size != st.st_size ||
      after.st_mtim.tv_sec != st.st_mtim.tv_sec || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
    return IoError(url + ": the file changed while it was read; try again");
  }
  return Complete(std::move(file), sha.FinishDigest(), total, std::move(etag), std::move(last_modified),
                  previous, url, staging_dir);
}

// ---------------------------------------------------------------------------------------------
// HTTP(S) through libcurl.

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

bool IsLoopbackHost(std::string host) {
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr v6{};
    std::string inner = host.substr(1, host.size() - 2);
    return inet_pton(AF_INET6, inner.c_str(), &v6) == 1 && std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
  }
  return false;
}

// Header values from a stored state go back on the wire: refuse anything that could split it.
bool SafeHeaderValue(const std::string& v) {
  if (v.empty() || v.size() > 1024) return false;
  return std::none_of(v.begin(), v.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
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

bool RetryableStatus(long code) { return code == 408 || code == 429 || (code >= 500 && code <= 599); }

// One attempt's outcome.
struct Attempt {
  enum class Verdict { kBody, kNotModified, kRetry, kFail };
  Verdict verdict = Verdict::kFail;
  Error error{ErrorCode::kInternal, ""};
  long retry_after_s = 0;  // from Retry-After; 0 = none
  StagedFile file;
  std::string digest;
  uint64_t size = 0;
  std::string etag;
  std::string last_modified;
};

// What the write callback sees.
struct Sink {
  CURL* curl = nullptr;
  StagedFile* file = nullptr;
  Sha256* sha = nullptr;
  uint64_t bytes = 0;
  uint64_t max_bytes = 0;
  bool checked_status = false;
  bool not_ok_status = false;  // the body of a non-200 answer: not kept
  bool limit_hit = false;
  Status io;
};

size_t WriteBody(char* data, size_t one, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t len = one * n;
  if (!s->checked_status) {
    s->checked_status = true;
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) s->not_ok_status = true;
  }
  // Returning less than `len` makes curl stop the transfer with CURLE_WRITE_ERROR.
  if (s->not_ok_status) return 0;
  if (len > s->max_bytes - s->bytes) {
    s->limit_hit = true;
    return 0;
  }
  s->bytes += len;
  s->sha->Update(data, len);
  s->io = s->file->Write(data, len);
  return s->io.ok() ? len : 0;
}

std::string LastHeader(CURL* curl, const char* name) {
  curl_header* h = nullptr;
  if (curl_easy_header(curl, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || h == nullptr) return "";
  return h->value;
}

class HttpFetch {
 public:
  HttpFetch(const std::string& url, const FetchState& previous, const std::string& staging_dir,
            const FetchOptions& options)
      : url_(url), previous_(previous), staging_dir_(staging_dir), options_(options) {}

  Result<FetchResult> Run(bool is_https, bool loopback) {
    if (!is_https && !loopback && !options_.allow_http) {
      return InvalidArgument(url_ + ": plain http is refused (use https, a loopback mirror, or allow http)");
    }
    is_https_ = is_https;
    int attempts = std::max(0, options_.retries) + 1;
    std::minstd_rand jitter(std::random_device{}());
    for (int i = 1;; ++i) {
      Attempt a = Once();
      switch (a.verdict) {
        case Attempt::Verdict::kBody:
          return Complete(std::move(a.file), std::move(a.digest), a.size, std::move(a.etag),
                          std::move(a.last_modified), previous_, url_, staging_dir_);
        case Attempt::Verdict::kNotModified: {
          FetchResult out;
          out.kind = FetchResult::Kind::kNotModified;
          out.state = previous_;
          if (!a.etag.empty()) out.state.etag = std::move(a.etag);
          if (!a.last_modified.empty()) out.state.last_modified = std::move(a.last_modified);
          return out;
        }
        case Attempt::Verdict::kFail:
          return std::move(a.error);
        case Attempt::Verdict::kRetry:
          break;
      }
      if (i >= attempts) {
        if (attempts == 1) return std::move(a.error);
        return Error(a.error.code(), a.error.message() + "; gave up after " + std::to_string(attempts) + " attempts");
      }
      long delay_ms;
      if (a.retry_after_s > 0) {
        if (a.retry_after_s > options_.max_retry_after_s) {
          return Error(a.error.code(), a.error.message() + "; the server asks to retry after " +
                                           std::to_string(a.retry_after_s) + " s, more than the " +
                                           std::to_string(options_.max_retry_after_s) + " s allowed");
        }
        delay_ms = a.retry_after_s * 1000;
      } else {
        long base = std::max(0L, options_.retry_base_delay_ms);
        delay_ms = std::min(kMaxBackoffMs, base << std::min(i - 1, 16));
        delay_ms += static_cast<long>(jitter() % static_cast<unsigned long>(delay_ms / 4 + 1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
  }

 private:
  Error Fail(ErrorCode code, const std::string& what) const { return Error(code, url_ + ": " + what); }

  Attempt Failed(ErrorCode code, const std::string& what, bool retry) const {
    Attempt a;
    a.verdict = retry ? Attempt::Verdict::kRetry : Attempt::Verdict::kFail;
    a.error = Fail(code, what);
    return a;
  }

  Attempt Once() {
    CurlPtr<CURL> curl(curl_easy_init());
    if (!curl) return Failed(ErrorCode::kInternal, "curl_easy_init failed", false);
    auto staged = StagedFile::Create(staging_dir_);
    if (!staged.ok()) {
      Attempt a;
      a.error = staged.error();
      return a;
    }
    StagedFile file = std::move(staged).value();
    Sha256 sha;
    Sink sink;
    sink.curl = curl.get();
    sink.file = &file;
    sink.sha = &sha;
    sink.max_bytes = options_.max_bytes;

    bool conditional = false;
    curl_slist* raw = nullptr;
    if (SafeHeaderValue(previous_.etag)) {
      raw = curl_slist_append(raw, ("If-None-Match: " + previous_.etag).c_str());
      conditional = true;
    }
    if (SafeHeaderValue(previous_.last_modified)) {
      raw = curl_slist_append(raw, ("If-Modified-Since: " + previous_.last_modified).c_str());
      conditional = true;
    }
    CurlPtr<curl_slist> headers(raw);

    char errbuf[CURL_ERROR_SIZE] = {0};
    CURL* c = curl.get();
    const char* protocols = options_.allow_http || !is_https_ ? "https,http" : "https";
    // Never https → http, whatever allow_http says. From http, redirects may stay on http only
    // when http is allowed in general: a loopback mirror must not hand the client to another
    // http host.
    const char* redir_protocols = !is_https_ && options_.allow_http ? "https,http" : "https";
    curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, redir_protocols);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
    // Archives are kept byte for byte: no Accept-Encoding is sent and nothing is decoded.
    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, std::max(1L, options_.connect_timeout_s));
    if (options_.low_speed_bytes_per_s > 0 && options_.low_speed_time_s > 0) {
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes_per_s);
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
    }
    if (options_.total_timeout_s > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.total_timeout_s);
    if (options_.max_bytes <= static_cast<uint64_t>(INT64_MAX)) {
      curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_bytes));
    }
    curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);

    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);

    if (sink.limit_hit || (rc == CURLE_FILESIZE_EXCEEDED && code == 200)) {
      return Failed(ErrorCode::kLimitExceeded,
                    "the body is larger than the limit of " + std::to_string(options_.max_bytes) + " bytes", false);
    }
    if (!sink.io.ok()) {
      Attempt a;
      a.error = sink.io.error();
      return a;
    }
    if (code != 0 && code != 200 && (rc == CURLE_OK || sink.not_ok_status || rc == CURLE_FILESIZE_EXCEEDED)) {
      return FromStatus(c, code, conditional);
    }
    if (rc != CURLE_OK) return FromCurlError(c, rc, errbuf);
    if (code != 200) return Failed(ErrorCode::kUnavailable, "no HTTP status", true);

    std::string encoding = LastHeader(c, "Content-Encoding");
    if (!encoding.empty() && encoding != "identity") {
      return Failed(ErrorCode::kUnsupported, "the server sent Content-Encoding '" + encoding + "'", false);
    }
    curl_off_t length = -1;
    curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    // An HTTP/1 body with neither Content-Length nor chunked encoding ends where the connection
    // does, and libcurl accepts even a TLS connection closed without close_notify as that end: a
    // cut would go unnoticed. (HTTP/2 and 3 frame every body.)
    long version = 0;
    curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &version);
    if ((version == CURL_HTTP_VERSION_1_0 || version == CURL_HTTP_VERSION_1_1) && length < 0) {
      std::string te = LastHeader(c, "Transfer-Encoding");
      std::transform(te.begin(), te.end(), te.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (te.find("chunked") == std::string::npos) {
        return Failed(ErrorCode::kUnavailable,
                      "the body has neither Content-Length nor chunked encoding, so its end cannot be verified",
                      false);
      }
    }
    if (length >= 0 && static_cast<uint64_t>(length) != sink.bytes) {
      return Failed(ErrorCode::kUnavailable,
                    "transfer incomplete: " + std::to_string(sink.bytes) + " of " + std::to_string(length) +
                        " bytes (Content-Length)",
                    true);
    }
    Attempt a;
    a.verdict = Attempt::Verdict::kBody;
    a.file = std::move(file);
    a.digest = sha.FinishDigest();
    a.size = sink.bytes;
    a.etag = LastHeader(c, "ETag");
    a.last_modified = LastHeader(c, "Last-Modified");
    return a;
  }

  Attempt FromStatus(CURL* c, long code, bool conditional) const {
    std::string what = "HTTP " + std::to_string(code);
    if (code == 304) {
      if (!conditional) return Failed(ErrorCode::kUnavailable, what + " to a request that was not conditional", false);
      Attempt a;
      a.verdict = Attempt::Verdict::kNotModified;
      a.etag = LastHeader(c, "ETag");
      a.last_modified = LastHeader(c, "Last-Modified");
      return a;
    }
    if (code == 404 || code == 410) return Failed(ErrorCode::kNotFound, what, false);
    if (code >= 300 && code < 400) what += " (a redirect without a usable Location)";
    Attempt a = Failed(ErrorCode::kUnavailable, what, RetryableStatus(code));
    curl_off_t after = 0;
    if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0) {
      a.retry_after_s = static_cast<long>(std::min<curl_off_t>(after, 1'000'000));
    }
    return a;
  }

  Attempt FromCurlError(CURL* c, CURLcode rc, const char* errbuf) const {
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
        what = "more than " + std::to_string(kMaxRedirects) + " redirects";
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
        what = "timed out (connecting, or slower than the low-speed limit)";
        break;
      default:
        what = "transfer failed";
        break;
    }
    what += " (curl error " + std::to_string(static_cast<int>(rc)) + ": " + detail + ")";
    return Failed(ErrorCode::kUnavailable, what, RetryableCurlError(rc));
  }

  const std::string& url_;
  const FetchState& previous_;
  const std::string& staging_dir_;
  const FetchOptions& options_;
  bool is_https_ = true;
};

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string_view TrimBase(std::string_view base) {
  while (base.size() > 1 && base.back() == '/') base.remove_suffix(1);
  return base;
}

}  // namespace

std::string DefaultUserAgent() { return "vigil/" VIGIL_VERSION_STRING; }

Result<FetchResult> FetchConditional(const std::string& url, const FetchState& previous,
                                     const std::string& staging_dir, const FetchOptions& options) {
  if (url.empty()) return InvalidArgument("empty URL");
  if (url.find('\0') != std::string::npos) return InvalidArgument("URL contains a NUL byte");
  std::string scheme = SchemeOf(url);
  if (scheme.empty()) return FetchLocal(url, url, previous, staging_dir, options);
  if (scheme == "file") {
    VIGIL_ASSIGN_OR_RETURN(std::string path, FileUrlPath(url));
    return FetchLocal(url, path, previous, staging_dir, options);
  }
  if (scheme != "https" && scheme != "http") {
    return InvalidArgument(url + ": unsupported scheme '" + scheme + "' (https, http, file)");
  }
  VIGIL_RETURN_IF_ERROR(GlobalInit());
  CurlPtr<CURLU> parsed(curl_url());
  if (!parsed) return InternalError("curl_url failed");
  if (CURLUcode uc = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0); uc != CURLUE_OK) {
    return InvalidArgument(url + ": not a valid URL (" + curl_url_strerror(uc) + ")");
  }
  char* host_raw = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_HOST, &host_raw, 0) != CURLUE_OK || host_raw == nullptr) {
    return InvalidArgument(url + ": no host");
  }
  CurlPtr<char> host(host_raw);
  HttpFetch fetch(url, previous, staging_dir, options);
  return fetch.Run(scheme == "https", IsLoopbackHost(host.get()));
}

std::string OsvArchiveUrl(std::string_view base, std::string_view ecosystem) {
  base = TrimBase(base);
  std::string out(base);
  out += '/';
  if (SchemeOf(base).empty()) {
    out += ecosystem;  // a local folder: the name is the folder's name
  } else {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned char c : ecosystem) {
      if (IsUnreserved(c)) {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  out += "/all.zip";
  return out;
}

std::string OsvEcosystemsUrl(std::string_view base) {
  std::string out(TrimBase(base));
  out += "/ecosystems.txt";
  return out;
}

Result<std::vector<std::string>> ParseEcosystemsList(std::string_view text) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) continue;
    auto bad = [&](const std::string& why) {
      return Corrupt("line " + std::to_string(line_no) + ": " + why);
    };
    if (line.size() > kMaxEcosystemBytes) {
      return bad("an ecosystem name longer than " + std::to_string(kMaxEcosystemBytes) + " bytes");
    }
    for (unsigned char c : line) {
      if (c < 0x20 || c == 0x7f) return bad("a control character in an ecosystem name");
      if (c == '/' || c == '\\') return bad("'" + std::string(line) + "': a slash in an ecosystem name");
    }
    if (line == "." || line == "..") return bad("'" + std::string(line) + "' is not an ecosystem name");
    if (!seen.insert(line).second) continue;
    if (out.size() == kMaxEcosystems) {
      return LimitExceeded("more than " + std::to_string(kMaxEcosystems) + " ecosystems");
    }
    out.emplace_back(line);
  }
  return out;
}

}  // namespace vigil::vulndb
