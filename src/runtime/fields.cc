// The field registry: one row per field. Which event types a field is defined for comes from
// the event type table where the field follows a record (every type with a result, every system
// call record) and is named where it follows a type's meaning (fd.sip: the server's address).
#include "runtime/fields.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <type_traits>

#include "runtime/bpf/events.h"
#include "runtime/internal/payloads.h"

namespace vigil::runtime {
namespace {

// The types whose kernel record is R (the table's record column).
template <typename R>
constexpr EventTypeSet TypesOfRecord() {
  EventTypeSet s;
#define VIGIL_EVENT_TYPE_OF_RECORD(name, NAME, Name, value, record, ...) \
  if (std::is_same_v<R, vigil_##record>) s = s | EventTypeSet{EventType::k##Name};
  VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_OF_RECORD)
#undef VIGIL_EVENT_TYPE_OF_RECORD
  return s;
}

using T = EventType;
constexpr EventTypeSet kAll = EventTypeSet::All();
constexpr EventTypeSet kExec{T::kExec};
constexpr EventTypeSet kOpen = TypesOfRecord<vigil_open>();
constexpr EventTypeSet kNet = TypesOfRecord<vigil_net>();
constexpr EventTypeSet kSyscallRecord = TypesOfRecord<vigil_syscall>();
constexpr EventTypeSet kWithResult = kOpen | kNet | kSyscallRecord;
// Whose address a network record holds: the peer, which is the server (connect, tcp_connect) or
// the client (accept), or the socket's own, a server's (bind, listen).
constexpr EventTypeSet kPeerIsServer{T::kConnect, T::kTcpConnect};
constexpr EventTypeSet kPeerIsClient{T::kAccept};
constexpr EventTypeSet kLocalIsServer{T::kBind, T::kListen};
static_assert((kPeerIsServer | kPeerIsClient | kLocalIsServer) == kNet,
              "a network event type must say whose address it carries (fields.cc)");
constexpr EventTypeSet kServer = kPeerIsServer | kLocalIsServer;
constexpr EventTypeSet kRemote = kPeerIsServer | kPeerIsClient;
// The files of file events, as the process named them.
constexpr EventTypeSet kPathTypes{T::kOpen, T::kUnlink, T::kRename, T::kChmod, T::kChown};

FieldValue Str(std::string_view v) { return FieldValue::String(v); }

// Where the event's process runs, as attribution said.
enum class Place { kHost, kContainer, kUnknown };
Place PlaceOf(const ContainerFields& c) {
  if (c.unresolved) return Place::kUnknown;
  return c.id.empty() ? Place::kHost : Place::kContainer;
}

// A container string: the container's, "" (or `host` when given) for the host, none when the
// process could not be attributed.
FieldValue ContainerStr(const ContainerFields& c, std::string_view value, std::string_view host = "") {
  switch (PlaceOf(c)) {
    case Place::kContainer:
      return Str(value);
    case Place::kHost:
      return Str(host);
    case Place::kUnknown:
      break;
  }
  return {};
}

std::optional<IpAddress> IpOf(const Event& e) {
  IpAddress a;
  a.family = e.family;
  if (e.family == AF_INET) {
    std::copy_n(e.addr.begin(), 4, a.bytes.begin());
  } else if (e.family == AF_INET6) {
    a.bytes = e.addr;
  } else {
    return std::nullopt;
  }
  return a;
}

FieldValue Ip(const FieldInput& in) {
  std::optional<IpAddress> a = IpOf(in.event);
  return a ? FieldValue::Ip(*a) : FieldValue();
}

FieldValue Port(const FieldInput& in) { return IpOf(in.event) ? FieldValue::Uint64(in.event.port) : FieldValue(); }

int64_t UnixNs(const FieldInput& in) { return static_cast<int64_t>(in.event.ts_ns) + in.boot_to_unix_ns; }

// The event's time in UTC: "HH:MM:SS.nnnnnnnnn", with the date in ISO 8601 when `date`.
std::string TimeText(int64_t unix_ns, bool date) {
  int64_t s = unix_ns / 1'000'000'000, ns = unix_ns % 1'000'000'000;
  if (ns < 0) {
    ns += 1'000'000'000;
    --s;
  }
  time_t t = static_cast<time_t>(s);
  tm u{};
  gmtime_r(&t, &u);
  char buf[64];
  if (date) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", u.tm_year + 1900, u.tm_mon + 1, u.tm_mday,
                  u.tm_hour, u.tm_min, u.tm_sec, static_cast<long long>(ns));
  } else {
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%09lld", u.tm_hour, u.tm_min, u.tm_sec, static_cast<long long>(ns));
  }
  return buf;
}

