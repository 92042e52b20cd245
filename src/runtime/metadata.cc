#include "runtime/metadata.h"

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/json.h"
#include "net/http_client.h"

namespace vigil::runtime {
namespace {

using nlohmann::json;

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

Error WrongType(std::string_view what, const std::string& path, const json& j, std::string_view expected) {
  return Corrupt(std::string(what) + ": " + path + " is " + j.type_name() + ", expected " + std::string(expected));
}

// The string at `path` (already looked up as `j`), capped at `max` bytes.
Result<std::string> StringAt(std::string_view what, const std::string& path, const json& j, size_t max) {
  if (!j.is_string()) return WrongType(what, path, j, "a string");
  const auto& s = j.get_ref<const std::string&>();
  if (s.size() > max) {
    return LimitExceeded(std::string(what) + ": " + path + " is " + std::to_string(s.size()) +
                         " bytes, more than the cap of " + std::to_string(max));
  }
  return s;
}

// The member `key` of object `obj` (at `path`), or an error naming it when absent.
Result<const json*> Member(std::string_view what, const std::string& path, const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return Corrupt(std::string(what) + ": " + path + "." + key + " is missing");
  return &*it;
}

Result<json> ParseBody(std::string_view text, std::string_view what) {
  if (text.size() > kMaxApiResponseBytes) {
    return LimitExceeded(std::string(what) + ": answer of " + std::to_string(text.size()) +
                         " bytes is larger than the cap of " + std::to_string(kMaxApiResponseBytes));
  }
  // Nesting is a cap (limit exceeded), not malformed JSON; the answer's size bounds its tokens.
  VIGIL_RETURN_IF_ERROR(CheckJsonShape(what, text, kMaxApiJsonDepth, SIZE_MAX));
  VIGIL_ASSIGN_OR_RETURN(json parsed, ParseJson(text, what, kMaxApiJsonDepth));
  if (!parsed.is_object()) return WrongType(what, "$", parsed, "an object");
  return parsed;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Characters that are safe in a URL path segment without escaping and cannot climb ('/').
bool IsSafeSegment(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max || s == "." || s == "..") return false;
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
              c == '-' || c == ':';
    if (!ok) return false;
  }
  return true;
}

constexpr std::string_view kInspect = "container inspect";

// ParseContainerInspect, also returning "$.Id" when present (the resolver checks it).
Result<ContainerMetadata> ParseInspect(std::string_view text, std::string* id) {
  VIGIL_ASSIGN_OR_RETURN(json root, ParseBody(text, kInspect));
  ContainerMetadata m;
  if (auto it = root.find("Id"); it != root.end()) {
    VIGIL_ASSIGN_OR_RETURN(std::string answered, StringAt(kInspect, "$.Id", *it, kMaxApiStringBytes));
    if (id != nullptr) *id = std::move(answered);
  }
  VIGIL_ASSIGN_OR_RETURN(const json* name, Member(kInspect, "$", root, "Name"));
  VIGIL_ASSIGN_OR_RETURN(m.name, StringAt(kInspect, "$.Name", *name, kMaxApiStringBytes));
  if (!m.name.empty() && m.name.front() == '/') m.name.erase(0, 1);
  VIGIL_ASSIGN_OR_RETURN(const json* image_id, Member(kInspect, "$", root, "Image"));
  VIGIL_ASSIGN_OR_RETURN(m.image_id, StringAt(kInspect, "$.Image", *image_id, kMaxApiStringBytes));
  VIGIL_ASSIGN_OR_RETURN(const json* config, Member(kInspect, "$", root, "Config"));
  if (!config->is_object()) return WrongType(kInspect, "$.Config", *config, "an object");
  VIGIL_ASSIGN_OR_RETURN(const json* image, Member(kInspect, "$.Config", *config, "Image"));
  VIGIL_ASSIGN_OR_RETURN(m.image, StringAt(kInspect, "$.Config.Image", *image, kMaxApiStringBytes));
  auto labels = config->find("Labels");
  if (labels != config->end() && !labels->is_null()) {
    if (!labels->is_object()) return WrongType(kInspect, "$.Config.Labels", *labels, "an object");
    if (labels->size() > kMaxContainerLabels) {
      return LimitExceeded(std::string(kInspect) + ": $.Config.Labels has " + std::to_string(labels->size()) +
                           " entries, more than the cap of " + std::to_string(kMaxContainerLabels));
    }
    for (const auto& [key, value] : labels->items()) {
      std::string path = "$.Config.Labels[" + Quote(key) + "]";
      if (key.size() > kMaxLabelKeyBytes) {
        return LimitExceeded(std::string(kInspect) + ": " + path + ": key of " + std::to_string(key.size()) +
                             " bytes, more than the cap of " + std::to_string(kMaxLabelKeyBytes));
      }
      VIGIL_ASSIGN_OR_RETURN(std::string v, StringAt(kInspect, path, value, kMaxLabelValueBytes));
      m.labels.emplace(key, std::move(v));
    }
  }
  if (auto it = m.labels.find("io.kubernetes.pod.name"); it != m.labels.end()) m.pod_name = it->second;
  if (auto it = m.labels.find("io.kubernetes.pod.namespace"); it != m.labels.end()) {
    m.pod_namespace = it->second;
  }
  return m;
}

}  // namespace

