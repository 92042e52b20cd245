#include "runtime/event.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>
#include <iterator>
#include <optional>

#include "runtime/bpf/events.h"
#include "runtime/internal/syscalls.h"

namespace vigil::runtime {

// The layout is shared with the kernel side: a change there must be a change here.
static_assert(sizeof(vigil_header) == 104, "vigil_header changed: bump VIGIL_EVENT_ABI and the decoder");
static_assert(sizeof(vigil_exec) == 104 + 8 + VIGIL_PATH_LEN + VIGIL_ARGS_LEN, "vigil_exec changed");
static_assert(sizeof(vigil_syscall) == 104 + 16 + 48 + 2 * VIGIL_PATH_LEN + VIGIL_STR_LEN, "vigil_syscall changed");
static_assert(static_cast<size_t>(VIGIL_EV_MAX) == kEventTypeSlots, "event types differ between kernel and user space");

namespace {

// A C string inside a fixed array: up to the first NUL or the array's end.
template <size_t N>
std::string Str(const char (&a)[N]) {
  return std::string(a, strnlen(a, N));
}

// The record of type T at the start of `bytes`; nullopt when `bytes` is shorter.
template <typename T>
std::optional<T> Record(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(T)) return std::nullopt;
  T r;
  std::memcpy(&r, bytes.data(), sizeof r);
  return r;
}

ProcessInfo Process(const vigil_header& h) {
  ProcessInfo p;
  p.pid = h.pid;
  p.tid = h.tid;
  p.ppid = h.ppid;
  p.ns_pid = h.ns_pid;
  p.uid = h.uid;
  p.gid = h.gid;
  p.loginuid = h.loginuid;
  p.mnt_ns = h.mnt_ns;
  p.pid_ns = h.pid_ns;
  p.net_ns = h.net_ns;
  p.cgroup_id = h.cgroup_id;
  p.cgroup_v1_id = h.cgroup_v1_id;
  p.comm = Str(h.comm);
  p.tty = Str(h.tty);
  return p;
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

}  // namespace

namespace {

constexpr EventType kAll[] = {
    EventType::kExec,   EventType::kExit,      EventType::kFork,   EventType::kOpen,   EventType::kConnect,
    EventType::kAccept, EventType::kBind,      EventType::kListen, EventType::kUnlink, EventType::kRename,
    EventType::kChmod,  EventType::kChown,     EventType::kSetid,  EventType::kNamespace, EventType::kPtrace,
    EventType::kMount,  EventType::kModule,    EventType::kMemfd,  EventType::kBpf,    EventType::kTcpConnect,
};
constexpr std::string_view kNames[kEventTypeSlots] = {
    "unknown", "exec",  "exit",  "fork",  "open",      "connect", "accept", "bind",   "listen", "unlink", "rename",
    "chmod",   "chown", "setid", "namespace", "ptrace", "mount",  "module", "memfd",  "bpf",    "tcp_connect"};
constexpr EventType kDefault[] = {EventType::kExec, EventType::kExit, EventType::kFork, EventType::kTcpConnect};

}  // namespace

std::string_view EventTypeName(EventType type) {
  size_t i = static_cast<size_t>(type);
  return i < kEventTypeSlots ? kNames[i] : "unknown";
}

std::span<const EventType> AllEventTypes() { return kAll; }
std::span<const EventType> DefaultEventTypes() { return kDefault; }

bool UsesSyscallProbes(EventType type) {
  return type != EventType::kExec && type != EventType::kExit && type != EventType::kFork &&
         type != EventType::kTcpConnect;
}

Result<EventType> ParseEventType(std::string_view name) {
  for (EventType t : kAll) {
    if (EventTypeName(t) == name) return t;
  }
  std::string known;
  for (EventType t : kAll) known += (known.empty() ? "" : ", ") + std::string(EventTypeName(t));
  return InvalidArgument("unknown event type '" + std::string(name) + "' (known: " + known +
                         "; or default, syscalls, all)");
}

Result<std::vector<EventType>> ParseEventSet(const std::vector<std::string>& names) {
  bool want[kEventTypeSlots] = {};
  for (const std::string& name : names) {
    if (name == "all") {
      for (EventType t : kAll) want[static_cast<size_t>(t)] = true;
    } else if (name == "default") {
      for (EventType t : kDefault) want[static_cast<size_t>(t)] = true;
    } else if (name == "syscalls") {
      for (EventType t : kAll) want[static_cast<size_t>(t)] |= UsesSyscallProbes(t);
    } else {
      VIGIL_ASSIGN_OR_RETURN(EventType t, ParseEventType(name));
      want[static_cast<size_t>(t)] = true;
    }
  }
  std::vector<EventType> out;
  for (EventType t : kAll) {
    if (want[static_cast<size_t>(t)]) out.push_back(t);
  }
  return out;
}

std::string Event::Address() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) return inet_ntop(AF_INET, addr.data(), buf, sizeof buf) ? buf : "";
  if (family == AF_INET6) return inet_ntop(AF_INET6, addr.data(), buf, sizeof buf) ? buf : "";
  if (family == AF_UNIX) return unix_path;
  return {};
}

