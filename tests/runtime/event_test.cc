// Decoding the kernel's records (synthetic bytes laid out by bpf/events.h) and the JSON lines.
#include "runtime/event.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "record_bytes.h"
#include "runtime/bpf/events.h"
#include "runtime/internal/syscalls.h"

namespace vigil::runtime {
namespace {

void Header(vigil_header& h, uint32_t type, uint32_t size) {
  h.ts_ns = 1000;
  h.type = type;
  h.size = size;
  h.pid = 42;
  h.tid = 43;
  h.ppid = 1;
  h.ns_pid = 7;
  h.uid = 1000;
  h.gid = 1000;
  h.loginuid = 0xffffffff;
  h.mnt_ns = 4026532000;
  h.pid_ns = 4026532001;
  h.net_ns = 4026532002;
  h.cgroup_id = 1;
  h.cgroup_v1_id = 2;
  std::memcpy(h.comm, "bash", 5);
  std::memcpy(h.tty, "pts3", 5);
}

TEST(DecodeEvent, Exec) {
  vigil_exec r{};
  Header(r.h, VIGIL_EV_EXEC, sizeof r);
  std::strcpy(r.filename, "/usr/bin/id");
  const char args[] = "id\0-u\0";
  std::memcpy(r.args, args, sizeof args - 1);
  r.args_len = sizeof args - 1;
  r.flags = VIGIL_EXEC_PARENT_HOST | VIGIL_EXEC_OVERLAY;
  auto e = DecodeEvent(Bytes(r));
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_EQ(e->type, EventType::kExec);
  EXPECT_EQ(e->filename, "/usr/bin/id");
  EXPECT_EQ(e->argv, (std::vector<std::string>{"id", "-u"}));
  EXPECT_TRUE(e->parent_outside);
  EXPECT_TRUE(e->overlay);
  EXPECT_FALSE(e->memfd);
  EXPECT_FALSE(e->upper_layer);
  r.flags = VIGIL_EXEC_OVERLAY | VIGIL_EXEC_UPPER;
  auto upper = DecodeEvent(Bytes(r));
  ASSERT_TRUE(upper.ok());
  EXPECT_TRUE(upper->upper_layer);
  EXPECT_FALSE(upper->lower_layer);
  EXPECT_EQ(nlohmann::json::parse(ToJsonLine(*upper, {}, {}, 0))["exec"]["upper_layer"], true);
  EXPECT_EQ(e->process.comm, "bash");
  EXPECT_EQ(e->process.tty, "pts3");
  EXPECT_EQ(e->process.ns_pid, 7u);
}

TEST(DecodeEvent, StringsWithoutNulAndCutArgv) {
  vigil_exec r{};
  Header(r.h, VIGIL_EV_EXEC, sizeof r);
  std::memset(r.h.comm, 'x', sizeof r.h.comm);  // no NUL: read to the array's end
  std::memset(r.filename, 'f', sizeof r.filename);
  std::memset(r.args, 'a', sizeof r.args);
  r.args_len = 100000;  // larger than the array: clamped
  r.flags = VIGIL_EXEC_ARGS_CUT;
  auto e = DecodeEvent(Bytes(r));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->process.comm, std::string(VIGIL_COMM_LEN, 'x'));
  EXPECT_EQ(e->filename.size(), size_t{VIGIL_PATH_LEN});
  ASSERT_EQ(e->argv.size(), 1u);
  EXPECT_EQ(e->argv[0].size(), size_t{VIGIL_ARGS_LEN});
  EXPECT_TRUE(e->argv_truncated);
}

TEST(DecodeEvent, OpenConnectExitFork) {
  vigil_open o{};
  Header(o.h, VIGIL_EV_OPEN, sizeof o);
  std::strcpy(o.path, "/etc/shadow");
  o.result = 3;
  auto eo = DecodeEvent(Bytes(o));
  ASSERT_TRUE(eo.ok());
  EXPECT_EQ(eo->path, "/etc/shadow");
  EXPECT_EQ(eo->result, 3);

  vigil_net c{};
  Header(c.h, VIGIL_EV_CONNECT, sizeof c);
  c.family = AF_INET;
  c.port = 80;
  c.result = -101;
  inet_pton(AF_INET, "169.254.169.254", c.addr);
  auto ec = DecodeEvent(Bytes(c));
  ASSERT_TRUE(ec.ok());
  EXPECT_EQ(ec->Address(), "169.254.169.254");
  EXPECT_EQ(ec->port, 80);
  c.family = AF_INET6;
  inet_pton(AF_INET6, "::1", c.addr);
  EXPECT_EQ(DecodeEvent(Bytes(c))->Address(), "::1");
  c.family = AF_UNIX;
  std::strcpy(c.unix_path, "/run/podman/podman.sock");
  EXPECT_EQ(DecodeEvent(Bytes(c))->Address(), "/run/podman/podman.sock");

  vigil_exit x{};
  Header(x.h, VIGIL_EV_EXIT, sizeof x);
  x.exit_code = 2 << 8;
  EXPECT_EQ(DecodeEvent(Bytes(x))->exit_code, 512);
  vigil_fork f{};
  Header(f.h, VIGIL_EV_FORK, sizeof f);
  f.child_pid = 99;
  EXPECT_EQ(DecodeEvent(Bytes(f))->child_pid, 99u);
}

// A system call record of `call` (a watched system call of this machine) with these arguments.
vigil_syscall Syscall(uint32_t type, std::string_view call, std::array<uint64_t, 6> args, int64_t result) {
  vigil_syscall r{};
  Header(r.h, type, sizeof r);
  for (const SyscallSpec& s : WatchedSyscalls()) {
    if (s.name == call) r.nr = s.nr;
  }
  std::memcpy(r.args, args.data(), sizeof r.args);
  r.result = result;
  return r;
}

nlohmann::json Json(const vigil_syscall& r) {
  auto e = DecodeEvent(Bytes(r));
  EXPECT_TRUE(e.ok()) << e.error().ToString();
  return nlohmann::json::parse(ToJsonLine(*e, {}, {}, 0));
}

TEST(DecodeEvent, SystemCallRecords) {
  if (WatchedSyscalls().empty()) GTEST_FAIL() << "no system call table for this architecture";
  // unlinkat(AT_FDCWD, "/etc/passwd", AT_REMOVEDIR)
  vigil_syscall u = Syscall(VIGIL_EV_UNLINK, "unlinkat", {uint64_t(-100), 0, 0x200, 0, 0, 0}, -21);
  std::strcpy(u.path, "/etc/passwd");
  nlohmann::json j = Json(u);
  EXPECT_EQ(j["type"], "unlink");
  EXPECT_EQ(j["unlink"]["syscall"], "unlinkat");
  EXPECT_EQ(j["unlink"]["path"], "/etc/passwd");
  EXPECT_EQ(j["unlink"]["directory"], true);
  EXPECT_EQ(j["unlink"]["result"], -21);

  vigil_syscall rn = Syscall(VIGIL_EV_RENAME, "renameat2", {}, 0);
  std::strcpy(rn.path, "/tmp/x");
  std::strcpy(rn.path2, "/usr/bin/ls");
  j = Json(rn);
  EXPECT_EQ(j["rename"]["path"], "/tmp/x");
  EXPECT_EQ(j["rename"]["new_path"], "/usr/bin/ls");

  // fchmodat(AT_FDCWD, "/tmp/x", 04755, 0) and fchmod(3, 0755)
  vigil_syscall cm = Syscall(VIGIL_EV_CHMOD, "fchmodat", {uint64_t(-100), 0, 04755, 0, 0, 0}, 0);
  std::strcpy(cm.path, "/tmp/x");
  j = Json(cm);
  EXPECT_EQ(j["chmod"]["mode"], "04755");
  EXPECT_EQ(j["chmod"]["path"], "/tmp/x");
  j = Json(Syscall(VIGIL_EV_CHMOD, "fchmod", {3, 0755, 0, 0, 0, 0}, 0));
  EXPECT_EQ(j["chmod"]["fd"], 3);
  EXPECT_EQ(j["chmod"]["mode"], "0755");
  EXPECT_FALSE(j["chmod"].contains("path"));

  // fchownat(AT_FDCWD, "/bin/su", 0, -1, 0)
  vigil_syscall co = Syscall(VIGIL_EV_CHOWN, "fchownat", {uint64_t(-100), 0, 0, 0xffffffff, 0, 0}, 0);
  std::strcpy(co.path, "/bin/su");
  j = Json(co);
  EXPECT_EQ(j["chown"]["uid"], 0);
  EXPECT_EQ(j["chown"]["gid"], -1);

  j = Json(Syscall(VIGIL_EV_SETID, "setresuid", {0, 0, 0, 0, 0, 0}, -1));
  EXPECT_EQ(j["setid"]["ids"], nlohmann::json::array({0, 0, 0}));
  EXPECT_EQ(j["setid"]["result"], -1);
  j = Json(Syscall(VIGIL_EV_SETID, "setuid", {1000, 0, 0, 0, 0, 0}, 0));
  EXPECT_EQ(j["setid"]["ids"], nlohmann::json::array({1000}));
  j = Json(Syscall(VIGIL_EV_SETID, "capset", {1, 2, 0x200000, 0x200000, 0, 0}, 0));
  EXPECT_EQ(j["setid"]["effective"], "0x200000");
  EXPECT_EQ(j["setid"]["inheritable"], "0x0");

  j = Json(Syscall(VIGIL_EV_NAMESPACE, "unshare", {0x20020000, 0, 0, 0, 0, 0}, 0));  // CLONE_NEWPID|CLONE_NEWNS
  EXPECT_EQ(j["namespace"]["namespaces"], nlohmann::json::array({"mnt", "pid"}));
  j = Json(Syscall(VIGIL_EV_NAMESPACE, "setns", {5, 0x40000000, 0, 0, 0, 0}, 0));
  EXPECT_EQ(j["namespace"]["fd"], 5);
  EXPECT_EQ(j["namespace"]["namespaces"], nlohmann::json::array({"net"}));

  j = Json(Syscall(VIGIL_EV_PTRACE, "ptrace", {0x4206, 1234, 0, 0, 0, 0}, -1));
  EXPECT_EQ(j["ptrace"]["request"], "seize");
  EXPECT_EQ(j["ptrace"]["target_pid"], 1234);

  vigil_syscall m = Syscall(VIGIL_EV_MOUNT, "mount", {0, 0, 0, 0x1000, 0, 0}, 0);
  std::strcpy(m.path, "/dev/sda1");
  std::strcpy(m.path2, "/mnt");
  std::strcpy(m.str, "ext4");
  j = Json(m);
  EXPECT_EQ(j["mount"]["source"], "/dev/sda1");
  EXPECT_EQ(j["mount"]["target"], "/mnt");
  EXPECT_EQ(j["mount"]["fstype"], "ext4");
  EXPECT_EQ(j["mount"]["flags"], "0x1000");

  vigil_syscall fm = Syscall(VIGIL_EV_MODULE, "finit_module", {7, 0, 0, 0, 0, 0}, -1);
  std::strcpy(fm.str, "debug=1");
  j = Json(fm);
  EXPECT_EQ(j["module"]["fd"], 7);
  EXPECT_EQ(j["module"]["params"], "debug=1");

  vigil_syscall mf = Syscall(VIGIL_EV_MEMFD, "memfd_create", {0, 1, 0, 0, 0, 0}, 4);
  std::strcpy(mf.path, "payload");
  j = Json(mf);
  EXPECT_EQ(j["memfd"]["name"], "payload");
  EXPECT_EQ(j["memfd"]["result"], 4);

  j = Json(Syscall(VIGIL_EV_BPF, "bpf", {5, 0, 0, 0, 0, 0}, 9));
  EXPECT_EQ(j["bpf"]["command"], "prog_load");
  j = Json(Syscall(VIGIL_EV_BPF, "bpf", {999, 0, 0, 0, 0, 0}, -22));
  EXPECT_EQ(j["bpf"]["command"], "other");

  // A number the table does not know still writes valid JSON.
  vigil_syscall unknown = Syscall(VIGIL_EV_CHOWN, "none", {}, 0);
  unknown.nr = 9999;
  j = Json(unknown);
  EXPECT_EQ(j["chown"]["syscall"], "unknown");
  // Cut records are refused for these types too.
  std::vector<uint8_t> cut = Bytes(u);
  cut.resize(sizeof(vigil_syscall) - 1);
  uint32_t cut_size = static_cast<uint32_t>(cut.size());
  std::memcpy(cut.data() + 12, &cut_size, sizeof cut_size);
  auto bad = DecodeEvent(cut);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("unlink record"), std::string::npos) << bad.error().message();
}

