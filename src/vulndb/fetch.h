// Downloading feed archives: conditional HTTPS GETs (and local mirrors) into a staging folder.
//
//   FetchState prev = LoadFromMyStore(url);             // empty on the first run
//   Result<FetchResult> r = FetchConditional(OsvArchiveUrl(base, "Go"), prev, staging, {});
//   if (!r.ok()) ... r.error(): kUnavailable / kNotFound / kLimitExceeded / kIo / kInvalidArgument
//   if (r->kind == FetchResult::Kind::kDownloaded) Import(r->path);   // then delete r->path
//   SaveToMyStore(url, r->state);                        // on both kinds
//
// What this layer guarantees:
//  - Only https, unless the URL is http on a loopback address (a local mirror) or
//    FetchOptions::allow_http is set. Redirects (at most 5) never go from https to http. The peer's
//    certificate and host name are always verified.
//  - A downloaded file is complete: the transfer finished, its length matches Content-Length when
//    the server sent one, it is within max_bytes, it was fsync'd, and only then renamed to its
//    final name. An HTTP/1 body that is delimited only by the connection's end (neither
//    Content-Length nor chunked) is refused, since a cut there looks like the end. On every
//    failure no new file is left in the staging folder.
//  - Files are only ever created inside the staging folder, under names that do not come from
//    the URL's text (see FetchResult::path).
//  - Proxies: libcurl's defaults apply, i.e. the standard environment variables (https_proxy,
//    HTTPS_PROXY, http_proxy, ALL_PROXY, NO_PROXY) are honoured; nothing else is configured. No
//    .netrc, no cookies, no Accept-Encoding (archives are stored byte for byte as served).
//
// Thread-safe: calls may run concurrently (each uses its own curl handle; libcurl's global setup
// runs once behind std::call_once).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::vulndb {

// osv.dev's public bucket: <base>/ecosystems.txt, <base>/<ecosystem>/all.zip. Used only when the
// user names no other source.
inline constexpr std::string_view kOsvDefaultBase = "https://osv-vulnerabilities.storage.googleapis.com";

// What the caller remembers about a URL from its last successful fetch and passes back next time.
// All fields may be empty/0 (never fetched). The caller persists it; this layer keeps no state.
struct FetchState {
  std::string etag;           // the ETag response header, verbatim (weak tags keep their W/)
  std::string last_modified;  // the Last-Modified response header, verbatim (an HTTP-date)
  std::string sha256;         // "sha256:<64 hex>" of the body
  uint64_t size = 0;          // bytes of the body
};

// "vigil/<project version>", the default User-Agent.
std::string DefaultUserAgent();

struct FetchOptions {
  // A PEM CA bundle used instead of the system's (curl's --cacert); "" = the system store.
  // For tests and private mirrors.
  std::string ca_file;
  // A body larger than this is refused (kLimitExceeded) as soon as that is known: from
  // Content-Length before any byte is written, else while streaming.
  uint64_t max_bytes = uint64_t{2} << 30;
  long connect_timeout_s = 30;
  // A transfer slower than low_speed_bytes_per_s for low_speed_time_s is aborted (and retried).
  // This replaces a hard total timeout by default: the largest osv.dev archives are hundreds of
  // MB, so any fixed total long enough for a slow link is useless on a fast one.
  long low_speed_bytes_per_s = 1024;
  long low_speed_time_s = 60;
  long total_timeout_s = 0;  // a hard cap per attempt; 0 = none
  // Allow http:// to any host (http on a loopback address is always allowed), and, from an
  // http:// URL, redirects to http://. A redirect from https:// to http:// is always refused.
  bool allow_http = false;
  std::string user_agent = DefaultUserAgent();
  // Extra attempts after the first on connection errors, timeouts, broken transfers, HTTP 408,
  // 429 and 5xx. The wait before retry n (1-based) is retry_base_delay_ms * 2^(n-1), at most
  // 30 s, plus up to 25% jitter; a Retry-After header (seconds or HTTP-date) replaces it. A
  // Retry-After longer than max_retry_after_s fails at once instead of waiting.
  int retries = 3;
  long retry_base_delay_ms = 1000;
  long max_retry_after_s = 60;
  // Called as the body arrives with the bytes received so far and the announced total (0 when
  // the server sent no Content-Length); may be empty.
  std::function<void(std::string_view url, uint64_t bytes, uint64_t total)> progress;
};

