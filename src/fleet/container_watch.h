// The running containers of one container runtime, kept current from its Docker Engine API on a
// unix socket (dockerd, and podman's `podman system service`, serve the same API): one list, then
// the events stream, never polling. The pure parsers of the API's answers are here too, for tests
// and fuzzing. Endpoints, limits and the stale behaviour are in docs/ARCHITECTURE.md ("The
// container watcher").
//
// The HTTP client (net/http_client.h) and the JSON library stay in container_watch.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::fleet {

// Caps on what the parsers and the watcher accept. A podman 4.3.1 list entry is about 500 bytes
// (3 labels); Kubernetes caps label keys at 317 bytes and values at 63; an event line carries the
// container's labels as attributes, so it is about the size of one list entry.
inline constexpr size_t kMaxContainerListBytes = 16 * 1024 * 1024;  // a whole list answer
inline constexpr size_t kMaxListedContainers = 10'000;              // entries of a list answer
inline constexpr size_t kMaxEventLineBytes = 1024 * 1024;           // one line of the events stream
inline constexpr int kMaxWatchJsonDepth = 32;                       // nesting of [ and {
// JSON tokens in one answer or line: '[', '{', ',' and ':' outside strings, a bound on the values
// and member names. Counted before the tree is built, so that memory stays proportional to what
// is kept, not to what a hostile peer can pack into the byte cap ("[[],[],...]").
inline constexpr size_t kMaxJsonTokensPerList = 1'000'000;
inline constexpr size_t kMaxJsonTokensPerEvent = 10'000;
inline constexpr size_t kMaxWatchLabels = 1024;  // Labels of an entry, Attributes of an event
inline constexpr size_t kMaxWatchLabelKeyBytes = 1024;
inline constexpr size_t kMaxWatchLabelValueBytes = 64 * 1024;
inline constexpr size_t kMaxWatchStringBytes = 4096;  // Id, a name, Image, ImageID, State, Action

// A container the runtime reports as running.
struct RunningContainer {
  std::string id;  // "$.Id": 1..128 characters of [0-9A-Za-z_.-] (64 hex on docker and podman)
  // The first of "$.Names" with no '/' after the leading one (else the first), without that
  // leading '/'; "" when there is none. Docker adds names of links there ("/proxy/web").
  std::string name;
  std::string image;                          // "$.Image": the reference it was started from
  std::string image_id;                       // "$.ImageID": always "sha256:" and 64 lower-case hex digits
  std::string state;                          // "$.State": "running", "paused", ...
  std::map<std::string, std::string> labels;  // "$.Labels" (absent or null: none)
  std::string pod_namespace;                  // label io.kubernetes.pod.namespace, "" when absent
  std::string pod_name;                       // label io.kubernetes.pod.name, "" when absent
  int64_t created = 0;                        // "$.Created", unix seconds

  friend bool operator==(const RunningContainer&, const RunningContainer&) = default;
};

// Parses the answer of `GET /containers/json` (Docker Engine API v1.41, podman's compat API):
// a JSON array of containers, in the order given. Per entry, "Id", "Image", "ImageID", "State"
// and "Created" are required; "Names" (an array of strings) and "Labels" (an object of strings)
// may be absent or null; other members are ignored. An "ImageID" of 64 lower-case hex digits
// without the "sha256:" prefix gets it.
// Errors, each naming the JSON path ("container list: $[2].Labels[\"app\"] is number,
// expected a string"):
//  - kLimitExceeded: `json` above kMaxContainerListBytes, nesting above kMaxWatchJsonDepth,
//    more than kMaxJsonTokensPerList tokens, more than kMaxListedContainers entries, a string
//    field above kMaxWatchStringBytes, or labels above kMaxWatchLabels / kMaxWatchLabelKeyBytes /
//    kMaxWatchLabelValueBytes (size, nesting and tokens before the tree is built);
//  - kCorrupt: malformed JSON (with the byte offset), a top level that is not an array, an entry
//    that is not an object, a required member missing, a member of the wrong type, an Id that
//    is not a container id, an ImageID that is not a sha256 digest, a negative Created.
// Pure and thread-safe.
Result<std::vector<RunningContainer>> ParseContainerList(std::string_view json);

// One event of the events stream.
struct ContainerEvent {
  std::string type;       // "Type": "container", "image", ...; "" in the legacy shape (a container)
  std::string action;     // "Action", else the legacy "status": "start", "die", "exec_start: sh", ...
  std::string id;         // "Actor.ID", else the legacy "id"
  std::string image;      // "Actor.Attributes.image", else the legacy "from"; may be ""
  std::string name;       // "Actor.Attributes.name"; may be ""
  int64_t time_nano = 0;  // "timeNano", else "time" × 10^9; 0 when neither is there

  friend bool operator==(const ContainerEvent&, const ContainerEvent&) = default;
};

