// The sensor's in-process API for the rule engine and the fleet service: kernel events
// (runtime::Sensor), attributed to their container (runtime::Attributor), held briefly while the
// runtime's API is asked for the container's metadata and back-filled (MetadataHold), with the
// verdicts rules care about (container exec, calls to the host). `vigil sensor` is a thin
// writer of what this delivers. docs/SENSOR.md has the rules; docs/RUNTIME.md the attribution.
//
//   VIGIL_ASSIGN_OR_RETURN(auto m, Monitor::Start(MonitorOptions{}));
//   while (running) m->Poll(100, [&](const Observed& o) { ... });
//   m->StopAndDrain([&](const Observed& o) { ... });  // everything attempted is delivered or counted
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "runtime/attribution.h"
#include "runtime/event.h"
#include "runtime/sensor.h"

namespace vigil::runtime {

// What a verdict needs to know about the host.
struct HostContext {
  std::set<std::string> addresses;  // every address of the host's interfaces, as Event::Address prints
  uint32_t net_ns = 0;              // the host's network namespace inode
  // Unix socket paths of container runtimes' APIs.
  std::vector<std::string> runtime_sockets = {"/run/podman/podman.sock", "/var/run/docker.sock",
                                              "/run/docker.sock",        "/run/containerd/containerd.sock",
                                              "/var/run/crio/crio.sock", "/run/crio/crio.sock"};
  // The cgroup hierarchies the kernel's cgroup ids are checked against (AttributorOptions):
  // the cgroup v2 mount ("/sys/fs/cgroup", or "/sys/fs/cgroup/unified" on hybrid hosts) and the
  // v1 memory hierarchy ("/sys/fs/cgroup/memory"); "" when the host has none.
  std::string cgroup2_mount;
  std::string cgroup_v1_memory_mount;
  // CLOCK_REALTIME - CLOCK_BOOTTIME in nanoseconds: added to an event's boot-clock time it gives
  // Unix time (ToJsonLine).
  int64_t boot_to_unix_ns = 0;
  // This machine: getifaddrs(), the network namespace of /proc/1 (else of this process, when
  // init's cannot be read, as in some sandboxes), the cgroup mounts under `cgroup_root`, and the
  // clocks read now.
  static HostContext FromMachine(const std::string& cgroup_root = "/sys/fs/cgroup");
};

// The verdicts of one attributed event. container_exec: an exec in a container whose parent is
// in another mount namespace and that is not the container's init. host_call (connect and
// tcp_connect of a container's process): "cloud metadata" (169.254.169.254, fd00:ec2::254),
// "host address", "host loopback (host network)", "runtime socket".
Verdicts ComputeVerdicts(const Event& e, const ContainerFields& container, const HostContext& host);

// One event as delivered: the kernel's facts, the container and the verdicts.
struct Observed {
  const Event& event;
  const ContainerFields& container;
  const Verdicts& verdicts;
};

// Counters of the user-space side; each decoded event ends in exactly one of delivered,
// host_filtered, hold_overflow.
struct MonitorStats {
  uint64_t delivered = 0;      // handed to the caller
  uint64_t host_filtered = 0;  // host processes in namespaces of their own, left out (containers-only mode)
  uint64_t hold_overflow = 0;  // dropped: the hold queue was full (counted, never silent)
  uint64_t held = 0;           // events that waited for metadata (then delivered)
  uint64_t backfilled = 0;     // ... delivered with the metadata that arrived while they waited
  uint64_t timed_out = 0;      // ... delivered without it (the runtime's API did not answer in time)
  uint64_t unresolved = 0;     // delivered with no container: the process exited before attribution
};

struct HoldOptions {
  uint64_t hold_ns = 500'000'000;   // the longest an event waits for its container's metadata
  size_t max_held = 65536;          // events held at once; beyond, the newest is dropped and counted
  bool containers_only = true;      // leave out host processes (counted as host_filtered)
  std::function<uint64_t()> clock;  // monotonic nanoseconds; steady_clock when empty
};

// Holds the events of a container whose metadata the runtime's API has not answered yet, and
// releases them in order, back-filled, when it answers or when hold_ns has passed. Events are
// grouped by the cgroup (and mount namespace) the kernel reported: an event of a group with
// held events queues behind them, so a container's events stay in order; other events pass
// straight through. Unresolved events (no container yet) wait too, as a later event of the same
// cgroup may resolve them (Attributor::Peek). Not thread-safe: one caller thread. Release costs
// one cache lookup per group, not per held event.
class MetadataHold {
 public:
  using Sink = std::function<void(const Observed&)>;
  MetadataHold(Attributor& attributor, HostContext host, HoldOptions options, MonitorStats& stats);

