// The field registry over synthetic events: every field on an event of every type (defined or
// not), the values on the events where each is defined, lookups by name.
#include "runtime/fields.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "runtime/internal/syscalls.h"

namespace vigil::runtime {
namespace {

uint32_t SyscallNumber(std::string_view call) {
  for (const SyscallSpec& s : WatchedSyscalls()) {
    if (s.name == call) return s.nr;
  }
  return 9999;
}

Event Base(EventType type) {
  Event e;
  e.type = type;
  e.ts_ns = 5'000'000'123;
  e.process.pid = 4641;
  e.process.tid = 4642;
  e.process.ppid = 4628;
  e.process.ns_pid = 6;
  e.process.uid = 1000;
  e.process.gid = 1001;
  e.process.mnt_ns = 4026532250;
  e.process.pid_ns = 4026532253;
  e.process.net_ns = 4026532181;
  e.process.cgroup_id = 8689;
  e.process.cgroup_v1_id = 32899;
  e.process.comm = "bash";
  e.process.tty = "pts0";
  return e;
}

Event Exec() {
  Event e = Base(EventType::kExec);
  e.filename = "/usr/bin/python3";
  e.argv = {"python3", "-c", "print(1)"};
  e.upper_layer = true;
  e.lower_layer = true;
  e.overlay = true;
  e.parent_outside = true;
  return e;
}

Event Open(const std::string& path, uint32_t flags, int64_t result) {
  Event e = Base(EventType::kOpen);
  e.path = path;
  e.open_flags = flags;
  e.result = result;
  return e;
}

Event Net(EventType type, uint16_t family, const char* addr, uint16_t port, int64_t result) {
  Event e = Base(type);
  e.family = family;
  e.port = port;
  e.result = result;
  if (family == AF_INET || family == AF_INET6) inet_pton(family, addr, e.addr.data());
  if (family == AF_UNIX) e.unix_path = addr;
  return e;
}

Event Syscall(EventType type, std::string_view call, std::array<uint64_t, 6> args, int64_t result) {
  Event e = Base(type);
  e.syscall_nr = SyscallNumber(call);
  e.args = args;
  e.result = result;
  e.path = "/tmp/x";
  e.path2 = "/usr/bin/ls";
  e.str = "ext4";
  return e;
}

// An event of every type, and some more of the types whose fields depend on the values.
std::vector<Event> Events() {
  std::vector<Event> out;
  out.push_back(Exec());
  Event exit = Base(EventType::kExit);
  exit.exit_code = (2 << 8) | 0;
  out.push_back(exit);
  Event fork = Base(EventType::kFork);
  fork.child_pid = 99;
  out.push_back(fork);
  out.push_back(Open("/etc/shadow", O_RDONLY, 3));
  out.push_back(Open("notes.txt", O_WRONLY | O_CREAT, -13));
  out.push_back(Net(EventType::kConnect, AF_INET, "169.254.169.254", 80, 0));
  out.push_back(Net(EventType::kConnect, AF_UNIX, "/run/podman/podman.sock", 0, 0));
  out.push_back(Net(EventType::kAccept, AF_INET6, "::1", 40000, 5));
  out.push_back(Net(EventType::kBind, AF_INET, "0.0.0.0", 8080, 0));
  out.push_back(Net(EventType::kListen, AF_INET6, "::", 8080, 0));
  out.push_back(Net(EventType::kTcpConnect, AF_INET, "10.0.0.1", 443, -115));
  out.push_back(Net(EventType::kBind, 17, "", 0, -97));  // AF_PACKET: no address vigil reads
  out.push_back(Syscall(EventType::kUnlink, "unlinkat", {uint64_t(-100), 0, 0x200, 0, 0, 0}, -21));
  out.push_back(Syscall(EventType::kRename, "renameat2", {}, 0));
  out.push_back(Syscall(EventType::kChmod, "fchmodat", {uint64_t(-100), 0, 04755, 0, 0, 0}, 0));
  out.push_back(Syscall(EventType::kChmod, "fchmod", {3, 0755, 0, 0, 0, 0}, 0));
  out.push_back(Syscall(EventType::kChown, "fchownat", {uint64_t(-100), 0, 0, 0xffffffff, 0, 0}, 0));
  out.push_back(Syscall(EventType::kSetid, "setuid", {0, 0, 0, 0, 0, 0}, -1));
  out.push_back(Syscall(EventType::kNamespace, "unshare", {0x20020000, 0, 0, 0, 0, 0}, 0));
  out.push_back(Syscall(EventType::kPtrace, "ptrace", {0x4206, 1234, 0, 0, 0, 0}, -1));
  out.push_back(Syscall(EventType::kMount, "mount", {0, 0, 0, 0x1000, 0, 0}, 0));
  out.push_back(Syscall(EventType::kModule, "finit_module", {7, 0, 0, 0, 0, 0}, -1));
  out.push_back(Syscall(EventType::kMemfd, "memfd_create", {0, 1, 0, 0, 0, 0}, 4));
  out.push_back(Syscall(EventType::kBpf, "bpf", {5, 0, 0, 0, 0, 0}, 9));
  return out;
}

ContainerFields Podman() {
  ContainerFields c;
  c.id = "0123456789ab" + std::string(52, 'c');
  c.runtime = "podman";
  c.name = "web";
  c.image = "registry.example:5000/team/app:1.2@sha256:" + std::string(64, 'd');
  c.image_digest = "sha256:" + std::string(64, 'd');
  c.metadata = "ready";
  return c;
}

ContainerFields Pod() {
  ContainerFields c;
  c.id = std::string(64, 'e');
  c.runtime = "crio";
  c.name = "api";
  c.image = "localhost/api";
  c.pod_uid = "0b5c9a3e-1111-2222-3333-444455556666";
  c.pod_name = "api-7d9f";
  c.pod_namespace = "prod";
  c.metadata = "timeout";
  return c;
}

ContainerFields Unresolved() {
  ContainerFields c;
  c.unresolved = true;
  return c;
}

// The value of `name` on `e` as printed, "<NA>" for none.
std::string Value(std::string_view name, const Event& e, const ContainerFields& c = {}, const Verdicts& v = {},
                  int64_t boot_to_unix_ns = 0) {
  Result<const Field*> f = FindField(name);
  EXPECT_TRUE(f.ok()) << name;
  if (!f.ok()) return "";
  return (*f)->Read({e, c, v, boot_to_unix_ns}).ToString();
}

TEST(Fields, RegistryIsWellFormed) {
  std::set<std::string_view> names;
  ASSERT_FALSE(AllFields().empty());
  EXPECT_EQ(AllFields().front().name, "evt.type");
  for (const Field& f : AllFields()) {
    EXPECT_TRUE(names.insert(f.name).second) << "duplicate " << f.name;
    EXPECT_NE(f.name.find('.'), std::string_view::npos) << f.name;
    EXPECT_FALSE(f.description.empty()) << f.name;
    EXPECT_EQ(f.description.find('\n'), std::string_view::npos) << f.name;
    EXPECT_FALSE(f.event_types.empty()) << f.name;
    EXPECT_EQ(f.event_types & EventTypeSet::All(), f.event_types) << f.name;
    EXPECT_NE(f.get, nullptr) << f.name;
    EXPECT_NE(FieldTypeName(f.type), "unknown") << f.name;
  }
  // The same order every time.
  EXPECT_EQ(AllFields().data(), AllFields().data());
}

TEST(Fields, EveryFieldOnEveryEventType) {
  const ContainerFields containers[] = {{}, Podman(), Pod(), Unresolved()};
  Verdicts verdicts;
  verdicts.container_exec = true;
  verdicts.host_call = "cloud metadata";
  std::map<std::string_view, int> values;  // per field, how many events gave one
  for (const Event& e : Events()) {
    for (const ContainerFields& c : containers) {
      for (const Field& f : AllFields()) {
        FieldValue v = f.Read({e, c, verdicts, 1'700'000'000'000'000'000});
        std::string where = std::string(f.name) + " on " + std::string(EventTypeName(e.type));
        if (!f.event_types.contains(e.type)) {
          EXPECT_FALSE(v.has_value()) << where << " is not defined there but gave " << v.ToString();
          EXPECT_EQ(v.ToString(), "<NA>") << where;
          continue;
        }
        if (!v.has_value()) continue;
        EXPECT_EQ(v.type(), f.type) << where << ": " << FieldTypeName(v.type()) << " for a " << FieldTypeName(f.type)
                                    << " field";
        ++values[f.name];
      }
    }
  }
  // Each field has a value on some event where it is defined.
  for (const Field& f : AllFields()) EXPECT_GT(values[f.name], 0) << f.name << " never had a value";
  // An event of a value that is no type has no field at all.
  Event bad = Base(static_cast<EventType>(0));
  for (const Field& f : AllFields()) {
    EXPECT_FALSE(f.Read({bad, {}, {}}).has_value()) << f.name;
  }
}

TEST(Fields, ProcessAndEventFields) {
  Event e = Exec();
  e.process.loginuid = 1000;
  struct Case {
    const char* field;
    std::string want;
  };
  const Case cases[] = {
      {"evt.type", "exec"},
      {"evt.rawtime", "1700000005000000123"},
      {"evt.time", "22:13:25.000000123"},
      {"evt.time.iso8601", "2023-11-14T22:13:25.000000123Z"},
      {"evt.res", "<NA>"},
      {"proc.pid", "4641"},
      {"thread.tid", "4642"},
      {"proc.ppid", "4628"},
      {"proc.vpid", "6"},
      {"proc.name", "bash"},
      {"proc.exe", "python3"},
      {"proc.exepath", "/usr/bin/python3"},
      {"proc.args", "-c print(1)"},
      {"proc.cmdline", "bash -c print(1)"},
      {"proc.is_exe_upper_layer", "true"},
      {"proc.is_exe_from_memfd", "false"},
      {"user.uid", "1000"},
      {"user.loginuid", "1000"},
      {"group.gid", "1001"},
      {"vigil.exec.argv", "python3 -c print(1)"},
      {"vigil.exec.lower_layer", "true"},
      {"vigil.exec.overlay", "true"},
      {"vigil.exec.parent_outside", "true"},
      {"vigil.exec.argv_truncated", "false"},
      {"vigil.verdict.container_exec", "true"},
      {"vigil.proc.tty", "pts0"},
      {"vigil.proc.mnt_ns", "4026532250"},
      {"vigil.proc.pid_ns", "4026532253"},
      {"vigil.proc.net_ns", "4026532181"},
      {"vigil.proc.cgroup_id", "8689"},
      {"vigil.proc.cgroup_v1_id", "32899"},
      {"fd.name", "<NA>"},
  };
  Verdicts v;
  v.container_exec = true;
  for (const Case& c : cases) {
    EXPECT_EQ(Value(c.field, e, {}, v, 1'700'000'000'000'000'000), c.want) << c.field;
  }
  e.process.loginuid = 0xffffffff;
  EXPECT_EQ(Value("user.loginuid", e), "-1");
  e.argv.clear();
  EXPECT_EQ(Value("proc.exe", e), "");
  EXPECT_EQ(Value("proc.args", e), "");
  EXPECT_EQ(Value("proc.cmdline", e), "bash");
  // Without the clock offset the time stays on the boot clock.
  EXPECT_EQ(Value("evt.rawtime", e), "5000000123");
  EXPECT_EQ(Value("evt.time", e), "00:00:05.000000123");

  Event exit = Base(EventType::kExit);
  exit.exit_code = (3 << 8) | 0;
  EXPECT_EQ(Value("vigil.exit.code", exit), "3");
  exit.exit_code = 0x8b;  // SIGSEGV with a core
  EXPECT_EQ(Value("vigil.exit.signal", exit), "11");
  EXPECT_EQ(Value("vigil.exit.status", exit), "139");
  Event fork = Base(EventType::kFork);
  fork.child_pid = 99;
  EXPECT_EQ(Value("vigil.fork.child_pid", fork), "99");
  EXPECT_EQ(Value("proc.exe", fork), "<NA>");
}

TEST(Fields, FileFields) {
  Event r = Open("/etc/shadow", O_RDONLY, 3);
  EXPECT_EQ(Value("fd.name", r), "/etc/shadow");
  EXPECT_EQ(Value("fd.type", r), "file");
  EXPECT_EQ(Value("fd.directory", r), "/etc");
  EXPECT_EQ(Value("fd.filename", r), "shadow");
  EXPECT_EQ(Value("fd.num", r), "3");
  EXPECT_EQ(Value("evt.is_open_read", r), "true");
  EXPECT_EQ(Value("evt.is_open_write", r), "false");
  EXPECT_EQ(Value("evt.res", r), "SUCCESS");
  EXPECT_EQ(Value("evt.failed", r), "false");
  EXPECT_EQ(Value("vigil.path", r), "/etc/shadow");
  EXPECT_EQ(Value("vigil.open.flags", r), "0");
  EXPECT_EQ(Value("fd.sip", r), "<NA>");
  Event w = Open("notes.txt", O_RDWR | O_CREAT, -13);
  EXPECT_EQ(Value("fd.directory", w), "");
  EXPECT_EQ(Value("fd.filename", w), "notes.txt");
  EXPECT_EQ(Value("fd.num", w), "<NA>");
  EXPECT_EQ(Value("evt.is_open_read", w), "true");
  EXPECT_EQ(Value("evt.is_open_write", w), "true");
  EXPECT_EQ(Value("evt.res", w), "EACCES");
  EXPECT_EQ(Value("evt.rawres", w), "-13");
  EXPECT_EQ(Value("evt.failed", w), "true");
  EXPECT_EQ(Value("fd.directory", Open("/x", O_WRONLY, 3)), "/");
  // An errno without a name.
  EXPECT_EQ(Value("evt.res", Open("/x", O_WRONLY, -100000)), "E100000");
  EXPECT_EQ(Value("evt.res", Open("/x", O_WRONLY, INT64_MIN)), "E9223372036854775808");
}

TEST(Fields, SocketFields) {
  Event c = Net(EventType::kConnect, AF_INET, "169.254.169.254", 80, 0);
  Verdicts v;
  v.host_call = "cloud metadata";
  EXPECT_EQ(Value("fd.sip", c), "169.254.169.254");
  EXPECT_EQ(Value("fd.sport", c), "80");
  EXPECT_EQ(Value("fd.rip", c), "169.254.169.254");
  EXPECT_EQ(Value("fd.rport", c), "80");
  EXPECT_EQ(Value("fd.cip", c), "<NA>");
  EXPECT_EQ(Value("fd.lip", c), "<NA>");
  EXPECT_EQ(Value("fd.name", c), "169.254.169.254:80");
  EXPECT_EQ(Value("fd.type", c), "ipv4");
  EXPECT_EQ(Value("fd.sockfamily", c), "ip");
  EXPECT_EQ(Value("fd.l4proto", c), "<NA>");
  EXPECT_EQ(Value("vigil.verdict.host_call", c, {}, v), "cloud metadata");
  EXPECT_EQ(Value("vigil.verdict.host_call", c), "");
  Result<const Field*> sip = FindField("fd.sip");
  ASSERT_TRUE(sip.ok());
  FieldValue ip = (*sip)->Read({c, {}, {}});
  ASSERT_TRUE(ip.has_value());
  EXPECT_EQ(ip.AsIp().family, AF_INET);
  EXPECT_EQ(ip.AsIp().bytes[0], 169);
  EXPECT_EQ(ip.AsIp().bytes[4], 0);

  Event u = Net(EventType::kConnect, AF_UNIX, "/run/podman/podman.sock", 0, 0);
  EXPECT_EQ(Value("fd.sip", u), "<NA>");
  EXPECT_EQ(Value("fd.sport", u), "<NA>");
  EXPECT_EQ(Value("fd.name", u), "/run/podman/podman.sock");
  EXPECT_EQ(Value("fd.type", u), "unix");
  EXPECT_EQ(Value("fd.sockfamily", u), "unix");

  Event a = Net(EventType::kAccept, AF_INET6, "::1", 40000, 5);
  EXPECT_EQ(Value("fd.cip", a), "::1");
  EXPECT_EQ(Value("fd.cport", a), "40000");
  EXPECT_EQ(Value("fd.rip", a), "::1");
  EXPECT_EQ(Value("fd.sip", a), "<NA>");
  EXPECT_EQ(Value("fd.num", a), "5");
  EXPECT_EQ(Value("fd.type", a), "ipv6");
  EXPECT_EQ(Value("vigil.verdict.host_call", a), "<NA>");

  Event l = Net(EventType::kListen, AF_INET6, "::", 8080, 0);
  EXPECT_EQ(Value("fd.lip", l), "::");
  EXPECT_EQ(Value("fd.lport", l), "8080");
  EXPECT_EQ(Value("fd.sip", l), "::");
  EXPECT_EQ(Value("fd.rip", l), "<NA>");
  EXPECT_EQ(Value("fd.num", l), "<NA>");

  Event t = Net(EventType::kTcpConnect, AF_INET, "10.0.0.1", 443, -115);
  EXPECT_EQ(Value("fd.l4proto", t), "tcp");
  EXPECT_EQ(Value("evt.res", t), "EINPROGRESS");
  EXPECT_EQ(Value("evt.failed", t), "false");
  EXPECT_EQ(Value("fd.name", t), "10.0.0.1:443");

  Event other = Net(EventType::kBind, 17, "", 0, -97);
  EXPECT_EQ(Value("fd.type", other), "<NA>");
  EXPECT_EQ(Value("fd.name", other), "<NA>");
  EXPECT_EQ(Value("fd.sockfamily", other), "<NA>");
  EXPECT_EQ(Value("evt.res", other), "EAFNOSUPPORT");
}

TEST(Fields, SystemCallFields) {
  if (WatchedSyscalls().empty()) GTEST_SKIP() << "no system call table for this architecture";
  struct Case {
    Event event;
    const char* field;
    std::string want;
  };
  const Case cases[] = {
      {Syscall(EventType::kUnlink, "unlinkat", {uint64_t(-100), 0, 0x200, 0, 0, 0}, -21), "syscall.type", "unlinkat"},
      {Syscall(EventType::kUnlink, "unlinkat", {uint64_t(-100), 0, 0x200, 0, 0, 0}, -21), "vigil.unlink.directory",
       "true"},
      {Syscall(EventType::kUnlink, "unlinkat", {uint64_t(-100), 0, 0, 0, 0, 0}, 0), "vigil.unlink.directory", "false"},
      {Syscall(EventType::kUnlink, "unlinkat", {}, -21), "evt.res", "EISDIR"},
      {Syscall(EventType::kUnlink, "unlinkat", {}, -21), "vigil.path", "/tmp/x"},
      {Syscall(EventType::kRename, "renameat2", {}, 0), "vigil.new_path", "/usr/bin/ls"},
      {Syscall(EventType::kChmod, "fchmodat", {uint64_t(-100), 0, 04755, 0, 0, 0}, 0), "vigil.chmod.mode", "2541"},
      {Syscall(EventType::kChmod, "fchmod", {3, 0755, 0, 0, 0, 0}, 0), "vigil.chmod.mode", "493"},
      {Syscall(EventType::kChmod, "fchmod", {3, 0755, 0, 0, 0, 0}, 0), "vigil.path", "<NA>"},
      {Syscall(EventType::kChown, "fchownat", {uint64_t(-100), 0, 0, 0xffffffff, 0, 0}, 0), "vigil.chown.uid", "0"},
      {Syscall(EventType::kChown, "fchownat", {uint64_t(-100), 0, 0, 0xffffffff, 0, 0}, 0), "vigil.chown.gid", "-1"},
      {Syscall(EventType::kChown, "fchown", {3, 1000, 1000, 0, 0, 0}, 0), "vigil.chown.uid", "1000"},
      {Syscall(EventType::kNamespace, "unshare", {0x20020000, 0, 0, 0, 0, 0}, 0), "vigil.namespace.names", "mnt pid"},
      {Syscall(EventType::kNamespace, "setns", {5, 0x40000000, 0, 0, 0, 0}, 0), "vigil.namespace.flags", "1073741824"},
      {Syscall(EventType::kPtrace, "ptrace", {0x4206, 1234, 0, 0, 0, 0}, -1), "vigil.ptrace.request", "seize"},
      {Syscall(EventType::kPtrace, "ptrace", {0x4206, 1234, 0, 0, 0, 0}, -1), "vigil.ptrace.target_pid", "1234"},
      {Syscall(EventType::kPtrace, "ptrace", {}, -1), "evt.res", "EPERM"},
      {Syscall(EventType::kMount, "mount", {}, 0), "vigil.mount.source", "/tmp/x"},
      {Syscall(EventType::kMount, "mount", {}, 0), "vigil.mount.target", "/usr/bin/ls"},
      {Syscall(EventType::kMount, "mount", {}, 0), "vigil.mount.fstype", "ext4"},
      {Syscall(EventType::kModule, "finit_module", {}, 0), "vigil.module.params", "ext4"},
      {Syscall(EventType::kMemfd, "memfd_create", {}, 4), "vigil.memfd.name", "/tmp/x"},
      {Syscall(EventType::kMemfd, "memfd_create", {}, 4), "vigil.path", "<NA>"},
      {Syscall(EventType::kBpf, "bpf", {5, 0, 0, 0, 0, 0}, 9), "vigil.bpf.command", "prog_load"},
      {Syscall(EventType::kBpf, "bpf", {5, 0, 0, 0, 0, 0}, 9), "evt.rawres", "9"},
      {Syscall(EventType::kSetid, "setuid", {}, 0), "syscall.type", "setuid"},
      {Syscall(EventType::kSetid, "no such call", {}, 0), "syscall.type", "unknown"},
      {Syscall(EventType::kSetid, "setuid", {}, 0), "fd.name", "<NA>"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Value(c.field, c.event), c.want) << c.field << " on " << EventTypeName(c.event.type);
  }
}

TEST(Fields, ContainerFields) {
  Event e = Exec();
  // A host process: Falco's "host" for id and name, "" for the rest.
  EXPECT_EQ(Value("container.id", e), "host");
  EXPECT_EQ(Value("container.full_id", e), "host");
  EXPECT_EQ(Value("container.name", e), "host");
  EXPECT_EQ(Value("container.type", e), "host");
  EXPECT_EQ(Value("container.image", e), "");
  EXPECT_EQ(Value("k8s.pod.uid", e), "");
  EXPECT_EQ(Value("vigil.container.metadata", e), "none");
  EXPECT_EQ(Value("vigil.container.unresolved", e), "false");
  // Not attributed: no container value at all.
  for (const char* f : {"container.id", "container.full_id", "container.name", "container.type", "container.image",
                        "container.image.repository", "container.image.tag", "container.image.digest", "k8s.pod.uid",
                        "k8s.pod.name", "k8s.ns.name"}) {
    EXPECT_EQ(Value(f, e, Unresolved()), "<NA>") << f;
  }
  EXPECT_EQ(Value("vigil.container.unresolved", e, Unresolved()), "true");
  ContainerFields p = Podman();
  EXPECT_EQ(Value("container.id", e, p), "0123456789ab");
  EXPECT_EQ(Value("container.full_id", e, p), p.id);
  EXPECT_EQ(Value("container.name", e, p), "web");
  EXPECT_EQ(Value("container.type", e, p), "podman");
  EXPECT_EQ(Value("container.image", e, p), p.image);
  EXPECT_EQ(Value("container.image.repository", e, p), "registry.example:5000/team/app");
  EXPECT_EQ(Value("container.image.tag", e, p), "1.2");
  EXPECT_EQ(Value("container.image.digest", e, p), p.image_digest);
  EXPECT_EQ(Value("vigil.container.metadata", e, p), "ready");
  EXPECT_EQ(Value("k8s.pod.name", e, p), "");
  ContainerFields k = Pod();
  EXPECT_EQ(Value("container.type", e, k), "cri-o");
  EXPECT_EQ(Value("container.image.repository", e, k), "localhost/api");
  EXPECT_EQ(Value("container.image.tag", e, k), "");
  EXPECT_EQ(Value("k8s.pod.uid", e, k), k.pod_uid);
  EXPECT_EQ(Value("k8s.pod.name", e, k), "api-7d9f");
  EXPECT_EQ(Value("k8s.ns.name", e, k), "prod");
  k.image = "registry.example:5000/api";  // a registry port is no tag
  EXPECT_EQ(Value("container.image.repository", e, k), "registry.example:5000/api");
  EXPECT_EQ(Value("container.image.tag", e, k), "");
}

TEST(Fields, StringsViewTheEventWithoutCopying) {
  Event e = Exec();
  ContainerFields c = Podman();
  Verdicts v;
  FieldInput in{e, c, v};
  auto read = [&](std::string_view name) {
    Result<const Field*> f = FindField(name);
    EXPECT_TRUE(f.ok()) << name;
    return (*f)->Read(in);
  };
  EXPECT_EQ(read("proc.name").AsString().data(), e.process.comm.data());
  EXPECT_EQ(read("proc.exepath").AsString().data(), e.filename.data());
  EXPECT_EQ(read("container.id").AsString().data(), c.id.data());
  EXPECT_EQ(read("container.image.repository").AsString().data(), c.image.data());
  EXPECT_EQ(read("vigil.exec.argv").AsList().data(), e.argv.data());
  // Built values own their text, also across copies.
  FieldValue cmdline = read("proc.cmdline");
  FieldValue copy = cmdline;
  cmdline = FieldValue();
  EXPECT_EQ(copy.AsString(), "bash -c print(1)");
  EXPECT_EQ(cmdline.ToString(), "<NA>");
}

TEST(Fields, FindField) {
  Result<const Field*> f = FindField("proc.name");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->name, "proc.name");
  EXPECT_EQ((*f)->type, FieldType::kString);
  for (const Field& each : AllFields()) {
    Result<const Field*> again = FindField(each.name);
    ASSERT_TRUE(again.ok()) << each.name;
    EXPECT_EQ(*again, &each);
  }
  Result<const Field*> typo = FindField("proc.nmae");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(typo.error().message().find("unknown field 'proc.nmae'"), std::string::npos) << typo.error().message();
  EXPECT_NE(typo.error().message().find("did you mean 'proc.name'"), std::string::npos) << typo.error().message();
  Result<const Field*> far = FindField("no.such.thing");
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().message(), "unknown field 'no.such.thing'");
  EXPECT_FALSE(FindField("").ok());
  EXPECT_FALSE(FindField("PROC.NAME").ok());
  EXPECT_FALSE(FindField("proc.name ").ok());
  EXPECT_FALSE(FindField(std::string(100000, 'x')).ok());
}

TEST(Fields, TypeNames) {
  EXPECT_EQ(FieldTypeName(FieldType::kString), "string");
  EXPECT_EQ(FieldTypeName(FieldType::kInt64), "int64");
  EXPECT_EQ(FieldTypeName(FieldType::kUint64), "uint64");
  EXPECT_EQ(FieldTypeName(FieldType::kBool), "bool");
  EXPECT_EQ(FieldTypeName(FieldType::kIpAddress), "ipaddr");
  EXPECT_EQ(FieldTypeName(FieldType::kStringList), "list");
  EXPECT_EQ(FieldTypeName(static_cast<FieldType>(99)), "unknown");
  EXPECT_EQ(IpAddress{}.ToString(), "");
}

// docs/SENSOR.md lists every field for rule authors.
TEST(Fields, EveryFieldIsDocumented) {
  std::ifstream in(testing::SourceDir() + "/docs/SENSOR.md");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  for (const Field& f : AllFields()) {
    EXPECT_NE(text.str().find("`" + std::string(f.name) + "`"), std::string::npos)
        << f.name << " is missing from docs/SENSOR.md";
  }
}

}  // namespace
}  // namespace vigil::runtime
