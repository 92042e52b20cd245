#include "net/http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "common/json.h"
#include "common/strings.h"

namespace vigil::net {
namespace {

using Clock = std::chrono::steady_clock;

std::string ErrnoText(int err) { return std::strerror(err); }

bool IsTokenChar(unsigned char c) { return std::isalnum(c) != 0 || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr; }

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return IsTokenChar(c); });
}

bool HasLineBreakOrNul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// cpp-httplib adds the peer's and its own address to the request's header fields under these
// names, after any a client sent: they are not header fields, and a client's would be forged.
bool IsPseudoHeader(std::string_view name) {
  std::string n = AsciiLower(name);
  return n == "remote_addr" || n == "remote_port" || n == "local_addr" || n == "local_port";
}

// ---------------------------------------------------------------------------------------------
// Routes.

struct Segment {
  enum class Kind { kLiteral, kParam, kRest };
  Kind kind = Kind::kLiteral;
  std::string text;  // the literal, or the parameter's name
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<Segment> segments;
  Handler handler;
};

bool IsParamName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])) != 0) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

// "/a/b" → {"a", "b"}; "/" → {""}; "/a/" → {"a", ""}. Precondition: starts with '/'.
std::vector<std::string_view> PathSegments(std::string_view path) { return Split(path.substr(1), '/'); }

Result<std::vector<Segment>> ParsePattern(std::string_view pattern) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("route pattern '" + std::string(pattern) + "': " + why);
  };
  if (pattern.empty() || pattern.front() != '/') return bad("does not start with '/'");
  std::vector<Segment> out;
  std::set<std::string, std::less<>> names;
  std::vector<std::string_view> parts = PathSegments(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    Segment seg;
    if (!part.empty() && part.front() == '{') {
      if (part.back() != '}') return bad("segment '" + std::string(part) + "' is not {name} or {name...}");
      std::string_view name = part.substr(1, part.size() - 2);
      seg.kind = Segment::Kind::kParam;
      if (name.ends_with("...")) {
        if (i + 1 != parts.size()) return bad("{name...} must be the last segment");
        name.remove_suffix(3);
        seg.kind = Segment::Kind::kRest;
      }
      if (!IsParamName(name)) {
        return bad("'" + std::string(name) + "' is not a parameter name ([A-Za-z_][A-Za-z0-9_]*)");
      }
      if (!names.insert(std::string(name)).second) return bad("parameter '" + std::string(name) + "' appears twice");
      seg.text = std::string(name);
    } else {
      if (part.find_first_of("{}") != std::string_view::npos) return bad("a brace inside a literal segment");
      if (part == "." || part == "..") return bad("a '.' or '..' segment");
      if (HasLineBreakOrNul(part) || part.find_first_of("?#") != std::string_view::npos) {
        return bad("a literal segment with '?', '#', CR, LF or NUL");
      }
      seg.text = std::string(part);
    }
    out.push_back(std::move(seg));
  }
  return out;
}

bool SameShape(const std::vector<Segment>& a, const std::vector<Segment>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind) return false;
    if (a[i].kind == Segment::Kind::kLiteral && a[i].text != b[i].text) return false;
  }
  return true;
}

// Matches `path` against `route`; fills `params` on success.
bool Matches(const Route& route, const std::vector<std::string_view>& path,
             std::map<std::string, std::string>* params) {
  std::map<std::string, std::string> got;
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const Segment& seg = route.segments[i];
    if (seg.kind == Segment::Kind::kRest) {
      std::string rest;
      for (size_t j = i; j < path.size(); ++j) {
        if (j > i) rest += '/';
        rest += path[j];
      }
      got[seg.text] = std::move(rest);
      *params = std::move(got);
      return true;
    }
    if (i >= path.size()) return false;
    if (seg.kind == Segment::Kind::kLiteral) {
      if (path[i] != seg.text) return false;
    } else {
      if (path[i].empty()) return false;
      got[seg.text] = std::string(path[i]);
    }
  }
  if (route.segments.size() != path.size()) return false;
  *params = std::move(got);
  return true;
}

