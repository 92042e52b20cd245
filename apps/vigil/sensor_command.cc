// `vigil sensor`: run the eBPF sensor and write its events as JSON lines until SIGINT/SIGTERM
// (or --duration), then a final stats line (docs/SENSOR.md). The pipeline is runtime::Monitor;
// this file parses flags, writes lines and serves the counters.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.h"
#include "common/file.h"
#include "fleet/sensor_link.h"
#include "net/metrics_server.h"
#include "runtime/event.h"
#include "runtime/metadata.h"
#include "runtime/monitor.h"
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
  std::vector<std::string> runtime_sockets;
  bool no_metadata = false;
  double hold_ms = 500;
  std::string metrics;
  double duration = 0;
  double stats_interval = 0;
  // The fleet server the sensor reports to (issue 14).
  std::string server, token_file, ca_file, node, spool = "/var/lib/vigil/sensor-spool";
};

// The link to a fleet server (fleet::SensorLink: alerts through a spool, the node's containers
// from its runtime sockets); null with `error` set when it cannot start.
std::unique_ptr<fleet::SensorLink> StartLink(const SensorFlags& f, std::string* error) {
  fleet::SensorLinkOptions o;
  o.server = f.server;
  o.ca_file = f.ca_file;
  o.spool_dir = f.spool;
  o.node = f.node;
  if (o.node.empty()) {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) == 0) o.node = host;
  }
  auto token = ReadFile(f.token_file, 4096);
  if (!token.ok()) {
    *error = "--token-file: " + token.error().message();
    return nullptr;
  }
  o.token = *token;
  while (!o.token.empty() && (o.token.back() == '\n' || o.token.back() == '\r' || o.token.back() == ' ')) {
    o.token.pop_back();
  }
  o.runtime_sockets_given = !f.runtime_sockets.empty();
  o.runtime_sockets = f.runtime_sockets;
  if (o.runtime_sockets.empty()) {
    for (const auto& s : runtime::DefaultRuntimeApiSockets()) o.runtime_sockets.push_back(s.path);
  }
  auto link = fleet::SensorLink::Open(o);
  Status st = link.ok() ? (*link)->Start() : Status(link.error());
  if (!st.ok()) {
    *error = st.error().ToString();
    return nullptr;
  }
  std::cerr << "vigil sensor: reporting to " << o.server << " as node " << o.node << " (spool " << o.spool_dir << ")\n";
  return std::move(*link);
}

