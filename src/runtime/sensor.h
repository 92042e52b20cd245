// The eBPF sensor: loads the kernel probes (src/runtime/bpf/sensor.bpf.c), lets them fill a ring
// buffer, and hands decoded events to the caller. Every place an event can be lost is counted,
// so that attempted == delivered + dropped can be checked (Stats()).
//
//   VIGIL_ASSIGN_OR_RETURN(auto sensor, Sensor::Start(SensorOptions{}));
//   while (running) sensor->Poll(100, [&](const Event& e) { ... });
//   SensorStats s = sensor->Stats();
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "runtime/event.h"

namespace vigil::runtime {

struct SensorOptions {
  // Event types to report (default: DefaultEventTypes(), off the system call path). Types not
  // listed are filtered in the kernel; the system call probes are attached only when a listed
  // type needs them (UsesSyscallProbes).
  std::vector<EventType> events{DefaultEventTypes().begin(), DefaultEventTypes().end()};
  bool watch_host = false;      // also the host's processes (default: containers only)
  uint32_t ring_buffer_mb = 8;  // ring buffer size, a power of two
  // The kernel wakes the reader once the ring buffer holds this many bytes (0: on every event).
  // Below it, events wait for the reader's next Poll timeout: poll with a short timeout (the
  // Monitor uses at most 50 ms) to bound the delay. Capped at a quarter of the ring.
  uint32_t wakeup_bytes = 64 * 1024;
  // Path prefixes (absolute, at most 64 bytes: the kernel compares the first 64 bytes of a
  // path) whose reads are reported too (open without a write flag); the longest matching
  // prefix of read_prefixes and ignore_prefixes decides. Relative paths match none.
  std::vector<std::string> read_prefixes = DefaultReadPrefixes();
  // Path prefixes for which no file event (open, unlink, rename, chmod, chown) is reported.
  std::vector<std::string> ignore_prefixes = DefaultIgnorePrefixes();
  // Credentials files, SSH keys, sudoers, Kubernetes service-account secrets.
  static std::vector<std::string> DefaultReadPrefixes();
  // /dev/null, /dev/tty, /dev/pts/: the targets of shell redirections.
  static std::vector<std::string> DefaultIgnorePrefixes();
};

// One kernel probe and whether it runs.
struct ProbeStatus {
  std::string name;  // "exec", "exit", "fork", "tcp_state", "sys_enter", "sys_exit"
  bool running = false;
  std::string error;  // why not (the verifier's or the kernel's words), "" when running
};

// Counters per event type (index: EventType value), summed over CPUs.
struct SensorStats {
  uint64_t attempted[kEventTypeSlots] = {};  // the kernel probe decided to emit
  uint64_t ring_full[kEventTypeSlots] = {};  // lost in the kernel: no room in the ring buffer
  uint64_t delivered[kEventTypeSlots] = {};  // read from the ring buffer and decoded
  uint64_t undecodable = 0;                  // read but not decodable (counted, not delivered)
  uint64_t Attempted() const;
  uint64_t RingFull() const;
  uint64_t Delivered() const;
};

class Sensor {
 public:
  // Loads and attaches the probes. Errors: kUnsupported when vigil was built without eBPF
  // (VIGIL_BUILD_BPF=OFF) or the kernel has no BTF (/sys/kernel/btf/vmlinux); kUnavailable
  // without the privileges (root or CAP_BPF + CAP_PERFMON) or when no probe could be loaded
  // (each probe's reason in the message). A probe that fails the verifier or cannot attach is
  // disabled alone and listed in probes() with the reason. kInvalidArgument for a ring buffer
  // size that is not a power of two in [1, 1024] or a bad path prefix (not absolute, longer
  // than 64 bytes, more than 1024).
  static Result<std::unique_ptr<Sensor>> Start(const SensorOptions& options);
  ~Sensor();
  Sensor(const Sensor&) = delete;
  Sensor& operator=(const Sensor&) = delete;

  const std::vector<ProbeStatus>& probes() const;
  // Waits up to `timeout_ms` for events and calls `on_event` for each (on this thread). Returns
  // how many were delivered. Errors: kIo when polling fails (not for EINTR, which returns 0).
  Result<size_t> Poll(int timeout_ms, const std::function<void(const Event&)>& on_event);
  // Stops the probes (nothing more enters the ring buffer); what is already there can still be
  // read with Poll, after which Stats() reconciles exactly: attempted == delivered + ring_full +
  // undecodable, per type.
  void Detach();
  // Reads the kernel's counters and this side's.
  SensorStats Stats() const;
  // The kernel version string (uname -r), for messages.
  static std::string KernelRelease();

 private:
  struct Impl;
  explicit Sensor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::runtime