Result<ContainerMetadata> ParseContainerInspect(std::string_view json_text) { return ParseInspect(json_text, nullptr); }

Result<std::string> ParseImageDigest(std::string_view json_text) {
  constexpr std::string_view kWhat = "image inspect";
  VIGIL_ASSIGN_OR_RETURN(json root, ParseBody(json_text, kWhat));
  auto digests = root.find("RepoDigests");
  if (digests == root.end() || digests->is_null()) return std::string();
  if (!digests->is_array()) return WrongType(kWhat, "$.RepoDigests", *digests, "an array");
  if (digests->empty()) return std::string();
  VIGIL_ASSIGN_OR_RETURN(std::string first, StringAt(kWhat, "$.RepoDigests[0]", (*digests)[0], kMaxApiStringBytes));
  size_t at = first.rfind('@');
  if (at == std::string::npos) {
    return Corrupt(std::string(kWhat) + ": $.RepoDigests[0] " + Quote(first) + " is not '<name>@<digest>'");
  }
  std::string digest = first.substr(at + 1);
  constexpr std::string_view kSha = "sha256:";
  if (digest.size() != kSha.size() + 64 || !digest.starts_with(kSha) ||
      !IsLowerHex(std::string_view(digest).substr(kSha.size()))) {
    return Corrupt(std::string(kWhat) + ": $.RepoDigests[0] digest " + Quote(digest) +
                   " is not 'sha256:' and 64 lower-case hex digits");
  }
  return digest;
}

std::vector<RuntimeApiSocket> DefaultRuntimeApiSockets() {
  return {{"/run/podman/podman.sock"}, {"/var/run/docker.sock"}, {"/run/docker.sock"}};
}

// ---------------------------------------------------------------------------------------------
// The resolver.

namespace {

struct HttpAnswer {
  long status = 0;
  std::string body;
};

bool IsSocket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

struct RuntimeApiResolver::State {
  struct Job {
    std::string id;
    Done done;
  };

  explicit State(RuntimeApiOptions o) : options(std::move(o)), client(ClientOptions(options)) {
    if (options.workers == 0) options.workers = 1;
    if (options.max_queue == 0) options.max_queue = 1;
  }

  static net::HttpClientOptions ClientOptions(const RuntimeApiOptions& o) {
    net::HttpClientOptions c;
    c.max_redirects = 0;
    c.connect_timeout = std::max(std::chrono::milliseconds(1), o.connect_timeout);
    c.total_timeout = o.timeout;
    c.low_speed_bytes_per_s = 0;
    c.max_body_bytes = kMaxApiResponseBytes;
    c.max_error_body_bytes = kMaxApiStringBytes;
    c.require_framed_body = false;
    c.retry.retries = 0;  // the next event of the container asks again
    return c;
  }

  RuntimeApiOptions options;
  net::HttpClient client;
  // Cancelled by the destructor: an exchange in flight is abandoned at once.
  net::Cancellation stopping;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;
  bool stop = false;
  std::vector<std::thread> workers;

  std::mutex cache_mu;
  std::unordered_map<std::string, std::string> image_digests;  // "<socket>\n<image id>" → digest

  struct Counters {
    std::atomic<uint64_t> requests{0}, ready{0}, not_found{0}, failed{0}, queue_full{0}, http_calls{0},
        image_cache_hits{0};
  } n;

  static void Bump(std::atomic<uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }

  void Count(const Result<ContainerMetadata>& r) {
    if (r.ok()) {
      Bump(n.ready);
    } else if (r.error().code() == ErrorCode::kNotFound) {
      Bump(n.not_found);
    } else {
      Bump(n.failed);
    }
  }

  // One GET over the unix socket. Errors: kUnavailable (connection, timeout, shutdown),
  // kLimitExceeded (body above the cap), kInternal (curl setup).
  Result<HttpAnswer> Get(const RuntimeApiSocket& socket, const std::string& path) {
    Bump(n.http_calls);
    net::HttpRequest request;
    request.url = "http://localhost" + path;
    request.unix_socket = socket.path;
    request.cancel = &stopping;
    auto got = client.Send(request);
    std::string where = socket.path + ": GET " + path;
    if (stopping.cancelled()) return Unavailable(where + ": shut down");
    if (!got.ok()) {
      if (got.error().code() == ErrorCode::kLimitExceeded) {
        return LimitExceeded(where + ": answer larger than the cap of " + std::to_string(kMaxApiResponseBytes) +
                             " bytes");
      }
      return got.error();  // names the socket and the path, and the curl error
    }
    return HttpAnswer{got->status, std::move(got->body)};
  }

