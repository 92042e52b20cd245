// The sensor's events in user space: records of the kernel ring buffer (bpf/events.h) decoded
// into one C++ type, and written as JSON lines (the schema in docs/RUNTIME.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "runtime/event_types.h"

namespace vigil::runtime {

// The event types, one per row of the table in runtime/event_types.h (values are the kernel's:
// enum vigil_event_type of bpf/events.h).
enum class EventType : uint8_t {
#define VIGIL_EVENT_TYPE_ENUMERATOR(name, NAME, Name, value, ...) k##Name = value,
  VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_ENUMERATOR)
#undef VIGIL_EVENT_TYPE_ENUMERATOR
};

// One past the largest EventType value: arrays indexed by type have this many slots.
inline constexpr size_t kEventTypeSlots = [] {
  size_t slots = 1;
#define VIGIL_EVENT_TYPE_SLOT(name, NAME, Name, value, ...) slots = value + 1 > slots ? value + 1 : slots;
  VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_SLOT)
#undef VIGIL_EVENT_TYPE_SLOT
  return slots;
}();

// A set of event types (a bit per type). constexpr, no allocation.
class EventTypeSet {
 public:
  constexpr EventTypeSet() = default;
  constexpr EventTypeSet(std::initializer_list<EventType> types) {
    for (EventType t : types) bits_ |= Bit(t);
  }
  // Every type of the table.
  static constexpr EventTypeSet All() {
    EventTypeSet s;
#define VIGIL_EVENT_TYPE_ALL(name, NAME, Name, ...) s.bits_ |= Bit(EventType::k##Name);
    VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_ALL)
#undef VIGIL_EVENT_TYPE_ALL
    return s;
  }
  // false for a value that is no type of the table.
  constexpr bool contains(EventType t) const { return (bits_ & Bit(t)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr EventTypeSet operator|(EventTypeSet o) const { return FromBits(bits_ | o.bits_); }
  constexpr EventTypeSet operator&(EventTypeSet o) const { return FromBits(bits_ & o.bits_); }
  constexpr bool operator==(const EventTypeSet&) const = default;
  // The types in value order.
  std::vector<EventType> ToVector() const;

 private:
  static_assert(kEventTypeSlots <= 64, "EventTypeSet holds 64 types");
  static constexpr uint64_t Bit(EventType t) {
    return static_cast<size_t>(t) < kEventTypeSlots ? uint64_t{1} << static_cast<size_t>(t) : 0;
  }
  static constexpr EventTypeSet FromBits(uint64_t bits) {
    EventTypeSet s;
    s.bits_ = bits;
    return s;
  }
  uint64_t bits_ = 0;
};

// The type's name (the table's first column: "exec", "tcp_connect", ...); "unknown" for other
// values.
std::string_view EventTypeName(EventType type);

// Every event type, in value order.
std::span<const EventType> AllEventTypes();

// The default event set (the table's in_default column): the process events and outgoing TCP
// connections, whose probes are off the system call path (docs/SENSOR.md, "overhead").
std::span<const EventType> DefaultEventTypes();

// Whether events of this type come from the system call probes (the table's probe column is
// Syscalls; they slow every system call of the machine down while attached). true for a value
// that is no type.
bool UsesSyscallProbes(EventType type);

// The type with this name; kInvalidArgument naming the known ones otherwise.
Result<EventType> ParseEventType(std::string_view name);

// Event names, "default" (DefaultEventTypes), "all" and "syscalls" (every system call event),
// comma lists of them: the set, without duplicates. kInvalidArgument for an unknown name.
Result<std::vector<EventType>> ParseEventSet(const std::vector<std::string>& names);

// Who did it, as the kernel saw it.
struct ProcessInfo {
  uint32_t pid = 0, tid = 0, ppid = 0;
  uint32_t ns_pid = 0;  // the pid inside its own pid namespace (1 for a container's init)
  uint32_t uid = 0, gid = 0;
  uint32_t loginuid = 0xffffffff;  // 4294967295 = unset
  uint32_t mnt_ns = 0, pid_ns = 0, net_ns = 0;
  uint64_t cgroup_id = 0, cgroup_v1_id = 0;
  std::string comm;
  std::string tty;  // "pts0", "" for none
};

struct Event {
  EventType type = EventType::kExec;
  uint64_t ts_ns = 0;  // CLOCK_BOOTTIME nanoseconds
  ProcessInfo process;
  // exec
  std::string filename;
  std::vector<std::string> argv;
  bool argv_truncated = false;
  bool memfd = false;           // the executable is a memfd (fileless execution)
  bool overlay = false;         // the executable is on an overlay filesystem
  bool parent_outside = false;  // the parent is in another mount namespace (a runtime's exec)
  bool upper_layer = false;     // the executable is in the overlay's upper layer (written after start)
  bool lower_layer = false;     // ... and in a lower (image) layer too: an image file modified
  // exit
  int32_t exit_code = 0;  // wait status
  // fork
  uint32_t child_pid = 0;
  // open
  uint32_t open_flags = 0;
  // open, unlink, rename (old), chmod, chown: the path as given (relative ones unresolved);
  // mount: the source; memfd: the name
  std::string path;
  std::string path2;  // rename: the new path; mount: the target
  std::string str;    // mount: the file system type; init_module/finit_module: the parameters
  // the return value: a file descriptor, 0, or -errno (tcp_connect: -EINPROGRESS)
  int64_t result = 0;
  // the system call events other than open and the network ones: the number and raw arguments
  // (setid via capset: args[2..4] are the effective, permitted and inheritable sets)
  uint32_t syscall_nr = 0;
  std::array<uint64_t, 6> args{};
  // connect, accept (the peer), bind, listen (the local address), tcp_connect
  uint16_t family = 0;  // AF_INET, AF_INET6, AF_UNIX
  uint16_t port = 0;
  std::array<uint8_t, 16> addr{};
  std::string unix_path;

  // "10.0.0.1", "::1", the unix path; "" for other families.
  std::string Address() const;
};

// Decodes one ring buffer record. kCorrupt (naming the problem) when the record is shorter than
// its header, its size field disagrees with `bytes`, or its type is unknown; strings are read
// up to their array's end even without a terminating NUL.
Result<Event> DecodeEvent(std::span<const uint8_t> bytes);

// What the JSON line says about the container (filled by attribution; empty for the host).
struct ContainerFields {
  std::string id;       // as the runtime prints it (the 64-hex id of podman and docker)
  std::string runtime;  // "podman", "docker", "containerd", "crio"
  std::string name, image, image_digest;
  std::string pod_uid;
  std::string pod_name, pod_namespace;                               // Kubernetes only
  std::shared_ptr<const std::map<std::string, std::string>> labels;  // null: none known
  // "ready": the runtime's API answered; "failed": it could not; "timeout": not answered while
  // the event was held; "none": no API asked (or a host process).
  std::string_view metadata = "none";
  bool unresolved = false;  // the process could not be attributed (exited before /proc was read)
  // ContainerJson(*this), when the caller renders it once per container; "" to render per line.
  std::string json;
};

// The "container" member of a JSON line: null for a host process, {"unresolved":true}, or the
// object with id, runtime, name, image, image_digest, pod_uid, [pod_name, pod_namespace],
// labels and metadata.
std::string ContainerJson(const ContainerFields& c);

// Extra facts about the event that rules care about.
struct Verdicts {
  bool container_exec = false;  // an exec into the container by its runtime (podman/docker/kubectl exec)
  std::string host_call;  // why a connect/tcp_connect reaches the host ("cloud metadata", "host address", "runtime
                          // socket", ...)
};

// One JSON object on one line (no trailing newline). `boot_to_unix_ns` converts ts_ns to wall
// clock (added to ts_ns).
std::string ToJsonLine(const Event& e, const ContainerFields& container, const Verdicts& verdicts,
                       int64_t boot_to_unix_ns);

}  // namespace vigil::runtime
