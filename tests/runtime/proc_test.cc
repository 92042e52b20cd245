#include "runtime/internal/proc.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "../test_util.h"
#include "common/file.h"
#include "fake_proc.h"

namespace vigil::runtime {
namespace {

using testing::FakeProc;
using testing::FakeProcess;

const std::string kRealPodman = "3f0640e458cafbe17e2163e15dc69acbaad38fcbb1385ba727d17ce3a70a1564";

std::string RealPodmanCgroup() {
  auto r = ReadFile(vigil::testing::TestData("runtime", "podman-cgroupfs-hybrid-container.txt"));
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : "";
}

// The values the podman container of the fixture showed (tests/runtime/testdata/README.md).
FakeProcess PodmanContainerProcess() {
  FakeProcess p;
  p.cgroup = RealPodmanCgroup();
  p.mnt_ns = 4026532177;
  p.pid_ns = 4026532180;
  p.net_ns = 4026532181;
  p.status =
      "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t15835\nNgid:\t0\n"
      "Pid:\t15835\nPPid:\t15825\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
      "FDSize:\t64\nGroups:\t0 \nNStgid:\t15835\t1\nNSpid:\t15835\t1\nNSpgid:\t15835\t1\n";
  return p;
}

TEST(Proc, ReadsEveryEntryOfAFakeContainerProcess) {
  FakeProc fake;
  fake.Add(15835, PodmanContainerProcess());
  ProcFs proc(fake.root());
  auto p = proc.Open(15835);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->pid(), 15835);

  auto cg = p->Cgroup();
  ASSERT_TRUE(cg.ok()) << cg.error().ToString();
  EXPECT_EQ(cg->container.runtime, Runtime::kPodman);
  EXPECT_EQ(cg->container.id, kRealPodman);

  auto mnt = p->NamespaceInode(Namespace::kMnt);
  auto pidns = p->NamespaceInode(Namespace::kPid);
  auto net = p->NamespaceInode(Namespace::kNet);
  ASSERT_TRUE(mnt.ok() && pidns.ok() && net.ok());
  EXPECT_EQ(*mnt, 4026532177u);
  EXPECT_EQ(*pidns, 4026532180u);
  EXPECT_EQ(*net, 4026532181u);

  auto st = p->ReadStatus();
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  EXPECT_EQ(st->ppid, 15825);
  EXPECT_EQ(st->uid[0], 0u);
  EXPECT_EQ(st->gid[3], 0u);
  EXPECT_EQ(st->nspid, (std::vector<int32_t>{15835, 1}));

  auto exe = p->Exe();
  ASSERT_TRUE(exe.ok());
  EXPECT_EQ(*exe, "/usr/bin/sleep");

  auto cmd = p->ReadCmdline();
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->args, (std::vector<std::string>{"sleep", "600"}));
  EXPECT_FALSE(cmd->truncated);

  auto login = p->LoginUid();
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(*login, kNoLoginUid);
}

TEST(Proc, ReadsItsOwnLiveProcess) {
  ProcFs proc;
  auto p = proc.Open(static_cast<int32_t>(::getpid()));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  auto cg = p->Cgroup();
  ASSERT_TRUE(cg.ok()) << cg.error().ToString();
  auto mnt = p->NamespaceInode(Namespace::kMnt);
  ASSERT_TRUE(mnt.ok()) << mnt.error().ToString();
  struct stat st {};
  ASSERT_EQ(::stat("/proc/self/ns/mnt", &st), 0);
  EXPECT_EQ(*mnt, static_cast<uint64_t>(st.st_ino));
  auto status = p->ReadStatus();
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(status->ppid, static_cast<int32_t>(::getppid()));
  EXPECT_EQ(status->uid[0], static_cast<uint32_t>(::getuid()));
  ASSERT_FALSE(status->nspid.empty());
  auto exe = p->Exe();
  ASSERT_TRUE(exe.ok()) << exe.error().ToString();
  EXPECT_NE(exe->find("runtime_proc_test"), std::string::npos) << *exe;
  auto cmd = p->ReadCmdline();
  ASSERT_TRUE(cmd.ok());
  ASSERT_FALSE(cmd->args.empty());
  auto login = p->LoginUid();
  EXPECT_TRUE(login.ok()) << login.error().ToString();
}

