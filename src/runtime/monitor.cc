#include "runtime/monitor.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>

namespace vigil::runtime {
namespace {

uint32_t NamespaceInode(const char* path) {
  char buf[64] = {};
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  if (n <= 0) return 0;
  const char* open = std::strchr(buf, '[');
  return open ? static_cast<uint32_t>(std::strtoul(open + 1, nullptr, 10)) : 0;
}

uint64_t SteadyNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace

HostContext HostContext::FromMachine(const std::string& cgroup_root) {
  HostContext h;
  std::error_code ec;
  if (std::filesystem::exists(cgroup_root + "/cgroup.controllers", ec)) {
    h.cgroup2_mount = cgroup_root;
  } else if (std::filesystem::exists(cgroup_root + "/unified/cgroup.controllers", ec)) {
    h.cgroup2_mount = cgroup_root + "/unified";
  }
  if (std::filesystem::exists(cgroup_root + "/memory/cgroup.procs", ec)) {
    h.cgroup_v1_memory_mount = cgroup_root + "/memory";
  }
  timespec rt{}, bt{};
  clock_gettime(CLOCK_REALTIME, &rt);
  clock_gettime(CLOCK_BOOTTIME, &bt);
  h.boot_to_unix_ns = (int64_t{rt.tv_sec} - bt.tv_sec) * 1'000'000'000 + (rt.tv_nsec - bt.tv_nsec);
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr) continue;
      Event e;
      if (a->ifa_addr->sa_family == AF_INET) {
        e.family = AF_INET;
        std::memcpy(e.addr.data(), &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
      } else if (a->ifa_addr->sa_family == AF_INET6) {
        e.family = AF_INET6;
        std::memcpy(e.addr.data(), &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, 16);
      } else {
        continue;
      }
      h.addresses.insert(e.Address());
    }
    freeifaddrs(list);
  }
  h.net_ns = NamespaceInode("/proc/1/ns/net");
  if (h.net_ns == 0) h.net_ns = NamespaceInode("/proc/self/ns/net");
  return h;
}

Verdicts ComputeVerdicts(const Event& e, const ContainerFields& c, const HostContext& host) {
  Verdicts v;
  if (c.id.empty()) return v;  // rules about containers only
  if (e.type == EventType::kExec) {
    v.container_exec = e.parent_outside && e.process.ns_pid != 1;
    return v;
  }
  if (e.type != EventType::kConnect && e.type != EventType::kTcpConnect) return v;
  std::string addr = e.Address();
  if (e.family == AF_UNIX) {
    for (const std::string& sock : host.runtime_sockets) {
      if (addr == sock) v.host_call = "runtime socket";
    }
    return v;
  }
  if (addr == "169.254.169.254" || addr == "fd00:ec2::254") {
    v.host_call = "cloud metadata";
  } else if (addr.rfind("127.", 0) == 0 || addr == "::1") {
    if (e.process.net_ns == host.net_ns) v.host_call = "host loopback (host network)";
  } else if (host.addresses.count(addr)) {
    v.host_call = "host address";
  }
  return v;
}

MetadataHold::MetadataHold(Attributor& attributor, HostContext host, HoldOptions options, MonitorStats& stats)
    : attributor_(attributor), host_(std::move(host)), options_(std::move(options)), stats_(stats) {
  if (!options_.clock) options_.clock = SteadyNs;
}

EventOrigin MetadataHold::OriginOf(const Event& e) {
  EventOrigin o;
  o.pid = static_cast<int32_t>(e.process.pid);
  o.tid = static_cast<int32_t>(e.process.tid);
  o.cgroup_id = e.process.cgroup_id;
  o.cgroup_v1_id = e.process.cgroup_v1_id;
  o.mnt_ns = e.process.mnt_ns;
  return o;
}

namespace {

// Waiting makes sense while the process is unresolved or its container's metadata is pending.
bool Waits(const Attribution& a) { return !a.resolved || a.metadata_state == MetadataState::kPending; }

}  // namespace

