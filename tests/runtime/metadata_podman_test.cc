// RuntimeApiResolver and Attributor against a real podman API service (label e2e; needs root
// and podman, no network and no prebuilt image). The suite makes its own podman storage in a
// temporary folder, imports a one-file image (a static sleeper), starts
// `podman system service` on a socket there, runs a labelled container, and removes all of it
// at the end. It fails rather than skips when it cannot run: CI runs it as root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/attribution.h"
#include "runtime/metadata.h"

extern char** environ;

namespace vigil::runtime {
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

class PodmanApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(::geteuid(), 0u) << "needs root (CI runs the e2e label as root)";
    int rc = 0;
    Sh("command -v podman", &rc);
    ASSERT_EQ(rc, 0) << "podman is not installed (scripts/setup.sh)";
    std::string tmpl = "/tmp/vigil-meta-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    work_ = tmpl;
    runroot_ = "/run/vigil-meta-e2e-" + std::to_string(::getpid());
    socket_ = work_ + "/podman.sock";
    global_ = "podman --root " + work_ + "/root --runroot " + runroot_ +
              " --storage-driver overlay --events-backend none --cgroup-manager=cgroupfs";
    fs::create_directories(work_ + "/rootfs");
    fs::copy_file(VIGIL_TEST_SLEEPER, work_ + "/rootfs/sleeper");
    std::string log = work_ + "/log";
    Sh("tar -C " + work_ + "/rootfs -cf " + work_ + "/rootfs.tar . && " + global_ + " import -q " + work_ +
           "/rootfs.tar localhost/vigil-meta-e2e:latest >" + log + " 2>&1",
       &rc);
    ASSERT_EQ(rc, 0) << "podman import: " << Sh("cat " + log);

    // The service is this test's own child; it is ended by its pid.
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
    posix_spawn_file_actions_addopen(&actions, 1, (work_ + "/service.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    ASSERT_EQ(posix_spawnp(&service_, "podman", &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    struct stat st {};
    for (int i = 0; i < 200 && ::stat(socket_.c_str(), &st) != 0; ++i) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_TRUE(S_ISSOCK(st.st_mode)) << "podman system service did not start: " << Sh("cat " + work_ + "/service.log");

    id_ = Sh(global_ +
                 " run -d --runtime runc --network none --ulimit nofile=10000:10000 "
                 "--ulimit nproc=5000:5000 --label app=demo "
                 "--label io.kubernetes.pod.name=demo-pod "
                 "--label io.kubernetes.pod.namespace=demo-ns --name vigil-meta-e2e "
                 "localhost/vigil-meta-e2e:latest /sleeper 2>" +
                 log,
             &rc);
    ASSERT_EQ(rc, 0) << "podman run: " << Sh("cat " + log);
    ASSERT_EQ(id_.size(), 64u) << id_;
    image_id_ = Sh(global_ + " image inspect -f '{{.Id}}' localhost/vigil-meta-e2e:latest");
    digest_ = Sh(global_ + " image inspect -f '{{.Digest}}' localhost/vigil-meta-e2e:latest");
  }

  static void TearDownTestSuite() {
    if (service_ > 0) {
      ::kill(service_, SIGTERM);
      ::waitpid(service_, nullptr, 0);
      service_ = 0;
    }
    if (!global_.empty()) {
      Sh(global_ + " rm -af -t 0 >/dev/null 2>&1");
      Sh(global_ + " rmi -af >/dev/null 2>&1");
      Sh("umount -R " + work_ + "/root/overlay >/dev/null 2>&1");
    }
    std::error_code ec;
    if (!runroot_.empty()) fs::remove_all(runroot_, ec);
    if (!work_.empty()) fs::remove_all(work_, ec);
  }

  static RuntimeApiOptions Options() {
    RuntimeApiOptions o;
    o.sockets = {{work_ + "/missing.sock"}, {socket_}};
    o.timeout = milliseconds(5000);  // the first answers of a fresh service can be slow
    o.connect_timeout = milliseconds(1000);
    return o;
  }

  // Requests `id` and waits for the answer.
  static Result<ContainerMetadata> Resolve(RuntimeApiResolver& r, const std::string& id) {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<ContainerMetadata>> got;
    r.Request(ContainerRef{Runtime::kPodman, id, ""}, [&](Result<ContainerMetadata> m) {
      std::lock_guard lock(mu);
      got.emplace(std::move(m));
      cv.notify_all();
    });
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(30), [&] { return got.has_value(); });
    if (!got) return InternalError("no answer within 30 s");
    return std::move(*got);
  }

  static inline std::string work_, runroot_, socket_, global_, id_, image_id_, digest_;
  static inline pid_t service_ = 0;
};

TEST_F(PodmanApi, ResolvesARunningContainer) {
  RuntimeApiResolver resolver(Options());
  auto m = Resolve(resolver, id_);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->name, "vigil-meta-e2e");
  EXPECT_EQ(m->image, "localhost/vigil-meta-e2e:latest");
  EXPECT_EQ(m->image_id, "sha256:" + image_id_);
  EXPECT_EQ(m->labels.at("app"), "demo");
  EXPECT_EQ(m->pod_name, "demo-pod");
  EXPECT_EQ(m->pod_namespace, "demo-ns");
  ASSERT_TRUE(digest_.starts_with("sha256:")) << "podman image inspect: Digest " << digest_;
  EXPECT_EQ(m->image_digest, digest_);
}

TEST_F(PodmanApi, UnknownContainerIsNotFound) {
  RuntimeApiResolver resolver(Options());
  auto m = Resolve(resolver, std::string(64, '0'));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound) << m.error().ToString();
}

// The whole path: the container's pid 1 from the host's /proc → Attributor → the resolver.
TEST_F(PodmanApi, AttributorWithTheRealResolver) {
  int rc = 0;
  std::string pid = Sh(global_ + " inspect -f '{{.State.Pid}}' " + id_, &rc);
  ASSERT_EQ(rc, 0);
  struct stat st {};
  ASSERT_EQ(::stat(("/proc/" + pid + "/ns/mnt").c_str(), &st), 0);
  auto resolver = std::make_shared<RuntimeApiResolver>(Options());
  Attributor attributor({.resolver = resolver});
  EventOrigin e{.pid = std::stoi(pid), .mnt_ns = st.st_ino};
  Attribution a = attributor.Attribute(e);
  ASSERT_TRUE(a.resolved);
  ASSERT_EQ(a.container->id, id_);
  EXPECT_EQ(a.container->runtime, Runtime::kPodman);
  for (int i = 0; i < 600 && a.metadata_state == MetadataState::kPending; ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    a = attributor.Peek(e);
  }
  ASSERT_EQ(a.metadata_state, MetadataState::kReady);
  EXPECT_EQ(a.metadata->name, "vigil-meta-e2e");
  EXPECT_EQ(a.metadata->labels.at("app"), "demo");
}

}  // namespace
}  // namespace vigil::runtime
