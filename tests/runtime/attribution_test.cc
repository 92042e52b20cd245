#include "runtime/attribution.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_proc.h"

namespace vigil::runtime {
namespace {

using testing::FakeProc;
using testing::FakeProcess;

constexpr uint64_t kHostMnt = 4026531840;

// An id per container number: 64 hex digits.
std::string IdOf(int n) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016x", n);
  return std::string(buf) + std::string(48, 'a');
}

// A podman container process as on the development machine (cgroupfs manager, hybrid).
FakeProcess PodmanProcess(const std::string& id, uint64_t mnt) {
  FakeProcess p;
  p.mnt_ns = mnt;
  std::string path = "/libpod_parent/libpod-" + id;
  const char* controllers[] = {"cpu",     "cpuacct", "cpuset", "memory",      "devices",
                               "freezer", "blkio",   "pids",   "name=systemd"};
  for (int h = 9; h >= 1; --h) {
    p.cgroup += std::to_string(h) + ":" + controllers[h - 1] + ":" + path + "\n";
  }
  p.cgroup += "0::" + path + "\n";
  return p;
}

// A docker container on a hybrid system with the cgroupfs driver that left the process in the
// root of the v2 hierarchy: only the v1 lines name the container.
FakeProcess DockerV1Process(const std::string& id, uint64_t mnt) {
  FakeProcess p;
  p.mnt_ns = mnt;
  p.cgroup = "4:memory:/docker/" + id + "\n1:name=systemd:/docker/" + id + "\n0::/\n";
  return p;
}

// A host process on a hybrid system (like conmon on the development machine).
FakeProcess HybridHostProcess() {
  FakeProcess p;
  p.mnt_ns = kHostMnt;
  p.cgroup = "4:memory:/libpod_parent/conmon\n1:name=systemd:/\n0::/\n";
  return p;
}

FakeProcess PureV2HostProcess(const std::string& unit) {
  FakeProcess p;
  p.mnt_ns = kHostMnt;
  p.cgroup = "0::/system.slice/" + unit + "\n";
  return p;
}

std::string IdOfAnswer(const Attribution& a) { return a.resolved && a.container ? a.container->id : "<pending>"; }

TEST(Attributor, ResolvesOnceThenAnswersFromTheCgroupId) {
  FakeProc fake;
  fake.Add(100, PodmanProcess(IdOf(1), 4026532177));
  Attributor attributor({.proc_root = fake.root()});
  Attribution a = attributor.Attribute({.pid = 100, .cgroup_id = 8043, .mnt_ns = 4026532177});
  ASSERT_TRUE(a.resolved);
  EXPECT_EQ(a.container->id, IdOf(1));
  EXPECT_EQ(a.container->runtime, Runtime::kPodman);
  EXPECT_EQ(a.metadata_state, MetadataState::kNone);
  // Another process of the container that has already exited: answered from the cache.
  Attribution b = attributor.Attribute({.pid = 101, .cgroup_id = 8043, .mnt_ns = 0});
  ASSERT_TRUE(b.resolved);
  EXPECT_EQ(b.container.get(), a.container.get());
  AttributorStats s = attributor.stats();
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.resolved, 1u);
  EXPECT_EQ(s.unresolved, 0u);
  EXPECT_EQ(attributor.size(), 2u);  // the cgroup id and the mount namespace
}

TEST(Attributor, HybridHostIsNotCachedUnderTheSharedRootCgroup) {
  FakeProc fake;
  fake.Add(10, HybridHostProcess());
  fake.Add(20, DockerV1Process(IdOf(2), 4026532300));
  Attributor attributor({.proc_root = fake.root()});
  // Both report the v2 root cgroup (id 1): it names no container on this system.
  Attribution host = attributor.Attribute({.pid = 10, .cgroup_id = 1, .mnt_ns = kHostMnt});
  ASSERT_TRUE(host.resolved);
  EXPECT_FALSE(host.container->is_container());
  Attribution ctr = attributor.Attribute({.pid = 20, .cgroup_id = 1, .mnt_ns = 4026532300});
  ASSERT_TRUE(ctr.resolved);
  EXPECT_EQ(ctr.container->id, IdOf(2));
  EXPECT_EQ(ctr.container->runtime, Runtime::kDocker);
  // Later events of both, from exited pids, are told apart by their mount namespaces.
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 11, .cgroup_id = 1, .mnt_ns = kHostMnt})), "");
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 21, .cgroup_id = 1, .mnt_ns = 4026532300})), IdOf(2));
  EXPECT_EQ(attributor.stats().hits, 2u);
}

