// ContainerWatcher against a real podman API service (label e2e; needs root and podman, no
// network and no prebuilt image). The test makes its own podman storage in a temporary folder,
// imports a one-file image (a static sleeper), starts `podman system service` on a socket there
// (events in a file of its own, so the CLI's containers reach the service's stream), runs
// containers, and removes all of it at the end. It fails rather than skips when it cannot run:
// CI runs it as root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fleet/container_watch.h"

extern char** environ;

namespace vigil::fleet {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Runs a shell command; returns its stdout (trailing newline removed) and sets *rc.
std::string Sh(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    if (rc) *rc = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = ::pclose(p);
  if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// What the watcher reported.
struct Seen {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<RunningContainer>> snapshots;
  std::vector<RunningContainer> started;
  std::vector<std::string> stopped;
  std::vector<Error> stale;

  ContainerWatcher::Sink Sink() {
    return {
        [this](std::vector<RunningContainer> running) { Add([&] { snapshots.push_back(std::move(running)); }); },
        [this](const RunningContainer& c) { Add([&] { started.push_back(c); }); },
        [this](const std::string& id) { Add([&] { stopped.push_back(id); }); },
        [this](const Error& why) { Add([&] { stale.push_back(why); }); },
    };
  }
  void Add(const std::function<void()>& f) {
    {
      std::lock_guard lock(mu);
      f();
    }
    cv.notify_all();
  }
  // Waits up to 60 s (woken by each report) for `done`.
  bool WaitFor(const std::function<bool()>& done) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(60), done);
  }
};