TEST(DecodeEvent, NetworkRecords) {
  vigil_net n{};
  Header(n.h, VIGIL_EV_TCP_CONNECT, sizeof n);
  n.family = AF_INET;
  n.port = 443;
  n.result = -115;
  inet_pton(AF_INET, "10.0.0.1", n.addr);
  auto e = DecodeEvent(Bytes(n));
  ASSERT_TRUE(e.ok());
  Verdicts v;
  v.host_call = "host address";
  nlohmann::json j = nlohmann::json::parse(ToJsonLine(*e, {}, v, 0));
  EXPECT_EQ(j["type"], "tcp_connect");
  EXPECT_EQ(j["tcp_connect"]["address"], "10.0.0.1");
  EXPECT_EQ(j["tcp_connect"]["host_call"], "host address");
  Header(n.h, VIGIL_EV_LISTEN, sizeof n);
  n.result = 0;
  j = nlohmann::json::parse(ToJsonLine(*DecodeEvent(Bytes(n)), {}, {}, 0));
  EXPECT_EQ(j["listen"]["port"], 443);
  EXPECT_FALSE(j["listen"].contains("host_call"));
  Header(n.h, VIGIL_EV_ACCEPT, sizeof n);
  n.result = 5;
  EXPECT_EQ(nlohmann::json::parse(ToJsonLine(*DecodeEvent(Bytes(n)), {}, {}, 0))["accept"]["result"], 5);
}