Result<Event> DecodeEvent(std::span<const uint8_t> bytes) {
  std::optional<vigil_header> header = Record<vigil_header>(bytes);
  if (!header) {
    return Corrupt("sensor record of " + std::to_string(bytes.size()) + " bytes is shorter than its header (" +
                   std::to_string(sizeof(vigil_header)) + ")");
  }
  const vigil_header& h = *header;
  if (h.size != bytes.size()) {
    return Corrupt("sensor record says " + std::to_string(h.size) + " bytes but has " + std::to_string(bytes.size()));
  }
  Event e;
  e.ts_ns = h.ts_ns;
  e.process = Process(h);
  auto too_short = [&](const char* what) {
    return Corrupt(std::string("sensor ") + what + " record of " + std::to_string(bytes.size()) + " bytes is too short");
  };
  switch (h.type) {
    case VIGIL_EV_EXEC: {
      std::optional<vigil_exec> rec = Record<vigil_exec>(bytes);
      if (!rec) return too_short("exec");
      const vigil_exec& r = *rec;
      e.type = EventType::kExec;
      e.filename = Str(r.filename);
      e.argv = SplitArgs(r.args, std::min<size_t>(r.args_len, sizeof r.args));
      e.argv_truncated = (r.flags & VIGIL_EXEC_ARGS_CUT) != 0;
      e.memfd = (r.flags & VIGIL_EXEC_MEMFD) != 0;
      e.overlay = (r.flags & VIGIL_EXEC_OVERLAY) != 0;
      e.parent_outside = (r.flags & VIGIL_EXEC_PARENT_HOST) != 0;
      e.upper_layer = (r.flags & VIGIL_EXEC_UPPER) != 0;
      e.lower_layer = (r.flags & VIGIL_EXEC_LOWER) != 0;
      return e;
    }
    case VIGIL_EV_EXIT: {
      std::optional<vigil_exit> rec = Record<vigil_exit>(bytes);
      if (!rec) return too_short("exit");
      const vigil_exit& r = *rec;
      e.type = EventType::kExit;
      e.exit_code = r.exit_code;
      return e;
    }
    case VIGIL_EV_FORK: {
      std::optional<vigil_fork> rec = Record<vigil_fork>(bytes);
      if (!rec) return too_short("fork");
      const vigil_fork& r = *rec;
      e.type = EventType::kFork;
      e.child_pid = r.child_pid;
      return e;
    }
    case VIGIL_EV_OPEN: {
      std::optional<vigil_open> rec = Record<vigil_open>(bytes);
      if (!rec) return too_short("open");
      const vigil_open& r = *rec;
      e.type = EventType::kOpen;
      e.open_flags = r.flags;
      e.result = r.result;
      e.path = Str(r.path);
      return e;
    }
    case VIGIL_EV_CONNECT:
    case VIGIL_EV_ACCEPT:
    case VIGIL_EV_BIND:
    case VIGIL_EV_LISTEN:
    case VIGIL_EV_TCP_CONNECT: {
      std::optional<vigil_net> rec = Record<vigil_net>(bytes);
      if (!rec) return too_short(kNames[h.type].data());
      const vigil_net& r = *rec;
      e.type = static_cast<EventType>(h.type);
      e.result = r.result;
      e.family = r.family;
      e.port = r.port;
      std::memcpy(e.addr.data(), r.addr, sizeof r.addr);
      e.unix_path = Str(r.unix_path);
      return e;
    }
    case VIGIL_EV_UNLINK:
    case VIGIL_EV_RENAME:
    case VIGIL_EV_CHMOD:
    case VIGIL_EV_CHOWN:
    case VIGIL_EV_SETID:
    case VIGIL_EV_NAMESPACE:
    case VIGIL_EV_PTRACE:
    case VIGIL_EV_MOUNT:
    case VIGIL_EV_MODULE:
    case VIGIL_EV_MEMFD:
    case VIGIL_EV_BPF: {
      std::optional<vigil_syscall> rec = Record<vigil_syscall>(bytes);
      if (!rec) return too_short(kNames[h.type].data());
      const vigil_syscall& r = *rec;
      e.type = static_cast<EventType>(h.type);
      e.result = r.result;
      e.syscall_nr = r.nr;
      std::memcpy(e.args.data(), r.args, sizeof r.args);
      e.path = Str(r.path);
      e.path2 = Str(r.path2);
      e.str = Str(r.str);
      return e;
    }
    default:
      return Corrupt("sensor record of unknown type " + std::to_string(h.type));
  }
}

