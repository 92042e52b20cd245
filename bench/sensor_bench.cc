// User-space cost of the sensor per event (issue 6 target: decode and attribute >= 1,000,000
// events/s on one core): ring-buffer records decoded into Events; decoded, attributed to their
// container (runtime::Attributor through runtime::MetadataHold, metadata ready, as in steady
// state) with verdicts; and all of that written as JSON lines.
// Records are synthetic but laid out exactly as the kernel writes them (bpf/events.h): a mix of
// 70 % open, 20 % exec, 10 % connect, as a busy container produces.
//   ninja -C build/bench sensor_bench && build/bench/bench/sensor_bench
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "runtime/attribution.h"
#include "runtime/bpf/events.h"
#include "runtime/event.h"
#include "runtime/monitor.h"

namespace vigil::runtime {
namespace {

void Header(vigil_header& h, uint32_t type, uint32_t size, uint32_t i) {
  h.ts_ns = 1'000'000 + i;
  h.type = type;
  h.size = size;
  h.pid = 1000 + i % 50;
  h.tid = h.pid;
  h.ppid = 999;
  h.ns_pid = 10 + i % 50;
  h.loginuid = 0xffffffff;
  h.mnt_ns = 4026532250u;
  h.pid_ns = 4026532253u;
  h.net_ns = 4026532181u;
  h.cgroup_id = 8689;
  h.cgroup_v1_id = 32899;
  std::memcpy(h.comm, "python3", 8);
}

std::vector<std::vector<uint8_t>> Records(size_t n) {
  std::vector<std::vector<uint8_t>> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    std::vector<uint8_t> b;
    if (i % 10 < 7) {
      vigil_open r{};
      Header(r.h, VIGIL_EV_OPEN, sizeof r, i);
      std::snprintf(r.path, sizeof r.path, "/var/lib/app/data/file-%u.json", i % 1000);
      r.flags = 01101;
      r.result = 5;
      b.resize(sizeof r);
      std::memcpy(b.data(), &r, sizeof r);
    } else if (i % 10 < 9) {
      vigil_exec r{};
      Header(r.h, VIGIL_EV_EXEC, sizeof r, i);
      std::strcpy(r.filename, "/usr/bin/python3");
      const char args[] = "python3\0-m\0http.server\0--bind\0127.0.0.1\0";
      std::memcpy(r.args, args, sizeof args - 1);
      r.args_len = sizeof args - 1;
      r.flags = VIGIL_EXEC_OVERLAY;
      b.resize(sizeof r);
      std::memcpy(b.data(), &r, sizeof r);
    } else {
      vigil_net r{};
      Header(r.h, VIGIL_EV_CONNECT, sizeof r, i);
      r.family = AF_INET;
      r.port = 5432;
      inet_pton(AF_INET, "10.88.0.1", r.addr);
      b.resize(sizeof r);
      std::memcpy(b.data(), &r, sizeof r);
    }
    out.push_back(std::move(b));
  }
  return out;
}

const std::vector<std::vector<uint8_t>>& Mix() {
  static const auto* records = new std::vector<std::vector<uint8_t>>(Records(100'000));
  return *records;
}

void BM_Decode(benchmark::State& state) {
  const auto& records = Mix();
  size_t n = 0;
  for (auto _ : state) {
    for (const auto& r : records) {
      auto e = DecodeEvent(r);
      benchmark::DoNotOptimize(e);
      ++n;
    }
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

void BM_DecodeAndJsonLine(benchmark::State& state) {
  const auto& records = Mix();
  ContainerFields c{std::string(64, 'a'), "podman", "", "", "", ""};
  Verdicts v;
  size_t n = 0, bytes = 0;
  for (auto _ : state) {
    for (const auto& r : records) {
      auto e = DecodeEvent(r);
      std::string line = ToJsonLine(*e, c, v, 0);
      bytes += line.size();
      ++n;
    }
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / static_cast<double>(n);
}
BENCHMARK(BM_DecodeAndJsonLine)->Unit(benchmark::kMillisecond);

// A /proc-like folder where the benchmark's 50 pids are processes of one podman container, and
// a resolver that answers at once: the attributor's steady state (every event a cache hit).
struct AttributionRig {
  std::string root;
  std::unique_ptr<Attributor> attributor;
  MonitorStats stats;
  std::unique_ptr<MetadataHold> hold;

  class InstantResolver : public MetadataResolver {
   public:
    void Request(const ContainerRef&, Done done) override {
      ContainerMetadata m;
      m.name = "web";
      m.image = "localhost/app:1";
      m.image_digest = "sha256:" + std::string(64, 'c');
      m.labels["app"] = "web";
      done(m);
    }
  };

  AttributionRig() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vigil-bench-proc-XXXXXX").string();
    root = ::mkdtemp(pattern.data());
    std::string id(64, 'a');
    for (uint32_t pid = 1000; pid < 1050; ++pid) {
      std::string dir = root + "/" + std::to_string(pid);
      std::filesystem::create_directories(dir + "/ns");
      std::ofstream(dir + "/cgroup") << "4:memory:/libpod_parent/libpod-" << id << "\n0::/libpod_parent/libpod-" << id
                                     << "\n";
      std::filesystem::create_symlink("mnt:[4026532250]", dir + "/ns/mnt");
    }
    AttributorOptions a;
    a.proc_root = root;
    a.resolver = std::make_shared<InstantResolver>();
    attributor = std::make_unique<Attributor>(a);
    hold = std::make_unique<MetadataHold>(*attributor, HostContext{}, HoldOptions{}, stats);
  }
  ~AttributionRig() { std::filesystem::remove_all(root); }
};

// Every record decoded and pushed through the hold, released per batch of 256 as Monitor::Poll
// does; returns how many events went in.
size_t DecodeThroughHold(benchmark::State& state, AttributionRig& rig, const MetadataHold::Sink& sink) {
  const auto& records = Mix();
  size_t n = 0;
  for (auto _ : state) {
    for (const auto& r : records) {
      rig.hold->Push(std::move(*DecodeEvent(r)), sink);
      if (++n % 256 == 0) rig.hold->Release(sink);
    }
  }
  rig.hold->Release(sink, true);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  return n;
}

void BM_DecodeAndAttribute(benchmark::State& state) {
  AttributionRig rig;
  size_t with_container = 0;
  size_t n = DecodeThroughHold(state, rig, [&](const Observed& o) { with_container += !o.container.id.empty(); });
  if (with_container != n) state.SkipWithError("an event was not attributed to the container");
}
BENCHMARK(BM_DecodeAndAttribute)->Unit(benchmark::kMillisecond);

void BM_DecodeAttributeAndJsonLine(benchmark::State& state) {
  AttributionRig rig;
  size_t bytes = 0;
  size_t n = DecodeThroughHold(
      state, rig, [&](const Observed& o) { bytes += ToJsonLine(o.event, o.container, o.verdicts, 0).size(); });
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / static_cast<double>(n);
}
BENCHMARK(BM_DecodeAttributeAndJsonLine)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::runtime

BENCHMARK_MAIN();