// Literal over {name} over {name...}, segment by segment: a larger key is more specific.
std::vector<int> Specificity(const Route& route) {
  std::vector<int> key;
  for (const Segment& s : route.segments) {
    key.push_back(s.kind == Segment::Kind::kLiteral ? 2 : s.kind == Segment::Kind::kParam ? 1 : 0);
  }
  // A route that ends where the path ends beats a {name...} that matched nothing: "/v1/images"
  // over "/v1/images/{ref...}" for the path "/v1/images".
  if (route.segments.empty() || route.segments.back().kind != Segment::Kind::kRest) key.push_back(3);
  return key;
}

// ---------------------------------------------------------------------------------------------
// Per-request bookkeeping between cpp-httplib's hooks. A worker thread serves one request at a
// time from the first hook to the logger, so a thread-local is that request's.

struct RequestContext {
  Clock::time_point start;
  bool started = false;
  uint64_t streamed_bytes = 0;  // of a body sent by ServerResponse::stream
  std::string error;            // the full message of an error answer, for the log
};
thread_local RequestContext t_request;

// The JSON code of a status the adapter answers without an ErrorCode.
std::string_view StatusCodeName(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthenticated";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 429:
      return "too_many_requests";
    case 413:
    case 414:
    case 431:
      return "limit_exceeded";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : "error";
  }
}

void SetError(httplib::Response& res, int status, std::string_view code, const std::string& message,
              const std::string& log_message = "") {
  res.status = status;
  res.set_content(ErrorBody(code, message), "application/json");
  t_request.error = log_message.empty() ? message : log_message;
}

// The listening socket is made here rather than by cpp-httplib, so that a unix socket works,
// errors say why, and the socket is neither SO_REUSEPORT (another process could share the port)
// nor inherited by children. cpp-httplib then serves it from listen_after_bind().
template <typename Base>
class Listener : public Base {
 public:
  using Base::Base;
  void Adopt(int fd) { this->svr_sock_ = fd; }
};

struct Bound {
  int fd = -1;
  int port = 0;
  ino_t unix_inode = 0;
};

Result<Bound> BindTcp(const ListenAddress& a, const std::string& text) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  std::string port = std::to_string(a.port);
  if (int rc = getaddrinfo(a.host.c_str(), port.c_str(), &hints, &list); rc != 0) {
    return Unavailable("cannot listen on " + text + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owned(list, freeaddrinfo);
  int err = EADDRNOTAVAIL;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int yes = 1, no = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof no);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
      err = errno;
      close(fd);
      continue;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    Bound b;
    b.fd = fd;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      if (ss.ss_family == AF_INET) b.port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
      if (ss.ss_family == AF_INET6) b.port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    }
    return b;
  }
  return Unavailable("cannot listen on " + text + ": " + ErrnoText(err));
}

Result<Bound> BindUnix(const std::string& path, const std::string& text) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return InvalidArgument("cannot listen on " + text + ": the path is longer than " +
                           std::to_string(sizeof addr.sun_path - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  auto fail = [&](const std::string& why) { return Unavailable("cannot listen on " + text + ": " + why); };
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return fail("the path exists and is not a socket");
    // A socket file nobody listens on is left over from a server that ended: replace it.
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) return fail(ErrnoText(errno));
    int rc = connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int err = errno;
    close(probe);
    if (rc == 0) return fail("another server is listening there");
    if (err != ECONNREFUSED) return fail(ErrnoText(err));
    if (unlink(path.c_str()) != 0) return fail("cannot remove the stale socket: " + ErrnoText(errno));
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrnoText(errno));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, SOMAXCONN) != 0) {
    int err = errno;
    close(fd);
    return fail(ErrnoText(err));
  }
  Bound b;
  b.fd = fd;
  if (stat(path.c_str(), &st) == 0) b.unix_inode = st.st_ino;
  return b;
}

Status Readable(const std::string& path, std::string_view what) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return InvalidArgument(std::string(what) + " '" + path + "' cannot be read: " + ErrnoText(err));
  }
  close(fd);
  return OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string ServerRequest::Param(std::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? "" : it->second;
}

std::string ServerRequest::Header(std::string_view name) const {
  std::string want = AsciiLower(name);
  for (const auto& [n, v] : headers) {
    if (n == want) return v;
  }
  return "";
}