namespace {

// JSON text written by hand: nlohmann::json builds a tree per event, about 6 us; the sensor writes
// hundreds of thousands of lines a second.
class Line {
 public:
  explicit Line(size_t reserve) { out_.reserve(reserve); }
  void Raw(std::string_view s) { out_.append(s); }
  void Key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(k);
    out_.append("\":");
  }
  void Open() {
    out_.push_back('{');
    first_ = true;
  }
  void Close() {
    out_.push_back('}');
    first_ = false;
  }
  void Str(std::string_view k, std::string_view v) {
    Key(k);
    Quote(v);
  }
  // A member whose name comes from outside (a label): the name is escaped too.
  void ForeignStr(std::string_view k, std::string_view v) {
    if (!first_) out_.push_back(',');
    first_ = false;
    Quote(k);
    out_.push_back(':');
    Quote(v);
  }
  void Num(std::string_view k, int64_t v) {
    Key(k);
    out_.append(std::to_string(v));
  }
  void UNum(std::string_view k, uint64_t v) {
    Key(k);
    out_.append(std::to_string(v));
  }
  void Bool(std::string_view k, bool v) {
    Key(k);
    out_.append(v ? "true" : "false");
  }
  void Null(std::string_view k) {
    Key(k);
    out_.append("null");
  }
  void StrArray(std::string_view k, const std::vector<std::string>& v) {
    Key(k);
    out_.push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out_.push_back(',');
      Quote(v[i]);
    }
    out_.push_back(']');
  }
  // A JSON string: quotes, backslashes and control bytes escaped, invalid UTF-8 replaced by U+FFFD.
  void Quote(std::string_view s) {
    out_.push_back('"');
    size_t i = 0;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        out_.push_back(static_cast<char>(c));
        ++i;
        continue;
      }
      if (c == '"' || c == '\\') {
        out_.push_back('\\');
        out_.push_back(static_cast<char>(c));
        ++i;
        continue;
      }
      if (c < 0x20) {
        static const char kHex[] = "0123456789abcdef";
        out_.append("\\u00");
        out_.push_back(kHex[c >> 4]);
        out_.push_back(kHex[c & 15]);
        ++i;
        continue;
      }
      size_t n = Utf8Length(s, i);
      if (n == 0) {
        out_.append("\xef\xbf\xbd");
        ++i;
      } else {
        out_.append(s.substr(i, n));
        i += n;
      }
    }
    out_.push_back('"');
  }
  std::string Take() { return std::move(out_); }

 private:
  // The length of the valid UTF-8 sequence starting at s[i] (a byte >= 0x80), 0 when invalid.
  static size_t Utf8Length(std::string_view s, size_t i) {
    auto at = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
    unsigned c = at(i);
    auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xbf) { return at(k) >= lo && at(k) <= hi; };
    if (c >= 0xc2 && c <= 0xdf) return cont(i + 1) ? 2 : 0;
    if (c == 0xe0) return cont(i + 1, 0xa0) && cont(i + 2) ? 3 : 0;
    if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) return cont(i + 1) && cont(i + 2) ? 3 : 0;
    if (c == 0xed) return cont(i + 1, 0x80, 0x9f) && cont(i + 2) ? 3 : 0;
    if (c == 0xf0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    if (c >= 0xf1 && c <= 0xf3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    if (c == 0xf4) return cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    return 0;
  }

  std::string out_;
  bool first_ = true;
};

}  // namespace

namespace {

std::string Based(uint64_t v, int base, const char* prefix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, base == 8 ? "%s%llo" : "%s%llx", prefix, static_cast<unsigned long long>(v));
  return buf;
}

// The CLONE_NEW* bits of unshare(2) flags / setns(2) nstype, by name.
std::vector<std::string> NamespaceNames(uint64_t flags) {
  static constexpr std::pair<uint64_t, const char*> kBits[] = {
      {0x00020000, "mnt"}, {0x04000000, "uts"},     {0x08000000, "ipc"},    {0x10000000, "user"},
      {0x20000000, "pid"}, {0x40000000, "net"},     {0x02000000, "cgroup"}, {0x00000080, "time"}};
  std::vector<std::string> out;
  for (auto [bit, name] : kBits) {
    if (flags & bit) out.emplace_back(name);
  }
  return out;
}