// Parses one line of `GET /events` (a JSON object; a trailing "\r" or blanks are fine). Docker's
// and podman's shape ("Type", "Action", "Actor": {"ID", "Attributes": {...}}, "time",
// "timeNano") and the legacy one ("status", "id", "from") are both read; when both are present
// the newer wins. Attributes must all be strings (they carry the container's labels).
// Errors, each naming the JSON path ("container event: $.Actor.ID is number, expected a
// string"):
//  - kLimitExceeded: `json` above kMaxEventLineBytes, nesting above kMaxWatchJsonDepth, more
//    than kMaxJsonTokensPerEvent tokens, a string above kMaxWatchStringBytes, Attributes above
//    kMaxWatchLabels entries or kMaxWatchLabelKeyBytes / kMaxWatchLabelValueBytes;
//  - kCorrupt: malformed JSON, a top level that is not an object, a member of the wrong type,
//    no action, or (for a container event: type "container" or "") no id or one that is not a
//    container id; a negative time.
// Pure and thread-safe.
Result<ContainerEvent> ParseContainerEvent(std::string_view json);

// Splits a byte stream that arrives in arbitrary pieces into lines ('\n'; a line's trailing
// '\r' is kept), with a cap on the line length, so that a peer that never sends a newline
// cannot make it buffer without bound.
class LineSplitter {
 public:
  // At least 1.
  explicit LineSplitter(size_t max_line_bytes = kMaxEventLineBytes);

  // Appends `data` and calls `line` with each line it completes, in order (without the '\n';
  // empty lines included). Returns the first error `line` returns (the rest of `data` is then
  // dropped), or kLimitExceeded "line longer than N bytes" when a line passes the cap before its
  // '\n' (the splitter then stays failed: every later Feed returns that error). OK otherwise.
  Status Feed(std::string_view data, const std::function<Status(std::string_view line)>& line);

  // Bytes of the line still waiting for its '\n'.
  size_t pending() const { return pending_.size(); }

 private:
  size_t max_;
  std::string pending_;
  bool failed_ = false;
};

struct WatchOptions {
  // The runtime's API socket, e.g. "/run/podman/podman.sock" or "/var/run/docker.sock".
  std::string socket;
  // Requests go to <base_path>/containers/json and <base_path>/events.
  std::string base_path = "/v1.41";
  // The wait after a failure: retry_min, doubled after each failure in a row, at most
  // retry_max; back to retry_min once events have arrived again.
  std::chrono::milliseconds retry_min{500};
  std::chrono::milliseconds retry_max{30'000};
  // Bound on connecting, and on each list exchange (not on the events stream, which stays open).
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{30'000};
};

// Follows one runtime:
//   1. notes the time T (a second early), GET <base>/containers/json → ParseContainerList;
//   2. delivers the list as a snapshot, then reads
//      GET <base>/events?since=T&filters={"type":["container"]} (URL-encoded), line by line:
//        "start", "restart"                  → GET <base>/containers/json?filters={"id":[id]}:
//                                              started(the container), or stopped(id) when it is
//                                              no longer running;
//        "die", "stop", "destroy", "remove"  → stopped(id);
//        anything else (including "kill": a signal need not end the container) is ignored.
//      Events since T replay what happened between T and the list: duplicates, never gaps.
//   3. On any failure (socket missing or refused, an HTTP status other than 200, an answer the
//      parsers refuse, a line longer than kMaxEventLineBytes, the stream ending or breaking):
//      stale(error) once for the outage, waits (see WatchOptions::retry_min), and starts at 1
//      again; the outage ends with the next snapshot.
// A runtime that stops answering but keeps the connection open looks like a quiet one: the
// stream has no timeout because it is idle for as long as nothing happens.
class ContainerWatcher {
 public:
  // What the watcher reports, from its own thread, one call at a time. Empty functions are
  // skipped. A callback must not call Stop() or destroy the watcher.
  struct Sink {
    // After each (re)list: every running container; the consumer replaces what it had.
    std::function<void(std::vector<RunningContainer> running)> snapshot;
    // A container started (or restarted); may repeat one already reported.
    std::function<void(const RunningContainer& container)> started;
    // A container is no longer running (or is gone); may repeat, or name an unknown id.
    std::function<void(const std::string& id)> stopped;
    // The runtime cannot be read now: what the consumer holds may be out of date until the
    // next snapshot. Once per outage; the error says why (the socket, the path, the cause).
    std::function<void(const Error& why)> stale;
  };

  // Counters since construction.
  struct Stats {
    uint64_t lists = 0;       // full list answers parsed (the one-container lookups not counted)
    uint64_t events = 0;      // event lines parsed
    uint64_t reconnects = 0;  // snapshots delivered after an outage
    uint64_t errors = 0;      // failed attempts (each one ends with a wait)
    bool connected = false;   // listed, and the events stream is requested or open now
  };

  ContainerWatcher(WatchOptions options, Sink sink);
  // Stop()s.
  ~ContainerWatcher();
  ContainerWatcher(const ContainerWatcher&) = delete;
  ContainerWatcher& operator=(const ContainerWatcher&) = delete;

  // Starts the watcher's thread and returns at once: a runtime that cannot be reached is
  // reported through Sink::stale, not here. Errors (kInvalidArgument): an empty socket path, a
  // base_path that does not start with '/', retry_min of 0 or above retry_max, or a second
  // call (also after Stop()).
  Status Start();

  // Abandons the exchange in flight (within about 100 ms), joins the thread, and returns; no
  // callback runs after it returns. Idempotent; must not be called from a Sink callback.
  void Stop();

  // Thread-safe.
  Stats stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vigil::fleet