std::string ServerRequest::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? "" : it->second;
}

ServerResponse ServerResponse::Json(std::string body, int status) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ServerResponse ServerResponse::Text(std::string body, std::string content_type) {
  ServerResponse r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Result<ListenAddress> ParseListenAddress(std::string_view address) {
  std::string quoted = "'" + std::string(address) + "'";
  ListenAddress out;
  if (address.starts_with("unix:")) {
    out.unix_path = std::string(address.substr(5));
    if (out.unix_path.empty() || out.unix_path.find('\0') != std::string::npos) {
      return InvalidArgument(quoted + " names no socket path");
    }
    return out;
  }
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) {
    return InvalidArgument(quoted + " is not HOST:PORT (e.g. 127.0.0.1:9464)");
  }
  std::string_view host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.find('\0') != std::string_view::npos) {
    return InvalidArgument(quoted + " is not HOST:PORT (e.g. 127.0.0.1:9464)");
  }
  uint64_t port = 0;
  if (!ParseDecimal(address.substr(colon + 1), 65535, &port)) {
    return InvalidArgument(quoted + ": the port is not a number from 0 to 65535");
  }
  out.host = std::string(host);
  out.port = static_cast<int>(port);
  return out;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kCorrupt:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kLimitExceeded:
      return 413;
    case ErrorCode::kUnsupported:
      return 415;
    case ErrorCode::kIntegrity:
      return 422;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string ErrorCodeJsonName(ErrorCode code) {
  std::string name(ErrorCodeName(code));
  std::replace(name.begin(), name.end(), ' ', '_');
  return name;
}

