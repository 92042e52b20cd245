// Golden output of the event types: every type decoded from synthetic kernel records (bpf/events.h)
// and written as JSON lines, the decoder's refusals, the names and event sets, and the counters
// of every type, compared byte for byte with tests/runtime/testdata/events/golden.txt. The file
// was written by the code before the event types came from one table (issue 11): a change to a
// line here is a change to the wire or output format.
//
// To rewrite the file after a deliberate format change:
//   VIGIL_UPDATE_GOLDEN=1 build/release/tests/runtime/runtime_event_golden_test
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "record_bytes.h"
#include "runtime/bpf/events.h"
#include "runtime/event.h"
#include "runtime/internal/syscalls.h"
#include "runtime/monitor.h"
#include "runtime/sensor.h"

namespace vigil::runtime {
namespace {

void Header(vigil_header& h, uint32_t type, uint32_t size, bool variant = false) {
  h.ts_ns = variant ? 123456789012345ull : 1000;
  h.type = type;
  h.size = size;
  h.pid = 42;
  h.tid = variant ? 44 : 42;
  h.ppid = 1;
  h.ns_pid = variant ? 1 : 7;
  h.uid = variant ? 0 : 1000;
  h.gid = variant ? 0 : 1000;
  h.loginuid = variant ? 1000 : 0xffffffff;
  h.mnt_ns = 4026532000;
  h.pid_ns = 4026532001;
  h.net_ns = 4026532002;
  h.cgroup_id = 8689;
  h.cgroup_v1_id = variant ? 0 : 32899;
  if (variant) {
    std::memcpy(h.comm, "a\"b\\c\x01\xff", 8);
    h.tty[0] = 0;
  } else {
    std::memcpy(h.comm, "bash", 5);
    std::memcpy(h.tty, "pts3", 5);
  }
}

std::vector<ContainerFields> Containers() {
  std::vector<ContainerFields> out(5);
  out[1].unresolved = true;
  ContainerFields& full = out[2];
  full.id = std::string(64, 'a');
  full.runtime = "podman";
  full.name = "web";
  full.image = "localhost/app:1";
  full.image_digest = "sha256:" + std::string(64, 'b');
  full.labels = std::make_shared<const std::map<std::string, std::string>>(
      std::map<std::string, std::string>{{"app", "web"}, {"quote\"d", "v\n"}});
  full.metadata = "ready";
  ContainerFields& pod = out[3];
  pod.id = std::string(64, 'c');
  pod.runtime = "crio";
  pod.pod_uid = "0b5c9a3e-1111-2222-3333-444455556666";
  pod.pod_name = "api-7d9f";
  pod.pod_namespace = "prod";
  pod.metadata = "timeout";
  out[4] = full;
  out[4].json = ContainerJson(full);
  return out;
}

class Golden {
 public:
  void Line(const std::string& s) { out_ << s << "\n"; }
  // Decodes `bytes` and writes its JSON line with each container and verdict, or the error.
  void Record(const std::string& what, const std::vector<uint8_t>& bytes) {
    Result<Event> e = DecodeEvent(bytes);
    if (!e.ok()) {
      Line(what + " -> error " + e.error().ToString());
      return;
    }
    static const std::vector<ContainerFields> containers = Containers();
    Verdicts exec_verdict;
    exec_verdict.container_exec = true;
    Verdicts host_verdict;
    host_verdict.host_call = "cloud metadata";
    Line(what + " -> " + ToJsonLine(*e, containers[0], {}, 0));
    Line(what + " -> " + ToJsonLine(*e, containers[1], {}, -1000));
    Line(what + " -> " + ToJsonLine(*e, containers[2], exec_verdict, 1'700'000'000'000'000'000));
    Line(what + " -> " + ToJsonLine(*e, containers[3], host_verdict, 5));
    Line(what + " -> " + ToJsonLine(*e, containers[4], host_verdict, 5));
  }
  std::string Text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

uint32_t SyscallNumber(std::string_view call) {
  for (const SyscallSpec& s : WatchedSyscalls()) {
    if (s.name == call) return s.nr;
  }
  return 9999;
}

std::string SetText(const std::vector<std::string>& names) {
  Result<std::vector<EventType>> set = ParseEventSet(names);
  if (!set.ok()) return "error " + set.error().ToString();
  std::string out;
  for (EventType t : *set) out += std::string(out.empty() ? "" : ",") + std::string(EventTypeName(t));
  return out;
}

std::string Build() {
  Golden g;
  // Names, sets and probes.
  for (int i = 0; i < 24; ++i) {
    auto t = static_cast<EventType>(i);
    g.Line("name " + std::to_string(i) + " " + std::string(EventTypeName(t)) +
           " syscalls=" + (UsesSyscallProbes(t) ? "1" : "0"));
  }
  std::string all, def;
  for (EventType t : AllEventTypes()) all += " " + std::string(EventTypeName(t));
  for (EventType t : DefaultEventTypes()) def += " " + std::string(EventTypeName(t));
  g.Line("all" + all);
  g.Line("default" + def);
  g.Line("slots " + std::to_string(kEventTypeSlots));
  for (const std::vector<std::string>& names :
       std::vector<std::vector<std::string>>{{"default"},
                                             {"all"},
                                             {"syscalls"},
                                             {"tcp_connect", "open", "exec", "open"},
                                             {"syscalls", "default"},
                                             {},
                                             {"nonsense"},
                                             {"exec,open"},
                                             {"EXEC"},
                                             {""}}) {
    std::string joined;
    for (const std::string& n : names) joined += "[" + n + "]";
    g.Line("set " + joined + " -> " + SetText(names));
  }

  // exec: flag combinations, argv shapes, strings without NUL.
  for (uint32_t flags : {0u, 1u, 2u, 4u, 8u, 16u, 32u, 63u, 0xffffffffu}) {
    vigil_exec r{};
    Header(r.h, VIGIL_EV_EXEC, sizeof r, flags == 63u);
    std::strcpy(r.filename, "/usr/bin/python3");
    const char args[] = "python3\0-c\0print(\"hi\")\0\0last";
    std::memcpy(r.args, args, sizeof args - 1);
    r.args_len = sizeof args - 1;
    r.flags = flags;
    g.Record("exec flags=" + std::to_string(flags), Bytes(r));
  }
  {
    vigil_exec r{};
    Header(r.h, VIGIL_EV_EXEC, sizeof r);
    std::memset(r.filename, 'f', sizeof r.filename);
    std::memset(r.args, 'a', sizeof r.args);
    r.args_len = 100000;
    g.Record("exec full arrays", Bytes(r));
    r.args_len = 0;
    g.Record("exec no args", Bytes(r));
  }
  // exit and fork.
  for (int32_t status : {0, 2 << 8, 9, 0x8b, -1}) {
    vigil_exit r{};
    Header(r.h, VIGIL_EV_EXIT, sizeof r);
    r.exit_code = status;
    g.Record("exit status=" + std::to_string(status), Bytes(r));
  }
  {
    vigil_fork r{};
    Header(r.h, VIGIL_EV_FORK, sizeof r, true);
    r.child_pid = 99;
    r.child_tid = 100;
    g.Record("fork", Bytes(r));
  }
  // open.
  for (int32_t result : {3, -13}) {
    vigil_open r{};
    Header(r.h, VIGIL_EV_OPEN, sizeof r);
    std::strcpy(r.path, "/etc/sh\xc3\xa9\"dow");
    r.flags = 01101;
    r.mode = 0644;
    r.result = result;
    g.Record("open result=" + std::to_string(result), Bytes(r));
  }
  // The network types with every family.
  for (uint32_t type : {VIGIL_EV_CONNECT, VIGIL_EV_ACCEPT, VIGIL_EV_BIND, VIGIL_EV_LISTEN, VIGIL_EV_TCP_CONNECT}) {
    for (uint16_t family : {uint16_t{AF_INET}, uint16_t{AF_INET6}, uint16_t{AF_UNIX}, uint16_t{17}}) {
      vigil_net r{};
      Header(r.h, type, sizeof r);
      r.family = family;
      r.port = 443;
      r.result = type == VIGIL_EV_TCP_CONNECT ? -115 : 0;
      if (family == AF_INET) inet_pton(AF_INET, "169.254.169.254", r.addr);
      if (family == AF_INET6) inet_pton(AF_INET6, "fd00:ec2::254", r.addr);
      std::strcpy(r.unix_path, "/run/podman/podman.sock");
      g.Record("net type=" + std::to_string(type) + " family=" + std::to_string(family), Bytes(r));
    }
  }
  // The system call types, by call (names every architecture's table has), with two sets of
  // arguments; and a number no table knows.
  struct Call {
    uint32_t type;
    const char* name;
  };
  const Call calls[] = {
      {VIGIL_EV_UNLINK, "unlinkat"},
      {VIGIL_EV_RENAME, "renameat2"},
      {VIGIL_EV_CHMOD, "fchmod"},
      {VIGIL_EV_CHMOD, "fchmodat"},
      {VIGIL_EV_CHOWN, "fchownat"},
      {VIGIL_EV_CHOWN, "fchown"},
      {VIGIL_EV_SETID, "setuid"},
      {VIGIL_EV_SETID, "setreuid"},
      {VIGIL_EV_SETID, "setresgid"},
      {VIGIL_EV_SETID, "setfsuid"},
      {VIGIL_EV_SETID, "capset"},
      {VIGIL_EV_NAMESPACE, "setns"},
      {VIGIL_EV_NAMESPACE, "unshare"},
      {VIGIL_EV_PTRACE, "ptrace"},
      {VIGIL_EV_MOUNT, "mount"},
      {VIGIL_EV_MODULE, "init_module"},
      {VIGIL_EV_MODULE, "finit_module"},
      {VIGIL_EV_MEMFD, "memfd_create"},
      {VIGIL_EV_BPF, "bpf"},
      {VIGIL_EV_UNLINK, "no such call"},
      {VIGIL_EV_BPF, "unlinkat"},
  };
  const std::array<uint64_t, 6> arg_sets[] = {
      {uint64_t(-100), 0x200, 04755, 0x1000, 5, 6},
      {0x4206, 0x7fffffffffffffffull, 0x200000, 0x20000, 0xffffffff, 0},
      {999, 0x4c000000, 0, 0, 0, 0},
  };
  for (const Call& c : calls) {
    for (size_t k = 0; k < std::size(arg_sets); ++k) {
      vigil_syscall r{};
      Header(r.h, c.type, sizeof r);
      r.nr = SyscallNumber(c.name);
      r.result = k == 1 ? -1 : 7;
      std::memcpy(r.args, arg_sets[k].data(), sizeof r.args);
      std::strcpy(r.path, "/tmp/x");
      std::strcpy(r.path2, "/usr/bin/ls");
      std::strcpy(r.str, "ext4\tdebug=1");
      g.Record(std::string("syscall ") + c.name + " type=" + std::to_string(c.type) + " args=" + std::to_string(k),
               Bytes(r));
    }
  }

  // Refusals: short, cut and unknown records of every type value.
  g.Record("empty", {});
  g.Record("short header", std::vector<uint8_t>(sizeof(vigil_header) - 1, 0));
  for (uint32_t type = 0; type < 24; ++type) {
    vigil_header h{};
    Header(h, type, sizeof h);
    g.Record("header only type=" + std::to_string(type), Bytes(h));
    vigil_syscall big{};
    Header(big.h, type, sizeof big - 1);
    std::vector<uint8_t> cut = Bytes(big);
    cut.resize(sizeof big - 1);
    g.Record("cut syscall-sized type=" + std::to_string(type), cut);
  }
  {
    vigil_exec r{};
    Header(r.h, VIGIL_EV_EXEC, sizeof r + 8);
    g.Record("size disagrees", Bytes(r));
    Header(r.h, 0xffffffffu, sizeof r);
    g.Record("type max", Bytes(r));
  }
  // Records longer than their type's: the size field rules.
  {
    vigil_syscall r{};
    Header(r.h, VIGIL_EV_FORK, sizeof r);
    g.Record("fork in a syscall-sized record", Bytes(r));
  }

  // The counters of every type.
  SensorStats k;
  MonitorStats u{1, 2, 3, 4, 5, 6, 7};
  for (size_t i = 0; i < kEventTypeSlots; ++i) {
    k.attempted[i] = 100 + i;
    k.delivered[i] = 50 + i;
    k.ring_full[i] = i;
  }
  k.undecodable = 9;
  g.Line(PrometheusText(k, u, 11));
  g.Line(StatsJson(k, u, "final_stats", 0));
  g.Line(StatsJson(k, u, "stats", 3));
  return g.Text();
}

TEST(EventGolden, EveryTypeByteForByte) {
  if (WatchedSyscalls().empty()) GTEST_SKIP() << "no system call table for this architecture";
  const std::string path = testing::TestData("runtime", "events/golden.txt");
  const std::string now = Build();
  if (std::getenv("VIGIL_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << now;
    GTEST_SKIP() << "wrote " << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream want;
  want << in.rdbuf();
  if (want.str() == now) return;
  // Name the first line that differs.
  std::istringstream a(want.str()), b(now);
  std::string la, lb;
  for (int n = 1;; ++n) {
    bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
    if (!ga && !gb) break;
    if (!ga || !gb || la != lb) {
      FAIL() << path << ":" << n << " differs\n  want: " << (ga ? la : "<end>") << "\n  have: " << (gb ? lb : "<end>");
    }
  }
  FAIL() << "golden output differs";
}

}  // namespace
}  // namespace vigil::runtime
