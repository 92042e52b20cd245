#include "fleet/sensor_link.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "common/file.h"
#include "common/time.h"
#include "fleet/container_watch.h"
#include "net/http_client.h"

namespace vigil::fleet {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxEventBytes = 256 * 1024;  // one alert's event document (the server's cap too)
constexpr const char kSpoolFile[] = "/alerts.jsonl";
constexpr const char kAckFile[] = "/acked";
// Sequence numbers above this are not ours (a damaged or foreign file): read as corrupt, so the
// next seq can never overflow.
constexpr int64_t kMaxSeq = int64_t{1} << 62;

bool ValidNode(std::string_view node) {
  if (node.empty() || node.size() > 253) return false;
  for (char c : node) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The seq of a spool line (they start with {"seq":N,), or -1.
int64_t SeqOf(std::string_view line) {
  constexpr std::string_view kHead = "{\"seq\":";
  if (!line.starts_with(kHead)) return -1;
  int64_t v = -1;
  auto [p, ec] = std::from_chars(line.data() + kHead.size(), line.data() + line.size(), v);
  if (ec != std::errc() || p == line.data() + line.size() || *p != ',' || v > kMaxSeq) return -1;
  return v;
}

std::string ErrnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

struct SensorLink::State {
  SensorLinkOptions o;
  std::unique_ptr<net::HttpClient> client;
  std::string spool_path, ack_path;

  mutable std::mutex mu;
  std::condition_variable cv;
  int fd = -1;
  uint64_t file_size = 0;
  uint64_t read_offset = 0;  // where the first unconfirmed line starts
  int64_t next_seq = 1;
  int64_t acked = 0;
  uint64_t unreported_dropped = 0;
  std::vector<SensorContainer> containers;
  std::string stale;  // why the container list may be incomplete; "" when it is not
  bool containers_dirty = false;
  // The runtimes followed (follow_runtimes): per socket, what runs and why it is stale.
  std::vector<std::unique_ptr<ContainerWatcher>> watchers;
  std::map<std::string, std::map<std::string, RunningContainer>> running;
  std::map<std::string, std::string> stale_sockets;
  std::string no_runtime;  // set when no socket is followed
  SensorLinkStats stats;
  bool stopping = false;
  bool started = false;
  std::thread sender;
  net::Cancellation cancel;

  ~State() {
    if (fd >= 0) ::close(fd);
  }

  Status ReadBack() {
    if (auto text = ReadFile(ack_path, 64); text.ok()) {
      std::string_view t = *text;
      while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
      int64_t v = 0;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec == std::errc() && p == t.data() + t.size() && v >= 0 && v <= kMaxSeq) acked = v;
    }
    fd = ::open(spool_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return IoError(ErrnoText("cannot open the spool " + spool_path));
    std::ifstream in(spool_path, std::ios::binary);
    std::string line;
    uint64_t offset = 0;
    bool found_first = false;
    int64_t highest = acked;
    uint64_t pending = 0;
    while (true) {
      uint64_t start = offset;
      if (!std::getline(in, line)) break;
      if (in.eof()) {  // no '\n': a line a crash left half written
        if (::ftruncate(fd, static_cast<off_t>(start)) != 0) return IoError(ErrnoText("cannot cut " + spool_path));
        offset = start;
        break;
      }
      offset = start + line.size() + 1;
      int64_t seq = SeqOf(line);
      highest = std::max(highest, seq);
      if (seq > acked || seq < 0) {
        if (!found_first) {
          read_offset = start;
          found_first = true;
        }
        ++pending;
      }
    }
    file_size = offset;
    if (!found_first) read_offset = file_size;
    next_seq = highest + 1;
    stats.pending = pending;
    return OkStatus();
  }

  net::HttpRequest Request(const std::string& method, const std::string& path, std::string body) {
    net::HttpRequest r;
    r.method = method;
    r.url = o.server + path;
    r.headers.push_back({"Authorization", "Bearer " + o.token});
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = std::move(body);
    r.cancel = &cancel;
    return r;
  }

  // kUnavailable for a status worth retrying, kInvalidArgument for one that refuses the request
  // as it is (retrying would not help).
  static Status StatusOf(const Result<net::HttpResponse>& r, const std::string& what) {
    if (!r.ok()) return Error(r.error()).Context(what);
    if (r->status >= 200 && r->status < 300) return OkStatus();
    std::string msg = what + ": HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 300);
    if (r->status == 400 || r->status == 413 || r->status == 422) return InvalidArgument(msg);
    return Unavailable(msg);
  }

  Status SendContainers() {
    json list = json::array();
    {
      std::lock_guard lock(mu);
      for (const SensorContainer& c : containers) {
        list.push_back({{"id", c.id},
                        {"name", c.name},
                        {"image", c.image},
                        {"image_id", c.image_id},
                        {"namespace", c.namespace_},
                        {"pod", c.pod},
                        {"started", c.started}});
      }
      containers_dirty = false;
    }
    json body{{"node", o.node}, {"containers", std::move(list)}};
    {
      std::lock_guard lock(mu);
      if (!stale.empty()) body["stale"] = stale;
    }
    auto r = client->Send(
        Request("PUT", "/v1/sensor/containers", body.dump(-1, ' ', false, json::error_handler_t::replace)));
    Status st = StatusOf(r, o.server + "/v1/sensor/containers");
    std::lock_guard lock(mu);
    if (!st.ok()) {
      containers_dirty = true;
    } else {
      ++stats.container_reports;
    }
    return st;
  }

  // Sends the next batch of spooled alerts (or only the dropped count). Sets *more when alerts
  // remain after it.
  Status SendBatch(bool* more) {
    uint64_t from, to;
    uint64_t dropped;
    {
      std::lock_guard lock(mu);
      from = read_offset;
      to = file_size;
      dropped = unreported_dropped;
    }
    *more = false;
    if (from >= to && dropped == 0) return OkStatus();
    std::string alerts = "[";
    size_t n = 0;
    int64_t last_seq = -1;
    uint64_t end = from;
    uint64_t corrupt = 0;
    if (from < to) {
      std::ifstream in(spool_path, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(from));
      std::string line;
      while (n < o.batch && end < to && std::getline(in, line)) {
        if (end + line.size() + 1 > to) break;  // written after `to` was read
        end += line.size() + 1;
        int64_t seq = SeqOf(line);
        if (seq < 0 || !json::accept(line)) {
          ++corrupt;
          continue;
        }
        last_seq = std::max(last_seq, seq);
        if (n++ > 0) alerts += ',';
        alerts += line;
      }
    }
    alerts += ']';
    std::string body = "{\"node\":" + json(o.node).dump() + ",\"dropped\":" + std::to_string(dropped + corrupt) +
                       ",\"alerts\":" + alerts + "}";
    auto r = client->Send(Request("POST", "/v1/sensor/alerts", std::move(body)));
    Status st = StatusOf(r, o.server + "/v1/sensor/alerts");
    bool refused = !st.ok() && st.error().code() == ErrorCode::kInvalidArgument;
    if (!st.ok() && !refused) return st;
    std::lock_guard lock(mu);
    if (refused) {
      // The server refuses this batch as it is: counted as dropped, never retried for ever.
      stats.dropped += n;
      unreported_dropped += n;
    } else {
      stats.sent += n;
      unreported_dropped -= std::min(unreported_dropped, dropped);
    }
    stats.corrupt += corrupt;
    if (last_seq > acked) {
      acked = last_seq;
      if (Status w = WriteFileAtomic(ack_path, std::to_string(acked) + "\n"); !w.ok()) return w;
    }
    read_offset = end;
    stats.pending -= std::min<uint64_t>(stats.pending, n + corrupt);
    if (read_offset >= file_size) {
      // Everything confirmed: the spool starts over (the confirmed seq is in the ack file).
      if (::ftruncate(fd, 0) == 0) {
        file_size = 0;
        read_offset = 0;
      }
    }
    *more = read_offset < file_size;
    if (refused) return st;
    return OkStatus();
  }

  // The followed runtimes' containers and stale reasons as the report (mu held).
  void PublishLocked() {
    containers.clear();
    for (const auto& [socket, list] : running) {
      for (const auto& [id, c] : list) {
        containers.push_back({c.id, c.name, c.image, c.image_id, c.pod_namespace, c.pod_name,
                              c.created > 0 ? FormatRfc3339(c.created) : ""});
      }
    }
    stale = no_runtime;
    // The watcher's errors name their socket already.
    for (const auto& [socket, why] : stale_sockets) stale += (stale.empty() ? "" : "; ") + why;
    containers_dirty = true;
    cv.notify_all();
  }

  void FollowRuntimes() {
    std::lock_guard lock(mu);
    for (const std::string& socket : o.runtime_sockets) {
      std::error_code ec;
      if (!o.runtime_sockets_given && !std::filesystem::exists(socket, ec)) continue;  // not a runtime here
      WatchOptions wo;
      wo.socket = socket;
      ContainerWatcher::Sink sink;
      sink.snapshot = [this, socket](std::vector<RunningContainer> list) {
        std::lock_guard l(mu);
        auto& mine = running[socket];
        mine.clear();
        for (auto& c : list) mine[c.id] = std::move(c);
        stale_sockets.erase(socket);
        PublishLocked();
      };
      sink.started = [this, socket](const RunningContainer& c) {
        std::lock_guard l(mu);
        running[socket][c.id] = c;
        PublishLocked();
      };
      sink.stopped = [this, socket](const std::string& id) {
        std::lock_guard l(mu);
        running[socket].erase(id);
        PublishLocked();
      };
      sink.stale = [this, socket](const Error& why) {
        std::lock_guard l(mu);
        stale_sockets[socket] = why.message();
        PublishLocked();
      };
      auto w = std::make_unique<ContainerWatcher>(wo, sink);
      if (Status st = w->Start(); !st.ok()) {
        stale_sockets[socket] = socket + ": " + st.error().message();
        continue;
      }
      // Until its first list the socket's containers are not known.
      stale_sockets.emplace(socket, socket + ": not listed yet");
      watchers.push_back(std::move(w));
    }
    if (watchers.empty() && stale_sockets.empty()) {
      std::string tried;
      for (const std::string& socket : o.runtime_sockets) tried += (tried.empty() ? "" : ", ") + socket;
      no_runtime = "no runtime API socket on this node" + (tried.empty() ? "" : " (tried " + tried + ")");
    }
    PublishLocked();
  }

  void Loop() {
    auto delay = o.retry_min;
    auto last_report = std::chrono::steady_clock::now() - o.heartbeat;
    while (true) {
      {
        std::lock_guard lock(mu);
        if (stopping) return;
      }
      Status st = OkStatus();
      bool more = false;
      bool due_containers;
      {
        std::lock_guard lock(mu);
        due_containers = containers_dirty || std::chrono::steady_clock::now() - last_report >= o.heartbeat;
      }
      if (due_containers) {
        st = SendContainers();
        if (st.ok()) last_report = std::chrono::steady_clock::now();
      }
      if (st.ok()) st = SendBatch(&more);
      {
        std::unique_lock lock(mu);
        stats.connected = st.ok();
        if (!st.ok()) {
          ++stats.failures;
          stats.last_error = st.error().message();
        }
        if (st.ok() || st.error().code() == ErrorCode::kInvalidArgument) {
          delay = o.retry_min;
          if (more) continue;
          auto until_heartbeat = o.heartbeat - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   std::chrono::steady_clock::now() - last_report);
          auto wait = std::clamp<std::chrono::milliseconds>(
              std::chrono::duration_cast<std::chrono::milliseconds>(until_heartbeat), std::chrono::milliseconds(10),
              std::chrono::milliseconds(1000));
          cv.wait_for(lock, wait, [&] { return stopping || read_offset < file_size || containers_dirty; });
        } else {
          cv.wait_for(lock, delay, [&] { return stopping; });
          delay = std::min(delay * 2, o.retry_max);
        }
      }
    }
  }
};

SensorLink::SensorLink(std::unique_ptr<State> state) : state_(std::move(state)) {}
SensorLink::~SensorLink() { Stop(); }

Result<std::unique_ptr<SensorLink>> SensorLink::Open(SensorLinkOptions options) {
  if (options.server.empty()) return InvalidArgument("the sensor link needs a server URL");
  if (!options.server.starts_with("https://") && !options.server.starts_with("http://")) {
    return InvalidArgument("server '" + options.server + "' is not an http(s) URL");
  }
  while (!options.server.empty() && options.server.back() == '/') options.server.pop_back();
  if (options.token.empty()) return InvalidArgument("the sensor link needs a token (scope sensor)");
  if (!ValidNode(options.node)) {
    return InvalidArgument("node name '" + options.node + "' must be 1 to 253 bytes of letters, digits, '.', '-', '_'");
  }
  if (options.spool_dir.empty()) return InvalidArgument("the sensor link needs a spool folder");
  if (options.batch == 0) options.batch = 1;
  if (options.retry_min.count() <= 0) options.retry_min = std::chrono::milliseconds(1);
  if (options.retry_max < options.retry_min) options.retry_max = options.retry_min;
  auto state = std::make_unique<State>();
  std::error_code ec;
  std::filesystem::create_directories(options.spool_dir, ec);
  if (ec) return IoError("cannot create the spool folder " + options.spool_dir + ": " + ec.message());
  ::chmod(options.spool_dir.c_str(), 0700);
  state->spool_path = options.spool_dir + kSpoolFile;
  state->ack_path = options.spool_dir + kAckFile;
  net::HttpClientOptions co;
  co.ca_file = options.ca_file;
  co.retry.retries = 0;  // the link waits and retries itself, keeping the spool
  co.connect_timeout = std::chrono::seconds(5);
  co.total_timeout = std::chrono::seconds(60);
  state->client = std::make_unique<net::HttpClient>(co);
  state->o = std::move(options);
  VIGIL_RETURN_IF_ERROR(state->ReadBack());
  return std::unique_ptr<SensorLink>(new SensorLink(std::move(state)));
}

Status SensorLink::Start() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    if (s.started) return InvalidArgument("the sensor link was started already");
    s.started = true;
  }
  if (s.o.follow_runtimes) s.FollowRuntimes();
  std::lock_guard lock(s.mu);
  s.sender = std::thread([&s] { s.Loop(); });
  return OkStatus();
}