std::string ErrorBody(std::string_view code, std::string_view message) {
  nlohmann::json j = {{"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct HttpServer::Impl {
  explicit Impl(ServerOptions o) : options(std::move(o)) {
    if (options.threads == 0) options.threads = 1;
  }

  void Dispatch(const httplib::Request& req, std::string body, httplib::Response& res) const;
  bool HeadersTooLarge(const httplib::Request& req, httplib::Response& res) const;
  void ReadThenDispatch(const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& reader) const;
  void Answer(const ServerRequest& r, const Route& route, httplib::Response& res) const;
  Status Configure(httplib::Server& s);

  ServerOptions options;
  std::vector<Route> routes;

  std::mutex mu;  // Start() and Stop()
  bool started = false;
  bool stopped = false;
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  std::atomic<bool> done{false};
  std::atomic<int> port{0};
  std::string unix_path;
  ino_t unix_inode = 0;
};

bool HttpServer::Impl::HeadersTooLarge(const httplib::Request& req, httplib::Response& res) const {
  size_t bytes = req.method.size() + req.target.size() + req.version.size() + 4;
  for (const auto& [name, value] : req.headers) {
    if (!IsPseudoHeader(name)) bytes += name.size() + value.size() + 4;
  }
  if (bytes <= options.max_header_bytes) return false;
  SetError(res, 431, "limit_exceeded",
           "the request line and header fields are " + std::to_string(bytes) + " bytes, more than the limit of " +
               std::to_string(options.max_header_bytes));
  return true;
}

// cpp-httplib 0.11 bounds only a body announced by Content-Length; a chunked body, or one that
// runs to the connection's end, it would read whole. So bodies are read here, within the limit.
void HttpServer::Impl::ReadThenDispatch(const httplib::Request& req, httplib::Response& res,
                                        const httplib::ContentReader& reader) const {
  if (HeadersTooLarge(req, res)) {
    res.set_header("Connection", "close");
    return;
  }
  std::string body;
  // Without Content-Length and Transfer-Encoding a request has no body (RFC 9112 section 6.3),
  // though cpp-httplib would wait for the connection's end.
  if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
    if (req.is_multipart_form_data()) {
      res.set_header("Connection", "close");
      return SetError(res, 415, "unsupported", "multipart/form-data bodies are not accepted");
    }
    bool too_large = false;
    uint64_t max = options.max_body_bytes;
    bool read = reader([&](const char* data, size_t len) {
      if (len > max - body.size()) {
        too_large = true;
        return false;
      }
      body.append(data, len);
      return true;
    });
    if (!read || too_large) {
      // What is left of the body is not read: the client is told to close the connection.
      res.set_header("Connection", "close");
      if (too_large || res.status == 413) {
        return SetError(res, 413, "limit_exceeded",
                        "the request body is larger than the limit of " + std::to_string(max) + " bytes");
      }
      return SetError(res, 400, "bad_request", "the request body could not be read");
    }
  }
  Dispatch(req, std::move(body), res);
}

void HttpServer::Impl::Dispatch(const httplib::Request& req, std::string body, httplib::Response& res) const {
  ServerRequest r;
  r.method = req.method;
  r.path = req.path;
  r.remote_addr = req.remote_addr;
  if (HeadersTooLarge(req, res)) return;
  for (const auto& [name, value] : req.headers) {
    if (!IsPseudoHeader(name)) r.headers.emplace_back(AsciiLower(name), value);
  }
  for (const auto& [name, value] : req.params) r.query.emplace(name, value);
  if (r.path.empty() || r.path.front() != '/') {
    return SetError(res, 400, "invalid_argument", "the request target is not an absolute path");
  }
  std::vector<std::string_view> segments = PathSegments(r.path);
  for (std::string_view s : segments) {
    if (s == "." || s == ".." || s.find('\0') != std::string_view::npos) {
      return SetError(res, 400, "invalid_argument", "the path has a '.', '..' or NUL segment");
    }
  }

  std::string method = r.method == "HEAD" ? "GET" : r.method;
  const Route* best = nullptr;
  std::map<std::string, std::string> best_params;
  std::set<std::string> allowed;
  for (const Route& route : routes) {
    std::map<std::string, std::string> params;
    if (!Matches(route, segments, &params)) continue;
    allowed.insert(route.method);
    if (route.method != method) continue;
    if (best == nullptr || Specificity(route) > Specificity(*best)) {
      best = &route;
      best_params = std::move(params);
    }
  }
  if (best != nullptr) {
    r.route = best->pattern;
    r.params = std::move(best_params);
  }
  r.body = std::move(body);

  if (options.auth) {
    AuthResult a;
    try {
      a = options.auth(r);
    } catch (const std::exception& e) {
      return SetError(res, 500, "internal", "internal error", std::string("the auth hook threw: ") + e.what());
    } catch (...) {
      return SetError(res, 500, "internal", "internal error", "the auth hook threw");
    }
    if (a.status != 0) {
      int status = a.status == 401 ? 401 : a.status == 429 ? 429 : 403;
      std::string message = a.message.empty() ? (status == 401   ? "authentication required"
                                                 : status == 429 ? "too many requests"
                                                                 : "forbidden")
                                              : a.message;
      SetError(res, status, StatusCodeName(status), message);
      if (status == 401 && !a.challenge.empty() && !HasLineBreakOrNul(a.challenge)) {
        res.set_header("WWW-Authenticate", a.challenge);
      }
      if (status == 429 && a.retry_after > 0) res.set_header("Retry-After", std::to_string(a.retry_after));
      return;
    }
  }
  if (best == nullptr) {
    if (allowed.empty()) return SetError(res, 404, "not_found", "no route for " + r.path);
    if (allowed.count("GET") != 0) allowed.insert("HEAD");
    std::string allow;
    for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    SetError(res, 405, "method_not_allowed", r.path + " does not answer " + r.method + " (only " + allow + ")");
    res.set_header("Allow", allow);
    return;
  }
  Answer(r, *best, res);
}

void HttpServer::Impl::Answer(const ServerRequest& r, const Route& route, httplib::Response& res) const {
  std::optional<Result<ServerResponse>> got;
  try {
    got.emplace(route.handler(r));
  } catch (const std::exception& e) {
    return SetError(res, 500, "internal", "internal error", route.pattern + ": the handler threw: " + e.what());
  } catch (...) {
    return SetError(res, 500, "internal", "internal error", route.pattern + ": the handler threw");
  }
  if (!got->ok()) {
    const Error& e = got->error();
    int status = HttpStatusFor(e.code());
    // Internal failures stay in the log: their messages name files and internals.
    std::string message = status == 500 ? "internal error" : e.message();
    return SetError(res, status, ErrorCodeJsonName(e.code()), message, e.ToString());
  }
  ServerResponse& answer = got->value();
  if (answer.status < 100 || answer.status > 599) {
    return SetError(res, 500, "internal", "internal error",
                    route.pattern + ": the handler answered status " + std::to_string(answer.status));
  }
  for (const auto& [name, value] : answer.headers) {
    if (!IsToken(name) || HasLineBreakOrNul(value)) {
      return SetError(
          res, 500, "internal", "internal error",
          route.pattern + ": the handler's header '" + Clip(name, 64) + "' is not a token with a clean value");
    }
  }
  if (HasLineBreakOrNul(answer.content_type)) {
    return SetError(res, 500, "internal", "internal error",
                    route.pattern + ": the handler's content type is not clean");
  }
  res.status = answer.status;
  for (auto& [name, value] : answer.headers) res.set_header(name, value);
  if (!answer.stream) {
    res.set_content(std::move(answer.body), answer.content_type);
    return;
  }
  std::string pattern = route.pattern;
  auto produce = std::move(answer.stream);
  res.set_chunked_content_provider(answer.content_type, [produce, pattern](size_t, httplib::DataSink& sink) {
    ServerResponse::Writer write = [&sink](std::string_view data) {
      if (data.empty()) return true;
      if (!sink.write(data.data(), data.size())) return false;
      t_request.streamed_bytes += data.size();
      return true;
    };
    Status done;
    try {
      done = produce(write);
    } catch (const std::exception& e) {
      done = InternalError(pattern + ": the body producer threw: " + e.what());
    } catch (...) {
      done = InternalError(pattern + ": the body producer threw");
    }
    if (!done.ok()) {
      t_request.error = done.error().ToString();
      return false;  // cpp-httplib closes the connection without the last chunk
    }
    sink.done();
    return true;
  });
}

Status HttpServer::Impl::Configure(httplib::Server& s) {
  size_t threads = options.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_read_timeout(options.read_timeout.count(), 0);
  s.set_write_timeout(options.write_timeout.count(), 0);
  s.set_keep_alive_timeout(options.keep_alive_timeout.count());
  s.set_payload_max_length(static_cast<size_t>(std::min<uint64_t>(options.max_body_bytes, SIZE_MAX)));
  s.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request = RequestContext();
    t_request.start = Clock::now();
    t_request.started = true;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Every request goes to Dispatch, which routes by our own rules (params, 405, auth first).
  auto bodiless = [this](const httplib::Request& req, httplib::Response& res) { Dispatch(req, "", res); };
  auto with_body = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    ReadThenDispatch(req, res, reader);
  };
  s.Get(".*", bodiless);
  s.Options(".*", bodiless);
  s.Post(".*", with_body);
  s.Put(".*", with_body);
  s.Patch(".*", with_body);
  s.Delete(".*", with_body);
  // The answers cpp-httplib makes itself (malformed request, body too large, target too long)
  // get the same JSON error body.
  uint64_t max_body = options.max_body_bytes;
  httplib::Server::HandlerWithResponse on_error = [max_body](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message;
    switch (res.status) {
      case 400:
        message = "malformed request";
        break;
      case 413:
        message = "the request body is larger than the limit of " + std::to_string(max_body) + " bytes";
        break;
      case 414:
        message = "the request target is too long";
        break;
      default:
        message = "HTTP " + std::to_string(res.status);
        break;
    }
    res.set_content(ErrorBody(StatusCodeName(res.status), message), "application/json");
    if (t_request.error.empty()) t_request.error = message;
    return httplib::Server::HandlerResponse::Handled;
  };
  s.set_error_handler(std::move(on_error));
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    SetError(res, 500, "internal", "internal error", "an exception escaped the request");
  });
  RequestLogger log = options.log;
  s.set_logger([log](const httplib::Request& req, const httplib::Response& res) {
    if (log) {
      RequestLogEntry e;
      e.method = req.method;
      e.path = req.path;
      e.status = res.status;
      e.bytes = req.method == "HEAD" ? 0 : res.body.size() + t_request.streamed_bytes;
      if (t_request.started) {
        e.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t_request.start);
      }
      e.remote_addr = req.remote_addr;
      e.error = t_request.error;
      try {
        log(e);
      } catch (...) {
        // A logger that throws must not take the connection down.
      }
    }
    t_request = RequestContext();
  });
  return OkStatus();
}

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Handle(std::string_view method, std::string_view pattern, Handler handler) {
  std::lock_guard lock(impl_->mu);
  if (impl_->started) return InvalidArgument("route " + std::string(pattern) + ": the server has started already");
  static constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
    return InvalidArgument("route " + std::string(pattern) + ": unsupported method '" + std::string(method) + "'");
  }
  if (!handler) return InvalidArgument("route " + std::string(pattern) + ": no handler");
  VIGIL_ASSIGN_OR_RETURN(std::vector<Segment> segments, ParsePattern(pattern));
  for (const Route& r : impl_->routes) {
    if (r.method == method && SameShape(r.segments, segments)) {
      return InvalidArgument("route " + std::string(method) + " " + std::string(pattern) + " is the same as " +
                             r.method + " " + r.pattern);
    }
  }
  impl_->routes.push_back({std::string(method), std::string(pattern), std::move(segments), std::move(handler)});
  return OkStatus();
}