  // The digest of `image_id` as `socket` knows it; "" when unknown or the lookup fails.
  std::string ImageDigest(const RuntimeApiSocket& socket, const std::string& image_id) {
    if (!IsSafeSegment(image_id, 256)) return {};
    std::string key = socket.path + '\n' + image_id;
    if (options.max_cached_images > 0) {
      std::lock_guard lock(cache_mu);
      if (auto it = image_digests.find(key); it != image_digests.end()) {
        Bump(n.image_cache_hits);
        return it->second;
      }
    }
    auto got = Get(socket, socket.base_path + "/images/" + image_id + "/json");
    if (!got.ok() || got->status != 200) return {};  // not cached: may work next time
    auto digest = ParseImageDigest(got->body);
    if (!digest.ok()) return {};
    if (options.max_cached_images > 0) {
      std::lock_guard lock(cache_mu);
      if (image_digests.size() >= options.max_cached_images) image_digests.clear();
      image_digests.emplace(std::move(key), *digest);
    }
    return std::move(digest).value();
  }

  Result<ContainerMetadata> Resolve(const std::string& id) {
    std::vector<Error> errors;
    std::string tried;
    bool any = false;
    for (const RuntimeApiSocket& socket : options.sockets) {
      if (stopping.cancelled()) return Unavailable("runtime API resolver: shut down");
      tried += (tried.empty() ? "" : ", ") + socket.path;
      if (!IsSocket(socket.path)) continue;
      any = true;
      std::string path = socket.base_path + "/containers/" + id + "/json";
      std::string where = socket.path + ": GET " + path;
      auto got = Get(socket, path);
      if (!got.ok()) {
        errors.push_back(std::move(got.error()));
        continue;
      }
      if (got->status == 404) continue;
      if (got->status != 200) {
        errors.push_back(Unavailable(where + ": HTTP " + std::to_string(got->status) + ": " + Quote(got->body, 200)));
        continue;
      }
      std::string answered_id;
      auto meta = ParseInspect(got->body, &answered_id);
      if (!meta.ok()) {
        errors.push_back(std::move(meta.error().Context(where)));
        continue;
      }
      if (!answered_id.empty() && answered_id != id) {
        errors.push_back(Corrupt(where + ": answered about container " + Quote(answered_id)));
        continue;
      }
      meta->image_digest = ImageDigest(socket, meta->image_id);
      return meta;
    }
    if (!any) return Unavailable("no container runtime API socket exists (tried " + tried + ")");
    if (errors.empty()) return NotFound("container " + id + " is unknown to " + tried);
    Error first = std::move(errors.front());
    if (errors.size() > 1) {
      first.Context("container " + id + " (and " + std::to_string(errors.size() - 1) + " more failed sockets)");
    }
    return first;
  }

  void Run() {
    while (true) {
      Job job;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stop || !queue.empty(); });
        if (stop) return;
        job = std::move(queue.front());
        queue.pop_front();
      }
      Result<ContainerMetadata> r = Resolve(job.id);
      Count(r);
      job.done(std::move(r));
    }
  }
};

RuntimeApiResolver::RuntimeApiResolver(RuntimeApiOptions options)
    : state_(std::make_unique<State>(std::move(options))) {
  State& s = *state_;
  for (size_t i = 0; i < s.options.workers; ++i) s.workers.emplace_back([&s] { s.Run(); });
}

RuntimeApiResolver::~RuntimeApiResolver() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    s.stop = true;
  }
  s.stopping.Cancel();
  s.cv.notify_all();
  for (std::thread& t : s.workers) {
    if (t.joinable()) t.join();
  }
  std::deque<State::Job> left;
  {
    std::lock_guard lock(s.mu);
    left.swap(s.queue);
  }
  for (State::Job& job : left) {
    State::Bump(s.n.failed);
    job.done(Unavailable("runtime API resolver: shut down before container " + job.id + " was looked up"));
  }
}

void RuntimeApiResolver::Request(const ContainerRef& ref, Done done) {
  State& s = *state_;
  State::Bump(s.n.requests);
  if (!IsSafeSegment(ref.id, 128) || ref.id.find(':') != std::string::npos) {
    State::Bump(s.n.failed);
    done(InvalidArgument("runtime API resolver: container id " + Quote(ref.id) +
                         " is not 1..128 characters of [0-9A-Za-z_.-]"));
    return;
  }
  {
    std::unique_lock lock(s.mu);
    if (s.stop) {
      lock.unlock();
      State::Bump(s.n.failed);
      done(Unavailable("runtime API resolver: shut down"));
      return;
    }
    if (s.queue.size() >= s.options.max_queue) {
      lock.unlock();
      State::Bump(s.n.queue_full);
      State::Bump(s.n.failed);
      done(LimitExceeded("runtime API resolver: queue of " + std::to_string(s.options.max_queue) +
                         " requests is full; container " + ref.id + " not looked up"));
      return;
    }
    s.queue.push_back({ref.id, std::move(done)});
  }
  s.cv.notify_one();
}

RuntimeApiStats RuntimeApiResolver::stats() const {
  const auto& n = state_->n;
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  RuntimeApiStats s;
  s.requests = get(n.requests);
  s.ready = get(n.ready);
  s.not_found = get(n.not_found);
  s.failed = get(n.failed);
  s.queue_full = get(n.queue_full);
  s.http_calls = get(n.http_calls);
  s.image_cache_hits = get(n.image_cache_hits);
  return s;
}

}  // namespace vigil::runtime
