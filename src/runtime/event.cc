// The generic side of the sensor's events: the type table (runtime/event_types.h) made into
// names and sets, the record header decoded and each record dispatched to its payload decoder,
// the JSON line's common members and the dispatch to each type's object. Nothing here names a
// type: the per-type code is in payloads.cc.
#include "runtime/event.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <optional>

#include "runtime/bpf/events.h"
#include "runtime/internal/event_table.h"
#include "runtime/internal/json_line.h"
#include "runtime/internal/payloads.h"

namespace vigil::runtime {

// The table's rows: values from 1 in increasing order without gaps (the kernel's VIGIL_EV_MAX is
// one past the last row), each below 32 (the config map's `enabled` is a 32-bit mask), and the
// kernel's constants equal to the C++ enumerators.
static_assert(
    [] {
      uint32_t next = 1;
#define VIGIL_EVENT_TYPE_ORDER(name, NAME, Name, value, ...) \
  if (value != next++) return false;
      VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_ORDER)
#undef VIGIL_EVENT_TYPE_ORDER
      return true;
    }(),
    "event_types.h: values must start at 1 and increase by one, row by row");
static_assert(static_cast<size_t>(VIGIL_EV_MAX) == kEventTypeSlots, "event types differ between kernel and user space");
static_assert(kEventTypeSlots <= 32, "the kernel enables event types in a 32-bit mask (vigil_config.enabled)");
#define VIGIL_EVENT_TYPE_SAME(name, NAME, Name, value, ...)                                                 \
  static_assert(static_cast<uint32_t>(EventType::k##Name) == VIGIL_EV_##NAME && VIGIL_EV_##NAME == (value), \
                "event type " #name ": kernel and C++ values differ");
VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_SAME)
#undef VIGIL_EVENT_TYPE_SAME

namespace {

constexpr EventType kAll[] = {
#define VIGIL_EVENT_TYPE_ITEM(name, NAME, Name, ...) EventType::k##Name,
    VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_ITEM)
#undef VIGIL_EVENT_TYPE_ITEM
};

// The default set: the rows whose in_default column is 1, in value order.
constexpr size_t kDefaultCount = 0
#define VIGIL_EVENT_TYPE_COUNT_DEFAULT(name, NAME, Name, value, record, probe, in_default) +(in_default ? 1 : 0)
    VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_COUNT_DEFAULT)
#undef VIGIL_EVENT_TYPE_COUNT_DEFAULT
    ;
constexpr std::array<EventType, kDefaultCount> kDefault = [] {
  std::array<EventType, kDefaultCount> out{};
  size_t n = 0;
#define VIGIL_EVENT_TYPE_DEFAULT(name, NAME, Name, value, record, probe, in_default) \
  if (in_default) out[n++] = EventType::k##Name;
  VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_DEFAULT)
#undef VIGIL_EVENT_TYPE_DEFAULT
  return out;
}();

// Names by value; "unknown" for values that are no row.
constexpr std::array<std::string_view, kEventTypeSlots> kNames = [] {
  std::array<std::string_view, kEventTypeSlots> out{};
  for (std::string_view& n : out) n = "unknown";
#define VIGIL_EVENT_TYPE_NAME(name, NAME, Name, value, ...) out[value] = #name;
  VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_NAME)
#undef VIGIL_EVENT_TYPE_NAME
  return out;
}();

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

// The payload of a record of type R into `e`; false when `bytes` is shorter than R.
template <typename R>
bool DecodePayload(std::span<const uint8_t> bytes, Event& e) {
  if (bytes.size() < sizeof(R)) return false;
  R r;
  std::memcpy(&r, bytes.data(), sizeof r);
  payload::Decode(r, e);
  return true;
}

// The payload decoder of each type, by value (the table's record column); null for values that
// are no type. One out-of-line decoder per record, not a copy per type.
using PayloadDecoder = bool (*)(std::span<const uint8_t>, Event&);
constexpr std::array<PayloadDecoder, kEventTypeSlots> kDecoders = [] {
  std::array<PayloadDecoder, kEventTypeSlots> out{};
#define VIGIL_EVENT_TYPE_DECODER(name, NAME, Name, value, record, ...) out[value] = &DecodePayload<vigil_##record>;
  VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_DECODER)
#undef VIGIL_EVENT_TYPE_DECODER
  return out;
}();

}  // namespace

std::vector<EventType> EventTypeSet::ToVector() const {
  std::vector<EventType> out;
  for (EventType t : kAll) {
    if (contains(t)) out.push_back(t);
  }
  return out;
}

std::string_view EventTypeName(EventType type) {
  size_t i = static_cast<size_t>(type);
  return i < kEventTypeSlots ? kNames[i] : "unknown";
}

std::span<const EventType> AllEventTypes() { return kAll; }
std::span<const EventType> DefaultEventTypes() { return kDefault; }

bool UsesSyscallProbes(EventType type) { return ProbeOf(type) == Probe::kSyscalls; }

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
  if (h.type >= kEventTypeSlots || kDecoders[h.type] == nullptr) {
    return Corrupt("sensor record of unknown type " + std::to_string(h.type));
  }
  e.type = static_cast<EventType>(h.type);
  if (!kDecoders[h.type](bytes, e)) {
    return Corrupt("sensor " + std::string(EventTypeName(e.type)) + " record of " + std::to_string(bytes.size()) +
                   " bytes is too short");
  }
  return e;
}

std::string ContainerJson(const ContainerFields& c) {
  JsonLine j(256);
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
  JsonLine j(512 + e.path.size() + e.filename.size());
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
  // The object named after the type, its members written by the type's payload writer.
  j.Key(EventTypeName(e.type));
  j.Open();
  switch (e.type) {
#define VIGIL_EVENT_TYPE_WRITE(name, NAME, Name, ...) \
  case EventType::k##Name:                            \
    payload::Write##Name(j, e, v);                    \
    break;
    VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_WRITE)
#undef VIGIL_EVENT_TYPE_WRITE
    default:
      payload::WriteUnknownType(j, e);
      break;
  }
  j.Close();
  j.Close();
  return j.Take();
}

}  // namespace vigil::runtime