FieldValue ResultText(int64_t result) {
  if (result >= 0) return Str("SUCCESS");
  if (result > -4096) {
    if (const char* name = strerrorname_np(static_cast<int>(-result))) return Str(name);
  }
  std::string text = "E";
  text += std::to_string(-(result + 1) + uint64_t{1});  // -result, also for INT64_MIN
  return FieldValue::OwnedString(std::move(text));
}

std::string JoinArgs(const std::vector<std::string>& argv, size_t from) {
  std::string out;
  for (size_t i = from; i < argv.size(); ++i) {
    if (i > from) out += ' ';
    out += argv[i];
  }
  return out;
}

// The reference without its digest; then `repository` and `tag` split at the tag's ':' (one
// after the last '/': a registry's port is no tag).
std::pair<std::string_view, std::string_view> SplitImage(std::string_view ref) {
  ref = ref.substr(0, ref.find('@'));
  size_t colon = ref.rfind(':');
  size_t slash = ref.rfind('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) return {ref, ""};
  return {ref.substr(0, colon), ref.substr(colon + 1)};
}

std::string_view FolderOf(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return "";
  return slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
}

std::string_view FileOf(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// clang-format off
constexpr Field kFields[] = {
    // ---- evt ----
    {"evt.type", FieldType::kString, kAll,
     "The event type: vigil's (exec, open, tcp_connect, ...; the system call is syscall.type)",
     [](const FieldInput& in) { return Str(EventTypeName(in.event.type)); }},
    {"evt.rawtime", FieldType::kUint64, kAll,
     "When it happened: Unix time in nanoseconds (the kernel's boot-clock stamp + FieldInput::boot_to_unix_ns)",
     [](const FieldInput& in) { return FieldValue::Uint64(static_cast<uint64_t>(std::max<int64_t>(0, UnixNs(in)))); }},
    {"evt.time", FieldType::kString, kAll,
     "When it happened: the time of day in UTC, HH:MM:SS.nnnnnnnnn",
     [](const FieldInput& in) { return FieldValue::OwnedString(TimeText(UnixNs(in), false)); }},
    {"evt.time.iso8601", FieldType::kString, kAll,
     "When it happened: date and time in UTC, YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ",
     [](const FieldInput& in) { return FieldValue::OwnedString(TimeText(UnixNs(in), true)); }},
    {"evt.res", FieldType::kString, kWithResult,
     "SUCCESS, or the error's name (EACCES, EINPROGRESS) when the system call returned one",
     [](const FieldInput& in) { return ResultText(in.event.result); }},
    {"evt.rawres", FieldType::kInt64, kWithResult,
     "The system call's return value: a file descriptor, 0, or -errno",
     [](const FieldInput& in) { return FieldValue::Int64(in.event.result); }},
    {"evt.failed", FieldType::kBool, kWithResult,
     "The system call returned an error (-EINPROGRESS, a connection under way, is none)",
     [](const FieldInput& in) { return FieldValue::Bool(in.event.result < 0 && in.event.result != -EINPROGRESS); }},
    {"evt.is_open_read", FieldType::kBool, kOpen,
     "The file was opened for reading (O_RDONLY or O_RDWR)",
     [](const FieldInput& in) { return FieldValue::Bool((in.event.open_flags & O_ACCMODE) != O_WRONLY); }},
    {"evt.is_open_write", FieldType::kBool, kOpen,
     "The file was opened for writing (O_WRONLY or O_RDWR; creat implies O_WRONLY)",
     [](const FieldInput& in) { return FieldValue::Bool((in.event.open_flags & O_ACCMODE) != O_RDONLY); }},
    // ---- syscall ----
    {"syscall.type", FieldType::kString, kSyscallRecord,
     "The system call (unlinkat, capset, ...); unknown for a number the system call table does not watch",
     [](const FieldInput& in) { return Str(payload::SyscallName(in.event)); }},
    // ---- proc, thread, user, group ----
    {"proc.pid", FieldType::kInt64, kAll, "The process id (as the host sees it)",
     [](const FieldInput& in) { return FieldValue::Int64(in.event.process.pid); }},
    {"proc.ppid", FieldType::kInt64, kAll, "The real parent's process id",
     [](const FieldInput& in) { return FieldValue::Int64(in.event.process.ppid); }},
    {"proc.vpid", FieldType::kInt64, kAll, "The process id inside its own pid namespace (1 for a container's init)",
     [](const FieldInput& in) { return FieldValue::Int64(in.event.process.ns_pid); }},
    {"proc.name", FieldType::kString, kAll, "The process's name (the kernel's comm, at most 15 bytes)",
     [](const FieldInput& in) { return Str(in.event.process.comm); }},
    {"proc.exe", FieldType::kString, kExec, "The first command line argument (argv[0]); \"\" for none",
     [](const FieldInput& in) { return Str(in.event.argv.empty() ? std::string_view() : in.event.argv[0]); }},
    {"proc.exepath", FieldType::kString, kExec,
     "The executable's path as given to execve (relative ones unresolved)",
     [](const FieldInput& in) { return Str(in.event.filename); }},
    {"proc.args", FieldType::kString, kExec, "The command line arguments after argv[0], separated by spaces",
     [](const FieldInput& in) { return FieldValue::OwnedString(JoinArgs(in.event.argv, 1)); }},
    {"proc.cmdline", FieldType::kString, kExec, "proc.name and proc.args, separated by a space",
     [](const FieldInput& in) {
       std::string args = JoinArgs(in.event.argv, 1);
       return FieldValue::OwnedString(args.empty() ? in.event.process.comm : in.event.process.comm + " " + args);
     }},
    {"proc.is_exe_upper_layer", FieldType::kBool, kExec,
     "The executable is in the container's overlay upper layer (written or copied up after the start)",
     [](const FieldInput& in) { return FieldValue::Bool(in.event.upper_layer); }},
    {"proc.is_exe_from_memfd", FieldType::kBool, kExec, "The executable is a memfd (fileless execution)",
     [](const FieldInput& in) { return FieldValue::Bool(in.event.memfd); }},
    {"thread.tid", FieldType::kInt64, kAll, "The thread id (as the host sees it)",
     [](const FieldInput& in) { return FieldValue::Int64(in.event.process.tid); }},
    {"user.uid", FieldType::kUint64, kAll, "The real user id",
     [](const FieldInput& in) { return FieldValue::Uint64(in.event.process.uid); }},
    {"user.loginuid", FieldType::kInt64, kAll, "The login (audit) user id; -1 when unset",
     [](const FieldInput& in) {
       uint32_t id = in.event.process.loginuid;
       return FieldValue::Int64(id == 0xffffffffu ? -1 : static_cast<int64_t>(id));
     }},
    {"group.gid", FieldType::kUint64, kAll, "The real group id",
     [](const FieldInput& in) { return FieldValue::Uint64(in.event.process.gid); }},
    // ---- fd ----
    {"fd.name", FieldType::kString, kOpen | kNet,
     "The file's path as given (open), the socket address vigil has (address:port, or a unix socket's path)",
     [](const FieldInput& in) -> FieldValue {
       const Event& e = in.event;
       if (e.type == T::kOpen) return Str(e.path);
       if (e.family == AF_UNIX) return Str(e.unix_path);
       if (!IpOf(e)) return {};
       return FieldValue::OwnedString(e.Address() + ":" + std::to_string(e.port));
     }},
    {"fd.type", FieldType::kString, kOpen | kNet, "file, ipv4, ipv6 or unix",
     [](const FieldInput& in) -> FieldValue {
       const Event& e = in.event;
       if (e.type == T::kOpen) return Str("file");
       if (e.family == AF_INET) return Str("ipv4");
       if (e.family == AF_INET6) return Str("ipv6");
       if (e.family == AF_UNIX) return Str("unix");
       return {};
     }},
    {"fd.directory", FieldType::kString, kOpen, "The opened path up to its last '/' (\"\" for a bare name)",
     [](const FieldInput& in) { return Str(FolderOf(in.event.path)); }},
    {"fd.filename", FieldType::kString, kOpen, "The opened path after its last '/'",
     [](const FieldInput& in) { return Str(FileOf(in.event.path)); }},
    {"fd.num", FieldType::kInt64, kOpen | kPeerIsClient, "The new file descriptor; none when the call failed",
     [](const FieldInput& in) {
       return in.event.result >= 0 ? FieldValue::Int64(in.event.result) : FieldValue();
     }},
    {"fd.sockfamily", FieldType::kString, kNet, "ip (IPv4 or IPv6) or unix",
     [](const FieldInput& in) -> FieldValue {
       if (in.event.family == AF_INET || in.event.family == AF_INET6) return Str("ip");
       if (in.event.family == AF_UNIX) return Str("unix");
       return {};
     }},
    {"fd.l4proto", FieldType::kString, EventTypeSet{T::kTcpConnect},
     "The transport protocol: tcp (only tcp_connect knows it)",
     [](const FieldInput&) { return Str("tcp"); }},
    {"fd.sip", FieldType::kIpAddress, kServer,
     "The server's address: the peer of connect and tcp_connect, the socket's own of bind and listen",
     Ip},
    {"fd.sport", FieldType::kUint64, kServer, "The server's port (as fd.sip)", Port},
    {"fd.cip", FieldType::kIpAddress, kPeerIsClient, "The client's address: the peer of accept", Ip},
    {"fd.cport", FieldType::kUint64, kPeerIsClient, "The client's port: the peer's of accept", Port},
    {"fd.rip", FieldType::kIpAddress, kRemote, "The peer's address (connect, tcp_connect, accept)", Ip},
    {"fd.rport", FieldType::kUint64, kRemote, "The peer's port (connect, tcp_connect, accept)", Port},
    {"fd.lip", FieldType::kIpAddress, kLocalIsServer, "The socket's own address (bind, listen)", Ip},
    {"fd.lport", FieldType::kUint64, kLocalIsServer, "The socket's own port (bind, listen)", Port},
    // ---- container, k8s ----
    {"container.id", FieldType::kString, kAll,
     "The container id's first 12 characters; host for a host process; none when not attributed",
     [](const FieldInput& in) {
       return ContainerStr(in.container, std::string_view(in.container.id).substr(0, 12), "host");
     }},
    {"container.full_id", FieldType::kString, kAll,
     "The container id as the runtime prints it; host for a host process; none when not attributed",
     [](const FieldInput& in) { return ContainerStr(in.container, in.container.id, "host"); }},
    {"container.name", FieldType::kString, kAll,
     "The container's name (\"\" until its metadata arrived); host for a host process",
     [](const FieldInput& in) { return ContainerStr(in.container, in.container.name, "host"); }},
    {"container.type", FieldType::kString, kAll,
     "The container runtime: podman, docker, containerd or cri-o; host for a host process",
     [](const FieldInput& in) {
       std::string_view r = in.container.runtime;
       return ContainerStr(in.container, r == "crio" ? std::string_view("cri-o") : r, "host");
     }},
    {"container.image", FieldType::kString, kAll, "The image reference the container was started from",
     [](const FieldInput& in) { return ContainerStr(in.container, in.container.image); }},
    {"container.image.repository", FieldType::kString, kAll, "container.image without its tag and digest",
     [](const FieldInput& in) { return ContainerStr(in.container, SplitImage(in.container.image).first); }},
    {"container.image.tag", FieldType::kString, kAll, "container.image's tag (\"\" for none)",
     [](const FieldInput& in) { return ContainerStr(in.container, SplitImage(in.container.image).second); }},
    {"container.image.digest", FieldType::kString, kAll,
     "The image's registry digest (sha256:...; \"\" when unknown or never pushed)",
     [](const FieldInput& in) { return ContainerStr(in.container, in.container.image_digest); }},
    {"k8s.pod.uid", FieldType::kString, kAll, "The Kubernetes pod's UID (\"\" outside a pod)",
     [](const FieldInput& in) { return ContainerStr(in.container, in.container.pod_uid); }},
    {"k8s.pod.name", FieldType::kString, kAll, "The Kubernetes pod's name (\"\" outside a pod or unknown)",
     [](const FieldInput& in) { return ContainerStr(in.container, in.container.pod_name); }},
    {"k8s.ns.name", FieldType::kString, kAll, "The Kubernetes pod's namespace (\"\" outside a pod or unknown)",
     [](const FieldInput& in) { return ContainerStr(in.container, in.container.pod_namespace); }},
    // ---- vigil's own ----
    {"vigil.container.metadata", FieldType::kString, kAll,
     "Whether the runtime's API answered: ready, failed, timeout or none (not asked, or a host process)",
     [](const FieldInput& in) { return Str(in.container.metadata); }},
    {"vigil.container.unresolved", FieldType::kBool, kAll,
     "The process could not be attributed (it exited before /proc was read)",
     [](const FieldInput& in) { return FieldValue::Bool(in.container.unresolved); }},
    {"vigil.verdict.container_exec", FieldType::kBool, kExec,
     "An exec into a container by its runtime (podman/docker/kubectl exec)",
     [](const FieldInput& in) { return FieldValue::Bool(in.verdicts.container_exec); }},
    {"vigil.verdict.host_call", FieldType::kString, kPeerIsServer,
     "Why a container's connection reaches the host: cloud metadata, host address, host loopback (host "
     "network), runtime socket; \"\" for none",
     [](const FieldInput& in) { return Str(in.verdicts.host_call); }},
    {"vigil.exec.overlay", FieldType::kBool, kExec, "The executable is on an overlay file system",
     [](const FieldInput& in) { return FieldValue::Bool(in.event.overlay); }},
    {"vigil.exec.lower_layer", FieldType::kBool, kExec,
     "The executable exists in a lower (image) layer; with proc.is_exe_upper_layer: an image file modified",
     [](const FieldInput& in) { return FieldValue::Bool(in.event.lower_layer); }},
    {"vigil.exec.parent_outside", FieldType::kBool, kExec,
     "The parent is in another mount namespace (a runtime's exec)",
     [](const FieldInput& in) { return FieldValue::Bool(in.event.parent_outside); }},
    {"vigil.exec.argv", FieldType::kStringList, kExec, "The command line arguments, argv[0] first",
     [](const FieldInput& in) { return FieldValue::List(in.event.argv); }},
    {"vigil.exec.argv_truncated", FieldType::kBool, kExec, "The command line was longer than the 512 bytes read",
     [](const FieldInput& in) { return FieldValue::Bool(in.event.argv_truncated); }},
    {"vigil.proc.tty", FieldType::kString, kAll, "The controlling terminal's name (pts0); \"\" for none",
     [](const FieldInput& in) { return Str(in.event.process.tty); }},
    {"vigil.proc.mnt_ns", FieldType::kUint64, kAll, "The mount namespace's inode number",
     [](const FieldInput& in) { return FieldValue::Uint64(in.event.process.mnt_ns); }},
    {"vigil.proc.pid_ns", FieldType::kUint64, kAll, "The pid namespace's inode number",
     [](const FieldInput& in) { return FieldValue::Uint64(in.event.process.pid_ns); }},
    {"vigil.proc.net_ns", FieldType::kUint64, kAll, "The network namespace's inode number",
     [](const FieldInput& in) { return FieldValue::Uint64(in.event.process.net_ns); }},
    {"vigil.proc.cgroup_id", FieldType::kUint64, kAll, "The cgroup v2 (default hierarchy) id",
     [](const FieldInput& in) { return FieldValue::Uint64(in.event.process.cgroup_id); }},
    {"vigil.proc.cgroup_v1_id", FieldType::kUint64, kAll,
     "The cgroup id of the v1 memory controller (hybrid and v1 hosts; 0 otherwise)",
     [](const FieldInput& in) { return FieldValue::Uint64(in.event.process.cgroup_v1_id); }},
    {"vigil.exit.status", FieldType::kInt64, EventTypeSet{T::kExit}, "The wait status (code << 8 | signal)",
     [](const FieldInput& in) { return FieldValue::Int64(in.event.exit_code); }},
    {"vigil.exit.code", FieldType::kInt64, EventTypeSet{T::kExit}, "The exit code",
     [](const FieldInput& in) { return FieldValue::Int64((in.event.exit_code >> 8) & 0xff); }},
    {"vigil.exit.signal", FieldType::kInt64, EventTypeSet{T::kExit}, "The signal that ended it; 0 for none",
     [](const FieldInput& in) { return FieldValue::Int64(in.event.exit_code & 0x7f); }},
    {"vigil.fork.child_pid", FieldType::kInt64, EventTypeSet{T::kFork}, "The new process's id",
     [](const FieldInput& in) { return FieldValue::Int64(in.event.child_pid); }},
    {"vigil.open.flags", FieldType::kUint64, kOpen, "The open(2) flags",
     [](const FieldInput& in) { return FieldValue::Uint64(in.event.open_flags); }},
    {"vigil.path", FieldType::kString, kPathTypes,
     "The file as the process named it (relative paths unresolved); none for chmod/chown by descriptor",
     [](const FieldInput& in) -> FieldValue {
       const Event& e = in.event;
       if ((e.type == T::kChmod || e.type == T::kChown) && payload::ByDescriptor(e)) return {};
       return Str(e.path);
     }},
    {"vigil.new_path", FieldType::kString, EventTypeSet{T::kRename}, "The new path of a rename",
     [](const FieldInput& in) { return Str(in.event.path2); }},
    {"vigil.unlink.directory", FieldType::kBool, EventTypeSet{T::kUnlink},
     "A directory was removed (rmdir, unlinkat with AT_REMOVEDIR)",
     [](const FieldInput& in) { return FieldValue::Bool(payload::UnlinkIsDirectory(in.event)); }},
    {"vigil.chmod.mode", FieldType::kUint64, EventTypeSet{T::kChmod}, "The mode set (permission bits, 07777)",
     [](const FieldInput& in) { return FieldValue::Uint64(payload::ChmodMode(in.event)); }},
    {"vigil.chown.uid", FieldType::kInt64, EventTypeSet{T::kChown}, "The owner set; -1: unchanged",
     [](const FieldInput& in) { return FieldValue::Int64(payload::ChownIds(in.event).first); }},
    {"vigil.chown.gid", FieldType::kInt64, EventTypeSet{T::kChown}, "The group set; -1: unchanged",
     [](const FieldInput& in) { return FieldValue::Int64(payload::ChownIds(in.event).second); }},
    {"vigil.namespace.flags", FieldType::kUint64, EventTypeSet{T::kNamespace},
     "The CLONE_NEW* flags of unshare, the namespace type of setns",
     [](const FieldInput& in) { return FieldValue::Uint64(payload::NamespaceFlags(in.event)); }},
    {"vigil.namespace.names", FieldType::kStringList, EventTypeSet{T::kNamespace},
     "The namespaces by name: mnt, uts, ipc, user, pid, net, cgroup, time",
     [](const FieldInput& in) {
       return FieldValue::OwnedList(payload::NamespaceNames(payload::NamespaceFlags(in.event)));
     }},
    {"vigil.ptrace.request", FieldType::kString, EventTypeSet{T::kPtrace},
     "The ptrace request: traceme, attach, seize, poketext, pokedata, pokeuser, setregs, setfpregs, setregset",
     [](const FieldInput& in) { return Str(payload::PtraceRequestName(in.event.args[0])); }},
    {"vigil.ptrace.target_pid", FieldType::kInt64, EventTypeSet{T::kPtrace}, "The traced process's id",
     [](const FieldInput& in) { return FieldValue::Int64(static_cast<int32_t>(in.event.args[1])); }},
    {"vigil.mount.source", FieldType::kString, EventTypeSet{T::kMount}, "What is mounted (a device, a path)",
     [](const FieldInput& in) { return Str(in.event.path); }},
    {"vigil.mount.target", FieldType::kString, EventTypeSet{T::kMount}, "Where it is mounted",
     [](const FieldInput& in) { return Str(in.event.path2); }},
    {"vigil.mount.fstype", FieldType::kString, EventTypeSet{T::kMount}, "The file system type",
     [](const FieldInput& in) { return Str(in.event.str); }},
    {"vigil.module.params", FieldType::kString, EventTypeSet{T::kModule}, "The kernel module's parameters",
     [](const FieldInput& in) { return Str(in.event.str); }},
    {"vigil.memfd.name", FieldType::kString, EventTypeSet{T::kMemfd}, "The name given to memfd_create",
     [](const FieldInput& in) { return Str(in.event.path); }},
    {"vigil.bpf.command", FieldType::kString, EventTypeSet{T::kBpf}, "The bpf(2) command (prog_load, map_create, ...)",
     [](const FieldInput& in) { return Str(payload::BpfCommandName(in.event.args[0])); }},
};
// clang-format on

// Edit distance between two names, for the suggestion of an unknown one.
size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kInt64:
      return "int64";
    case FieldType::kUint64:
      return "uint64";
    case FieldType::kBool:
      return "bool";
    case FieldType::kIpAddress:
      return "ipaddr";
    case FieldType::kStringList:
      return "list";
  }
  return "unknown";
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family != AF_INET && family != AF_INET6) return {};
  return inet_ntop(family, bytes.data(), buf, sizeof buf) ? buf : "";
}

