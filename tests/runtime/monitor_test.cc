// MetadataHold (runtime/monitor.h): events of a container whose metadata is pending are held and
// back-filled, in order; others pass; time-outs, unresolved processes, overflow and the host
// filter are counted. And ComputeVerdicts. A fake /proc and a resolver the test answers by hand.
#include "runtime/monitor.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "fake_proc.h"

namespace vigil::runtime {
namespace {

using testing::FakeProc;
using testing::FakeProcess;

std::string IdOf(int n) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016x", n);
  return std::string(buf) + std::string(48, 'b');
}

FakeProcess Container(int n, uint64_t mnt) {
  FakeProcess p;
  p.mnt_ns = mnt;
  p.cgroup = "4:memory:/libpod_parent/libpod-" + IdOf(n) + "\n0::/libpod_parent/libpod-" + IdOf(n) + "\n";
  return p;
}

FakeProcess Host() {
  FakeProcess p;
  p.mnt_ns = 4026532999;  // a host process in a namespace of its own
  p.cgroup = "4:memory:/libpod_parent/conmon\n0::/\n";
  return p;
}

class ManualResolver : public MetadataResolver {
 public:
  void Request(const ContainerRef& ref, Done done) override {
    std::lock_guard lock(mu_);
    queue_.push_back({ref, std::move(done)});
  }
  size_t Answer(bool ok = true) {
    std::deque<std::pair<ContainerRef, Done>> q;
    {
      std::lock_guard lock(mu_);
      q.swap(queue_);
    }
    for (auto& [ref, done] : q) {
      if (!ok) {
        done(Unavailable("no runtime socket"));
        continue;
      }
      ContainerMetadata m;
      m.name = "web-" + ref.id.substr(0, 4);
      m.image = "localhost/app:1";
      m.labels["tier"] = "front";
      done(m);
    }
    return q.size();
  }

 private:
  std::mutex mu_;
  std::deque<std::pair<ContainerRef, Done>> queue_;
};

Event Ev(uint32_t pid, uint64_t cgroup, uint64_t v1, uint64_t mnt, uint32_t seq) {
  Event e;
  e.type = EventType::kExec;
  e.process.pid = pid;
  e.process.tid = pid;
  e.process.cgroup_id = cgroup;
  e.process.cgroup_v1_id = v1;
  e.process.mnt_ns = mnt;
  e.child_pid = seq;  // the test's sequence number
  return e;
}

struct Rig {
  FakeProc fake;
  std::shared_ptr<ManualResolver> resolver = std::make_shared<ManualResolver>();
  uint64_t now = 1'000'000'000;
  std::unique_ptr<Attributor> attributor;
  MonitorStats stats;
  std::unique_ptr<MetadataHold> hold;
  struct Out {
    uint32_t seq;
    std::string id, name, metadata;
    bool unresolved;
  };
  std::vector<Out> out;
  MetadataHold::Sink sink = [this](const Observed& o) {
    out.push_back({o.event.child_pid, o.container.id, o.container.name, std::string(o.container.metadata),
                   o.container.unresolved});
  };

  explicit Rig(bool containers_only = true, size_t max_held = 1000) {
    AttributorOptions a;
    a.proc_root = fake.root();
    a.resolver = resolver;
    a.clock = [this] { return now; };
    attributor = std::make_unique<Attributor>(a);
    HoldOptions h;
    h.hold_ns = 500'000'000;
    h.max_held = max_held;
    h.containers_only = containers_only;
    h.clock = [this] { return now; };
    hold = std::make_unique<MetadataHold>(*attributor, HostContext{}, h, stats);
  }
};

TEST(MetadataHold, HoldsUntilTheMetadataArrivesThenBackFillsInOrder) {
  Rig r;
  r.fake.Add(10, Container(1, 4026532100));
  r.hold->Push(Ev(10, 500, 600, 4026532100, 1), r.sink);
  r.hold->Push(Ev(10, 500, 600, 4026532100, 2), r.sink);
  r.hold->Release(r.sink);
  EXPECT_TRUE(r.out.empty());  // the API has not answered
  EXPECT_EQ(r.hold->held(), 2u);
  ASSERT_EQ(r.resolver->Answer(), 1u);  // asked once for the container
  r.hold->Release(r.sink);
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[0].seq, 1u);
  EXPECT_EQ(r.out[1].seq, 2u);
  EXPECT_EQ(r.out[0].id, IdOf(1));
  EXPECT_EQ(r.out[0].name, "web-" + IdOf(1).substr(0, 4));
  EXPECT_EQ(r.out[1].metadata, "ready");
  // Later events of the container go straight through, with the metadata.
  r.hold->Push(Ev(10, 500, 600, 4026532100, 3), r.sink);
  ASSERT_EQ(r.out.size(), 3u);
  EXPECT_EQ(r.out[2].name, r.out[0].name);
  EXPECT_EQ(r.stats.held, 2u);
  EXPECT_EQ(r.stats.backfilled, 2u);
  EXPECT_EQ(r.stats.timed_out, 0u);
  EXPECT_EQ(r.stats.delivered, 3u);
}