Status HttpServer::Start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (s.started || s.stopped) return InvalidArgument("the HTTP server was started or stopped already");
  VIGIL_ASSIGN_OR_RETURN(ListenAddress address, ParseListenAddress(s.options.listen));
  bool tls = !s.options.tls_cert_file.empty() || !s.options.tls_key_file.empty();
  if (tls) {
    if (s.options.tls_cert_file.empty() || s.options.tls_key_file.empty()) {
      return InvalidArgument("TLS needs both a certificate file and a key file");
    }
    VIGIL_RETURN_IF_ERROR(Readable(s.options.tls_cert_file, "TLS certificate"));
    VIGIL_RETURN_IF_ERROR(Readable(s.options.tls_key_file, "TLS key"));
  }
  std::unique_ptr<httplib::Server> server;
  std::function<void(int)> adopt;
  if (tls) {
    auto ssl =
        std::make_unique<Listener<httplib::SSLServer>>(s.options.tls_cert_file.c_str(), s.options.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      return InvalidArgument("cannot use the TLS certificate '" + s.options.tls_cert_file + "' with the key '" +
                             s.options.tls_key_file + "' (not PEM, or the key does not match the certificate)");
    }
    SSL_CTX_set_min_proto_version(ssl->ssl_context(), TLS1_2_VERSION);
    auto* raw = ssl.get();
    adopt = [raw](int fd) { raw->Adopt(fd); };
    server = std::move(ssl);
  } else {
    auto plain = std::make_unique<Listener<httplib::Server>>();
    auto* raw = plain.get();
    adopt = [raw](int fd) { raw->Adopt(fd); };
    server = std::move(plain);
  }
  VIGIL_RETURN_IF_ERROR(s.Configure(*server));
  Result<Bound> bound =
      address.unix_path.empty() ? BindTcp(address, s.options.listen) : BindUnix(address.unix_path, s.options.listen);
  if (!bound.ok()) return bound.error();
  adopt(bound->fd);
  s.port = bound->port;
  s.unix_path = address.unix_path;
  s.unix_inode = bound->unix_inode;
  s.server = std::move(server);
  s.started = true;
  httplib::Server* srv = s.server.get();
  s.thread = std::thread([srv, &s] {
    srv->listen_after_bind();
    s.done = true;
  });
  return OkStatus();
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (!s.started || s.stopped) {
    s.stopped = true;
    return;
  }
  s.stopped = true;
  // cpp-httplib's stop() does nothing until its loop has begun, and must be called only once:
  // wait for the loop (it starts at once) or for the thread's end.
  while (!s.server->is_running() && !s.done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!s.done) s.server->stop();
  s.thread.join();
  if (!s.unix_path.empty()) {
    struct stat st {};
    if (lstat(s.unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == s.unix_inode) {
      unlink(s.unix_path.c_str());
    }
  }
}

int HttpServer::port() const { return impl_->port.load(); }

}  // namespace vigil::net