// The kind of alert an event is for the server, or null when it is none.
const char* AlertKind(const runtime::Observed& o) {
  if (o.verdicts.container_exec) return "container_exec";
  if (!o.verdicts.host_call.empty()) return "host_call";
  return nullptr;
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
  runtime::MonitorOptions mo;
  mo.sensor = options;
  // The kernel's cgroup ids are checked against the hierarchies /proc names (docs/RUNTIME.md).
  const runtime::HostContext host = runtime::HostContext::FromMachine();
  mo.attribution.cgroup2_mount = host.cgroup2_mount;
  mo.attribution.cgroup_v1_memory_mount = host.cgroup_v1_memory_mount;
  if (!f.no_metadata) {
    runtime::RuntimeApiOptions api;
    if (!f.runtime_sockets.empty()) {
      api.sockets.clear();
      for (const std::string& path : f.runtime_sockets) api.sockets.push_back({path});
    }
    mo.attribution.resolver = std::make_shared<runtime::RuntimeApiResolver>(api);
  }
  mo.hold.hold_ns = static_cast<uint64_t>(std::max(0.0, f.hold_ms) * 1e6);
  std::unique_ptr<net::MetricsServer> metrics;
  if (!f.metrics.empty()) {
    auto started = net::MetricsServer::Start(f.metrics);
    if (!started.ok()) {
      std::cerr << "vigil sensor: " << started.error().ToString() << "\n";
      return kExitError;
    }
    metrics = std::move(*started);
    std::cerr << "vigil sensor: metrics at http://" << f.metrics.substr(0, f.metrics.rfind(':')) << ":"
              << metrics->port() << "/metrics\n";
  }
  std::unique_ptr<fleet::SensorLink> link;
  if (!f.server.empty()) {
    if (f.token_file.empty()) {
      std::cerr << "vigil sensor: --server needs --token-file (a token with the sensor scope)\n";
      return kExitError;
    }
    std::string error;
    link = StartLink(f, &error);
    if (!link) {
      std::cerr << "vigil sensor: " << error << "\n";
      return kExitError;
    }
  }
  auto monitor = runtime::Monitor::Start(std::move(mo));
  if (!monitor.ok()) {
    std::cerr << "vigil sensor: " << monitor.error().ToString() << "\n";
    return kExitError;
  }
  runtime::Monitor& m = **monitor;

  for (const runtime::ProbeStatus& p : m.probes()) {
    if (!p.running) std::cerr << "vigil sensor: probe " << p.name << " disabled: " << p.error << "\n";
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  auto boot = std::chrono::steady_clock::now();
  uint64_t output_errors = 0;
  auto emit = [&](const runtime::Observed& o) {
    std::string line = runtime::ToJsonLine(o.event, o.container, o.verdicts, host.boot_to_unix_ns);
    if (const char* kind = link ? AlertKind(o) : nullptr) {
      if (Status st = link->Enqueue(kind, o.container.id, line); !st.ok()) {
        std::cerr << "vigil sensor: alert not spooled: " << st.error().message() << "\n";
      }
    }
    *out << line << '\n';
  };
  auto flush = [&]() {
    out->flush();
    if (!*out) {
      ++output_errors;
      out->clear();
    }
  };
  std::string running;
  for (const runtime::ProbeStatus& p : m.probes()) {
    if (p.running) running += (running.empty() ? "" : ", ") + p.name;
  }
  std::cerr << "vigil sensor: running on kernel " << runtime::Sensor::KernelRelease() << " ("
            << (f.host ? "containers and host" : "containers only") << "; probes: " << running
            << "); SIGINT or SIGTERM stops it\n";
  auto last_stats = std::chrono::steady_clock::now();
  auto last_metrics = last_stats - std::chrono::seconds(1);
  while (!g_stop) {
    auto polled = m.Poll(100, emit);
    if (!polled.ok()) {
      std::cerr << "vigil sensor: " << polled.error().ToString() << "\n";
      break;
    }
    flush();
    auto now = std::chrono::steady_clock::now();
    if (f.duration > 0 && std::chrono::duration<double>(now - boot).count() >= f.duration) break;
    if (metrics && now - last_metrics >= std::chrono::seconds(1)) {
      metrics->Publish(runtime::PrometheusText(m.KernelStats(), m.Stats(), output_errors));
      last_metrics = now;
    }
    if (f.stats_interval > 0 && std::chrono::duration<double>(now - last_stats).count() >= f.stats_interval) {
      std::cerr << runtime::StatsJson(m.KernelStats(), m.Stats(), "stats") << "\n";
      last_stats = now;
    }
  }
  // Stop the probes, drain what is in flight and release what is held: then the counters
  // reconcile exactly.
  if (auto drained = m.StopAndDrain(emit); !drained.ok()) {
    // What could not be read shows in the counters below (attempted > emitted + dropped).
    std::cerr << "vigil sensor: draining: " << drained.error().ToString() << "\n";
  }
  flush();
  if (link) {
    link->Stop();
    fleet::SensorLinkStats ls = link->stats();
    std::cerr << "vigil sensor: server link: " << ls.spooled << " alerts spooled, " << ls.sent << " confirmed, "
              << ls.pending << " still spooled, " << ls.dropped << " dropped\n";
  }
  runtime::SensorStats s = m.KernelStats();
  *out << runtime::StatsJson(s, m.Stats(), "final_stats", output_errors) << '\n';
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
  cmd->add_option("--runtime-socket", f->runtime_sockets,
                  "Ask this runtime API socket (Docker-compatible: podman's service or dockerd) for container "
                  "metadata; repeatable; default: /run/podman/podman.sock, /var/run/docker.sock, /run/docker.sock");
  cmd->add_flag("--no-metadata", f->no_metadata, "Do not ask any runtime's API for container metadata");
  cmd->add_option("--hold-ms", f->hold_ms,
                  "Hold a new container's events this long for its metadata before writing them without (default 500)");
  cmd->add_option("--metrics", f->metrics,
                  "Serve the counters in Prometheus format at http://HOST:PORT/metrics (e.g. 127.0.0.1:9464; "
                  "port 0 picks a free one), refreshed every second");
  cmd->add_option("--duration", f->duration, "Stop after this many seconds (default: run until SIGINT/SIGTERM)");
  cmd->add_option("--stats-interval", f->stats_interval, "Print the counters to standard error every N seconds");
  cmd->add_option("--server", f->server,
                  "Report to this fleet server (vigil serve): alerts (container exec, calls to the host) through a "
                  "spool on disk, and the containers of this node");
  cmd->add_option("--token-file", f->token_file, "File with the token for --server (scope sensor)");
  cmd->add_option("--ca-file", f->ca_file, "PEM CA of a --server with a private CA");
  cmd->add_option("--node", f->node, "This node's name for --server (default: the host name)");
  cmd->add_option("--spool", f->spool, "Where alerts wait for --server (default /var/lib/vigil/sensor-spool)")
      ->capture_default_str();
  cmd->callback([f, exit_code]() { *exit_code = RunSensor(*f); });
}

}  // namespace vigil::app