std::string_view PtraceRequestName(uint64_t r) {
  switch (r) {
    case 0: return "traceme";
    case 4: return "poketext";
    case 5: return "pokedata";
    case 6: return "pokeuser";
    case 13: return "setregs";
    case 15: return "setfpregs";
    case 16: return "attach";
    case 0x4205: return "setregset";
    case 0x4206: return "seize";
  }
  return "other";
}

std::string_view BpfCommandName(uint64_t c) {
  static constexpr std::string_view kNames[] = {
      "map_create", "map_lookup_elem", "map_update_elem", "map_delete_elem", "map_get_next_key", "prog_load",
      "obj_pin", "obj_get", "prog_attach", "prog_detach", "prog_test_run", "prog_get_next_id", "map_get_next_id",
      "prog_get_fd_by_id", "map_get_fd_by_id", "obj_get_info_by_fd", "prog_query", "raw_tracepoint_open",
      "btf_load", "btf_get_fd_by_id", "task_fd_query", "map_lookup_and_delete_elem", "map_freeze",
      "btf_get_next_id", "map_lookup_batch", "map_lookup_and_delete_batch", "map_update_batch",
      "map_delete_batch", "link_create", "link_update", "link_get_fd_by_id", "link_get_next_id", "enable_stats",
      "iter_create", "link_detach", "prog_bind_map", "token_create"};
  return c < std::size(kNames) ? kNames[c] : "other";
}

// The object of a system call event other than open and the network ones.
void WriteSyscall(Line& j, const Event& e) {
  const SyscallSpec* spec = FindSyscall(e.syscall_nr);
  std::string_view call = spec ? spec->name : "unknown";
  bool by_fd = spec && spec->path_arg == 0;
  const auto& a = e.args;
  j.Key(EventTypeName(e.type));
  j.Open();
  j.Str("syscall", call);
  switch (e.type) {
    case EventType::kUnlink:
      j.Str("path", e.path);
      j.Bool("directory", call == "rmdir" || (call == "unlinkat" && (a[2] & 0x200)));
      break;
    case EventType::kRename:
      j.Str("path", e.path);
      j.Str("new_path", e.path2);
      break;
    case EventType::kChmod:
      if (by_fd) {
        j.Num("fd", static_cast<int32_t>(a[0]));
      } else {
        j.Str("path", e.path);
      }
      j.Str("mode", Based(spec ? (spec->flags_arg >= 1 ? a[spec->flags_arg - 1] : 0) & 07777 : 0, 8, "0"));
      break;
    case EventType::kChown: {
      if (by_fd) {
        j.Num("fd", static_cast<int32_t>(a[0]));
      } else {
        j.Str("path", e.path);
      }
      size_t first = call == "fchownat" ? 2 : 1;  // the uid argument
      j.Num("uid", static_cast<int32_t>(a[first]));
      j.Num("gid", static_cast<int32_t>(a[first + 1]));
      break;
    }
    case EventType::kSetid:
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
      break;
    case EventType::kNamespace: {
      uint64_t flags = call == "setns" ? a[1] : a[0];
      if (call == "setns") j.Num("fd", static_cast<int32_t>(a[0]));
      j.Str("flags", Based(flags, 16, "0x"));
      j.StrArray("namespaces", NamespaceNames(flags));
      break;
    }
    case EventType::kPtrace:
      j.Str("request", PtraceRequestName(a[0]));
      j.UNum("request_number", a[0]);
      j.Num("target_pid", static_cast<int32_t>(a[1]));
      break;
    case EventType::kMount:
      j.Str("source", e.path);
      j.Str("target", e.path2);
      j.Str("fstype", e.str);
      j.Str("flags", Based(a[3], 16, "0x"));
      break;
    case EventType::kModule:
      if (call == "finit_module") j.Num("fd", static_cast<int32_t>(a[0]));
      j.Str("params", e.str);
      break;
    case EventType::kMemfd:
      j.Str("name", e.path);
      j.Str("flags", Based(a[1], 16, "0x"));
      break;
    case EventType::kBpf:
      j.Str("command", BpfCommandName(a[0]));
      j.UNum("command_number", a[0]);
      break;
    default:
      break;
  }
  j.Num("result", e.result);
  j.Close();
}

}  // namespace

