// A fake /proc tree in a temporary folder, for tests of runtime/proc.h and attribution.h.
#pragma once

#include <cstdint>
#include <string>

namespace vigil::runtime::testing {

// What one fake process shows. Empty strings leave the entry out.
struct FakeProcess {
  std::string cgroup;
  uint64_t mnt_ns = 4026531840;  // the host's first mount namespace on most kernels
  uint64_t pid_ns = 4026531836;
  uint64_t net_ns = 4026531992;
  std::string status = "Name:\tsleep\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t42\n";
  std::string exe = "/usr/bin/sleep";
  std::string cmdline = std::string(
      "sleep\0"
      "600\0",
      10);
  std::string loginuid = "4294967295";
};

// Creates <tmp>/vigil-fake-proc-XXXXXX on construction and removes it on destruction.
class FakeProc {
 public:
  FakeProc();
  ~FakeProc();
  FakeProc(const FakeProc&) = delete;
  FakeProc& operator=(const FakeProc&) = delete;

  const std::string& root() const { return root_; }
  // Writes <root>/<pid>/{cgroup,status,cmdline,loginuid} and the links exe, ns/{mnt,pid,net}.
  void Add(int32_t pid, const FakeProcess& p);
  // Removes <root>/<pid> as if the process had exited.
  void Remove(int32_t pid);
  // Writes (replaces) one file below <root>/<pid>.
  void Write(int32_t pid, const std::string& entry, const std::string& content);

 private:
  std::string root_;
};

}  // namespace vigil::runtime::testing