TEST(Attributor, PureV2HostIsCachedUnderItsCgroupId) {
  FakeProc fake;
  fake.Add(30, PureV2HostProcess("sshd.service"));
  Attributor attributor({.proc_root = fake.root()});
  ASSERT_TRUE(attributor.Attribute({.pid = 30, .cgroup_id = 555, .mnt_ns = 0}).resolved);
  Attribution again = attributor.Attribute({.pid = 31, .cgroup_id = 555, .mnt_ns = 0});
  ASSERT_TRUE(again.resolved);
  EXPECT_FALSE(again.container->is_container());
  EXPECT_EQ(attributor.stats().hits, 1u);
}

TEST(Attributor, VanishedProcessIsPendingThenBackFilled) {
  FakeProc fake;
  Attributor attributor({.proc_root = fake.root()});
  EventOrigin gone{.pid = 200, .cgroup_id = 9000, .mnt_ns = 4026532400};
  Attribution a = attributor.Attribute(gone);
  EXPECT_FALSE(a.resolved);
  EXPECT_EQ(a.container, nullptr);
  // The same pid again: not read again.
  EXPECT_FALSE(attributor.Attribute(gone).resolved);
  EXPECT_FALSE(attributor.Peek(gone).resolved);
  AttributorStats s = attributor.stats();
  EXPECT_EQ(s.vanished, 1u);
  EXPECT_EQ(s.unresolved, 2u);
  EXPECT_EQ(s.misses, 2u);

  // A live process of the same container arrives: it fills the entry for both.
  fake.Add(201, PodmanProcess(IdOf(3), 4026532400));
  Attribution b = attributor.Attribute({.pid = 201, .cgroup_id = 9000, .mnt_ns = 4026532400});
  ASSERT_TRUE(b.resolved);
  EXPECT_EQ(b.container->id, IdOf(3));
  Attribution held = attributor.Peek(gone);
  ASSERT_TRUE(held.resolved);
  EXPECT_EQ(held.container->id, IdOf(3));
  s = attributor.stats();
  EXPECT_EQ(s.backfilled, 2u);  // the cgroup id and the mount namespace
  EXPECT_EQ(s.resolved, 1u);
}

TEST(Attributor, APendingKeyIsRetriedWithAnotherPid) {
  FakeProc fake;
  Attributor attributor({.proc_root = fake.root()});
  EXPECT_FALSE(attributor.Attribute({.pid = 300, .cgroup_id = 0, .mnt_ns = 4026532500}).resolved);
  EXPECT_FALSE(attributor.Attribute({.pid = 301, .cgroup_id = 0, .mnt_ns = 4026532500}).resolved);
  EXPECT_EQ(attributor.stats().vanished, 2u);
}

TEST(Attributor, ReusedPidWithAnotherMountNamespaceIsNotUsed) {
  FakeProc fake;
  fake.Add(400, HybridHostProcess());  // the pid now belongs to a host process
  Attributor attributor({.proc_root = fake.root()});
  Attribution a = attributor.Attribute({.pid = 400, .cgroup_id = 0, .mnt_ns = 4026532600});
  EXPECT_FALSE(a.resolved);
  EXPECT_EQ(attributor.stats().pid_mismatches, 1u);
}