FieldType FieldValue::type() const {
  assert(has_value());
  switch (v_.index()) {
    case 1:
    case 2:
      return FieldType::kString;
    case 3:
      return FieldType::kInt64;
    case 4:
      return FieldType::kUint64;
    case 5:
      return FieldType::kBool;
    case 6:
      return FieldType::kIpAddress;
    default:
      return FieldType::kStringList;
  }
}

std::string_view FieldValue::AsString() const {
  assert(has_value() && type() == FieldType::kString);
  if (const auto* view = std::get_if<std::string_view>(&v_)) return *view;
  return std::get<std::string>(v_);
}

int64_t FieldValue::AsInt64() const {
  assert(std::holds_alternative<int64_t>(v_));
  return std::get<int64_t>(v_);
}

uint64_t FieldValue::AsUint64() const {
  assert(std::holds_alternative<uint64_t>(v_));
  return std::get<uint64_t>(v_);
}

bool FieldValue::AsBool() const {
  assert(std::holds_alternative<bool>(v_));
  return std::get<bool>(v_);
}

const IpAddress& FieldValue::AsIp() const {
  assert(std::holds_alternative<IpAddress>(v_));
  return std::get<IpAddress>(v_);
}

std::span<const std::string> FieldValue::AsList() const {
  assert(has_value() && type() == FieldType::kStringList);
  if (const auto* view = std::get_if<std::span<const std::string>>(&v_)) return *view;
  return std::get<std::vector<std::string>>(v_);
}

