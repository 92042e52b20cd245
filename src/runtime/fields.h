// The fields a rule can name, read from one event as the Monitor delivers it (Event, its
// ContainerFields and Verdicts): Falco's names and meanings where Falco has the field (evt.type,
// proc.name, fd.sip, container.id, ...), vigil's own under vigil.*. Each field has a name, a
// type, a one-line description, the event types it is defined for, and an accessor that returns
// the value without allocating where it can (a view into the event, the container or static
// text). docs/SENSOR.md ("Fields") lists them; a new field is one row in fields.cc.
//
//   VIGIL_ASSIGN_OR_RETURN(const Field* f, FindField("proc.name"));
//   FieldValue v = f->Read({o.event, o.container, o.verdicts, host.boot_to_unix_ns});
//   if (v.has_value() && v.AsString() == "sh") ...
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"
#include "runtime/event.h"

namespace vigil::runtime {

// The type of a field's values.
enum class FieldType : uint8_t {
  kString,
  kInt64,
  kUint64,
  kBool,
  kIpAddress,
  kStringList,
};

// "string", "int64", "uint64", "bool", "ipaddr", "list"; "unknown" for other values.
std::string_view FieldTypeName(FieldType type);

// An IPv4 or IPv6 address.
struct IpAddress {
  uint16_t family = 0;              // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 in the first 4 bytes, the rest 0
  // As inet_ntop writes it ("10.0.0.1", "fd00:ec2::254"); "" for another family.
  std::string ToString() const;
  bool operator==(const IpAddress&) const = default;
};

// What fields are read from: one delivered event (runtime::Observed) and the offset of the
// event's boot-clock time to Unix time (HostContext::boot_to_unix_ns; 0 leaves evt.* times on
// the boot clock). The references must outlive the values read (which may view into them).
struct FieldInput {
  const Event& event;
  const ContainerFields& container;
  const Verdicts& verdicts;
  int64_t boot_to_unix_ns = 0;
};

// One field's value for one event: none (the field is not defined for the event's type, or this
// event has no such value, e.g. fd.sip of a unix socket or container.id of an event whose
// process could not be attributed), or a value of the field's type. Strings and lists are
// either views (into the FieldInput's event and container, or static text: valid while those
// live) or owned (built for this event: proc.cmdline, fd.name of an address); As*() hide which.
class FieldValue {
 public:
  // None.
  FieldValue() = default;
  static FieldValue String(std::string_view view) {
    return FieldValue(Alt(std::in_place_type<std::string_view>, view));
  }
  static FieldValue OwnedString(std::string text) {
    return FieldValue(Alt(std::in_place_type<std::string>, std::move(text)));
  }
  static FieldValue Int64(int64_t v) { return FieldValue(Alt(std::in_place_type<int64_t>, v)); }
  static FieldValue Uint64(uint64_t v) { return FieldValue(Alt(std::in_place_type<uint64_t>, v)); }
  static FieldValue Bool(bool v) { return FieldValue(Alt(std::in_place_type<bool>, v)); }
  static FieldValue Ip(const IpAddress& v) { return FieldValue(Alt(std::in_place_type<IpAddress>, v)); }
  static FieldValue List(std::span<const std::string> view) {
    return FieldValue(Alt(std::in_place_type<std::span<const std::string>>, view));
  }
  static FieldValue OwnedList(std::vector<std::string> items) {
    return FieldValue(Alt(std::in_place_type<std::vector<std::string>>, std::move(items)));
  }

  bool has_value() const { return !std::holds_alternative<std::monostate>(v_); }
  // The value's type. Requires has_value().
  FieldType type() const;
  // The value, for a value of that type (an assert otherwise). A view into an owned value is
  // valid while this FieldValue lives and is not moved.
  std::string_view AsString() const;
  int64_t AsInt64() const;
  uint64_t AsUint64() const;
  bool AsBool() const;
  const IpAddress& AsIp() const;
  std::span<const std::string> AsList() const;
  // As rule outputs print it: strings as they are, numbers in decimal, true/false, addresses as
  // IpAddress::ToString, lists space-separated; "<NA>" for none (as Falco prints it).
  std::string ToString() const;

 private:
  using Alt = std::variant<std::monostate, std::string_view, std::string, int64_t, uint64_t, bool, IpAddress,
                           std::span<const std::string>, std::vector<std::string>>;
  explicit FieldValue(Alt v) : v_(std::move(v)) {}
  Alt v_;
};

// One field of the registry.
struct Field {
  std::string_view name;         // "proc.name"
  FieldType type;                // of every value it returns
  EventTypeSet event_types;      // the event types it is defined for
  std::string_view description;  // one line
  // The value; called only for events of event_types (Read checks).
  FieldValue (*get)(const FieldInput& in);

  // The value for this event: none when the event's type is not in event_types, else get(in).
  FieldValue Read(const FieldInput& in) const { return event_types.contains(in.event.type) ? get(in) : FieldValue(); }
};

// Every field, in a stable order (by class: evt, syscall, proc, thread, user, group, fd,
// container, k8s, then vigil's own). Names are unique.
std::span<const Field> AllFields();

// The field of that name. kInvalidArgument for a name no field has, naming it and, when one is
// close (a letter or two apart), the field it may have meant.
Result<const Field*> FindField(std::string_view name);

}  // namespace vigil::runtime