TEST(Attributor, CgroupIdIsCheckedAgainstTheCgroupFileSystem) {
  FakeProc fake;
  namespace fs = std::filesystem;
  std::string mount = fake.root() + "/cgroup2";
  std::string id = IdOf(4);
  fs::create_directories(mount + "/libpod_parent/libpod-" + id);
  struct stat st {};
  ASSERT_EQ(::stat((mount + "/libpod_parent/libpod-" + id).c_str(), &st), 0);
  fake.Add(500, PodmanProcess(id, 4026532700));
  fake.Add(501, PodmanProcess(id, 4026532700));
  Attributor attributor({.proc_root = fake.root(), .cgroup2_mount = mount});
  Attribution ok = attributor.Attribute({.pid = 500, .cgroup_id = st.st_ino, .mnt_ns = 0});
  ASSERT_TRUE(ok.resolved);
  EXPECT_EQ(ok.container->id, id);
  // The event says another cgroup than the one the live process is in.
  Attribution bad = attributor.Attribute({.pid = 501, .cgroup_id = st.st_ino + 1, .mnt_ns = 0});
  EXPECT_FALSE(bad.resolved);
  EXPECT_EQ(attributor.stats().pid_mismatches, 1u);
  // The cgroup was removed: its processes are gone.
  fs::remove(mount + "/libpod_parent/libpod-" + id);
  EXPECT_FALSE(attributor.Attribute({.pid = 501, .cgroup_id = st.st_ino + 2, .mnt_ns = 0}).resolved);
  EXPECT_EQ(attributor.stats().vanished, 1u);
}

TEST(Attributor, EvictsTheLeastRecentlyUsed) {
  FakeProc fake;
  for (int i = 1; i <= 10; ++i) fake.Add(i, PureV2HostProcess("unit" + std::to_string(i) + ".service"));
  Attributor attributor({.proc_root = fake.root(), .max_entries = 4});
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(attributor.Attribute({.pid = i, .cgroup_id = 1000u + i, .mnt_ns = 0}).resolved);
    // Keep the first one in use.
    ASSERT_TRUE(attributor.Attribute({.pid = 1, .cgroup_id = 1001, .mnt_ns = 0}).resolved);
  }
  EXPECT_EQ(attributor.size(), 4u);
  AttributorStats s = attributor.stats();
  EXPECT_EQ(s.evictions, 6u);
  EXPECT_EQ(s.resolved, 10u);
  fake.Remove(1);
  fake.Remove(2);
  // 1001 survived; 1002 was evicted and its process has exited.
  EXPECT_TRUE(attributor.Attribute({.pid = 1, .cgroup_id = 1001, .mnt_ns = 0}).resolved);
  EXPECT_FALSE(attributor.Attribute({.pid = 2, .cgroup_id = 1002, .mnt_ns = 0}).resolved);
}

TEST(Attributor, MountNamespaceEntriesAreRevalidated) {
  FakeProc fake;
  uint64_t now = 0;
  fake.Add(600, DockerV1Process(IdOf(5), 4026532800));
  Attributor attributor({.proc_root = fake.root(), .mnt_ns_ttl_ns = 1000, .clock = [&now] { return now; }});
  ASSERT_EQ(IdOfAnswer(attributor.Attribute({.pid = 600, .cgroup_id = 0, .mnt_ns = 4026532800})), IdOf(5));
  now = 500;
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 601, .cgroup_id = 0, .mnt_ns = 4026532800})), IdOf(5));
  EXPECT_EQ(attributor.stats().hits, 1u);
  // Past the TTL the entry is re-read from a live process ...
  now = 2000;
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 600, .cgroup_id = 0, .mnt_ns = 4026532800})), IdOf(5));
  EXPECT_EQ(attributor.stats().misses, 2u);
  // ... and kept when the process has gone, until the next TTL.
  now = 4000;
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 602, .cgroup_id = 0, .mnt_ns = 4026532800})), IdOf(5));
  EXPECT_EQ(attributor.stats().vanished, 1u);
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 602, .cgroup_id = 0, .mnt_ns = 4026532800})), IdOf(5));
  EXPECT_EQ(attributor.stats().vanished, 1u);
}

