// `vigil sensor`: run the eBPF sensor and write its events as JSON lines until SIGINT/SIGTERM
// (or --duration), then a final stats line (docs/RUNTIME.md).
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "commands.h"
#include "runtime/cgroup.h"
#include "runtime/event.h"
#include "runtime/sensor.h"

namespace vigil::app {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct SensorFlags {
  std::string output;
  std::vector<std::string> events;
  std::vector<std::string> read_prefixes, ignore_prefixes;
  bool host = false;
  uint32_t ring_buffer_mb = 8;
  double duration = 0;
  double stats_interval = 0;
};

// The host's own addresses (every interface), for "network calls to the host".
std::set<std::string> HostAddresses() {
  std::set<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr) continue;
    runtime::Event e;
    if (a->ifa_addr->sa_family == AF_INET) {
      e.family = AF_INET;
      std::memcpy(e.addr.data(), &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      e.family = AF_INET6;
      std::memcpy(e.addr.data(), &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    out.insert(e.Address());
  }
  freeifaddrs(list);
  return out;
}

uint32_t NamespaceInode(const char* path) {
  char buf[64] = {};
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  if (n <= 0) return 0;
  const char* open = std::strchr(buf, '[');
  return open ? static_cast<uint32_t>(std::strtoul(open + 1, nullptr, 10)) : 0;
}

// The container of a process: the 64-hex id in its cgroup path (podman, docker, containerd,
// CRI-O), cached by the cgroup the kernel saw the event in (the default hierarchy's id and, on
// cgroup v1 and hybrid hosts, the memory controller's): a runtime moves a process into the
// container's cgroup after it entered the container's namespaces, so the namespace alone would
// attribute the first events wrongly. (runtime::Attributor, which keys by the v2 cgroup id and
// the mount namespace, is to take this over once it keys by the v1 cgroup id too.)
class Containers {
 public:
  runtime::ContainerFields Of(const runtime::Event& e) {
    std::pair<uint64_t, uint64_t> key{e.process.cgroup_id, e.process.cgroup_v1_id};
    auto it = by_cgroup_.find(key);
    if (it != by_cgroup_.end()) return it->second;
    runtime::ContainerFields c;
    std::ifstream in("/proc/" + std::to_string(e.process.pid) + "/cgroup");
    std::string content(runtime::kMaxCgroupFileBytes + 1, '\0');
    in.read(content.data(), static_cast<std::streamsize>(content.size()));
    content.resize(static_cast<size_t>(in.gcount()));
    if (auto parsed = runtime::ParseProcCgroup(content); parsed.ok() && parsed->container.is_container()) {
      c.id = parsed->container.id;
      c.runtime = std::string(runtime::RuntimeName(parsed->container.runtime));
      c.pod_uid = parsed->container.pod_uid;
    }
    if (!c.id.empty() || in.is_open()) by_cgroup_[key] = c;  // a vanished process: try again later
    return c;
  }

 private:
  std::map<std::pair<uint64_t, uint64_t>, runtime::ContainerFields> by_cgroup_;
};

std::string HostCall(const runtime::Event& e, const std::set<std::string>& host_addresses, uint32_t host_net_ns) {
  if (e.type != runtime::EventType::kConnect && e.type != runtime::EventType::kTcpConnect) return {};
  std::string addr = e.Address();
  if (e.family == AF_UNIX) {
    for (const char* sock : {"/run/podman/podman.sock", "/var/run/docker.sock", "/run/docker.sock",
                             "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/crio/crio.sock"}) {
      if (addr == sock) return "runtime socket";
    }
    return {};
  }
  if (addr == "169.254.169.254" || addr == "fd00:ec2::254") return "cloud metadata";
  bool loopback = addr.rfind("127.", 0) == 0 || addr == "::1";
  if (loopback) return e.process.net_ns == host_net_ns ? "host loopback (host network)" : "";
  if (host_addresses.count(addr)) return "host address";
  return {};
}

std::string StatsLine(const runtime::SensorStats& s, const char* kind) {
  std::ostringstream o;
  o << "{\"type\":\"" << kind << "\",\"attempted\":" << s.Attempted() << ",\"delivered\":" << s.Delivered()
    << ",\"ring_full\":" << s.RingFull() << ",\"undecodable\":" << s.undecodable << ",\"per_type\":{";
  bool first = true;
  for (runtime::EventType type : runtime::AllEventTypes()) {
    auto t = static_cast<size_t>(type);
    o << (first ? "" : ",") << "\"" << runtime::EventTypeName(type) << "\":{\"attempted\":" << s.attempted[t]
      << ",\"delivered\":" << s.delivered[t] << ",\"ring_full\":" << s.ring_full[t] << "}";
    first = false;
  }
  o << "}}";
  return o.str();
}

int RunSensor(const SensorFlags& f) {
  runtime::SensorOptions options;
  options.watch_host = f.host;
  options.ring_buffer_mb = f.ring_buffer_mb;
  if (!f.events.empty()) {
    auto events = runtime::ParseEventSet(f.events);
    if (!events.ok()) {
      std::cerr << "vigil sensor: --events: " << events.error().message() << "\n";
      return kExitError;
    }
    options.events = *events;
  }
  options.read_prefixes.insert(options.read_prefixes.end(), f.read_prefixes.begin(), f.read_prefixes.end());
  options.ignore_prefixes.insert(options.ignore_prefixes.end(), f.ignore_prefixes.begin(), f.ignore_prefixes.end());
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!f.output.empty() && f.output != "-") {
    file.open(f.output, std::ios::app);
    if (!file) {
      std::cerr << "vigil sensor: cannot open " << f.output << " for writing\n";
      return kExitError;
    }
    out = &file;
  }
  auto sensor = runtime::Sensor::Start(options);
  if (!sensor.ok()) {
    std::cerr << "vigil sensor: " << sensor.error().ToString() << "\n";
    return kExitError;
  }
  for (const runtime::ProbeStatus& p : (*sensor)->probes()) {
    if (!p.running) std::cerr << "vigil sensor: probe " << p.name << " disabled: " << p.error << "\n";
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  auto boot = std::chrono::steady_clock::now();
  timespec rt{}, bt{};
  clock_gettime(CLOCK_REALTIME, &rt);
  clock_gettime(CLOCK_BOOTTIME, &bt);
  int64_t boot_to_unix = (int64_t{rt.tv_sec} - bt.tv_sec) * 1'000'000'000 + (rt.tv_nsec - bt.tv_nsec);
  std::set<std::string> host_addresses = HostAddresses();
  // The host's network namespace: init's, else (when init's cannot be read, as in some
  // sandboxes) the sensor's own.
  uint32_t host_net_ns = NamespaceInode("/proc/1/ns/net");
  if (host_net_ns == 0) host_net_ns = NamespaceInode("/proc/self/ns/net");
  Containers containers;
  uint64_t host_filtered = 0;
  auto emit = [&](const runtime::Event& e) {
    runtime::ContainerFields c = containers.Of(e);
    // The kernel leaves out the host's mount namespace; processes of the host in namespaces of
    // their own (podman itself, conmon, runc before it enters the container) are left out here.
    if (c.id.empty() && !f.host) {
      ++host_filtered;
      return;
    }
    runtime::Verdicts v;
    v.container_exec = e.type == runtime::EventType::kExec && !c.id.empty() && e.parent_outside && e.process.ns_pid != 1;
    v.host_call = c.id.empty() && !f.host ? "" : HostCall(e, host_addresses, host_net_ns);
    *out << runtime::ToJsonLine(e, c, v, boot_to_unix) << '\n';
  };
  std::string running;
  for (const runtime::ProbeStatus& p : (*sensor)->probes()) {
    if (p.running) running += (running.empty() ? "" : ", ") + p.name;
  }
  std::cerr << "vigil sensor: running on kernel " << runtime::Sensor::KernelRelease() << " ("
            << (f.host ? "containers and host" : "containers only") << "; probes: " << running
            << "); SIGINT or SIGTERM stops it\n";
  auto last_stats = std::chrono::steady_clock::now();
  while (!g_stop) {
    auto polled = (*sensor)->Poll(100, emit);
    if (!polled.ok()) {
      std::cerr << "vigil sensor: " << polled.error().ToString() << "\n";
      break;
    }
    out->flush();
    auto now = std::chrono::steady_clock::now();
    if (f.duration > 0 && std::chrono::duration<double>(now - boot).count() >= f.duration) break;
    if (f.stats_interval > 0 && std::chrono::duration<double>(now - last_stats).count() >= f.stats_interval) {
      std::cerr << StatsLine((*sensor)->Stats(), "stats") << "\n";
      last_stats = now;
    }
  }
  // Stop the probes, drain what is in flight, then the counters reconcile exactly.
  (*sensor)->Detach();
  while (true) {
    auto polled = (*sensor)->Poll(0, emit);
    if (!polled.ok() || *polled == 0) break;
  }
  runtime::SensorStats s = (*sensor)->Stats();
  std::string line = StatsLine(s, "final_stats");
  line.insert(line.size() - 1, ",\"host_filtered\":" + std::to_string(host_filtered));
  *out << line << '\n';
  out->flush();
  std::cerr << "vigil sensor: stopped: " << s.Attempted() << " events attempted, " << s.Delivered() << " delivered, "
            << s.RingFull() << " lost (ring buffer full), " << s.undecodable << " undecodable\n";
  return kExitOk;
}

}  // namespace

void AddSensorCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<SensorFlags>();
  CLI::App* cmd = app.add_subcommand("sensor", "Watch what containers do (eBPF; needs root) and write JSON lines");
  cmd->add_option("-o,--output", f->output, "Append the events to this file instead of standard output");
  cmd->add_option("--events", f->events,
                  "Event types, comma-separated: exec, exit, fork, tcp_connect (these four are `default`), open, "
                  "connect, accept, bind, listen, unlink, rename, chmod, chown, setid, namespace, ptrace, mount, "
                  "module, memfd, bpf (the `syscalls` group: these slow every system call down), or `all`")
      ->delimiter(',');
  cmd->add_option("--report-reads", f->read_prefixes,
                  "Also report reads of paths under this prefix (absolute, at most 64 bytes; repeatable; added to "
                  "the defaults: /etc/shadow, /etc/gshadow, /etc/sudoers, /etc/ssh/ssh_host_, /root/.ssh/, "
                  "/run/secrets/, /var/run/secrets/)");
  cmd->add_option("--ignore-path", f->ignore_prefixes,
                  "Report no file event for paths under this prefix (repeatable; added to the defaults: /dev/null, "
                  "/dev/tty, /dev/pts/)");
  cmd->add_flag("--host", f->host, "Also report the host's processes (default: containers only)");
  cmd->add_option("--ring-buffer-mb", f->ring_buffer_mb, "Kernel ring buffer size in MiB, a power of two (default 8)");
  cmd->add_option("--duration", f->duration, "Stop after this many seconds (default: run until SIGINT/SIGTERM)");
  cmd->add_option("--stats-interval", f->stats_interval, "Print the counters to standard error every N seconds");
  cmd->callback([f, exit_code]() { *exit_code = RunSensor(*f); });
}

}  // namespace vigil::app