TEST(Proc, OpensAThreadOfItsOwnProcess) {
  ProcFs proc;
  auto t = proc.OpenThread(static_cast<int32_t>(getpid()), static_cast<int32_t>(gettid()));
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  auto self = proc.Open(static_cast<int32_t>(getpid()));
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(*t->NamespaceInode(Namespace::kMnt), *self->NamespaceInode(Namespace::kMnt));
  EXPECT_TRUE(t->Cgroup().ok());
  EXPECT_EQ(proc.OpenThread(static_cast<int32_t>(getpid()), 0).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(proc.OpenThread(static_cast<int32_t>(getpid()), 999999999).error().code(), ErrorCode::kNotFound);
}

// The cgroup file systems of this machine: its own cgroups, found again from their ids.
TEST(CgroupPathById, FindsItsOwnCgroupsByTheirIds) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    std::string mount;
    std::string path = line.substr(line.rfind(':') + 1);
    if (line.rfind("0::", 0) == 0) {
      mount =
          std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
    } else if (line.find(":memory:") != std::string::npos) {
      mount = "/sys/fs/cgroup/memory";
    } else {
      continue;
    }
    struct stat st {};
    ASSERT_EQ(::stat((mount + (path == "/" ? "" : path)).c_str(), &st), 0) << mount << path;
    auto found = CgroupPathById(mount, st.st_ino);
    if (geteuid() != 0) {
      ASSERT_FALSE(found.ok());
      EXPECT_EQ(found.error().code(), ErrorCode::kUnavailable) << found.error().message();
    } else {
      ASSERT_TRUE(found.ok()) << found.error().ToString();
      EXPECT_EQ(*found, path);
      auto none = CgroupPathById(mount, 0x7fffffffffffull);
      ASSERT_FALSE(none.ok());
      EXPECT_EQ(none.error().code(), ErrorCode::kNotFound) << none.error().message();
    }
    ++checked;
  }
  EXPECT_GT(checked, 0) << "no cgroup v2 or memory line in /proc/self/cgroup";
  EXPECT_FALSE(CgroupPathById("/nonexistent-mount", 1).ok());
}

TEST(Proc, PidsListsOnlyNumericEntries) {
  FakeProc fake;
  fake.Add(12, {});
  fake.Add(345, {});
  for (const char* other : {"+12", "12x", "0", "self", " 7"}) {
    std::filesystem::create_directories(fake.root() + "/" + other);
  }
  auto pids = ProcFs(fake.root()).Pids();
  ASSERT_TRUE(pids.ok()) << pids.error().ToString();
  std::sort(pids->begin(), pids->end());
  EXPECT_EQ(*pids, (std::vector<int32_t>{12, 345}));
  EXPECT_FALSE(ProcFs(fake.root() + "/missing").Pids().ok());
}

TEST(Proc, NoSuchProcess) {
  FakeProc fake;
  ProcFs proc(fake.root());
  for (int32_t pid : {0, -1}) {
    auto p = proc.Open(pid);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
  }
  auto p = proc.Open(77);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(p.error().message().find(fake.root() + "/77"), std::string::npos) << p.error().message();
  // An entry that is a file, not a folder, is no process either.
  std::ofstream(fake.root() + "/78") << "x";
  p = proc.Open(78);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), ErrorCode::kNotFound);
}

// Opens fake process 100, then lets it exit.
Process OpenThenExit(FakeProc& fake) {
  fake.Add(100, PodmanContainerProcess());
  auto p = ProcFs(fake.root()).Open(100);
  EXPECT_TRUE(p.ok());
  fake.Remove(100);
  return p.ok() ? std::move(p).value() : Process();
}

TEST(Proc, VanishedAfterOpenIsNotFoundEverywhere) {
  FakeProc fake;
  Process p = OpenThenExit(fake);
  auto expect_gone = [](const Error& e, const char* entry) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound) << entry << ": " << e.ToString();
    EXPECT_NE(e.message().find(std::string("/100/") + entry), std::string::npos) << e.message();
  };
  expect_gone(p.Cgroup().error(), "cgroup");
  expect_gone(p.NamespaceInode(Namespace::kMnt).error(), "ns/mnt");
  expect_gone(p.ReadStatus().error(), "status");
  expect_gone(p.Exe().error(), "exe");
  expect_gone(p.ReadCmdline().error(), "cmdline");
  expect_gone(p.LoginUid().error(), "loginuid");
}