TEST(Attributor, ReusedMountNamespaceInodeIsNoticedThroughTheCgroupId) {
  FakeProc fake;
  fake.Add(700, DockerV1Process(IdOf(6), 4026532900));
  Attributor attributor({.proc_root = fake.root()});
  ASSERT_EQ(IdOfAnswer(attributor.Attribute({.pid = 700, .cgroup_id = 70, .mnt_ns = 4026532900})), IdOf(6));
  // The container exits; a new one gets the same namespace inode but another cgroup.
  fake.Remove(700);
  fake.Add(710, DockerV1Process(IdOf(7), 4026532900));
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 710, .cgroup_id = 71, .mnt_ns = 4026532900})), IdOf(7));
}

TEST(Attributor, NoKeysMeansNoCaching) {
  FakeProc fake;
  fake.Add(900, PodmanProcess(IdOf(9), 4026533100));
  Attributor attributor({.proc_root = fake.root()});
  EXPECT_TRUE(attributor.Attribute({.pid = 900}).resolved);
  EXPECT_TRUE(attributor.Attribute({.pid = 900}).resolved);
  EXPECT_EQ(attributor.size(), 0u);
  EXPECT_EQ(attributor.stats().misses, 2u);
}

// --- the cgroup v1 key: (v2 id, memory controller's v1 id) -----------------------------------

// On a hybrid host a docker container left in the v2 root (id 1 for every such process) is told
// apart by its memory cgroup: the pair is a key where the v2 id alone is not.
TEST(AttributorV1, ThePairKeysAContainerLeftInTheSharedV2Root) {
  FakeProc fake;
  fake.Add(20, DockerV1Process(IdOf(2), 4026532300));
  fake.Add(10, HybridHostProcess());
  Attributor attributor({.proc_root = fake.root()});
  EventOrigin ctr{.pid = 20, .cgroup_id = 1, .mnt_ns = 4026532300, .cgroup_v1_id = 501};
  ASSERT_EQ(IdOfAnswer(attributor.Attribute(ctr)), IdOf(2));
  EventOrigin host{.pid = 10, .cgroup_id = 1, .mnt_ns = kHostMnt, .cgroup_v1_id = 400};
  ASSERT_EQ(IdOfAnswer(attributor.Attribute(host)), "");
  EXPECT_EQ(attributor.size(), 4u);  // two pairs, two mount namespaces
  // Exited processes without a mount namespace: answered by the pair alone.
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 21, .cgroup_id = 1, .cgroup_v1_id = 501})), IdOf(2));
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 11, .cgroup_id = 1, .cgroup_v1_id = 400})), "");
  // The v2 id alone still names nothing on this host.
  EXPECT_FALSE(attributor.Attribute({.pid = 12, .cgroup_id = 1}).resolved);
  AttributorStats s = attributor.stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.resolved, 2u);
}

TEST(AttributorV1, SameV2IdDifferentV1IdAreDifferentKeys) {
  FakeProc fake;
  fake.Add(30, PodmanProcess(IdOf(3), 4026532310));
  fake.Add(31, DockerV1Process(IdOf(4), 4026532311));
  Attributor attributor({.proc_root = fake.root()});
  // A contrived v2 id shared by both, with their own memory cgroups.
  ASSERT_EQ(IdOfAnswer(attributor.Attribute({.pid = 30, .cgroup_id = 77, .cgroup_v1_id = 600})), IdOf(3));
  ASSERT_EQ(IdOfAnswer(attributor.Attribute({.pid = 31, .cgroup_id = 77, .cgroup_v1_id = 601})), IdOf(4));
  fake.Remove(30);
  fake.Remove(31);
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 30, .cgroup_id = 77, .cgroup_v1_id = 600})), IdOf(3));
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 31, .cgroup_id = 77, .cgroup_v1_id = 601})), IdOf(4));
  // Without the v1 id the event is another key (and its process is gone).
  EXPECT_FALSE(attributor.Attribute({.pid = 30, .cgroup_id = 77}).resolved);
}