TEST(EventTypes, NamesSetsAndProbes) {
  for (EventType t : AllEventTypes()) {
    auto back = ParseEventType(EventTypeName(t));
    ASSERT_TRUE(back.ok()) << EventTypeName(t);
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(AllEventTypes().size(), kEventTypeSlots - 1);
  auto bad = ParseEventType("opne");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("known: exec"), std::string::npos);
  // The default set needs no system call probe.
  for (EventType t : DefaultEventTypes()) EXPECT_FALSE(UsesSyscallProbes(t)) << EventTypeName(t);
  auto set = ParseEventSet({"default", "open", "exec"});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->size(), DefaultEventTypes().size() + 1);
  auto all = ParseEventSet({"all"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), AllEventTypes().size());
  auto sys = ParseEventSet({"syscalls"});
  ASSERT_TRUE(sys.ok());
  EXPECT_EQ(sys->size(), AllEventTypes().size() - DefaultEventTypes().size());
  EXPECT_FALSE(ParseEventSet({"exec", "nonsense"}).ok());
  // Every system call event type has at least one watched system call on this architecture.
  for (EventType t : AllEventTypes()) {
    if (!UsesSyscallProbes(t)) continue;
    bool found = false;
    for (const SyscallSpec& s : WatchedSyscalls()) found |= s.type == t;
    EXPECT_TRUE(found) << EventTypeName(t);
  }
  // Table entries are unique and fit the kernel's map.
  for (const SyscallSpec& s : WatchedSyscalls()) {
    EXPECT_LT(s.nr, uint32_t{VIGIL_MAX_SYSCALLS}) << s.name;
    EXPECT_EQ(FindSyscall(s.nr), &s) << s.name;
    EXPECT_LE(s.path_arg, 6);
    EXPECT_LE(s.flags_arg, 6);
  }
}