std::string ContainerJson(const ContainerFields& c) {
  Line j(256);
  if (c.unresolved) {
    j.Open();
    j.Bool("unresolved", true);
    j.Close();
  } else if (c.id.empty()) {
    j.Raw("null");
  } else {
    j.Open();
    j.Str("id", c.id);
    j.Str("runtime", c.runtime);
    j.Str("name", c.name);
    j.Str("image", c.image);
    j.Str("image_digest", c.image_digest);
    j.Str("pod_uid", c.pod_uid);
    if (!c.pod_name.empty()) j.Str("pod_name", c.pod_name);
    if (!c.pod_namespace.empty()) j.Str("pod_namespace", c.pod_namespace);
    j.Key("labels");
    j.Open();
    if (c.labels) {
      for (const auto& [k, v] : *c.labels) j.ForeignStr(k, v);
    }
    j.Close();
    j.Str("metadata", c.metadata);
    j.Close();
  }
  return j.Take();
}

std::string ToJsonLine(const Event& e, const ContainerFields& c, const Verdicts& v, int64_t boot_to_unix_ns) {
  Line j(512 + e.path.size() + e.filename.size());
  j.Open();
  j.Str("type", EventTypeName(e.type));
  j.Num("time_ns", static_cast<int64_t>(e.ts_ns) + boot_to_unix_ns);
  const ProcessInfo& p = e.process;
  j.Key("process");
  j.Open();
  j.UNum("pid", p.pid);
  j.UNum("tid", p.tid);
  j.UNum("ppid", p.ppid);
  j.UNum("ns_pid", p.ns_pid);
  j.UNum("uid", p.uid);
  j.UNum("gid", p.gid);
  if (p.loginuid == 0xffffffffu) {
    j.Null("loginuid");
  } else {
    j.UNum("loginuid", p.loginuid);
  }
  j.Str("comm", p.comm);
  j.Str("tty", p.tty);
  j.UNum("mnt_ns", p.mnt_ns);
  j.UNum("pid_ns", p.pid_ns);
  j.UNum("net_ns", p.net_ns);
  j.UNum("cgroup_id", p.cgroup_id);
  j.UNum("cgroup_v1_id", p.cgroup_v1_id);
  j.Close();
  j.Key("container");
  if (!c.json.empty()) {
    j.Raw(c.json);
  } else {
    j.Raw(ContainerJson(c));
  }
  switch (e.type) {
    case EventType::kExec:
      j.Key("exec");
      j.Open();
      j.Str("filename", e.filename);
      j.StrArray("argv", e.argv);
      j.Bool("argv_truncated", e.argv_truncated);
      j.Bool("memfd", e.memfd);
      j.Bool("overlay", e.overlay);
      j.Bool("upper_layer", e.upper_layer);
      j.Bool("lower_layer", e.lower_layer);
      j.Bool("parent_outside", e.parent_outside);
      j.Bool("container_exec", v.container_exec);
      j.Close();
      break;
    case EventType::kExit:
      j.Key("exit");
      j.Open();
      j.Num("status", e.exit_code);
      j.Num("code", (e.exit_code >> 8) & 0xff);
      j.Num("signal", e.exit_code & 0x7f);
      j.Close();
      break;
    case EventType::kFork:
      j.Key("fork");
      j.Open();
      j.UNum("child_pid", e.child_pid);
      j.Close();
      break;
    case EventType::kOpen:
      j.Key("open");
      j.Open();
      j.Str("path", e.path);
      j.UNum("flags", e.open_flags);
      j.Num("result", e.result);
      j.Close();
      break;
    case EventType::kConnect:
    case EventType::kAccept:
    case EventType::kBind:
    case EventType::kListen:
    case EventType::kTcpConnect: {
      const char* fam = e.family == AF_INET    ? "inet"
                        : e.family == AF_INET6 ? "inet6"
                        : e.family == AF_UNIX  ? "unix"
                                               : "other";
      j.Key(EventTypeName(e.type));
      j.Open();
      j.Str("family", fam);
      j.Str("address", e.Address());
      j.UNum("port", e.port);
      j.Num("result", e.result);
      if (e.type == EventType::kConnect || e.type == EventType::kTcpConnect) {
        if (v.host_call.empty()) {
          j.Null("host_call");
        } else {
          j.Str("host_call", v.host_call);
        }
      }
      j.Close();
      break;
    }
    default:
      WriteSyscall(j, e);
      break;
  }
  j.Close();
  return j.Take();
}

}  // namespace vigil::runtime