// Read while runc moves the process controller by controller: the memory line still names the
// runtime's cgroup while another names the container. The answer is the container, but the
// pair of the event is not cached for it (the mount namespace is).
TEST(AttributorV1, DisagreeingLinesAreNotCachedUnderThePair) {
  FakeProc fake;
  FakeProcess p;
  p.mnt_ns = 4026532320;
  p.cgroup = "4:memory:/libpod_parent/conmon\n1:cpu:/libpod_parent/libpod-" + IdOf(5) + "\n0::/\n";
  fake.Add(40, p);
  Attributor attributor({.proc_root = fake.root()});
  EventOrigin e{.pid = 40, .cgroup_id = 1, .mnt_ns = 4026532320, .cgroup_v1_id = 700};
  ASSERT_EQ(IdOfAnswer(attributor.Attribute(e)), IdOf(5));
  EXPECT_EQ(attributor.size(), 1u);  // the mount namespace only
  fake.Remove(40);
  EXPECT_FALSE(attributor.Attribute({.pid = 41, .cgroup_id = 1, .cgroup_v1_id = 700}).resolved);
}

// With the memory hierarchy's mount point the event's v1 id is checked against the live
// process: an event sent from the runtime's cgroup (runc had entered the container's mount
// namespace but not yet its cgroup) is not cached as the container's, and the next event of
// the same process, from the container's cgroup, is read again.
TEST(AttributorV1, V1IdIsCheckedAgainstTheMemoryHierarchy) {
  FakeProc fake;
  namespace fs = std::filesystem;
  std::string mount = fake.root() + "/memory";
  std::string dir = mount + "/docker/" + IdOf(6);
  fs::create_directories(dir);
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  fake.Add(50, DockerV1Process(IdOf(6), 4026532330));
  Attributor attributor({.proc_root = fake.root(), .cgroup_v1_memory_mount = mount});
  EventOrigin early{.pid = 50, .cgroup_id = 1, .mnt_ns = 4026532330, .cgroup_v1_id = st.st_ino + 1};
  EXPECT_FALSE(attributor.Attribute(early).resolved);
  EXPECT_EQ(attributor.stats().pid_mismatches, 1u);
  EventOrigin later{.pid = 50, .cgroup_id = 1, .mnt_ns = 4026532330, .cgroup_v1_id = st.st_ino};
  ASSERT_EQ(IdOfAnswer(attributor.Attribute(later)), IdOf(6));
  // The runtime's pair stays unresolved; the container's is cached.
  fake.Remove(50);
  EXPECT_FALSE(attributor.Peek({.pid = 51, .cgroup_id = 1, .cgroup_v1_id = st.st_ino + 1}).resolved);
  EXPECT_EQ(IdOfAnswer(attributor.Peek({.pid = 51, .cgroup_id = 1, .cgroup_v1_id = st.st_ino})), IdOf(6));
}

TEST(AttributorV1, MountNamespaceEntryIsReReadWhenTheV1IdChanges) {
  FakeProc fake;
  fake.Add(60, DockerV1Process(IdOf(7), 4026532340));
  Attributor attributor({.proc_root = fake.root()});
  ASSERT_EQ(IdOfAnswer(attributor.Attribute({.pid = 60, .mnt_ns = 4026532340, .cgroup_v1_id = 800})), IdOf(7));
  // The namespace inode was reused by another container with another memory cgroup.
  fake.Remove(60);
  fake.Add(61, DockerV1Process(IdOf(8), 4026532340));
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 61, .mnt_ns = 4026532340, .cgroup_v1_id = 801})), IdOf(8));
}