std::string FieldValue::ToString() const {
  if (!has_value()) return "<NA>";
  switch (type()) {
    case FieldType::kString:
      return std::string(AsString());
    case FieldType::kInt64:
      return std::to_string(AsInt64());
    case FieldType::kUint64:
      return std::to_string(AsUint64());
    case FieldType::kBool:
      return AsBool() ? "true" : "false";
    case FieldType::kIpAddress:
      return AsIp().ToString();
    case FieldType::kStringList: {
      std::string out;
      std::span<const std::string> items = AsList();
      for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
      return out;
    }
  }
  return {};
}

std::span<const Field> AllFields() { return kFields; }

Result<const Field*> FindField(std::string_view name) {
  const Field* closest = nullptr;
  size_t best = 3;  // suggest only names a letter or two apart
  for (const Field& f : kFields) {
    if (f.name == name) return &f;
    // The distance is at least the difference in length: skip the far ones (and long garbage).
    size_t longer = std::max(name.size(), f.name.size()), shorter = std::min(name.size(), f.name.size());
    if (longer - shorter >= best) continue;
    size_t d = Distance(name, f.name);
    if (d < best) {
      best = d;
      closest = &f;
    }
  }
  std::string message = "unknown field '" + std::string(name) + "'";
  if (closest) message += " (did you mean '" + std::string(closest->name) + "'?)";
  return InvalidArgument(message);
}

}  // namespace vigil::runtime