TEST(Proc, ReadsOfTheOldProcessDoNotSeeAReusedPid) {
  FakeProc fake;
  Process p = OpenThenExit(fake);
  FakeProcess other;
  other.cgroup = "0::/system.slice/sshd.service\n";
  fake.Add(100, other);
  // The descriptor still names the removed folder, not the newcomer.
  auto cg = p.Cgroup();
  ASSERT_FALSE(cg.ok());
  EXPECT_EQ(cg.error().code(), ErrorCode::kNotFound);
}

TEST(Proc, MissingEntry) {
  FakeProc fake;
  FakeProcess kthread;
  kthread.exe = "";       // kernel threads have no exe link
  kthread.loginuid = "";  // and pretend an old kernel without loginuid
  kthread.cmdline = "";
  kthread.cgroup = "0::/\n";
  fake.Add(2, kthread);
  auto p = ProcFs(fake.root()).Open(2);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Exe().error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(p->LoginUid().error().code(), ErrorCode::kNotFound);
  auto cmd = p->ReadCmdline();
  ASSERT_TRUE(cmd.ok());
  EXPECT_TRUE(cmd->args.empty());
}

struct BadEntry {
  const char* what;
  const char* entry;
  std::string content;
  ErrorCode code;
  const char* says;
};

TEST(Proc, HostileContent) {
  const std::vector<BadEntry> cases = {
      {"huge cgroup", "cgroup", std::string(kMaxCgroupFileBytes + 10, '/'), ErrorCode::kLimitExceeded,
       "cgroup: larger than the cap"},
      {"garbage cgroup", "cgroup", "\x01\x02\xff garbage", ErrorCode::kCorrupt, "/cgroup: line 1"},
      {"empty cgroup", "cgroup", "", ErrorCode::kCorrupt, "/cgroup: no cgroup lines"},
      {"huge status", "status", std::string(kMaxStatusBytes + 1, 'x'), ErrorCode::kLimitExceeded, "status: larger"},
      {"status without PPid", "status", "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", ErrorCode::kCorrupt, "no PPid"},
      {"status with short Uid", "status", "PPid:\t1\nUid:\t0\t0\t0\nGid:\t0\t0\t0\t0\n", ErrorCode::kCorrupt,
       "malformed Uid"},
      {"status with text PPid", "status", "PPid:\tone\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", ErrorCode::kCorrupt,
       "malformed PPid"},
      {"status with huge uid", "status", "PPid:\t1\nUid:\t4294967296\t0\t0\t0\nGid:\t0\t0\t0\t0\n", ErrorCode::kCorrupt,
       "malformed Uid"},
      {"status with bad NSpid", "status", "PPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t-4\n",
       ErrorCode::kCorrupt, "malformed NSpid"},
      {"loginuid text", "loginuid", "root", ErrorCode::kCorrupt, "is not a user id"},
      {"loginuid huge", "loginuid", std::string(100, '9'), ErrorCode::kLimitExceeded, "loginuid"},
      {"loginuid negative", "loginuid", "-1", ErrorCode::kCorrupt, "is not a user id"},
  };
  for (const BadEntry& c : cases) {
    FakeProc fake;
    fake.Add(9, FakeProcess{.cgroup = "0::/\n"});
    fake.Write(9, c.entry, c.content);
    auto p = ProcFs(fake.root()).Open(9);
    ASSERT_TRUE(p.ok());
    Error e(ErrorCode::kInternal, "no error");
    if (std::string(c.entry) == "cgroup") {
      auto r = p->Cgroup();
      ASSERT_FALSE(r.ok()) << c.what;
      e = r.error();
    } else if (std::string(c.entry) == "status") {
      auto r = p->ReadStatus();
      ASSERT_FALSE(r.ok()) << c.what;
      e = r.error();
    } else {
      auto r = p->LoginUid();
      ASSERT_FALSE(r.ok()) << c.what;
      e = r.error();
    }
    EXPECT_EQ(e.code(), c.code) << c.what << ": " << e.ToString();
    EXPECT_NE(e.message().find(c.says), std::string::npos) << c.what << ": " << e.message();
    EXPECT_NE(e.message().find(fake.root() + "/9/"), std::string::npos) << c.what << ": " << e.message();
  }
}

