#include "fleet/container_watch.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "common/json.h"
#include "net/http_client.h"

namespace vigil::fleet {
namespace {

using nlohmann::json;

constexpr std::string_view kList = "container list";
constexpr std::string_view kEvent = "container event";

// A printable, clipped rendering of untrusted text for error messages.
std::string Quote(std::string_view s, size_t max = 64) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...";
  return out + "\"";
}

std::string Cap(size_t n, size_t cap, std::string_view unit) {
  return std::to_string(n) + " " + std::string(unit) + ", more than the cap of " + std::to_string(cap);
}

Error WrongType(std::string_view what, const std::string& path, const json& j, std::string_view expected) {
  return Corrupt(std::string(what) + ": " + path + " is " + j.type_name() + ", expected " + std::string(expected));
}

Result<std::string> StringAt(std::string_view what, const std::string& path, const json& j, size_t max) {
  if (!j.is_string()) return WrongType(what, path, j, "a string");
  const auto& s = j.get_ref<const std::string&>();
  if (s.size() > max) return LimitExceeded(std::string(what) + ": " + path + " is " + Cap(s.size(), max, "bytes"));
  return s;
}

// The member `key` of `obj` (at `path`), or null when absent.
const json* Find(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

Result<const json*> Required(std::string_view what, const std::string& path, const json& obj, const char* key) {
  const json* j = Find(obj, key);
  if (j == nullptr) return Corrupt(std::string(what) + ": " + path + "." + key + " is missing");
  return j;
}

// A string member that may be absent (""), but not of another type.
Result<std::string> OptionalString(std::string_view what, const std::string& path, const json& obj, const char* key) {
  const json* j = Find(obj, key);
  if (j == nullptr) return std::string();
  return StringAt(what, path + "." + key, *j, kMaxWatchStringBytes);
}

// A non-negative integer; absent or null: `absent`.
Result<int64_t> OptionalCount(std::string_view what, const std::string& path, const json* j, int64_t absent) {
  if (j == nullptr || j->is_null()) return absent;
  if (j->is_number_unsigned()) {
    if (j->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Corrupt(std::string(what) + ": " + path + " is out of range");
    }
    return static_cast<int64_t>(j->get<uint64_t>());
  }
  if (j->is_number_integer()) {
    int64_t v = j->get<int64_t>();
    if (v < 0) return Corrupt(std::string(what) + ": " + path + " is negative");
    return v;
  }
  return WrongType(what, path, *j, "an integer");
}

// An object of strings (labels, attributes); absent or null: empty.
Status StringMap(std::string_view what, const std::string& path, const json* j,
                 std::map<std::string, std::string>* out) {
  if (j == nullptr || j->is_null()) return OkStatus();
  if (!j->is_object()) return WrongType(what, path, *j, "an object");
  if (j->size() > kMaxWatchLabels) {
    return LimitExceeded(std::string(what) + ": " + path + " has " + Cap(j->size(), kMaxWatchLabels, "entries"));
  }
  for (const auto& [key, value] : j->items()) {
    std::string at = path + "[" + Quote(key) + "]";
    if (key.size() > kMaxWatchLabelKeyBytes) {
      return LimitExceeded(std::string(what) + ": " + at + ": key of " +
                           Cap(key.size(), kMaxWatchLabelKeyBytes, "bytes"));
    }
    VIGIL_ASSIGN_OR_RETURN(std::string v, StringAt(what, at, value, kMaxWatchLabelValueBytes));
    out->emplace(key, std::move(v));
  }
  return OkStatus();
}

Result<json> ParseLimited(std::string_view what, std::string_view text, size_t max_bytes, size_t max_tokens) {
  if (text.size() > max_bytes) {
    return LimitExceeded(std::string(what) + ": " + Cap(text.size(), max_bytes, "bytes"));
  }
  VIGIL_RETURN_IF_ERROR(CheckJsonShape(what, text, kMaxWatchJsonDepth, max_tokens));
  return ParseJson(text, what, kMaxWatchJsonDepth);
}

bool IsContainerId(std::string_view s) {
  if (s.empty() || s.size() > 128 || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
           c == '-';
  });
}

bool IsLowerHex64(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<RunningContainer> ParseEntry(const json& e, const std::string& path) {
  if (!e.is_object()) return WrongType(kList, path, e, "an object");
  RunningContainer c;
  VIGIL_ASSIGN_OR_RETURN(const json* id, Required(kList, path, e, "Id"));
  VIGIL_ASSIGN_OR_RETURN(c.id, StringAt(kList, path + ".Id", *id, kMaxWatchStringBytes));
  if (!IsContainerId(c.id)) {
    return Corrupt(std::string(kList) + ": " + path + ".Id " + Quote(c.id) + " is not a container id");
  }
  if (const json* names = Find(e, "Names"); names != nullptr && !names->is_null()) {
    if (!names->is_array()) return WrongType(kList, path + ".Names", *names, "an array");
    if (names->size() > kMaxWatchLabels) {
      return LimitExceeded(std::string(kList) + ": " + path + ".Names has " +
                           Cap(names->size(), kMaxWatchLabels, "entries"));
    }
    // Docker also lists the names a container has through links ("/proxy/web"); its own has no
    // further '/'.
    bool own = false;
    for (size_t i = 0; i < names->size(); ++i) {
      VIGIL_ASSIGN_OR_RETURN(std::string n, StringAt(kList, path + ".Names[" + std::to_string(i) + "]", (*names)[i],
                                                     kMaxWatchStringBytes));
      if (n.starts_with('/')) n.erase(0, 1);
      bool plain = n.find('/') == std::string::npos;
      if (i == 0 || (plain && !own)) {
        c.name = std::move(n);
        own = plain;
      }
    }
  }
  VIGIL_ASSIGN_OR_RETURN(const json* image, Required(kList, path, e, "Image"));
  VIGIL_ASSIGN_OR_RETURN(c.image, StringAt(kList, path + ".Image", *image, kMaxWatchStringBytes));
  VIGIL_ASSIGN_OR_RETURN(const json* image_id, Required(kList, path, e, "ImageID"));
  VIGIL_ASSIGN_OR_RETURN(c.image_id, StringAt(kList, path + ".ImageID", *image_id, kMaxWatchStringBytes));
  if (IsLowerHex64(c.image_id)) c.image_id.insert(0, "sha256:");
  if (!c.image_id.starts_with("sha256:") || !IsLowerHex64(std::string_view(c.image_id).substr(7))) {
    return Corrupt(std::string(kList) + ": " + path + ".ImageID " + Quote(c.image_id) +
                   " is not 'sha256:' and 64 lower-case hex digits");
  }
  VIGIL_ASSIGN_OR_RETURN(const json* state, Required(kList, path, e, "State"));
  VIGIL_ASSIGN_OR_RETURN(c.state, StringAt(kList, path + ".State", *state, kMaxWatchStringBytes));
  VIGIL_ASSIGN_OR_RETURN(const json* created, Required(kList, path, e, "Created"));
  if (created->is_null()) return WrongType(kList, path + ".Created", *created, "an integer");
  VIGIL_ASSIGN_OR_RETURN(c.created, OptionalCount(kList, path + ".Created", created, 0));
  VIGIL_RETURN_IF_ERROR(StringMap(kList, path + ".Labels", Find(e, "Labels"), &c.labels));
  if (auto it = c.labels.find("io.kubernetes.pod.namespace"); it != c.labels.end()) c.pod_namespace = it->second;
  if (auto it = c.labels.find("io.kubernetes.pod.name"); it != c.labels.end()) c.pod_name = it->second;
  return c;
}

}  // namespace

Result<std::vector<RunningContainer>> ParseContainerList(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(json root, ParseLimited(kList, text, kMaxContainerListBytes, kMaxJsonTokensPerList));
  if (!root.is_array()) return WrongType(kList, "$", root, "an array");
  if (root.size() > kMaxListedContainers) {
    return LimitExceeded(std::string(kList) + ": $ has " + Cap(root.size(), kMaxListedContainers, "entries"));
  }
  std::vector<RunningContainer> out;
  out.reserve(root.size());
  for (size_t i = 0; i < root.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(RunningContainer c, ParseEntry(root[i], "$[" + std::to_string(i) + "]"));
    out.push_back(std::move(c));
  }
  return out;
}

Result<ContainerEvent> ParseContainerEvent(std::string_view text) {
  if (text.size() > kMaxEventLineBytes) {
    return LimitExceeded(std::string(kEvent) + ": " + Cap(text.size(), kMaxEventLineBytes, "bytes"));
  }
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  VIGIL_ASSIGN_OR_RETURN(json root, ParseLimited(kEvent, text, kMaxEventLineBytes, kMaxJsonTokensPerEvent));
  if (!root.is_object()) return WrongType(kEvent, "$", root, "an object");
  ContainerEvent ev;
  VIGIL_ASSIGN_OR_RETURN(ev.type, OptionalString(kEvent, "$", root, "Type"));
  VIGIL_ASSIGN_OR_RETURN(std::string action, OptionalString(kEvent, "$", root, "Action"));
  VIGIL_ASSIGN_OR_RETURN(std::string status, OptionalString(kEvent, "$", root, "status"));
  VIGIL_ASSIGN_OR_RETURN(std::string legacy_id, OptionalString(kEvent, "$", root, "id"));
  VIGIL_ASSIGN_OR_RETURN(std::string from, OptionalString(kEvent, "$", root, "from"));
  std::map<std::string, std::string> attributes;
  if (const json* actor = Find(root, "Actor"); actor != nullptr && !actor->is_null()) {
    if (!actor->is_object()) return WrongType(kEvent, "$.Actor", *actor, "an object");
    VIGIL_ASSIGN_OR_RETURN(ev.id, OptionalString(kEvent, "$.Actor", *actor, "ID"));
    VIGIL_RETURN_IF_ERROR(StringMap(kEvent, "$.Actor.Attributes", Find(*actor, "Attributes"), &attributes));
  }
  ev.action = !action.empty() ? std::move(action) : std::move(status);
  if (ev.action.empty()) return Corrupt(std::string(kEvent) + ": $.Action is missing (and no legacy $.status)");
  if (ev.id.empty()) ev.id = std::move(legacy_id);
  if (auto it = attributes.find("image"); it != attributes.end()) ev.image = it->second;
  if (ev.image.empty()) ev.image = std::move(from);
  if (auto it = attributes.find("name"); it != attributes.end()) ev.name = it->second;
  if ((ev.type.empty() || ev.type == "container") && !IsContainerId(ev.id)) {
    return Corrupt(std::string(kEvent) + ": $.Actor.ID " + Quote(ev.id) + " is not a container id");
  }
  VIGIL_ASSIGN_OR_RETURN(int64_t nano, OptionalCount(kEvent, "$.timeNano", Find(root, "timeNano"), -1));
  if (nano >= 0) {
    ev.time_nano = nano;
  } else {
    VIGIL_ASSIGN_OR_RETURN(int64_t seconds, OptionalCount(kEvent, "$.time", Find(root, "time"), 0));
    if (seconds > std::numeric_limits<int64_t>::max() / 1'000'000'000) {
      return Corrupt(std::string(kEvent) + ": $.time is out of range");
    }
    ev.time_nano = seconds * 1'000'000'000;
  }
  return ev;
}

LineSplitter::LineSplitter(size_t max_line_bytes) : max_(std::max<size_t>(1, max_line_bytes)) {}

Status LineSplitter::Feed(std::string_view data, const std::function<Status(std::string_view line)>& line) {
  auto too_long = [&] { return LimitExceeded("line longer than " + std::to_string(max_) + " bytes"); };
  if (failed_) return too_long();
  while (!data.empty()) {
    size_t nl = data.find('\n');
    std::string_view piece = data.substr(0, nl);
    if (pending_.size() + piece.size() > max_) {
      failed_ = true;
      pending_.clear();
      return too_long();
    }
    if (nl == std::string_view::npos) {
      pending_.append(piece);
      return OkStatus();
    }
    data.remove_prefix(nl + 1);
    Status s;
    if (pending_.empty()) {
      s = line(piece);
    } else {
      pending_.append(piece);
      std::string whole = std::move(pending_);
      pending_.clear();
      s = line(whole);
    }
    if (!s.ok()) return s;
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// The watcher.

namespace {

// Percent-encodes all but the unreserved characters (RFC 3986).
std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool IsSocket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

enum class Reaction { kIgnore, kLookUp, kStopped };

Reaction ReactionTo(std::string_view action) {
  if (action == "start" || action == "restart") return Reaction::kLookUp;
  if (action == "die" || action == "stop" || action == "destroy" || action == "remove") return Reaction::kStopped;
  return Reaction::kIgnore;
}

}  // namespace

struct ContainerWatcher::State {
  State(WatchOptions o, Sink s)
      : options(std::move(o)),
        sink(std::move(s)),
        client(ListOptions(options)),
        stream_client(StreamOptions(options)) {}

  static net::HttpClientOptions Common(const WatchOptions& o) {
    net::HttpClientOptions c;
    c.max_redirects = 0;
    c.connect_timeout = std::max(std::chrono::milliseconds(1), o.connect_timeout);
    c.max_error_body_bytes = kMaxWatchStringBytes;
    c.retry.retries = 0;  // the watcher's own backoff retries, and lists again
    return c;
  }
  static net::HttpClientOptions ListOptions(const WatchOptions& o) {
    net::HttpClientOptions c = Common(o);
    c.total_timeout = o.request_timeout;
    c.low_speed_bytes_per_s = 0;  // bounded by total_timeout
    c.max_body_bytes = kMaxContainerListBytes;
    c.require_framed_body = false;  // the parser refuses a list cut short
    return c;
  }
  static net::HttpClientOptions StreamOptions(const WatchOptions& o) {
    net::HttpClientOptions c = Common(o);
    // Open for as long as the runtime runs, silent for as long as nothing happens: no time limit
    // and no low-speed limit. Memory is bounded per line (LineSplitter), not by the stream's total.
    c.total_timeout = std::chrono::milliseconds(0);
    c.low_speed_bytes_per_s = 0;
    c.max_body_bytes = std::numeric_limits<uint64_t>::max();
    // Every end of the stream is an outage, framed or not.
    c.require_framed_body = false;
    return c;
  }

  std::string Where(const std::string& path) const { return options.socket + ": GET " + path; }

  // GET `path` → ParseContainerList. Errors: kUnavailable (no socket, connection, status other
  // than 200, cancelled), kLimitExceeded / kCorrupt from the client or the parser, named.
  Result<std::vector<RunningContainer>> GetList(const std::string& path) {
    if (!IsSocket(options.socket)) return Unavailable(options.socket + ": no such socket");
    net::HttpRequest request;
    request.url = "http://localhost" + path;
    request.unix_socket = options.socket;
    request.cancel = &cancel;
    VIGIL_ASSIGN_OR_RETURN(net::HttpResponse got, client.Send(request));
    if (got.status != 200) {
      return Unavailable(Where(path) + ": HTTP " + std::to_string(got.status) + ": " + Quote(got.body, 200));
    }
    auto list = ParseContainerList(got.body);
    if (!list.ok()) return std::move(list.error().Context(Where(path)));
    return list;
  }

  Status OnLine(std::string_view line) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return OkStatus();
    VIGIL_ASSIGN_OR_RETURN(ContainerEvent ev, ParseContainerEvent(line));
    events.fetch_add(1, std::memory_order_relaxed);
    if (!ev.type.empty() && ev.type != "container") return OkStatus();
    switch (ReactionTo(ev.action)) {
      case Reaction::kIgnore:
        return OkStatus();
      case Reaction::kStopped:
        if (sink.stopped) sink.stopped(ev.id);
        return OkStatus();
      case Reaction::kLookUp:
        break;
    }
    std::string path = options.base_path + "/containers/json?filters=" + UrlEncode(R"({"id":[")" + ev.id + R"("]})");
    VIGIL_ASSIGN_OR_RETURN(std::vector<RunningContainer> found, GetList(path));
    auto it = std::find_if(found.begin(), found.end(), [&](const RunningContainer& c) { return c.id == ev.id; });
    if (it == found.end()) {
      // Already gone again (or an event replayed from before the list): not running.
      if (sink.stopped) sink.stopped(ev.id);
    } else if (sink.started) {
      sink.started(*it);
    }
    return OkStatus();
  }

  // One list and one events stream, until either fails. Always returns an error (the stream
  // never ends well); *opened tells whether the stream's body had begun (then the next wait
  // starts again from retry_min).
  Status Session(bool* opened) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    int64_t since = std::chrono::duration_cast<std::chrono::seconds>(now).count() - 1;
    std::string list_path = options.base_path + "/containers/json";
    VIGIL_ASSIGN_OR_RETURN(std::vector<RunningContainer> running, GetList(list_path));
    lists.fetch_add(1, std::memory_order_relaxed);

    std::string path = options.base_path + "/events?since=" + std::to_string(since) +
                       "&filters=" + UrlEncode(R"({"type":["container"]})");
    std::string where = Where(path);
    // The snapshot goes out before the stream is open: the client's BodySink::begin comes with
    // the first byte of the body, and an events stream sends none until something happens. A
    // stream that then fails to open is an outage like any other (stale follows).
    if (outage) reconnects.fetch_add(1, std::memory_order_relaxed);
    outage = false;
    if (sink.snapshot) sink.snapshot(std::move(running));
    connected.store(true, std::memory_order_relaxed);

    LineSplitter lines(kMaxEventLineBytes);
    net::BodySink body;
    body.begin = [&](const net::HttpResponse&) -> Status {
      *opened = true;
      return OkStatus();
    };
    body.write = [&](std::string_view data) -> Status {
      Status s = lines.Feed(data, [&](std::string_view line) { return OnLine(line); });
      if (!s.ok() && !s.error().message().starts_with(options.socket)) s.error().Context(where);
      return s;
    };
    net::HttpRequest request;
    request.url = "http://localhost" + path;
    request.unix_socket = options.socket;
    request.cancel = &cancel;
    VIGIL_ASSIGN_OR_RETURN(net::HttpResponse got, stream_client.Stream(request, body));
    if (got.status < 200 || got.status > 299) {
      return Unavailable(where + ": HTTP " + std::to_string(got.status) + ": " + Quote(got.body, 200));
    }
    return Unavailable(where + ": the events stream ended");
  }

  void Run() {
    std::chrono::milliseconds delay = options.retry_min;
    while (!cancel.cancelled()) {
      bool opened = false;
      Status s = Session(&opened);
      connected.store(false, std::memory_order_relaxed);
      if (cancel.cancelled()) return;
      errors.fetch_add(1, std::memory_order_relaxed);
      if (s.ok()) s = Status(InternalError(options.socket + ": the session ended without an error"));
      if (!outage) {
        outage = true;
        if (sink.stale) sink.stale(s.error());
      }
      if (opened) delay = options.retry_min;
      if (cancel.WaitFor(delay)) return;
      delay = std::min(options.retry_max, delay * 2);
    }
  }

  WatchOptions options;
  Sink sink;
  net::HttpClient client;         // lists, bounded in time
  net::HttpClient stream_client;  // the events stream, unbounded in time
  net::Cancellation cancel;

  std::mutex mu;  // guards thread, started
  std::thread thread;
  bool started = false;

  bool outage = false;  // the watcher's thread only: stale() was called and no snapshot since
  std::atomic<uint64_t> lists{0}, events{0}, reconnects{0}, errors{0};
  std::atomic<bool> connected{false};
};

ContainerWatcher::ContainerWatcher(WatchOptions options, Sink sink)
    : state_(std::make_unique<State>(std::move(options), std::move(sink))) {}

ContainerWatcher::~ContainerWatcher() { Stop(); }

Status ContainerWatcher::Start() {
  State& s = *state_;
  const WatchOptions& o = s.options;
  if (o.socket.empty()) return InvalidArgument("container watcher: no socket path");
  if (!o.base_path.starts_with('/')) {
    return InvalidArgument("container watcher: base path " + Quote(o.base_path) + " does not start with '/'");
  }
  if (o.retry_min.count() <= 0 || o.retry_min > o.retry_max) {
    return InvalidArgument("container watcher: retry_min must be above 0 and at most retry_max");
  }
  std::lock_guard lock(s.mu);
  if (s.started) return InvalidArgument("container watcher: already started");
  s.started = true;
  s.thread = std::thread([&s] { s.Run(); });
  return OkStatus();
}

void ContainerWatcher::Stop() {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  s.started = true;  // no Start() after Stop()
  s.cancel.Cancel();
  if (s.thread.joinable()) {
    assert(s.thread.get_id() != std::this_thread::get_id() && "Stop() from a Sink callback");
    s.thread.join();
  }
}

ContainerWatcher::Stats ContainerWatcher::stats() const {
  const State& s = *state_;
  Stats out;
  out.lists = s.lists.load(std::memory_order_relaxed);
  out.events = s.events.load(std::memory_order_relaxed);
  out.reconnects = s.reconnects.load(std::memory_order_relaxed);
  out.errors = s.errors.load(std::memory_order_relaxed);
  out.connected = s.connected.load(std::memory_order_relaxed);
  return out;
}

}  // namespace vigil::fleet