class PodmanWatch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(::geteuid(), 0u) << "needs root (CI runs the e2e label as root)";
    int rc = 0;
    Sh("command -v podman", &rc);
    ASSERT_EQ(rc, 0) << "podman is not installed (scripts/setup.sh)";
    std::string tmpl = "/tmp/vigil-watch-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    work_ = tmpl;
    runroot_ = "/run/vigil-watch-e2e-" + std::to_string(::getpid());
    socket_ = work_ + "/podman.sock";
    global_ = "podman --root " + work_ + "/root --runroot " + runroot_ + " --tmpdir " + work_ +
              "/tmp --storage-driver overlay --events-backend file --cgroup-manager=cgroupfs";
    fs::create_directories(work_ + "/rootfs");
    fs::copy_file(VIGIL_TEST_SLEEPER, work_ + "/rootfs/sleeper");
    std::string log = work_ + "/log";
    Sh("tar -C " + work_ + "/rootfs -cf " + work_ + "/rootfs.tar . && " + global_ + " import -q " + work_ +
           "/rootfs.tar localhost/vigil-watch-e2e:latest >" + log + " 2>&1",
       &rc);
    ASSERT_EQ(rc, 0) << "podman import: " << Sh("cat " + log);
    image_id_ = Sh(global_ + " image inspect --format '{{.Id}}' localhost/vigil-watch-e2e:latest", &rc);
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(image_id_.size(), 64u) << image_id_;
    StartService();
  }

  static void StartService() {
    std::string args = global_ + " system service --time=0 unix://" + socket_;
    std::vector<std::string> argv_s;
    for (size_t i = 0, j; i < args.size(); i = j + 1) {
      j = args.find(' ', i);
      if (j == std::string::npos) j = args.size();
      argv_s.push_back(args.substr(i, j - i));
    }
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, (work_ + "/service.log").c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    ASSERT_EQ(posix_spawnp(&service_, "podman", &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    struct stat st {};
    for (int i = 0; i < 400 && ::stat(socket_.c_str(), &st) != 0; ++i) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_TRUE(S_ISSOCK(st.st_mode)) << "podman system service did not start: " << Sh("cat " + work_ + "/service.log");
  }

  static void StopService() {
    if (service_ > 0) {
      ::kill(service_, SIGTERM);
      ::waitpid(service_, nullptr, 0);
      service_ = 0;
    }
    std::error_code ec;
    fs::remove(socket_, ec);
  }

  static void TearDownTestSuite() {
    StopService();
    if (!global_.empty()) {
      Sh(global_ + " rm -af -t 0 >/dev/null 2>&1");
      Sh(global_ + " rmi -af >/dev/null 2>&1");
      Sh("umount -R " + work_ + "/root/overlay >/dev/null 2>&1");
    }
    std::error_code ec;
    if (!runroot_.empty()) fs::remove_all(runroot_, ec);
    if (!work_.empty()) fs::remove_all(work_, ec);
  }

  // Runs a container named `name` from the test image; returns its id.
  static std::string Run(const std::string& name, const std::string& labels = "") {
    int rc = 0;
    std::string log = work_ + "/log";
    std::string id = Sh(global_ +
                            " run -d --runtime runc --network none --ulimit nofile=10000:10000 "
                            "--ulimit nproc=5000:5000 " +
                            labels + " --name " + name + " localhost/vigil-watch-e2e:latest /sleeper 2>" + log,
                        &rc);
    EXPECT_EQ(rc, 0) << "podman run: " << Sh("cat " + log);
    EXPECT_EQ(id.size(), 64u) << id;
    return id;
  }

  static WatchOptions Options() {
    WatchOptions o;
    o.socket = socket_;
    o.retry_min = milliseconds(100);
    o.retry_max = milliseconds(1000);
    return o;
  }

  static inline std::string work_, runroot_, socket_, global_, image_id_;
  static inline pid_t service_ = 0;
};

std::set<std::string> Ids(const std::vector<RunningContainer>& cs) {
  std::set<std::string> out;
  for (const auto& c : cs) out.insert(c.id);
  return out;
}

TEST_F(PodmanWatch, SnapshotStopStartAndAServiceRestart) {
  std::string a = Run("vigil-watch-a",
                      "--label app=demo --label io.kubernetes.pod.name=demo-pod "
                      "--label io.kubernetes.pod.namespace=demo-ns");
  std::string b = Run("vigil-watch-b");
  std::string c = Run("vigil-watch-c");
  ASSERT_FALSE(HasFailure());

  Seen seen;
  ContainerWatcher watcher(Options(), seen.Sink());
  ASSERT_TRUE(watcher.Start().ok());
  ASSERT_TRUE(seen.WaitFor([&] { return !seen.snapshots.empty() || !seen.stale.empty(); }));
  {
    std::lock_guard lock(seen.mu);
    ASSERT_TRUE(seen.stale.empty()) << seen.stale[0].ToString();
    const std::vector<RunningContainer>& snap = seen.snapshots[0];
    EXPECT_EQ(Ids(snap), (std::set<std::string>{a, b, c}));
    for (const RunningContainer& r : snap) {
      EXPECT_EQ(r.image_id, "sha256:" + image_id_) << r.name;
      EXPECT_EQ(r.image, "localhost/vigil-watch-e2e:latest") << r.name;
      EXPECT_EQ(r.state, "running") << r.name;
      EXPECT_GT(r.created, 0) << r.name;
      if (r.id == a) {
        EXPECT_EQ(r.name, "vigil-watch-a");
        EXPECT_EQ(r.labels.at("app"), "demo");
        EXPECT_EQ(r.pod_name, "demo-pod");
        EXPECT_EQ(r.pod_namespace, "demo-ns");
      }
    }
  }

  // One stops: reported stopped.
  int rc = 0;
  Sh(global_ + " stop -t 0 vigil-watch-b >/dev/null 2>&1", &rc);
  ASSERT_EQ(rc, 0);
  ASSERT_TRUE(seen.WaitFor([&] { return std::count(seen.stopped.begin(), seen.stopped.end(), b) > 0; }))
      << "no stopped(" << b << ")";

  // A new one starts: reported started, with its image id.
  std::string d = Run("vigil-watch-d");
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(seen.WaitFor([&] {
    return std::any_of(seen.started.begin(), seen.started.end(), [&](const RunningContainer& r) { return r.id == d; });
  })) << "no started("
      << d << ")";
  {
    std::lock_guard lock(seen.mu);
    auto it =
        std::find_if(seen.started.begin(), seen.started.end(), [&](const RunningContainer& r) { return r.id == d; });
    EXPECT_EQ(it->name, "vigil-watch-d");
    EXPECT_EQ(it->image_id, "sha256:" + image_id_);
    EXPECT_TRUE(seen.stale.empty()) << seen.stale[0].ToString();
    EXPECT_FALSE(std::count(seen.stopped.begin(), seen.stopped.end(), a) > 0) << "a is still running";
  }

  // The service goes away (the containers keep running): stale once. It comes back: a fresh
  // snapshot with what runs now.
  StopService();
  ASSERT_TRUE(seen.WaitFor([&] { return !seen.stale.empty(); }));
  Sh(global_ + " stop -t 0 vigil-watch-c >/dev/null 2>&1", &rc);
  ASSERT_EQ(rc, 0);
  StartService();
  ASSERT_TRUE(seen.WaitFor([&] { return seen.snapshots.size() >= 2; }));
  {
    std::lock_guard lock(seen.mu);
    EXPECT_EQ(seen.stale.size(), 1u);
    EXPECT_EQ(seen.stale[0].code(), ErrorCode::kUnavailable) << seen.stale[0].ToString();
    EXPECT_EQ(Ids(seen.snapshots.back()), (std::set<std::string>{a, d}));
  }
  ContainerWatcher::Stats st = watcher.stats();
  EXPECT_GE(st.lists, 2u);
  EXPECT_EQ(st.reconnects, 1u);
  watcher.Stop();
}

}  // namespace
}  // namespace vigil::fleet