TEST(Proc, StatusTakesTheFirstOfEachKeyAndToleratesOddLines) {
  FakeProc fake;
  FakeProcess p;
  p.status =
      "Name:\tevil PPid:\t99\nno colon here\nPPid:\t7\nPPid:\t8\nUid:\t1\t2\t3\t4\n"
      "Gid:\t5\t6\t7\t8\nNSpid:\t10\t5\t1";
  fake.Add(3, p);
  auto st = ProcFs(fake.root()).Open(3)->ReadStatus();
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  EXPECT_EQ(st->ppid, 7);
  EXPECT_EQ(st->uid[1], 2u);
  EXPECT_EQ(st->gid[3], 8u);
  EXPECT_EQ(st->nspid, (std::vector<int32_t>{10, 5, 1}));
}

TEST(Proc, CmdlineIsCapped) {
  FakeProc fake;
  FakeProcess p;
  p.cmdline = std::string(100'000, 'a') + std::string(1, '\0');
  fake.Add(4, p);
  auto proc = ProcFs(fake.root()).Open(4);
  ASSERT_TRUE(proc.ok());
  auto cmd = proc->ReadCmdline(1000);
  ASSERT_TRUE(cmd.ok());
  EXPECT_TRUE(cmd->truncated);
  ASSERT_EQ(cmd->args.size(), 1u);
  EXPECT_EQ(cmd->args[0].size(), 1000u);
  cmd = proc->ReadCmdline(0);  // treated as 1
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->args, (std::vector<std::string>{"a"}));

  // A process that rewrote its argv area without NULs; and empty arguments.
  fake.Write(4, "cmdline", "nginx: worker process");
  cmd = proc->ReadCmdline();
  EXPECT_EQ(cmd->args, (std::vector<std::string>{"nginx: worker process"}));
  fake.Write(4, "cmdline", std::string("a\0\0b\0", 5));
  cmd = proc->ReadCmdline();
  EXPECT_EQ(cmd->args, (std::vector<std::string>{"a", "", "b"}));
}

TEST(Proc, NamespaceLinksMustMatchTheirKind) {
  FakeProc fake;
  FakeProcess p;
  p.cgroup = "0::/\n";
  fake.Add(5, p);
  auto proc = ProcFs(fake.root()).Open(5);
  ASSERT_TRUE(proc.ok());
  namespace fs = std::filesystem;
  fs::path mnt = fs::path(fake.root()) / "5" / "ns" / "mnt";
  for (const char* target :
       {"net:[4026531840]", "mnt:4026531840", "mnt:[]", "mnt:[12x]", "mnt:[99999999999999999999999]", "mnt:[1"}) {
    fs::remove(mnt);
    fs::create_symlink(target, mnt);
    auto r = proc->NamespaceInode(Namespace::kMnt);
    ASSERT_FALSE(r.ok()) << target;
    EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << target;
  }
  // A regular file where the kernel has a link.
  fs::remove(mnt);
  std::ofstream(mnt) << "mnt:[1]";
  auto r = proc->NamespaceInode(Namespace::kMnt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message().find("not a symbolic link"), std::string::npos);
}

TEST(Proc, RefusesFifosAndLinksWhereFilesBelong) {
  FakeProc fake;
  FakeProcess p;
  p.cgroup = "";
  fake.Add(6, p);
  std::string dir = fake.root() + "/6";
  // A FIFO must neither block the reader nor be read.
  ASSERT_EQ(::mkfifo((dir + "/cgroup").c_str(), 0600), 0);
  auto proc = ProcFs(fake.root()).Open(6);
  ASSERT_TRUE(proc.ok());
  auto r = proc->Cgroup();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message().find("not a regular file"), std::string::npos);
  // A symbolic link is not followed.
  std::filesystem::remove(dir + "/status");
  std::filesystem::create_symlink("/etc/hostname", dir + "/status");
  auto st = proc->ReadStatus();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kIo) << st.error().ToString();
}

TEST(Proc, MovedProcessKeepsWorking) {
  FakeProc fake;
  fake.Add(7, PodmanContainerProcess());
  auto a = ProcFs(fake.root()).Open(7);
  ASSERT_TRUE(a.ok());
  Process b = std::move(a).value();
  EXPECT_TRUE(b.ReadStatus().ok());
  Process c;
  c = std::move(b);
  EXPECT_TRUE(c.ReadStatus().ok());
}

}  // namespace
}  // namespace vigil::runtime