TEST(MetadataHold, OtherContainersPassWhileOneWaits) {
  Rig r;
  r.fake.Add(10, Container(1, 4026532100));
  r.fake.Add(20, Container(2, 4026532200));
  r.hold->Push(Ev(10, 500, 600, 4026532100, 1), r.sink);
  r.resolver->Answer();  // container 1 known
  r.hold->Release(r.sink);
  r.hold->Push(Ev(20, 700, 800, 4026532200, 2), r.sink);  // container 2: pending
  r.hold->Push(Ev(10, 500, 600, 4026532100, 3), r.sink);  // container 1: straight through
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[1].seq, 3u);
  EXPECT_EQ(r.hold->held(), 1u);
}

TEST(MetadataHold, TimesOutWithoutTheMetadataAndNeverStallsOnAFailure) {
  Rig r;
  r.fake.Add(10, Container(1, 4026532100));
  r.hold->Push(Ev(10, 500, 600, 4026532100, 1), r.sink);
  r.now += 499'000'000;
  r.hold->Release(r.sink);
  EXPECT_TRUE(r.out.empty());
  r.now += 2'000'000;
  r.hold->Release(r.sink);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].id, IdOf(1));
  EXPECT_EQ(r.out[0].name, "");
  EXPECT_EQ(r.out[0].metadata, "timeout");
  EXPECT_EQ(r.stats.timed_out, 1u);
  // The API fails: the next event goes at once with "failed".
  r.resolver->Answer(false);
  r.hold->Push(Ev(10, 500, 600, 4026532100, 2), r.sink);
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[1].metadata, "failed");
}

TEST(MetadataHold, UnresolvedProcessIsBackFilledByALaterEventOfItsCgroup) {
  Rig r;
  // pid 30 exited before it was read; pid 31 of the same cgroup is alive.
  r.hold->Push(Ev(30, 500, 600, 4026532100, 1), r.sink);
  r.hold->Release(r.sink);
  EXPECT_TRUE(r.out.empty());
  r.fake.Add(31, Container(1, 4026532100));
  r.hold->Push(Ev(31, 500, 600, 4026532100, 2), r.sink);
  r.resolver->Answer();
  r.hold->Release(r.sink);
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[0].seq, 1u);
  EXPECT_EQ(r.out[0].id, IdOf(1));  // back-filled from its cgroup
  EXPECT_FALSE(r.out[0].unresolved);
  EXPECT_EQ(r.out[0].metadata, "ready");
}

TEST(MetadataHold, UnresolvedAtTheDeadlineIsDeliveredAsSuch) {
  Rig r;
  r.hold->Push(Ev(30, 500, 600, 4026532100, 1), r.sink);
  r.now += 600'000'000;
  r.hold->Release(r.sink);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_TRUE(r.out[0].unresolved);
  EXPECT_EQ(r.stats.unresolved, 1u);
  EXPECT_EQ(r.stats.timed_out, 0u);  // not a metadata time-out
}

TEST(MetadataHold, HostEventsAreFilteredAndCounted) {
  Rig r;
  r.fake.Add(40, Host());
  r.hold->Push(Ev(40, 1, 31171, 4026532999, 1), r.sink);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.stats.host_filtered, 1u);
  Rig with_host(false);
  with_host.fake.Add(40, Host());
  with_host.hold->Push(Ev(40, 1, 31171, 4026532999, 1), with_host.sink);
  ASSERT_EQ(with_host.out.size(), 1u);
  EXPECT_EQ(with_host.out[0].id, "");
}

TEST(MetadataHold, OverflowIsCountedAndFlushReleasesEverything) {
  Rig r(true, 3);
  r.fake.Add(10, Container(1, 4026532100));
  for (uint32_t i = 1; i <= 5; ++i) r.hold->Push(Ev(10, 500, 600, 4026532100, i), r.sink);
  EXPECT_EQ(r.hold->held(), 3u);
  EXPECT_EQ(r.stats.hold_overflow, 2u);
  r.hold->Release(r.sink, true);
  ASSERT_EQ(r.out.size(), 3u);
  EXPECT_EQ(r.hold->held(), 0u);
  EXPECT_EQ(r.stats.delivered + r.stats.hold_overflow, 5u);
}

