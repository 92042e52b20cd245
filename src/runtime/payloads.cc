// The per-type code of the sensor's events: what each kernel record carries beyond its header,
// and what each type's JSON object says (docs/SENSOR.md, "JSON lines"). A new event type adds
// its functions here (docs/howto/add-a-sensor-event.md); the dispatch to them is generated from
// the table (runtime/event_types.h) in event.cc.
#include "runtime/internal/payloads.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "runtime/internal/syscalls.h"

namespace vigil::runtime::payload {

// The records' layout as the decoder reads it (VIGIL_EVENT_ABI 2): each field's offset and size,
// and each record's size. The kernel side is compiled from the same header by another compiler
// (clang -target bpf); these pin what both must agree on, and a change to a record fails here
// first: bump VIGIL_EVENT_ABI and change the layout below with it.
// clang-format off
#define VIGIL_RECORD_FIELDS(F)                                                                   \
  F(header, ts_ns, 0, 8) F(header, type, 8, 4) F(header, size, 12, 4) F(header, pid, 16, 4)      \
  F(header, tid, 20, 4) F(header, ppid, 24, 4) F(header, ns_pid, 28, 4) F(header, uid, 32, 4)    \
  F(header, gid, 36, 4) F(header, loginuid, 40, 4) F(header, mnt_ns, 44, 4)                      \
  F(header, pid_ns, 48, 4) F(header, net_ns, 52, 4) F(header, cgroup_id, 56, 8)                  \
  F(header, cgroup_v1_id, 64, 8) F(header, comm, 72, 16) F(header, tty, 88, 16)                  \
  F(exec, h, 0, 104) F(exec, flags, 104, 4) F(exec, args_len, 108, 4) F(exec, filename, 112, 256) \
  F(exec, args, 368, 512)                                                                        \
  F(exit, h, 0, 104) F(exit, exit_code, 104, 4) F(exit, pad, 108, 4)                             \
  F(fork, h, 0, 104) F(fork, child_pid, 104, 4) F(fork, child_tid, 108, 4)                       \
  F(open, h, 0, 104) F(open, flags, 104, 4) F(open, mode, 108, 4) F(open, result, 112, 4)         \
  F(open, pad, 116, 4) F(open, path, 120, 256)                                                   \
  F(net, h, 0, 104) F(net, result, 104, 4) F(net, family, 108, 2) F(net, port, 110, 2)            \
  F(net, addr, 112, 16) F(net, unix_path, 128, 108)                                              \
  F(syscall, h, 0, 104) F(syscall, result, 104, 8) F(syscall, nr, 112, 4) F(syscall, pad, 116, 4) \
  F(syscall, args, 120, 48) F(syscall, path, 168, 256) F(syscall, path2, 424, 256)               \
  F(syscall, str, 680, 32)
#define VIGIL_RECORD_SIZES(S) \
  S(header, 104) S(exec, 880) S(exit, 112) S(fork, 112) S(open, 376) S(net, 240) S(syscall, 712)
// clang-format on

namespace {

// The size of record R in the list above; 0 for a record the list does not have.
template <typename R>
inline constexpr size_t kRecordBytes = 0;
#define VIGIL_RECORD_SIZE(record, bytes) \
  template <>                            \
  inline constexpr size_t kRecordBytes<vigil_##record> = bytes;
VIGIL_RECORD_SIZES(VIGIL_RECORD_SIZE)
#undef VIGIL_RECORD_SIZE

#define VIGIL_RECORD_FIELD_CHECK(record, field, offset, bytes)                                           \
  static_assert(offsetof(vigil_##record, field) == (offset) && sizeof(vigil_##record::field) == (bytes), \
                "vigil_" #record "." #field " moved or changed size: bump VIGIL_EVENT_ABI and the layout here");
VIGIL_RECORD_FIELDS(VIGIL_RECORD_FIELD_CHECK)
#undef VIGIL_RECORD_FIELD_CHECK

#define VIGIL_RECORD_SIZE_CHECK(record, bytes)                          \
  static_assert(sizeof(vigil_##record) == kRecordBytes<vigil_##record>, \
                "vigil_" #record " changed size: bump VIGIL_EVENT_ABI and the layout here");
VIGIL_RECORD_SIZES(VIGIL_RECORD_SIZE_CHECK)
#undef VIGIL_RECORD_SIZE_CHECK

// Every row of the table names a record of the list, which starts with the header.
#define VIGIL_EVENT_TYPE_RECORD_CHECK(name, NAME, Name, value, record, ...)              \
  static_assert(kRecordBytes<vigil_##record> == sizeof(vigil_##record),                  \
                "event type " #name ": its record has no layout in VIGIL_RECORD_SIZES"); \
  static_assert(offsetof(vigil_##record, h) == 0, "event type " #name ": its record must start with the header");
VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_RECORD_CHECK)
#undef VIGIL_EVENT_TYPE_RECORD_CHECK

// A C string inside a fixed array: up to the first NUL or the array's end.
template <size_t N>
std::string Str(const char (&a)[N]) {
  return std::string(a, strnlen(a, N));
}

std::vector<std::string> SplitArgs(const char* data, size_t len) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < len; ++i) {
    if (data[i] == '\0') {
      out.emplace_back(data + start, i - start);
      start = i + 1;
    }
  }
  if (start < len) out.emplace_back(data + start, len - start);  // cut in the middle of one
  return out;
}

std::string Based(uint64_t v, int base, const char* prefix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, base == 8 ? "%s%llo" : "%s%llx", prefix, static_cast<unsigned long long>(v));
  return buf;
}

// The network types' object; `host_call` for the types whose verdict says whether the
// connection reaches the host (connect, tcp_connect).
void WriteNet(JsonLine& j, const Event& e, const Verdicts& v, bool host_call) {
  const char* fam = e.family == AF_INET    ? "inet"
                    : e.family == AF_INET6 ? "inet6"
                    : e.family == AF_UNIX  ? "unix"
                                           : "other";
  j.Str("family", fam);
  j.Str("address", e.Address());
  j.UNum("port", e.port);
  j.Num("result", e.result);
  if (host_call) {
    if (v.host_call.empty()) {
      j.Null("host_call");
    } else {
      j.Str("host_call", v.host_call);
    }
  }
}

// Starts a system call type's object with "syscall" (its writer ends it with "result"); returns
// the system call's name.
std::string_view BeginSyscall(JsonLine& j, const Event& e) {
  std::string_view call = SyscallName(e);
  j.Str("syscall", call);
  return call;
}

// The file a chmod or chown names: its descriptor or its path.
void WriteFdOrPath(JsonLine& j, const Event& e) {
  if (ByDescriptor(e)) {
    j.Num("fd", static_cast<int32_t>(e.args[0]));
  } else {
    j.Str("path", e.path);
  }
}

}  // namespace

std::string_view SyscallName(const Event& e) {
  const SyscallSpec* spec = FindSyscall(e.syscall_nr);
  return spec ? spec->name : "unknown";
}

bool UnlinkIsDirectory(const Event& e) {
  std::string_view call = SyscallName(e);
  return call == "rmdir" || (call == "unlinkat" && (e.args[2] & 0x200));
}

bool ByDescriptor(const Event& e) {
  const SyscallSpec* spec = FindSyscall(e.syscall_nr);
  return spec && spec->path_arg == 0;
}

uint64_t ChmodMode(const Event& e) {
  const SyscallSpec* spec = FindSyscall(e.syscall_nr);
  return spec ? (spec->flags_arg >= 1 ? e.args[spec->flags_arg - 1] : 0) & 07777 : 0;
}

std::pair<int32_t, int32_t> ChownIds(const Event& e) {
  size_t first = SyscallName(e) == "fchownat" ? 2 : 1;  // the uid argument
  return {static_cast<int32_t>(e.args[first]), static_cast<int32_t>(e.args[first + 1])};
}

uint64_t NamespaceFlags(const Event& e) { return SyscallName(e) == "setns" ? e.args[1] : e.args[0]; }

// The CLONE_NEW* bits of unshare(2) flags / setns(2) nstype, by name.
std::vector<std::string> NamespaceNames(uint64_t flags) {
  static constexpr std::pair<uint64_t, const char*> kBits[] = {
      {0x00020000, "mnt"}, {0x04000000, "uts"}, {0x08000000, "ipc"},    {0x10000000, "user"},
      {0x20000000, "pid"}, {0x40000000, "net"}, {0x02000000, "cgroup"}, {0x00000080, "time"}};
  std::vector<std::string> out;
  for (auto [bit, name] : kBits) {
    if (flags & bit) out.emplace_back(name);
  }
  return out;
}

std::string_view PtraceRequestName(uint64_t r) {
  switch (r) {
    case 0:
      return "traceme";
    case 4:
      return "poketext";
    case 5:
      return "pokedata";
    case 6:
      return "pokeuser";
    case 13:
      return "setregs";
    case 15:
      return "setfpregs";
    case 16:
      return "attach";
    case 0x4205:
      return "setregset";
    case 0x4206:
      return "seize";
  }
  return "other";
}

std::string_view BpfCommandName(uint64_t c) {
  static constexpr std::string_view kNames[] = {"map_create",        "map_lookup_elem",
                                                "map_update_elem",   "map_delete_elem",
                                                "map_get_next_key",  "prog_load",
                                                "obj_pin",           "obj_get",
                                                "prog_attach",       "prog_detach",
                                                "prog_test_run",     "prog_get_next_id",
                                                "map_get_next_id",   "prog_get_fd_by_id",
                                                "map_get_fd_by_id",  "obj_get_info_by_fd",
                                                "prog_query",        "raw_tracepoint_open",
                                                "btf_load",          "btf_get_fd_by_id",
                                                "task_fd_query",     "map_lookup_and_delete_elem",
                                                "map_freeze",        "btf_get_next_id",
                                                "map_lookup_batch",  "map_lookup_and_delete_batch",
                                                "map_update_batch",  "map_delete_batch",
                                                "link_create",       "link_update",
                                                "link_get_fd_by_id", "link_get_next_id",
                                                "enable_stats",      "iter_create",
                                                "link_detach",       "prog_bind_map",
                                                "token_create"};
  return c < std::size(kNames) ? kNames[c] : "other";
}

// ---- Records ----

void Decode(const vigil_exec& r, Event& e) {
  e.filename = Str(r.filename);
  e.argv = SplitArgs(r.args, std::min<size_t>(r.args_len, sizeof r.args));
  e.argv_truncated = (r.flags & VIGIL_EXEC_ARGS_CUT) != 0;
  e.memfd = (r.flags & VIGIL_EXEC_MEMFD) != 0;
  e.overlay = (r.flags & VIGIL_EXEC_OVERLAY) != 0;
  e.parent_outside = (r.flags & VIGIL_EXEC_PARENT_HOST) != 0;
  e.upper_layer = (r.flags & VIGIL_EXEC_UPPER) != 0;
  e.lower_layer = (r.flags & VIGIL_EXEC_LOWER) != 0;
}

void Decode(const vigil_exit& r, Event& e) { e.exit_code = r.exit_code; }

void Decode(const vigil_fork& r, Event& e) { e.child_pid = r.child_pid; }

void Decode(const vigil_open& r, Event& e) {
  e.open_flags = r.flags;
  e.result = r.result;
  e.path = Str(r.path);
}

void Decode(const vigil_net& r, Event& e) {
  e.result = r.result;
  e.family = r.family;
  e.port = r.port;
  std::memcpy(e.addr.data(), r.addr, sizeof r.addr);
  e.unix_path = Str(r.unix_path);
}

void Decode(const vigil_syscall& r, Event& e) {
  e.result = r.result;
  e.syscall_nr = r.nr;
  std::memcpy(e.args.data(), r.args, sizeof r.args);
  e.path = Str(r.path);
  e.path2 = Str(r.path2);
  e.str = Str(r.str);
}

// ---- JSON objects, one per type ----

void WriteExec(JsonLine& j, const Event& e, const Verdicts& v) {
  j.Str("filename", e.filename);
  j.StrArray("argv", e.argv);
  j.Bool("argv_truncated", e.argv_truncated);
  j.Bool("memfd", e.memfd);
  j.Bool("overlay", e.overlay);
  j.Bool("upper_layer", e.upper_layer);
  j.Bool("lower_layer", e.lower_layer);
  j.Bool("parent_outside", e.parent_outside);
  j.Bool("container_exec", v.container_exec);
}

void WriteExit(JsonLine& j, const Event& e, const Verdicts&) {
  j.Num("status", e.exit_code);
  j.Num("code", (e.exit_code >> 8) & 0xff);
  j.Num("signal", e.exit_code & 0x7f);
}

void WriteFork(JsonLine& j, const Event& e, const Verdicts&) { j.UNum("child_pid", e.child_pid); }

void WriteOpen(JsonLine& j, const Event& e, const Verdicts&) {
  j.Str("path", e.path);
  j.UNum("flags", e.open_flags);
  j.Num("result", e.result);
}

void WriteConnect(JsonLine& j, const Event& e, const Verdicts& v) { WriteNet(j, e, v, true); }
void WriteAccept(JsonLine& j, const Event& e, const Verdicts& v) { WriteNet(j, e, v, false); }
void WriteBind(JsonLine& j, const Event& e, const Verdicts& v) { WriteNet(j, e, v, false); }
void WriteListen(JsonLine& j, const Event& e, const Verdicts& v) { WriteNet(j, e, v, false); }
void WriteTcpConnect(JsonLine& j, const Event& e, const Verdicts& v) { WriteNet(j, e, v, true); }

void WriteUnlink(JsonLine& j, const Event& e, const Verdicts&) {
  BeginSyscall(j, e);
  j.Str("path", e.path);
  j.Bool("directory", UnlinkIsDirectory(e));
  j.Num("result", e.result);
}

void WriteRename(JsonLine& j, const Event& e, const Verdicts&) {
  BeginSyscall(j, e);
  j.Str("path", e.path);
  j.Str("new_path", e.path2);
  j.Num("result", e.result);
}

void WriteChmod(JsonLine& j, const Event& e, const Verdicts&) {
  BeginSyscall(j, e);
  WriteFdOrPath(j, e);
  j.Str("mode", Based(ChmodMode(e), 8, "0"));
  j.Num("result", e.result);
}

void WriteChown(JsonLine& j, const Event& e, const Verdicts&) {
  BeginSyscall(j, e);
  WriteFdOrPath(j, e);
  auto [uid, gid] = ChownIds(e);
  j.Num("uid", uid);
  j.Num("gid", gid);
  j.Num("result", e.result);
}

void WriteSetid(JsonLine& j, const Event& e, const Verdicts&) {
  std::string_view call = BeginSyscall(j, e);
  const auto& a = e.args;
  if (call == "capset") {
    j.Str("effective", Based(a[2], 16, "0x"));
    j.Str("permitted", Based(a[3], 16, "0x"));
    j.Str("inheritable", Based(a[4], 16, "0x"));
  } else {
    size_t n = call.starts_with("setres") ? 3 : call.starts_with("setre") ? 2 : 1;
    j.Key("ids");
    j.Raw("[");
    for (size_t i = 0; i < n; ++i) {
      if (i) j.Raw(",");
      j.Raw(std::to_string(static_cast<int32_t>(a[i])));
    }
    j.Raw("]");
  }
  j.Num("result", e.result);
}

void WriteNamespace(JsonLine& j, const Event& e, const Verdicts&) {
  std::string_view call = BeginSyscall(j, e);
  uint64_t flags = NamespaceFlags(e);
  if (call == "setns") j.Num("fd", static_cast<int32_t>(e.args[0]));
  j.Str("flags", Based(flags, 16, "0x"));
  j.StrArray("namespaces", NamespaceNames(flags));
  j.Num("result", e.result);
}

void WritePtrace(JsonLine& j, const Event& e, const Verdicts&) {
  BeginSyscall(j, e);
  j.Str("request", PtraceRequestName(e.args[0]));
  j.UNum("request_number", e.args[0]);
  j.Num("target_pid", static_cast<int32_t>(e.args[1]));
  j.Num("result", e.result);
}

void WriteMount(JsonLine& j, const Event& e, const Verdicts&) {
  BeginSyscall(j, e);
  j.Str("source", e.path);
  j.Str("target", e.path2);
  j.Str("fstype", e.str);
  j.Str("flags", Based(e.args[3], 16, "0x"));
  j.Num("result", e.result);
}

void WriteModule(JsonLine& j, const Event& e, const Verdicts&) {
  std::string_view call = BeginSyscall(j, e);
  if (call == "finit_module") j.Num("fd", static_cast<int32_t>(e.args[0]));
  j.Str("params", e.str);
  j.Num("result", e.result);
}

void WriteMemfd(JsonLine& j, const Event& e, const Verdicts&) {
  BeginSyscall(j, e);
  j.Str("name", e.path);
  j.Str("flags", Based(e.args[1], 16, "0x"));
  j.Num("result", e.result);
}

void WriteBpf(JsonLine& j, const Event& e, const Verdicts&) {
  BeginSyscall(j, e);
  j.Str("command", BpfCommandName(e.args[0]));
  j.UNum("command_number", e.args[0]);
  j.Num("result", e.result);
}

void WriteUnknownType(JsonLine& j, const Event& e) {
  BeginSyscall(j, e);
  j.Num("result", e.result);
}

}  // namespace vigil::runtime::payload