const ContainerFields& MetadataHold::FieldsOf(const Attribution& a) {
  static const ContainerFields kUnresolved = [] {
    ContainerFields c;
    c.unresolved = true;
    c.json = ContainerJson(c);
    return c;
  }();
  static const ContainerFields kHost = [] {
    ContainerFields c;
    c.json = ContainerJson(c);
    return c;
  }();
  if (!a.resolved) return kUnresolved;
  if (!a.container || !a.container->is_container()) return kHost;
  auto it = rendered_.find(a.container.get());
  if (it != rendered_.end() && it->second.metadata == a.metadata && it->second.state == a.metadata_state) {
    return it->second.fields;
  }
  if (rendered_.size() >= 4096) rendered_.clear();  // bounded; rebuilt on demand
  ContainerFields c;
  c.id = a.container->id;
  c.runtime = std::string(RuntimeName(a.container->runtime));
  c.pod_uid = a.container->pod_uid;
  switch (a.metadata_state) {
    case MetadataState::kReady:
      c.metadata = "ready";
      break;
    case MetadataState::kFailed:
      c.metadata = "failed";
      break;
    case MetadataState::kPending:
      c.metadata = "timeout";
      break;
    case MetadataState::kNone:
      c.metadata = "none";
      break;
  }
  if (a.metadata) {
    c.name = a.metadata->name;
    c.image = a.metadata->image;
    c.image_digest = a.metadata->image_digest;
    c.pod_name = a.metadata->pod_name;
    c.pod_namespace = a.metadata->pod_namespace;
    if (!a.metadata->labels.empty()) {
      // Shared with the metadata itself: no copy.
      c.labels = std::shared_ptr<const std::map<std::string, std::string>>(a.metadata, &a.metadata->labels);
    }
  }
  c.json = ContainerJson(c);
  Rendered& r = rendered_[a.container.get()];
  r = Rendered{a.container, a.metadata, a.metadata_state, std::move(c)};
  return r.fields;
}

void MetadataHold::Deliver(const Event& e, const Attribution& a, bool waited, bool timed_out, const Sink& sink) {
  const ContainerFields& c = FieldsOf(a);
  // The kernel leaves out the host's mount namespace; host processes in namespaces of their own
  // (podman, conmon, runc before it enters the container) are left out here.
  if (options_.containers_only && !c.unresolved && c.id.empty()) {
    ++stats_.host_filtered;
    return;
  }
  if (waited) {
    ++stats_.held;
    if (timed_out && a.resolved) {
      ++stats_.timed_out;
    } else if (a.metadata_state == MetadataState::kReady) {
      ++stats_.backfilled;
    }
  }
  if (c.unresolved) ++stats_.unresolved;
  ++stats_.delivered;
  Verdicts v = ComputeVerdicts(e, c, host_);
  sink(Observed{e, c, v});
}

void MetadataHold::Push(Event e, const Sink& sink) {
  Attribution a = attributor_.Attribute(OriginOf(e));
  GroupKey key{e.process.cgroup_id, e.process.cgroup_v1_id, e.process.mnt_ns};
  auto it = groups_.find(key);
  if (it == groups_.end() && !Waits(a)) {
    Deliver(e, a, false, false, sink);
    return;
  }
  if (held_ >= options_.max_held) {
    ++stats_.hold_overflow;
    return;
  }
  if (it == groups_.end()) it = groups_.emplace(key, std::deque<Held>{}).first;
  it->second.push_back(Held{std::move(e), options_.clock() + options_.hold_ns});
  ++held_;
}

void MetadataHold::Release(const Sink& sink, bool flush) {
  if (held_ == 0) return;
  uint64_t now = options_.clock();
  for (auto it = groups_.begin(); it != groups_.end();) {
    std::deque<Held>& q = it->second;
    Attribution a = attributor_.Peek(OriginOf(q.front().event));
    bool waits = Waits(a);
    // Ready: all of the group goes; still waiting: those whose time is up go without it.
    while (!q.empty() && (!waits || flush || now >= q.front().deadline)) {
      Deliver(q.front().event, a, true, waits, sink);
      q.pop_front();
      --held_;
    }
    it = q.empty() ? groups_.erase(it) : std::next(it);
  }
}