TEST(Verdicts, ContainerExecAndHostCalls) {
  ContainerFields c;
  c.id = IdOf(1);
  HostContext host;
  host.addresses = {"10.0.0.5"};
  host.net_ns = 4026531992;
  Event e;
  e.type = EventType::kExec;
  e.parent_outside = true;
  e.process.ns_pid = 7;
  EXPECT_TRUE(ComputeVerdicts(e, c, host).container_exec);
  e.process.ns_pid = 1;  // the container's init
  EXPECT_FALSE(ComputeVerdicts(e, c, host).container_exec);
  EXPECT_FALSE(ComputeVerdicts(e, ContainerFields{}, host).container_exec);  // a host process

  Event n;
  n.type = EventType::kTcpConnect;
  n.family = AF_INET;
  auto at = [&](const char* a, uint32_t net_ns = 4026532500) {
    inet_pton(AF_INET, a, n.addr.data());
    n.process.net_ns = net_ns;
    return ComputeVerdicts(n, c, host).host_call;
  };
  EXPECT_EQ(at("169.254.169.254"), "cloud metadata");
  EXPECT_EQ(at("10.0.0.5"), "host address");
  EXPECT_EQ(at("127.0.0.1"), "");  // the container's own loopback
  EXPECT_EQ(at("127.0.0.1", 4026531992), "host loopback (host network)");
  EXPECT_EQ(at("10.0.0.6"), "");
  n.type = EventType::kConnect;
  n.family = AF_UNIX;
  n.unix_path = "/run/podman/podman.sock";
  EXPECT_EQ(ComputeVerdicts(n, c, host).host_call, "runtime socket");
  n.unix_path = "/tmp/app.sock";
  EXPECT_EQ(ComputeVerdicts(n, c, host).host_call, "");
}

// Counters for the tests of their text forms: one exec lost in the kernel, one host event left out.
void SampleCounters(SensorStats& k, MonitorStats& u) {
  k.attempted[static_cast<size_t>(EventType::kExec)] = 7;
  k.delivered[static_cast<size_t>(EventType::kExec)] = 6;
  k.ring_full[static_cast<size_t>(EventType::kExec)] = 1;
  u.delivered = 5;
  u.host_filtered = 1;
}

TEST(PrometheusText, EveryCounterOnceWithItsValue) {
  SensorStats k;
  MonitorStats u;
  SampleCounters(k, u);
  std::string text = PrometheusText(k, u, 2);
  EXPECT_NE(text.find("vigil_sensor_events_attempted_total{type=\"exec\"} 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vigil_sensor_events_ring_full_total{type=\"exec\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_sensor_events_delivered_total{type=\"tcp_connect\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_sensor_emitted_total 5\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_sensor_output_errors_total 2\n"), std::string::npos);
  // One TYPE line per family; every sample line is "name[{labels}] value".
  size_t types = 0, samples = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end - pos);
    if (line.rfind("# TYPE ", 0) == 0) ++types;
    if (!line.empty() && line[0] != '#') {
      ++samples;
      EXPECT_NE(line.find(' '), std::string::npos) << line;
    }
    pos = end + 1;
  }
  EXPECT_EQ(types, 3u + 9u);
  EXPECT_EQ(samples, 3 * AllEventTypes().size() + 9);
}

TEST(StatsJson, CountersReconcileAndOutputErrorsOnlyWhenSome) {
  SensorStats k;
  MonitorStats u;
  SampleCounters(k, u);
  std::string line = StatsJson(k, u, "stats");
  EXPECT_EQ(line.rfind("{\"type\":\"stats\",\"attempted\":7,\"delivered\":6,\"ring_full\":1,\"undecodable\":0,", 0), 0u)
      << line;
  EXPECT_NE(line.find("\"exec\":{\"attempted\":7,\"delivered\":6,\"ring_full\":1}"), std::string::npos) << line;
  EXPECT_NE(line.find(",\"emitted\":5,\"host_filtered\":1,\"hold_overflow\":0,"), std::string::npos) << line;
  EXPECT_EQ(line.find("output_errors"), std::string::npos) << line;
  EXPECT_EQ(line.back(), '}');
  std::string final_line = StatsJson(k, u, "final_stats", 3);
  EXPECT_NE(final_line.find("\"type\":\"final_stats\""), std::string::npos);
  EXPECT_EQ(final_line.substr(final_line.size() - 19), ",\"output_errors\":3}") << final_line;
}

TEST(HostContext, CgroupMountsFromTheFolderGiven) {
  std::string root = ::testing::TempDir() + "/vigil_cgroup_root";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root + "/unified");
  std::filesystem::create_directories(root + "/memory");
  { std::ofstream(root + "/unified/cgroup.controllers") << "cpu memory\n"; }
  { std::ofstream(root + "/memory/cgroup.procs") << "1\n"; }
  HostContext hybrid = HostContext::FromMachine(root);
  EXPECT_EQ(hybrid.cgroup2_mount, root + "/unified");
  EXPECT_EQ(hybrid.cgroup_v1_memory_mount, root + "/memory");
  { std::ofstream(root + "/cgroup.controllers") << "cpu memory\n"; }
  std::filesystem::remove_all(root + "/memory");
  HostContext v2 = HostContext::FromMachine(root);
  EXPECT_EQ(v2.cgroup2_mount, root);
  EXPECT_EQ(v2.cgroup_v1_memory_mount, "");
  HostContext none = HostContext::FromMachine(root + "/missing");
  EXPECT_EQ(none.cgroup2_mount, "");
  // Boot time lies between the epoch and now: the offset is positive and below the current time.
  EXPECT_GT(hybrid.boot_to_unix_ns, 0);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace vigil::runtime