  // Attributes `e` and delivers it now, or holds it.
  void Push(Event e, const Sink& sink);
  // Delivers the held events whose metadata arrived or whose time is up (all when `flush`).
  void Release(const Sink& sink, bool flush = false);
  size_t held() const { return held_; }

 private:
  struct Held {
    Event event;
    uint64_t deadline;
  };
  struct GroupKey {
    uint64_t cgroup_id, cgroup_v1_id, mnt_ns;
    bool operator<(const GroupKey& o) const {
      return std::tie(cgroup_id, cgroup_v1_id, mnt_ns) < std::tie(o.cgroup_id, o.cgroup_v1_id, o.mnt_ns);
    }
  };
  static EventOrigin OriginOf(const Event& e);
  // Delivers `e` with `a` (the attribution), unless it is a host event in containers-only mode.
  void Deliver(const Event& e, const Attribution& a, bool waited, bool timed_out, const Sink& sink);

  Attributor& attributor_;
  HostContext host_;
  HoldOptions options_;
  MonitorStats& stats_;
  std::map<GroupKey, std::deque<Held>> groups_;
  size_t held_ = 0;
  // The container fields (with their JSON) per attribution answer, built once: keyed by the
  // cache entry's ContainerRef and checked against the metadata it was built with.
  struct Rendered {
    std::shared_ptr<const ContainerRef> ref;  // keeps the key alive
    std::shared_ptr<const ContainerMetadata> metadata;
    MetadataState state;
    ContainerFields fields;
  };
  std::map<const ContainerRef*, Rendered> rendered_;
  const ContainerFields& FieldsOf(const Attribution& a);
};

// The counters in the Prometheus text exposition format (version 0.0.4), for a /metrics view:
// vigil_sensor_events_attempted_total{type="exec"} ..., _delivered_total, _ring_full_total,
// vigil_sensor_undecodable_total, and the user-space counters of MonitorStats (emitted,
// host_filtered, hold_overflow, held, backfilled, metadata_timed_out, unresolved) plus
// `output_errors`. Every counter is listed, zero or not.
std::string PrometheusText(const SensorStats& kernel, const MonitorStats& user, uint64_t output_errors);

// The same counters as one JSON object (no newline) of type `kind` ("stats", "final_stats"): the
// kernel's (attempted, delivered, ring_full, undecodable, per_type), then user space's (emitted,
// host_filtered, hold_overflow, held, backfilled, metadata_timed_out, unresolved), and
// output_errors when it is not 0. Every event the kernel attempted is emitted, dropped in the
// kernel (ring_full), undecodable, a host event left out (host_filtered), or dropped from a full
// hold queue (hold_overflow): attempted == emitted + ring_full + undecodable + host_filtered +
// hold_overflow.
std::string StatsJson(const SensorStats& kernel, const MonitorStats& user, const char* kind,
                      uint64_t output_errors = 0);

struct MonitorOptions {
  SensorOptions sensor;
  AttributorOptions attribution;  // its resolver: the runtime's API (RuntimeApiResolver), or none
  HoldOptions hold;
};

class Monitor {
 public:
  // Starts the sensor (errors: Sensor::Start's).
  static Result<std::unique_ptr<Monitor>> Start(MonitorOptions options);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  const std::vector<ProbeStatus>& probes() const;
  // Waits up to `timeout_ms` (at most 50 ms, 10 ms while events are held: the kernel wakes the
  // reader only for batches, SensorOptions::wakeup_bytes) for kernel events, attributes them and
  // calls `on_event` for each event ready to go (on this thread). Returns how many kernel events were read (0 once
  // stopped and drained). Errors: kIo when polling fails.
  Result<size_t> Poll(int timeout_ms, const std::function<void(const Observed&)>& on_event);
  // Detaches the probes; later Polls drain the ring buffer, and the last one (returning 0)
  // releases every held event.
  void Stop();
  // Stop(), then Poll until the ring buffer is drained and every held event released: afterwards
  // every event the kernel attempted has been delivered to `on_event` or counted. Returns how
  // many kernel events were read; the first error of a Poll ends it.
  Result<size_t> StopAndDrain(const std::function<void(const Observed&)>& on_event);
  SensorStats KernelStats() const;
  MonitorStats Stats() const { return stats_; }

 private:
  Monitor() = default;
  std::unique_ptr<Sensor> sensor_;
  std::unique_ptr<Attributor> attributor_;
  std::unique_ptr<MetadataHold> hold_;
  MonitorStats stats_;
  bool stopped_ = false;
};

}  // namespace vigil::runtime