std::string PrometheusText(const SensorStats& k, const MonitorStats& u, uint64_t output_errors) {
  std::string out;
  auto family = [&](const char* name, const char* help, const uint64_t* per_type) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
    for (EventType t : AllEventTypes()) {
      out += std::string(name) + "{type=\"" + std::string(EventTypeName(t)) + "\"} " +
             std::to_string(per_type[static_cast<size_t>(t)]) + "\n";
    }
  };
  family("vigil_sensor_events_attempted_total", "Events the kernel probes decided to emit.", k.attempted);
  family("vigil_sensor_events_delivered_total", "Events read from the ring buffer and decoded.", k.delivered);
  family("vigil_sensor_events_ring_full_total", "Events lost in the kernel: the ring buffer was full.", k.ring_full);
  auto one = [&](const char* name, const char* help, uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
           std::to_string(v) + "\n";
  };
  one("vigil_sensor_undecodable_total", "Records read but not decodable.", k.undecodable);
  one("vigil_sensor_emitted_total", "Events handed to the output.", u.delivered);
  one("vigil_sensor_host_filtered_total", "Host events left out in containers-only mode.", u.host_filtered);
  one("vigil_sensor_hold_overflow_total", "Events dropped: the metadata hold was full.", u.hold_overflow);
  one("vigil_sensor_held_total", "Events that waited for their container's metadata.", u.held);
  one("vigil_sensor_backfilled_total", "Held events written with the metadata that arrived.", u.backfilled);
  one("vigil_sensor_metadata_timed_out_total", "Held events written without metadata (time-out).", u.timed_out);
  one("vigil_sensor_unresolved_total", "Events written without a container: not attributable.", u.unresolved);
  one("vigil_sensor_output_errors_total", "Failed writes of the output.", output_errors);
  return out;
}

std::string StatsJson(const SensorStats& s, const MonitorStats& m, const char* kind, uint64_t output_errors) {
  std::ostringstream o;
  o << "{\"type\":\"" << kind << "\",\"attempted\":" << s.Attempted() << ",\"delivered\":" << s.Delivered()
    << ",\"ring_full\":" << s.RingFull() << ",\"undecodable\":" << s.undecodable << ",\"per_type\":{";
  bool first = true;
  for (EventType type : AllEventTypes()) {
    auto t = static_cast<size_t>(type);
    o << (first ? "" : ",") << "\"" << EventTypeName(type) << "\":{\"attempted\":" << s.attempted[t]
      << ",\"delivered\":" << s.delivered[t] << ",\"ring_full\":" << s.ring_full[t] << "}";
    first = false;
  }
  o << "},\"emitted\":" << m.delivered << ",\"host_filtered\":" << m.host_filtered
    << ",\"hold_overflow\":" << m.hold_overflow << ",\"held\":" << m.held << ",\"backfilled\":" << m.backfilled
    << ",\"metadata_timed_out\":" << m.timed_out << ",\"unresolved\":" << m.unresolved;
  if (output_errors) o << ",\"output_errors\":" << output_errors;
  o << "}";
  return o.str();
}

Result<std::unique_ptr<Monitor>> Monitor::Start(MonitorOptions options) {
  std::unique_ptr<Monitor> m(new Monitor());
  VIGIL_ASSIGN_OR_RETURN(m->sensor_, Sensor::Start(options.sensor));
  options.hold.containers_only = !options.sensor.watch_host;
  m->attributor_ = std::make_unique<Attributor>(std::move(options.attribution));
  m->hold_ =
      std::make_unique<MetadataHold>(*m->attributor_, HostContext::FromMachine(), std::move(options.hold), m->stats_);
  return m;
}

Monitor::~Monitor() = default;

const std::vector<ProbeStatus>& Monitor::probes() const { return sensor_->probes(); }

Result<size_t> Monitor::Poll(int timeout_ms, const std::function<void(const Observed&)>& on_event) {
  // Held events must not wait for the kernel: wake up in time to release them. The kernel wakes
  // the reader only for full batches (SensorOptions::wakeup_bytes): a short timeout bounds the
  // delay of a lone event.
  if (hold_->held() > 0 && timeout_ms > 10) timeout_ms = 10;
  if (timeout_ms > 50) timeout_ms = 50;
  VIGIL_ASSIGN_OR_RETURN(size_t n, sensor_->Poll(timeout_ms, [&](const Event& e) { hold_->Push(e, on_event); }));
  hold_->Release(on_event, stopped_ && n == 0);
  return n;
}

void Monitor::Stop() {
  sensor_->Detach();
  stopped_ = true;
}

Result<size_t> Monitor::StopAndDrain(const std::function<void(const Observed&)>& on_event) {
  Stop();
  size_t total = 0;
  while (true) {
    VIGIL_ASSIGN_OR_RETURN(size_t n, Poll(0, on_event));
    if (n == 0) return total;
    total += n;
  }
}

SensorStats Monitor::KernelStats() const { return sensor_->Stats(); }

}  // namespace vigil::runtime
