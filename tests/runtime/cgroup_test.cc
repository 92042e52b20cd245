#include "runtime/cgroup.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "../test_util.h"
#include "common/file.h"

namespace vigil::runtime {
namespace {

// Ids made up for the documented formats (docs/RUNTIME.md names where each format comes from).
const std::string kA = "75d0737e765d35fb2f2adbd2f80db9309f9a0403d8841e13cebd71e1dab1cc9a";
const std::string kB = "97d19436c2c6e13379dc9f29aba9732796d8dca78205f1c77c5dde98f8380c46";
const std::string kC = "2cb2dc5db2adc25253fa89d65fd3ac48dc032888b8ebbfbb79b4d91d3d237753";
const std::string kD = "3e96c28483a655f6c04c24c41b465e58abedcd2056e6fd665441335b0a296314";
const std::string kPod = "e853ca2f-8469-44e6-9e1c-59270b67c412";
const std::string kPodSystemd = "e853ca2f_8469_44e6_9e1c_59270b67c412";
const std::string kStaticPod = "c46a496ce6fad1ffff4090f715bcdf80";
// The container of tests/runtime/testdata/podman-cgroupfs-hybrid-container.txt.
const std::string kRealPodman = "3f0640e458cafbe17e2163e15dc69acbaad38fcbb1385ba727d17ce3a70a1564";

std::string ReadTestData(const std::string& name) {
  auto r = ReadFile(testing::TestData("runtime", name));
  EXPECT_TRUE(r.ok()) << name;
  return r.ok() ? *r : "";
}

struct PathCase {
  const char* what;
  std::string path;
  Runtime runtime;
  std::string id;  // empty: host
  std::string pod;
};

TEST(ContainerFromCgroupPath, KnownFormats) {
  const std::vector<PathCase> cases = {
      // podman, systemd cgroup manager (rootful, rootless, in a pod, split mode)
      {"podman systemd", "/machine.slice/libpod-" + kA + ".scope", Runtime::kPodman, kA, ""},
      {"podman systemd, payload sub-cgroup", "/machine.slice/libpod-" + kA + ".scope/container", Runtime::kPodman, kA,
       ""},
      {"podman rootless", "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kA + ".scope",
       Runtime::kPodman, kA, ""},
      {"podman pod slice", "/machine.slice/machine-libpod_pod_" + kB + ".slice/libpod-" + kA + ".scope",
       Runtime::kPodman, kA, ""},
      {"podman --cgroups=split", "/system.slice/app.service/libpod-payload-" + kA, Runtime::kPodman, kA, ""},
      {"podman conmon systemd", "/machine.slice/libpod-conmon-" + kA + ".scope", Runtime::kUnknown, "", ""},
      // podman, cgroupfs manager (as on the development machine)
      {"podman cgroupfs", "/libpod_parent/libpod-" + kRealPodman, Runtime::kPodman, kRealPodman, ""},
      {"podman cgroupfs custom parent", "/vigil_test_parent/libpod-" + kA, Runtime::kPodman, kA, ""},
      {"podman cgroupfs conmon (seen)", "/libpod_parent/conmon", Runtime::kUnknown, "", ""},
      {"podman conmon sibling", "/libpod_parent/libpod-conmon-" + kA, Runtime::kUnknown, "", ""},
      // docker
      {"docker cgroupfs", "/docker/" + kB, Runtime::kDocker, kB, ""},
      {"docker systemd", "/system.slice/docker-" + kB + ".scope", Runtime::kDocker, kB, ""},
      {"docker in docker: the outer one", "/docker/" + kB + "/docker/" + kC, Runtime::kDocker, kB, ""},
      {"kind node: the node container", "/docker/" + kB + "/kubepods/besteffort/pod" + kPod + "/" + kC,
       Runtime::kDocker, kB, ""},
      // Kubernetes, cgroupfs driver
      {"kubepods besteffort", "/kubepods/besteffort/pod" + kPod + "/" + kC, Runtime::kContainerd, kC, kPod},
      {"kubepods burstable", "/kubepods/burstable/pod" + kPod + "/" + kC, Runtime::kContainerd, kC, kPod},
      {"kubepods guaranteed", "/kubepods/pod" + kPod + "/" + kC, Runtime::kContainerd, kC, kPod},
      {"kubepods crio cgroupfs", "/kubepods/besteffort/pod" + kPod + "/crio-" + kD, Runtime::kCrio, kD, kPod},
      // Kubernetes, systemd driver
      {"containerd burstable",
       "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodSystemd + ".slice/cri-containerd-" + kC +
           ".scope",
       Runtime::kContainerd, kC, kPod},
      {"containerd guaranteed", "/kubepods.slice/kubepods-pod" + kPodSystemd + ".slice/cri-containerd-" + kC + ".scope",
       Runtime::kContainerd, kC, kPod},
      {"crio besteffort",
       "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodSystemd + ".slice/crio-" + kD +
           ".scope",
       Runtime::kCrio, kD, kPod},
      {"crio conmon",
       "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodSystemd + ".slice/crio-conmon-" + kD +
           ".scope",
       Runtime::kUnknown, "", ""},
      {"cri-dockerd",
       "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodSystemd + ".slice/docker-" + kB +
           ".scope",
       Runtime::kDocker, kB, kPod},
      {"containerd systemd path under cgroupfs, static pod",
       "/kubepods-burstable-pod" + kStaticPod + ".slice:cri-containerd:" + kC, Runtime::kContainerd, kC, kStaticPod},
      {"containerd sub-cgroup of the container",
       "/kubepods.slice/kubepods-pod" + kPodSystemd + ".slice/cri-containerd-" + kC + ".scope/init.scope",
       Runtime::kContainerd, kC, kPod},
      {"cri-containerd outside Kubernetes", "/system.slice/cri-containerd-" + kC + ".scope", Runtime::kContainerd, kC,
       ""},
      {"bare id, unknown runtime", "/actions_job/" + kC, Runtime::kUnknown, kC, ""},
      // hosts
      {"root", "/", Runtime::kUnknown, "", ""},
      {"session", "/user.slice/user-0.slice/session-1.scope", Runtime::kUnknown, "", ""},
      {"service", "/system.slice/sshd.service", Runtime::kUnknown, "", ""},
      {"docker daemon", "/system.slice/docker.service", Runtime::kUnknown, "", ""},
      {"kubepods slice alone", "/kubepods.slice/kubepods-besteffort.slice", Runtime::kUnknown, "", ""},
      {"pod without container", "/kubepods/besteffort/pod" + kPod, Runtime::kUnknown, "", ""},
  };
  for (const PathCase& c : cases) {
    ContainerRef ref = ContainerFromCgroupPath(c.path);
    EXPECT_EQ(ref.runtime, c.runtime) << c.what << ": " << c.path;
    EXPECT_EQ(ref.id, c.id) << c.what << ": " << c.path;
    EXPECT_EQ(ref.pod_uid, c.pod) << c.what << ": " << c.path;
    EXPECT_EQ(ref.is_container(), !c.id.empty()) << c.what;
  }
}

TEST(ContainerFromCgroupPath, RefusesWhatIsNotAnId) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"63 digits", "/docker/" + kB.substr(1)},
      {"65 digits", "/docker/" + kB + "0"},
      {"upper case", "/system.slice/docker-" + std::string(64, 'A') + ".scope"},
      {"not hex", "/libpod_parent/libpod-" + kA.substr(1) + "g"},
      {"empty id", "/system.slice/docker-.scope"},
      {"other unit type", "/system.slice/docker-" + kB + ".mount"},
      {"bare id with .scope", "/machine.slice/" + kA + ".scope"},
      {"relative", "docker/" + kB},
      {"empty", ""},
      {"dot-dot first (another cgroup namespace)", "/../docker/" + kB},
      {"dot-dot later", "/docker/" + kB + "/../x"},
      {"dot", "/./docker/" + kB},
      {"NUL byte", std::string("/docker/") + '\0' + kB},
      {"cri-containerd with short id", "/kubepods-pod" + kStaticPod + ".slice:cri-containerd:abc"},
  };
  for (const auto& [what, path] : cases) {
    ContainerRef ref = ContainerFromCgroupPath(path);
    EXPECT_FALSE(ref.is_container()) << what << ": " << path;
    EXPECT_EQ(ref.runtime, Runtime::kUnknown) << what;
  }
}