struct FetchResult {
  enum class Kind {
    kNotModified,  // the content is what `previous` describes: no file was left
    kDownloaded,   // new content is at `path`
  };
  Kind kind = Kind::kNotModified;
  // kDownloaded: "<staging_dir>/<32 hex>.fetched", the hex being the start of the SHA-256 of the
  // URL (so a second fetch of one URL replaces the first one's file). Complete and fsync'd; the
  // caller owns it and removes it when done. kNotModified: "".
  std::string path;
  // What to pass as `previous` next time. kDownloaded: the new validators, sha256 and size.
  // kNotModified: `previous`, with any validators the server sent in place of the old ones.
  FetchState state;
};

// Fetches `url` into `staging_dir` (which must exist) unless it is unchanged since `previous`.
//
// Sources:
//  - https:// (http:// as FetchOptions::allow_http says): a GET with If-None-Match (previous.etag)
//    and If-Modified-Since (previous.last_modified) when known. 304 → kNotModified. 200 → the body
//    is streamed to a temporary file in staging_dir while its SHA-256 is computed, checked and
//    renamed → kDownloaded; a 200 whose body has previous.sha256 and previous.size (a server
//    without validators, or new validators for the same bytes) → kNotModified, file removed.
//  - file:///abs/path (host empty or "localhost"; %-escapes decoded) and a plain local path
//    (anything without "scheme://"): the same contract offline. The validators are made from the
//    file's mtime (ns) and size, so an untouched file is kNotModified without being read; a
//    touched one is copied and hashed, and kNotModified again if its bytes are unchanged.
//
// Errors (the message names the URL, and the HTTP status or curl error where there is one):
//  - kInvalidArgument: not a URL/path this accepts, a scheme other than https/http/file, http
//    refused, a file:// URL naming another host;
//  - kNotFound: HTTP 404 or 410, a missing local file;
//  - kUnavailable: connection, DNS, TLS (certificate not trusted, wrong host), timeouts, a
//    transfer that broke off or is shorter than its Content-Length, a body of unverifiable length,
//    too many redirects or one to a refused scheme, any other HTTP status; after the retries
//    FetchOptions allows (none for 4xx other than 408/429);
//  - kLimitExceeded: the body is larger than max_bytes;
//  - kUnsupported: the server applied a Content-Encoding, or the local path is not a regular file;
//  - kIo: staging_dir is missing or not writable, a local read/write/fsync failed.
Result<FetchResult> FetchConditional(const std::string& url, const FetchState& previous, const std::string& staging_dir,
                                     const FetchOptions& options);

// "<base>/<ecosystem>/all.zip": osv.dev's archive of one ecosystem. For a URL base ("scheme://…")
// the ecosystem is percent-encoded (every byte but A-Z a-z 0-9 - . _ ~), so "Rocky Linux" →
// "Rocky%20Linux" and "Ubuntu:22.04:LTS" → "Ubuntu%3A22.04%3ALTS"; for a local folder it is
// used as is. Trailing '/' of base are dropped. Precondition: `ecosystem` is one that
// ParseEcosystemsList accepts (no '/', not "." or "..").
std::string OsvArchiveUrl(std::string_view base, std::string_view ecosystem);

// "<base>/ecosystems.txt": osv.dev's list of ecosystems (one per line).
std::string OsvEcosystemsUrl(std::string_view base);

// Parses ecosystems.txt: one ecosystem per line, '\n' or "\r\n"; surrounding blanks trimmed;
// empty lines skipped; duplicates dropped; order kept. Since each name becomes a path component
// of a URL or of a local path, a line that contains '/', '\\' or a control character, is "." or
// "..", or is longer than 200 bytes makes the whole list kCorrupt ("line N: …"). More than
// 10,000 ecosystems is kLimitExceeded.
Result<std::vector<std::string>> ParseEcosystemsList(std::string_view text);

}  // namespace vigil::vulndb