void SensorLink::Stop() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    s.stopping = true;
  }
  // Watchers first: their callbacks publish into the state (never after Stop returns).
  for (auto& w : s.watchers) w->Stop();
  s.cancel.Cancel();
  s.cv.notify_all();
  if (s.sender.joinable()) s.sender.join();
}

Status SensorLink::Enqueue(std::string_view kind, std::string_view container, std::string_view event) {
  State& s = *state_;
  if (event.size() > kMaxEventBytes) {
    std::lock_guard lock(s.mu);
    ++s.stats.dropped;
    ++s.unreported_dropped;
    return LimitExceeded("an alert's event is " + std::to_string(event.size()) + " bytes; the limit is " +
                         std::to_string(kMaxEventBytes));
  }
  json doc = json::parse(event, nullptr, false);
  if (!doc.is_object()) return InvalidArgument("an alert's event must be a JSON object");
  std::string rest =
      ",\"kind\":" + json(std::string(kind)).dump(-1, ' ', false, json::error_handler_t::replace) +
      ",\"container\":" + json(std::string(container)).dump(-1, ' ', false, json::error_handler_t::replace) +
      ",\"event\":" + doc.dump(-1, ' ', false, json::error_handler_t::replace) + "}\n";
  std::lock_guard lock(s.mu);
  std::string line = "{\"seq\":" + std::to_string(s.next_seq) + rest;
  if (s.file_size + line.size() > s.o.max_spool_bytes) {
    ++s.stats.dropped;
    ++s.unreported_dropped;
    s.cv.notify_all();
    return LimitExceeded("the spool " + s.spool_path + " is full (" + std::to_string(s.o.max_spool_bytes) +
                         " bytes): the alert is dropped and counted");
  }
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(s.fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // A partial line is cut off again, so the spool stays whole lines.
      int saved = errno;
      (void)::ftruncate(s.fd, static_cast<off_t>(s.file_size));
      errno = saved;
      return IoError(ErrnoText("cannot write the spool " + s.spool_path));
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(s.fd) != 0) return IoError(ErrnoText("cannot sync the spool " + s.spool_path));
  s.file_size += line.size();
  ++s.next_seq;
  ++s.stats.spooled;
  ++s.stats.pending;
  s.cv.notify_all();
  return OkStatus();
}

void SensorLink::SetContainers(std::vector<SensorContainer> containers, std::string stale) {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    s.containers = std::move(containers);
    s.stale = std::move(stale);
    s.containers_dirty = true;
  }
  s.cv.notify_all();
}

SensorLinkStats SensorLink::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

}  // namespace vigil::fleet