TEST(ContainerFromCgroupPath, PodUidMustBeWellFormed) {
  // A pod component that is no UID: the container is still found, without pod or runtime.
  ContainerRef ref = ContainerFromCgroupPath("/kubepods/besteffort/podnot-a-uid/" + kC);
  EXPECT_EQ(ref.id, kC);
  EXPECT_EQ(ref.pod_uid, "");
  EXPECT_EQ(ref.runtime, Runtime::kUnknown);
  // systemd slices escape '-' as '_'; a slice with '-' in the UID is not kubelet's.
  ref = ContainerFromCgroupPath("/kubepods.slice/kubepods-pod" + kPod + ".slice/cri-containerd-" + kC + ".scope");
  EXPECT_EQ(ref.id, kC);
  EXPECT_EQ(ref.pod_uid, "");
  // Upper-case UID.
  ref = ContainerFromCgroupPath("/kubepods/pod" + std::string("E853CA2F-8469-44E6-9E1C-59270B67C412") + "/" + kC);
  EXPECT_EQ(ref.pod_uid, "");
}

TEST(ContainerFromCgroupPath, HugePathsAreCheap) {
  std::string path;
  while (path.size() < 1'000'000) path += "/a";
  EXPECT_FALSE(ContainerFromCgroupPath(path).is_container());
  EXPECT_EQ(ContainerFromCgroupPath(path + "/docker/" + kB).id, kB);
  EXPECT_FALSE(ContainerFromCgroupPath(std::string(100'000, '/')).is_container());
}

TEST(RuntimeName, Stable) {
  EXPECT_EQ(RuntimeName(Runtime::kUnknown), "unknown");
  EXPECT_EQ(RuntimeName(Runtime::kPodman), "podman");
  EXPECT_EQ(RuntimeName(Runtime::kDocker), "docker");
  EXPECT_EQ(RuntimeName(Runtime::kContainerd), "containerd");
  EXPECT_EQ(RuntimeName(Runtime::kCrio), "crio");
}

// --- whole files ---

TEST(ParseProcCgroup, RealPodmanCgroupfsHybrid) {
  auto r = ParseProcCgroup(ReadTestData("podman-cgroupfs-hybrid-container.txt"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->container.runtime, Runtime::kPodman);
  EXPECT_EQ(r->container.id, kRealPodman);
  EXPECT_TRUE(r->has_unified);
  EXPECT_EQ(r->unified_path, "/libpod_parent/libpod-" + kRealPodman);
  EXPECT_EQ(r->v1_lines, 9u);
  EXPECT_TRUE(r->from_unified);
  EXPECT_TRUE(r->has_v1_memory);
  EXPECT_EQ(r->v1_memory_path, "/libpod_parent/libpod-" + kRealPodman);
}

TEST(ParseProcCgroup, RealPodmanConmonIsHost) {
  auto r = ParseProcCgroup(ReadTestData("podman-cgroupfs-hybrid-conmon.txt"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE(r->container.is_container());
  EXPECT_TRUE(r->has_unified);
  EXPECT_EQ(r->unified_path, "/");
  EXPECT_EQ(r->v1_lines, 9u);
  EXPECT_FALSE(r->from_unified);
}

TEST(ParseProcCgroup, RealPodmanOtherParents) {
  for (const char* name : {"podman-cgroupfs-hybrid-cgroup-parent.txt", "podman-cgroupfs-hybrid-pod-container.txt"}) {
    auto r = ParseProcCgroup(ReadTestData(name));
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().ToString();
    EXPECT_EQ(r->container.runtime, Runtime::kPodman) << name;
    EXPECT_EQ(r->container.id.size(), 64u) << name;
    EXPECT_TRUE(r->from_unified) << name;
  }
}

TEST(ParseProcCgroup, FindsTheMemoryControllerLine) {
  struct Case {
    const char* what;
    std::string content;
    bool has;
    std::string path;
  };
  const std::vector<Case> cases = {
      {"alone", "4:memory:/docker/" + kB + "\n0::/\n", true, "/docker/" + kB},
      {"joined with others", "3:cpu,memory,pids:/a\n0::/\n", true, "/a"},
      {"a name that merely contains it", "3:name=memory2:/a\n2:memoryx:/b\n0::/\n", false, ""},
      {"pure v2", "0::/system.slice/x.service\n", false, ""},
  };
  for (const Case& c : cases) {
    auto r = ParseProcCgroup(c.content);
    ASSERT_TRUE(r.ok()) << c.what << ": " << r.error().ToString();
    EXPECT_EQ(r->has_v1_memory, c.has) << c.what;
    EXPECT_EQ(r->v1_memory_path, c.path) << c.what;
  }
}

struct FileCase {
  const char* what;
  std::string content;
  std::string id;
  bool from_unified;
};

TEST(ParseProcCgroup, ChoosesTheLine) {
  const std::vector<FileCase> cases = {
      {"pure v2", "0::/system.slice/docker-" + kB + ".scope\n", kB, true},
      {"pure v2, no newline", "0::/system.slice/docker-" + kB + ".scope", kB, true},
      {"pure v2 host", "0::/user.slice/user-1000.slice/session-2.scope\n", "", false},
      {"v1 only, joined controllers",
       "11:hugetlb:/docker/" + kB + "\n3:cpuacct,cpu:/docker/" + kB + "\n1:name=systemd:/docker/" + kB + "\n", kB,
       false},
      {"hybrid, v2 at root", "2:memory:/docker/" + kB + "\n1:name=systemd:/docker/" + kB + "\n0::/\n", kB, false},
      {"hybrid, v2 in the daemon's cgroup", "2:memory:/docker/" + kB + "\n0::/system.slice/containerd.service\n", kB,
       false},
      {"v2 wins over v1", "2:memory:/docker/" + kB + "\n0::/system.slice/docker-" + kC + ".scope\n", kC, true},
      {"first v1 line naming a container", "3:pids:/\n2:memory:/docker/" + kB + "\n1:cpu:/docker/" + kC + "\n", kB,
       false},
      {"first v1 container line wins over a later one",
       "9:name=systemd:/docker/" + kB + "/x\n99:pids:/docker/" + kC + "\n0::/\n", kB, false},
      {"blank lines ignored", "\n\n0::/docker/" + kB + "\n\n", kB, true},
  };
  for (const FileCase& c : cases) {
    auto r = ParseProcCgroup(c.content);
    ASSERT_TRUE(r.ok()) << c.what << ": " << r.error().ToString();
    EXPECT_EQ(r->container.id, c.id) << c.what;
    EXPECT_EQ(r->from_unified, c.from_unified) << c.what;
  }
}

TEST(ParseProcCgroup, BadInput) {
  struct Bad {
    const char* what;
    std::string content;
    ErrorCode code;
    const char* says;
  };
  const std::vector<Bad> cases = {
      {"empty", "", ErrorCode::kCorrupt, "no cgroup lines"},
      {"only newlines", "\n\n", ErrorCode::kCorrupt, "no cgroup lines"},
      {"no colon", "garbage\n", ErrorCode::kCorrupt, "line 1"},
      {"one colon", "0:/x\n", ErrorCode::kCorrupt, "line 1"},
      {"id not a number", "0::/\nx:cpu:/docker/" + kB + "\n", ErrorCode::kCorrupt, "line 2"},
      {"empty id", ":cpu:/\n", ErrorCode::kCorrupt, "not a decimal uint32"},
      {"negative id", "-1:cpu:/\n", ErrorCode::kCorrupt, "not a decimal uint32"},
      {"id too large", "99999999999999999999999:cpu:/\n", ErrorCode::kCorrupt, "not a decimal"},
      {"id above uint32", "4294967296:cpu:/\n", ErrorCode::kCorrupt, "not a decimal uint32"},
      {"relative path", "1:cpu:docker/" + kB + "\n", ErrorCode::kCorrupt, "start with '/'"},
      {"empty path", "1:cpu:\n", ErrorCode::kCorrupt, "start with '/'"},
      {"v2 with controllers", "0:cpu:/\n", ErrorCode::kCorrupt, "lists controllers"},
      {"v2 listed twice", "0::/docker/" + kB + "\n0::/docker/" + kC + "\n", ErrorCode::kCorrupt,
       "hierarchy 0 listed twice"},
      {"v1 listed twice", "4:memory:/docker/" + kB + "\n0::/\n4:memory:/docker/" + kC + "\n", ErrorCode::kCorrupt,
       "line 3"},
      {"NUL byte", std::string("0::/docker/\0x\n", 14), ErrorCode::kCorrupt, "NUL"},
      {"too large", std::string(kMaxCgroupFileBytes + 1, '/'), ErrorCode::kLimitExceeded, "cap"},
  };
  for (const Bad& c : cases) {
    auto r = ParseProcCgroup(c.content);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error().code(), c.code) << c.what << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << c.what << ": " << r.error().message();
  }
}

TEST(ParseProcCgroup, TooManyLinesAreRefused) {
  // 10,000 lines pass the byte cap; 200 short ones stay below it and pass the line cap.
  for (int lines : {10'000, 200}) {
    std::string content;
    for (int i = 1; i <= lines; ++i) content += std::to_string(i) + ":c:/\n";
    auto r = ParseProcCgroup(content);
    ASSERT_FALSE(r.ok()) << lines;
    EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  }
  std::string many;
  for (int i = 1; i <= 200; ++i) many += std::to_string(i) + ":c:/\n";
  ASSERT_LE(many.size(), kMaxCgroupFileBytes);
  EXPECT_NE(ParseProcCgroup(many).error().message().find("more than 128 cgroup lines"), std::string::npos);
}

TEST(ParseProcCgroup, OneHugeLineWithoutNewline) {
  std::string content = "0::";
  while (content.size() + 80 < kMaxCgroupFileBytes) content += "/abcdefgh";
  content += "/docker/" + kB;
  auto r = ParseProcCgroup(content);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->container.id, kB);
}

TEST(ParseProcCgroup, BinaryGarbageNeverCrashes) {
  std::mt19937 rng(6);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 512, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    if (round % 2 == 0) s = "0::/docker/" + s;  // half of them start well
    auto r = ParseProcCgroup(s);
    if (r.ok() && r->container.is_container()) {
      EXPECT_EQ(r->container.id.size(), 64u);
    }
  }
}

}  // namespace
}  // namespace vigil::runtime
