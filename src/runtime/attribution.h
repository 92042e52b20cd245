// Attribution of kernel events to containers: a bounded, thread-safe cache from the kernel's
// cgroup ids (v2, and v1 memory controller) or mount-namespace inode of an event to the container
// it came from, filled from
// /proc of the event's process on first sight, plus a non-blocking hook for the runtime's
// metadata (name, image, labels). The rules are in docs/RUNTIME.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "runtime/cgroup.h"

namespace vigil::runtime {

// What a container runtime's API says about a container.
struct ContainerMetadata {
  std::string name;          // e.g. "cranky_gagarin"
  std::string image;         // the reference it was started from, e.g. "docker.io/library/nginx:1.27"
  std::string image_id;      // the runtime's id of that image, e.g. "sha256:<hex>"
  std::string image_digest;  // "sha256:<hex>" (the manifest digest) when the runtime knows it
  std::map<std::string, std::string> labels;
  std::string pod_name;       // CRI runtimes only
  std::string pod_namespace;  // CRI runtimes only
};

// The extension point for a runtime's API (podman/docker REST over a unix socket, the CRI).
// Implementations own their threads or event loop; the Attributor never waits for them.
class MetadataResolver {
 public:
  using Done = std::function<void(Result<ContainerMetadata>)>;
  virtual ~MetadataResolver() = default;
  // Starts looking up `ref` (a container: non-empty id) and returns without waiting for I/O.
  // Must call `done` exactly once, from any thread, possibly before Request returns. `done`
  // stays safe to call after the Attributor that asked has been destroyed.
  virtual void Request(const ContainerRef& ref, Done done) = 0;
};

// Where the metadata of an attributed container stands.
enum class MetadataState {
  kNone,     // a host process, an unresolved one, or no resolver configured
  kPending,  // requested; not answered yet
  kReady,    // `Attribution::metadata` holds it
  kFailed,   // the resolver answered with an error; not asked again while the entry lives
};

// What the kernel reported about the process behind an event.
struct EventOrigin {
  int32_t pid = 0;  // the process (tgid) in the sensor's pid namespace
  // The thread that made the event; when set and not `pid`, /proc/<pid>/task/<tid> is read (a
  // thread can be in another mount namespace than its process).
  int32_t tid = 0;
  uint64_t cgroup_id = 0;  // the cgroup v2 id (bpf_get_current_cgroup_id); 0 if unknown
  uint64_t mnt_ns = 0;     // the inode of the mount namespace; 0 if unknown
  // On cgroup v1 and hybrid hosts: the id of the process's cgroup in the memory controller's
  // hierarchy (the kernfs id the sensor reads); 0 on pure cgroup v2 hosts or if unknown. The
  // pair (cgroup_id, cgroup_v1_id) is the cache key for cgroups (docs/RUNTIME.md, "cache keys").
  uint64_t cgroup_v1_id = 0;
};

// The answer for one event.
struct Attribution {
  // False when neither the cache nor /proc could tell ("unknown, pending"): the process exited
  // before it was read and no earlier event of its cgroup or mount namespace was resolved. A
  // later event of the same cgroup or namespace back-fills the entry; Peek() then answers.
  bool resolved = false;
  // Set when resolved; a host process has an empty id. Shared, immutable.
  std::shared_ptr<const ContainerRef> container;
  MetadataState metadata_state = MetadataState::kNone;
  std::shared_ptr<const ContainerMetadata> metadata;  // set when kReady
};

struct AttributorOptions {
  // The /proc folder to read processes from.
  std::string proc_root = "/proc";
  // At most this many keys (cgroup ids plus mount namespaces) are kept; the least recently
  // used goes first. At least 1.
  size_t max_entries = 16384;
  // When set (e.g. "/sys/fs/cgroup" on cgroup v2, "/sys/fs/cgroup/unified" on hybrid), the
  // event's cgroup id is checked against the inode of <cgroup2_mount><v2 path of the process>
  // read from /proc; a difference means the pid was reused or the process moved, and the read
  // is not used.
  std::string cgroup2_mount;
  // The same check for the event's cgroup_v1_id on cgroup v1 and hybrid hosts, when set (e.g.
  // "/sys/fs/cgroup/memory"): against the inode of <mount><memory line's path>. Without these
  // checks an event sent while runc moved the process into the container's cgroups can cache
  // the runtime's cgroup as the container's; set both on real hosts.
  std::string cgroup_v1_memory_mount;
  // Mount-namespace inodes are reused by the kernel once a namespace is freed, so an entry
  // keyed by one is re-read from /proc when older than this (nanoseconds).
  uint64_t mnt_ns_ttl_ns = 5'000'000'000;
  // Monotonic clock in nanoseconds; steady_clock when empty (tests inject one).
  std::function<uint64_t()> clock;
  // Asked once per container id seen; none when null.
  std::shared_ptr<MetadataResolver> resolver;
};

// Counters since construction. Every Attribute() call counts as exactly one of hits, misses.
struct AttributorStats {
  uint64_t hits = 0;            // answered from a resolved cache entry
  uint64_t misses = 0;          // needed a /proc read, or answered "pending" from the cache
  uint64_t resolved = 0;        // /proc reads that attributed the process
  uint64_t unresolved = 0;      // answers that were "pending"
  uint64_t backfilled = 0;      // pending entries later resolved
  uint64_t evictions = 0;       // entries dropped for the size bound
  uint64_t vanished = 0;        // /proc reads of a process that had exited
  uint64_t pid_mismatches = 0;  // live process with another mount namespace or cgroup id
  uint64_t proc_errors = 0;     // /proc reads failing otherwise (permissions, corrupt content)
  uint64_t metadata_requests = 0;
  uint64_t metadata_ready = 0;
  uint64_t metadata_failed = 0;
  uint64_t siblings = 0;      // answers read from another live process of the event's mount namespace
  uint64_t cgroup_paths = 0;  // answers read from the event's cgroup ids (the process had exited)
};

// Thread-safe: any number of threads may call any member concurrently. /proc is read and the
// resolver is called without the internal lock held.
class Attributor {
 public:
  explicit Attributor(AttributorOptions options);
  ~Attributor();
  Attributor(const Attributor&) = delete;
  Attributor& operator=(const Attributor&) = delete;

  // Attributes one event. When the event's process has exited (or is another one now), the
  // event's cgroups are looked up by id in the cgroup file systems (CgroupPathById, when
  // cgroup2_mount / cgroup_v1_memory_mount are set); failing that, one other live process of the same mount namespace
  // is looked for in /proc (at most once a second per namespace) and read instead, with the same checks against the
  // event's cgroup ids: a container's short-lived process (the `cat` of `podman exec c cat f`) is then attributed
  // through its long-lived init. Looks up the cgroup ids (the pair cgroup_id, cgroup_v1_id), then the
  // mount namespace; on a miss reads <proc_root>/<pid>/cgroup (checking the process's mount
  // namespace and, when configured, its cgroups against the event's) and caches the answer under the keys it is valid
  // for (docs/RUNTIME.md, "cache keys"). Requests metadata the first time a container id is seen. Never blocks on
  // anything but /proc.
  Attribution Attribute(const EventOrigin& origin);

  // As Attribute, from the cache alone: never reads /proc, never requests metadata, counts
  // nothing. For re-attributing held events once a later event back-filled their key.
  Attribution Peek(const EventOrigin& origin) const;

  AttributorStats stats() const;
  // Number of cached keys (resolved and pending).
  size_t size() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace vigil::runtime
