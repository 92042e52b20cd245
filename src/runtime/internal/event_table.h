// What the runtime part's own code reads from the event type table (runtime/event_types.h)
// beyond event.h: the kernel programs each type needs.
#pragma once

#include <cstdint>

#include "runtime/event.h"

namespace vigil::runtime {

// The kernel programs that emit events: the table's probe column. The loader (sensor.cc) runs a
// program only when a type it emits is enabled.
enum class Probe : uint8_t {
  kExec,      // tp_btf/sched_process_exec
  kExit,      // tp_btf/sched_process_exit
  kFork,      // tp_btf/sched_process_fork
  kTcpState,  // tp_btf/inet_sock_set_state
  kSyscalls,  // tp_btf/sys_enter + sys_exit, driven by the system call table (syscalls.h)
};

// The probe of `type`; kSyscalls for a value that is no type (as UsesSyscallProbes says).
constexpr Probe ProbeOf(EventType type) {
  switch (type) {
#define VIGIL_EVENT_TYPE_PROBE(name, NAME, Name, value, record, probe, ...) \
  case EventType::k##Name:                                                  \
    return Probe::k##probe;
    VIGIL_EVENT_TYPES(VIGIL_EVENT_TYPE_PROBE)
#undef VIGIL_EVENT_TYPE_PROBE
  }
  return Probe::kSyscalls;
}

}  // namespace vigil::runtime
