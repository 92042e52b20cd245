// The sensor's link to the fleet server (`vigil sensor --server URL --token-file F`, issue 14):
// the alerts the sensor raises wait in a spool on disk until the server has stored them, so that
// nothing is lost while the server is down or restarting; the containers of the sensor's node are
// reported whenever they change (and every heartbeat). docs/FLEET.md, "Sensors".
//
//   VIGIL_ASSIGN_OR_RETURN(auto link, SensorLink::Open(options));   // reads the spool back
//   VIGIL_RETURN_IF_ERROR(link->Start());                           // the sender's thread
//   link->Enqueue("container_exec", container_id, json_line);       // on disk when it returns
//   link->SetContainers(rows);
//   link->Stop();                                                   // what is unsent stays spooled
//
// The wire: POST <server>/v1/sensor/alerts {"node", "alerts": [{"seq", "kind", "container",
// "event"}], "dropped"} and PUT <server>/v1/sensor/containers {"node", "containers": [...],
// "stale": why the list may be incomplete, when it may}, with
// the bearer token (scope "sensor"). The server stores each (node, seq) once, so a batch sent
// again after a lost answer adds nothing twice.
//
// The spool (<spool_dir>/alerts.jsonl, one alert a line, and <spool_dir>/acked, the last seq the
// server confirmed) is written with fdatasync before Enqueue returns; a line a crash left half
// written is cut off when the spool is opened again. Past max_spool_bytes new alerts are
// dropped, counted, and the count is sent to the server with the next batch: never lost in silence.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::fleet {

struct SensorLinkOptions {
  std::string server;   // "https://fleet.example:8723" (http:// to loopback too)
  std::string token;    // a token with the "sensor" scope
  std::string ca_file;  // PEM CA for a server with a private CA; "" = the system's
  std::string node;     // this node's name: 1..253 bytes of [A-Za-z0-9._-]
  std::string spool_dir;
  uint64_t max_spool_bytes = uint64_t{256} << 20;
  size_t batch = 500;  // alerts per request
  std::chrono::milliseconds retry_min{500}, retry_max{30'000};
  std::chrono::seconds heartbeat{60};  // the container list is sent again this often
  // Docker-Engine-API sockets whose running containers are this node's (followed by
  // fleet::ContainerWatcher from Start). With runtime_sockets_given false (the defaults), a socket
  // path that does not exist at Start is not a runtime of this node and is left out; a given one
  // that cannot be read, or no socket at all, makes the report stale with the reason (the server
  // then shows the node's inventory as possibly out of date, never as complete).
  std::vector<std::string> runtime_sockets;
  bool runtime_sockets_given = false;
  bool follow_runtimes = true;  // false: the caller reports containers with SetContainers
};

// A container of this node, as reported.
struct SensorContainer {
  std::string id, name, image, image_id, namespace_, pod, started;
};

struct SensorLinkStats {
  uint64_t spooled = 0;   // alerts written to the spool
  uint64_t sent = 0;      // alerts the server confirmed
  uint64_t dropped = 0;   // alerts refused because the spool was full (reported to the server)
  uint64_t corrupt = 0;   // spool lines that did not read back (skipped, counted as dropped)
  uint64_t failures = 0;  // requests that failed (each followed by a wait)
  uint64_t pending = 0;   // alerts spooled and not yet confirmed
  uint64_t container_reports = 0;
  bool connected = false;  // the last request succeeded
  std::string last_error;
};

class SensorLink {
 public:
  // Checks the options, creates the spool folder (0700), and reads the spool back: the next seq
  // follows the highest spooled or confirmed one, a torn last line is cut off. Errors:
  // kInvalidArgument (no server, token or spool folder; a node name outside the rules; a server
  // URL that is not http(s)); kIo (the spool cannot be created or read).
  static Result<std::unique_ptr<SensorLink>> Open(SensorLinkOptions options);
  ~SensorLink();  // Stop()s
  SensorLink(const SensorLink&) = delete;
  SensorLink& operator=(const SensorLink&) = delete;

  // Starts the sender's thread and (follow_runtimes) the runtime watchers. kInvalidArgument when
  // started already.
  Status Start();
  // Stops the sender (a request in flight is abandoned); unsent alerts stay in the spool.
  void Stop();

  // Appends one alert: `kind` ("container_exec", "host_call", a rule's name...), the container's
  // id ("" for the host) and `event`, a JSON document (the sensor's line). On disk when it
  // returns OK. Errors: kInvalidArgument when `event` is not a JSON object; kLimitExceeded when
  // the spool is full (the alert is counted as dropped); kIo when the spool cannot be written.
  // Thread-safe.
  Status Enqueue(std::string_view kind, std::string_view container, std::string_view event);
  // The containers this node runs now, and why the list may be incomplete ("" when it is not);
  // sent at once (by the sender) and every heartbeat. What the runtime watchers report replaces
  // it. Thread-safe.
  void SetContainers(std::vector<SensorContainer> containers, std::string stale = "");

  SensorLinkStats stats() const;

 private:
  struct State;
  explicit SensorLink(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace vigil::fleet
