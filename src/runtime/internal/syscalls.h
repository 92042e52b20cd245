// The system calls the sensor watches, per machine architecture: for each, the event type it
// belongs to and which of its arguments the kernel probe reads (written into the probes'
// vigil_syscalls map when the sensor starts). Numbers are the kernel's for the architecture vigil
// is built for (x86-64 and arm64; from the kernel's syscall tables).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "runtime/event.h"

namespace vigil::runtime {

struct SyscallSpec {
  std::string_view name;  // "openat"
  uint32_t nr;            // the system call number
  EventType type;
  uint8_t path_arg = 0;        // 1-based argument holding a user string read into Event::path, 0 none
  uint8_t path2_arg = 0;       // ... into Event::path2
  uint8_t str_arg = 0;         // ... into Event::str (at most 31 bytes)
  uint8_t flags_arg = 0;       // 1-based argument holding open flags or a chmod mode
  uint8_t filter = 0;          // VIGIL_FILTER_* of bpf/events.h
  bool implied_flags = false;  // creat: O_CREAT|O_WRONLY|O_TRUNC
};

// The watched system calls of this build's architecture; empty on others (the system call
// events are then unavailable, the others work).
std::span<const SyscallSpec> WatchedSyscalls();

// The table entry of a system call number; nullptr when it is not watched.
const SyscallSpec* FindSyscall(uint32_t nr);

}  // namespace vigil::runtime
