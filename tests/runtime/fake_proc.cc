#include "fake_proc.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vigil::runtime::testing {

namespace fs = std::filesystem;

FakeProc::FakeProc() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/vigil-fake-proc-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  root_ = pattern;
}

FakeProc::~FakeProc() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

void FakeProc::Write(int32_t pid, const std::string& entry, const std::string& content) {
  std::ofstream out(root_ + "/" + std::to_string(pid) + "/" + entry, std::ios::binary | std::ios::trunc);
  out << content;
  EXPECT_TRUE(out.good()) << entry;
}

void FakeProc::Add(int32_t pid, const FakeProcess& p) {
  fs::path dir = fs::path(root_) / std::to_string(pid);
  fs::create_directories(dir / "ns");
  if (!p.cgroup.empty()) Write(pid, "cgroup", p.cgroup);
  if (!p.status.empty()) Write(pid, "status", p.status);
  Write(pid, "cmdline", p.cmdline);
  if (!p.loginuid.empty()) Write(pid, "loginuid", p.loginuid);
  auto link = [&](const std::string& target, const fs::path& at) {
    std::error_code ec;
    fs::remove(at, ec);
    fs::create_symlink(target, at);
  };
  if (!p.exe.empty()) link(p.exe, dir / "exe");
  if (p.mnt_ns != 0) link("mnt:[" + std::to_string(p.mnt_ns) + "]", dir / "ns" / "mnt");
  if (p.pid_ns != 0) link("pid:[" + std::to_string(p.pid_ns) + "]", dir / "ns" / "pid");
  if (p.net_ns != 0) link("net:[" + std::to_string(p.net_ns) + "]", dir / "ns" / "net");
}

void FakeProc::Remove(int32_t pid) {
  std::error_code ec;
  fs::remove_all(fs::path(root_) / std::to_string(pid), ec);
  EXPECT_FALSE(ec) << ec.message();
}

}  // namespace vigil::runtime::testing