TEST(DecodeEvent, BadRecords) {
  EXPECT_FALSE(DecodeEvent({}).ok());
  std::vector<uint8_t> short_header(sizeof(vigil_header) - 1, 0);
  auto a = DecodeEvent(short_header);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message().find("shorter than its header"), std::string::npos);
  vigil_exec r{};
  Header(r.h, VIGIL_EV_EXEC, sizeof r + 8);  // size disagrees
  auto b = DecodeEvent(Bytes(r));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("says"), std::string::npos);
  vigil_header h{};
  Header(h, VIGIL_EV_EXEC, sizeof h);  // an exec type with only a header
  EXPECT_FALSE(DecodeEvent(Bytes(h)).ok());
  Header(h, 77, sizeof h);
  auto c = DecodeEvent(Bytes(h));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("unknown type 77"), std::string::npos);
}

TEST(ToJsonLine, ContainerExecAndHostCall) {
  vigil_exec r{};
  Header(r.h, VIGIL_EV_EXEC, sizeof r);
  std::strcpy(r.filename, "/bin/sh");
  std::memcpy(r.args, "sh\0", 3);
  r.args_len = 3;
  auto e = DecodeEvent(Bytes(r));
  ASSERT_TRUE(e.ok());
  ContainerFields c{std::string(64, 'a'), "podman", "web", "localhost/app:1", "", ""};
  Verdicts v;
  v.container_exec = true;
  nlohmann::json j = nlohmann::json::parse(ToJsonLine(*e, c, v, 5));
  EXPECT_EQ(j["type"], "exec");
  EXPECT_EQ(j["time_ns"], 1005);
  EXPECT_EQ(j["container"]["id"], std::string(64, 'a'));
  EXPECT_EQ(j["exec"]["container_exec"], true);
  EXPECT_EQ(j["exec"]["argv"], nlohmann::json::array({"sh"}));
  EXPECT_TRUE(j["process"]["loginuid"].is_null());
  // Invalid UTF-8 in a path stays valid JSON.
  vigil_open o{};
  Header(o.h, VIGIL_EV_OPEN, sizeof o);
  o.path[0] = '/';
  o.path[1] = static_cast<char>(0xff);
  std::string line = ToJsonLine(*DecodeEvent(Bytes(o)), {}, {}, 0);
  EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  EXPECT_TRUE(nlohmann::json::parse(line)["container"].is_null());
}

TEST(ToJsonLine, EscapesEveryString) {
  vigil_open o{};
  Header(o.h, VIGIL_EV_OPEN, sizeof o);
  // quote, backslash, control bytes, valid 2/3/4-byte UTF-8, an overlong '/', a lone
  // continuation byte, a surrogate half, a cut 3-byte sequence at the end
  const char path[] = "/a\"b\\c\n\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\xaf\x80\xed\xa0\x80\xe2\x82";
  std::memcpy(o.path, path, sizeof path);
  auto e = DecodeEvent(Bytes(o));
  ASSERT_TRUE(e.ok());
  std::string line = ToJsonLine(*e, {}, {}, 0);
  ASSERT_TRUE(nlohmann::json::accept(line)) << line;
  std::string decoded = nlohmann::json::parse(line)["open"]["path"];
  EXPECT_EQ(decoded,
            "/a\"b\\c\n\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_NE(line.find("\\u0001"), std::string::npos);
}

}  // namespace
}  // namespace vigil::runtime