TEST(AttributorV1, HostAnswerInAContainersMountNamespaceIsReReadInAnotherCgroup) {
  // podman exec: runc's child joins the container's mount namespace while still in runc's
  // cgroups (a host answer), then moves into the container's cgroups.
  FakeProc fake;
  FakeProcess runc = HybridHostProcess();
  runc.mnt_ns = 4026532350;
  fake.Add(80, runc);
  fake.Add(81, DockerV1Process(IdOf(9), 4026532350));
  Attributor attributor({.proc_root = fake.root()});
  Attribution host = attributor.Attribute({.pid = 80, .cgroup_id = 1, .mnt_ns = 4026532350, .cgroup_v1_id = 31171});
  ASSERT_TRUE(host.resolved);
  EXPECT_FALSE(host.container->is_container());
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 81, .cgroup_id = 1, .mnt_ns = 4026532350, .cgroup_v1_id = 800})),
            IdOf(9));
}

TEST(Attributor, ExitedProcessIsReadThroughALiveProcessOfItsMountNamespace) {
  FakeProc fake;
  fake.Add(90, PodmanProcess(IdOf(11), 4026532360));  // the container's init, alive
  fake.Add(91, HybridHostProcess());                  // another namespace: never used
  uint64_t now = 1'000'000'000;
  Attributor attributor({.proc_root = fake.root(), .clock = [&] { return now; }});
  // pid 95 (a `cat` of podman exec) has exited before it was read.
  Attribution a = attributor.Attribute({.pid = 95, .cgroup_id = 8100, .mnt_ns = 4026532360});
  EXPECT_EQ(IdOfAnswer(a), IdOf(11));
  EXPECT_EQ(attributor.stats().siblings, 1u);
  // No live process in a namespace: pending, and the next scan of it waits a second.
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 96, .cgroup_id = 8200, .mnt_ns = 4026532370})), "<pending>");
  fake.Add(97, PodmanProcess(IdOf(12), 4026532370));
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 98, .cgroup_id = 8200, .mnt_ns = 4026532370})), "<pending>");
  now += 1'100'000'000;
  EXPECT_EQ(IdOfAnswer(attributor.Attribute({.pid = 99, .cgroup_id = 8200, .mnt_ns = 4026532370})), IdOf(12));
  EXPECT_EQ(attributor.stats().siblings, 2u);
}

// An exited process is attributed from its cgroup ids through this machine's cgroup file
// systems: the ids of the test's own cgroups, a pid that is in no /proc (an empty fake one).
TEST(Attributor, ExitedProcessIsAttributedFromItsCgroupIds) {
  FakeProc empty;
  AttributorOptions options;
  options.proc_root = empty.root();
  EventOrigin o;
  o.pid = 4242;
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    std::string path = line.substr(line.rfind(':') + 1);
    std::string mount;
    if (line.rfind("0::", 0) == 0) {
      mount =
          std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
      options.cgroup2_mount = mount;
    } else if (line.find(":memory:") != std::string::npos) {
      mount = "/sys/fs/cgroup/memory";
      options.cgroup_v1_memory_mount = mount;
    } else {
      continue;
    }
    struct stat st {};
    ASSERT_EQ(::stat((mount + (path == "/" ? "" : path)).c_str(), &st), 0) << mount << path;
    (mount == "/sys/fs/cgroup/memory" ? o.cgroup_v1_id : o.cgroup_id) = st.st_ino;
  }
  ASSERT_NE(o.cgroup_id, 0u) << "no cgroup v2 line in /proc/self/cgroup";
  Attributor attributor(options);
  Attribution a = attributor.Attribute(o);
  if (geteuid() != 0) {  // open_by_handle_at needs CAP_DAC_READ_SEARCH
    EXPECT_FALSE(a.resolved);
    EXPECT_EQ(attributor.stats().cgroup_paths, 0u);
    return;
  }
  ASSERT_TRUE(a.resolved);
  EXPECT_FALSE(a.container->is_container());  // the test runs on the host
  EXPECT_EQ(attributor.stats().cgroup_paths, 1u);
  EXPECT_EQ(attributor.stats().vanished, 1u);
}

