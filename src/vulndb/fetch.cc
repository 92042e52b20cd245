#include "vulndb/fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_set>

#include "common/sha256.h"
#include "common/time.h"
#include "net/http_client.h"

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
                             std::string last_modified, const FetchState& previous, const std::string& url,
                             const std::string& staging_dir) {
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
  return Complete(std::move(file), sha.FinishDigest(), total, std::move(etag), std::move(last_modified), previous, url,
                  staging_dir);
}

// ---------------------------------------------------------------------------------------------
// HTTP(S) through net::HttpClient.

// Header values from a stored state go back on the wire: refuse anything that could split it.
bool SafeHeaderValue(const std::string& v) {
  if (v.empty() || v.size() > 1024) return false;
  return std::none_of(v.begin(), v.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

net::HttpClientOptions ClientOptions(const FetchOptions& options) {
  net::HttpClientOptions o;
  o.ca_file = options.ca_file;
  o.allow_http = options.allow_http;
  o.allow_loopback_http = true;  // a local mirror
  o.max_redirects = kMaxRedirects;
  o.connect_timeout = std::chrono::seconds(std::max(1L, options.connect_timeout_s));
  o.total_timeout = std::chrono::seconds(std::max(0L, options.total_timeout_s));
  o.low_speed_bytes_per_s = options.low_speed_bytes_per_s;
  o.low_speed_time = std::chrono::seconds(options.low_speed_time_s);
  o.max_body_bytes = options.max_bytes;
  o.require_framed_body = true;
  o.user_agent = options.user_agent;
  o.retry.retries = options.retries;
  o.retry.base_delay = std::chrono::milliseconds(options.retry_base_delay_ms);
  o.retry.max_delay = std::chrono::milliseconds(kMaxBackoffMs);
  o.retry.max_retry_after = std::chrono::seconds(options.max_retry_after_s);
  return o;
}

// An answer other than 200 (the client has made the retries its status allows).
Result<FetchResult> FromStatus(const net::HttpResponse& r, const std::string& url, const FetchState& previous,
                               bool conditional) {
  std::string what = "HTTP " + std::to_string(r.status);
  if (r.status == 304) {
    if (!conditional) return Unavailable(url + ": " + what + " to a request that was not conditional");
    FetchResult out;
    out.kind = FetchResult::Kind::kNotModified;
    out.state = previous;
    if (std::string etag = r.Header("etag"); !etag.empty()) out.state.etag = std::move(etag);
    if (std::string lm = r.Header("last-modified"); !lm.empty()) out.state.last_modified = std::move(lm);
    return out;
  }
  if (r.status == 404 || r.status == 410) return NotFound(url + ": " + what);
  if (r.status >= 300 && r.status < 400) what += " (a redirect without a usable Location)";
  if (!r.retry_note.empty()) what += "; " + r.retry_note;
  return Unavailable(url + ": " + what);
}

Result<FetchResult> FetchHttp(const std::string& url, const FetchState& previous, const std::string& staging_dir,
                              const FetchOptions& options) {
  net::HttpRequest request;
  request.url = url;
  bool conditional = false;
  if (SafeHeaderValue(previous.etag)) {
    request.headers.emplace_back("If-None-Match", previous.etag);
    conditional = true;
  }
  if (SafeHeaderValue(previous.last_modified)) {
    request.headers.emplace_back("If-Modified-Since", previous.last_modified);
    conditional = true;
  }
  // The staging folder is tried before any request: a missing or read-only one is kIo at once.
  VIGIL_ASSIGN_OR_RETURN(StagedFile first, StagedFile::Create(staging_dir));
  std::optional<StagedFile> file(std::move(first));
  bool fresh = true;
  std::optional<Sha256> sha(std::in_place);
  // A 200 body is hashed and written as it arrives; each attempt starts a new file. The body of
  // another 2xx status is not kept (the transfer stops at once).
  net::BodySink sink;
  uint64_t received = 0, total = 0;  // for options.progress
  sink.begin = [&](const net::HttpResponse& head) -> Status {
    if (head.status != 200) return Unavailable(url + ": HTTP " + std::to_string(head.status));
    if (!fresh) {
      VIGIL_ASSIGN_OR_RETURN(StagedFile next, StagedFile::Create(staging_dir));
      file = std::move(next);
      sha.emplace();
    }
    fresh = false;
    received = 0;
    std::string length = head.Header("content-length");
    total = 0;
    for (char c : length) {
      if (c < '0' || c > '9' || total > UINT64_MAX / 10 - 10) {
        total = 0;
        break;
      }
      total = total * 10 + static_cast<uint64_t>(c - '0');
    }
    return OkStatus();
  };
  sink.write = [&](std::string_view data) -> Status {
    sha->Update(data);
    received += data.size();
    if (options.progress) options.progress(url, received, total);
    return file->Write(data.data(), data.size());
  };
  net::HttpClient client(ClientOptions(options));
  VIGIL_ASSIGN_OR_RETURN(net::HttpResponse r, client.Stream(request, sink));
  if (r.status != 200) return FromStatus(r, url, previous, conditional);
  std::string encoding = r.Header("content-encoding");
  if (!encoding.empty() && encoding != "identity") {
    return Unsupported(url + ": the server sent Content-Encoding '" + encoding + "'");
  }
  return Complete(std::move(*file), sha->FinishDigest(), r.body_bytes, r.Header("etag"), r.Header("last-modified"),
                  previous, url, staging_dir);
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string_view TrimBase(std::string_view base) {
  while (base.size() > 1 && base.back() == '/') base.remove_suffix(1);
  return base;
}

}  // namespace

std::string DefaultUserAgent() { return net::DefaultUserAgent(); }

Result<FetchResult> FetchConditional(const std::string& url, const FetchState& previous, const std::string& staging_dir,
                                     const FetchOptions& options) {
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
  return FetchHttp(url, previous, staging_dir, options);
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
    auto bad = [&](const std::string& why) { return Corrupt("line " + std::to_string(line_no) + ": " + why); };
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