// A resolver whose answers the test hands out, optionally at once.
class FakeResolver : public MetadataResolver {
 public:
  explicit FakeResolver(bool inline_answer = false) : inline_answer_(inline_answer) {}

  void Request(const ContainerRef& ref, Done done) override {
    if (inline_answer_) {
      done(Answer(ref));
      return;
    }
    std::lock_guard lock(mu_);
    queue_.push_back({ref, std::move(done)});
  }

  static Result<ContainerMetadata> Answer(const ContainerRef& ref) {
    if (ref.id == IdOf(666)) return Unavailable("podman API: connection refused");
    ContainerMetadata m;
    m.name = "ctr-" + ref.id.substr(0, 12);
    m.image = "localhost/vigil-test/base:latest";
    m.labels["app"] = "test";
    return m;
  }

  // Answers every queued request; returns how many.
  size_t AnswerAll() {
    std::deque<std::pair<ContainerRef, Done>> q;
    {
      std::lock_guard lock(mu_);
      q.swap(queue_);
    }
    for (auto& [ref, done] : q) done(Answer(ref));
    return q.size();
  }

  size_t queued() {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  bool inline_answer_;
  std::mutex mu_;
  std::deque<std::pair<ContainerRef, Done>> queue_;
};

TEST(Attributor, MetadataIsRequestedOncePerContainerAndNeverWaitedFor) {
  FakeProc fake;
  fake.Add(1000, PodmanProcess(IdOf(10), 4026533200));
  fake.Add(1001, PodmanProcess(IdOf(10), 4026533200));
  fake.Add(1002, HybridHostProcess());
  auto resolver = std::make_shared<FakeResolver>();
  Attributor attributor({.proc_root = fake.root(), .resolver = resolver});
  EventOrigin e{.pid = 1000, .cgroup_id = 100, .mnt_ns = 4026533200};
  Attribution a = attributor.Attribute(e);
  ASSERT_TRUE(a.resolved);
  EXPECT_EQ(a.metadata_state, MetadataState::kPending);
  EXPECT_EQ(a.metadata, nullptr);
  // The same container under a new cgroup id (a sub-cgroup): no second request.
  EXPECT_EQ(attributor.Attribute({.pid = 1001, .cgroup_id = 101, .mnt_ns = 4026533200}).metadata_state,
            MetadataState::kPending);
  // Hosts are never asked about.
  EXPECT_EQ(attributor.Attribute({.pid = 1002, .cgroup_id = 1, .mnt_ns = kHostMnt}).metadata_state,
            MetadataState::kNone);
  EXPECT_EQ(resolver->queued(), 1u);
  EXPECT_EQ(resolver->AnswerAll(), 1u);
  Attribution b = attributor.Attribute(e);
  EXPECT_EQ(b.metadata_state, MetadataState::kReady);
  ASSERT_NE(b.metadata, nullptr);
  EXPECT_EQ(b.metadata->name, "ctr-" + IdOf(10).substr(0, 12));
  EXPECT_EQ(b.metadata->labels.at("app"), "test");
  EXPECT_EQ(attributor.Peek({.pid = 1, .cgroup_id = 101, .mnt_ns = 0}).metadata_state, MetadataState::kReady);
  AttributorStats s = attributor.stats();
  EXPECT_EQ(s.metadata_requests, 1u);
  EXPECT_EQ(s.metadata_ready, 1u);
}

TEST(Attributor, MetadataFailureIsRecorded) {
  FakeProc fake;
  fake.Add(1100, PodmanProcess(IdOf(666), 4026533300));
  auto resolver = std::make_shared<FakeResolver>();
  Attributor attributor({.proc_root = fake.root(), .resolver = resolver});
  EventOrigin e{.pid = 1100, .cgroup_id = 110, .mnt_ns = 4026533300};
  ASSERT_TRUE(attributor.Attribute(e).resolved);
  resolver->AnswerAll();
  Attribution a = attributor.Attribute(e);
  EXPECT_TRUE(a.resolved);
  EXPECT_EQ(a.metadata_state, MetadataState::kFailed);
  EXPECT_EQ(attributor.stats().metadata_failed, 1u);
  EXPECT_EQ(resolver->queued(), 0u);  // not asked again
}

TEST(Attributor, ResolverAnsweringInsideRequestDoesNotDeadlock) {
  FakeProc fake;
  fake.Add(1200, PodmanProcess(IdOf(12), 4026533400));
  Attributor attributor({.proc_root = fake.root(), .resolver = std::make_shared<FakeResolver>(true)});
  EventOrigin e{.pid = 1200, .cgroup_id = 120, .mnt_ns = 4026533400};
  ASSERT_TRUE(attributor.Attribute(e).resolved);
  EXPECT_EQ(attributor.Attribute(e).metadata_state, MetadataState::kReady);
}

TEST(Attributor, LateAnswerAfterDestructionIsHarmless) {
  FakeProc fake;
  fake.Add(1300, PodmanProcess(IdOf(13), 4026533500));
  auto resolver = std::make_shared<FakeResolver>();
  {
    Attributor attributor({.proc_root = fake.root(), .resolver = resolver});
    ASSERT_TRUE(attributor.Attribute({.pid = 1300, .cgroup_id = 130, .mnt_ns = 4026533500}).resolved);
  }
  EXPECT_EQ(resolver->AnswerAll(), 1u);
}

TEST(Attributor, ManyThreads) {
  constexpr int kContainers = 40;
  constexpr int kThreads = 6;
  constexpr int kEventsPerThread = 20'000;
  FakeProc fake;
  for (int c = 0; c < kContainers; ++c) {
    // Even containers are in the v2 hierarchy, odd ones only in v1 (shared root cgroup id 1).
    FakeProcess p = c % 2 == 0 ? PodmanProcess(IdOf(c), 4026540000u + c) : DockerV1Process(IdOf(c), 4026540000u + c);
    fake.Add(10'000 + c, p);
  }
  auto resolver = std::make_shared<FakeResolver>();
  // Fewer entries than keys: eviction under contention.
  Attributor attributor({.proc_root = fake.root(), .max_entries = 24, .resolver = resolver});
  std::atomic<bool> stop{false};
  std::thread answerer([&] {
    while (!stop.load()) {
      resolver->AnswerAll();
      std::this_thread::yield();
    }
  });
  std::atomic<int> wrong{0}, pending{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      uint32_t x = 12345u + static_cast<uint32_t>(t);
      for (int i = 0; i < kEventsPerThread; ++i) {
        x = x * 1103515245u + 12345u;
        int c = static_cast<int>((x >> 8) % kContainers);
        // One event in eight comes from a pid that has already exited.
        bool exited = (x >> 20) % 8 == 0;
        EventOrigin e{.pid = exited ? 50'000 + c : 10'000 + c,
                      .cgroup_id = c % 2 == 0 ? 2000u + c : 1u,
                      .mnt_ns = 4026540000u + c};
        Attribution a = attributor.Attribute(e);
        if (!a.resolved) {
          pending.fetch_add(1);
        } else if (a.container->id != IdOf(c)) {
          wrong.fetch_add(1);
        }
        if (i % 64 == 0) (void)attributor.Peek(e);
      }
    });
  }
  for (auto& th : threads) th.join();
  stop = true;
  answerer.join();
  resolver->AnswerAll();
  EXPECT_EQ(wrong.load(), 0);
  AttributorStats s = attributor.stats();
  EXPECT_EQ(s.hits + s.misses, static_cast<uint64_t>(kThreads) * kEventsPerThread);
  EXPECT_EQ(s.unresolved, static_cast<uint64_t>(pending.load()));
  EXPECT_LE(attributor.size(), 24u);
  EXPECT_GT(s.evictions, 0u);
  EXPECT_EQ(s.metadata_requests, s.metadata_ready);
  EXPECT_EQ(s.proc_errors, 0u);
}

}  // namespace
}  // namespace vigil::runtime
