// Which container a process belongs to, read from its cgroup membership.
//
// The rules and every recognised path format, with where each comes from, are in
// docs/RUNTIME.md. Everything here is pure parsing of text: no file system access.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil::runtime {

// The container runtime that created a container, as told by the shape of its cgroup path.
enum class Runtime {
  kUnknown,     // a host process, or a container whose runtime the path does not tell
  kPodman,      // podman / libpod (with conmon), rootful or rootless
  kDocker,      // dockerd (and cri-dockerd under Kubernetes)
  kContainerd,  // containerd, through the CRI plugin or not
  kCrio,        // CRI-O
};

// Returns a stable lower-case name: "unknown", "podman", "docker", "containerd", "crio".
std::string_view RuntimeName(Runtime runtime);

// The container a process runs in. A host process (or a runtime's helper such as conmon) has
// an empty `id`.
struct ContainerRef {
  Runtime runtime = Runtime::kUnknown;
  // The container id as the runtime prints it in full: 64 lower-case hex digits.
  std::string id;
  // The Kubernetes pod UID when the path lies below a kubepods cgroup, with the '_' of the
  // systemd slice name turned back into '-' (e.g. "63b3ebfc-2890-11e9-8154-16bf8ef8d9dc").
  // Static (mirror) pods have a 32-hex UID without dashes. Empty outside Kubernetes.
  std::string pod_uid;

  bool is_container() const { return !id.empty(); }
  friend bool operator==(const ContainerRef&, const ContainerRef&) = default;
};

// Classifies one cgroup path (the third field of a /proc/<pid>/cgroup line, e.g.
// "/machine.slice/libpod-<64hex>.scope/container"). Returns the outermost container the path
// lies in (the one the host's runtime knows), or an empty ref (host) when no component names a
// container. Never fails: a path that is not absolute, contains "." or ".." components (the
// kernel prints those only to a reader inside another cgroup namespace), NUL bytes, ids of the
// wrong length or with upper-case or non-hex digits yields the empty ref. conmon's own cgroups
// (`libpod-conmon-<id>`, `crio-conmon-<id>`, `<parent>/conmon`) are not containers.
ContainerRef ContainerFromCgroupPath(std::string_view path);

// The parsed content of a /proc/<pid>/cgroup file.
struct ProcCgroup {
  // The container chosen by the rule below; empty id for a host process.
  ContainerRef container;
  // True when the file has a cgroup v2 line ("0::<path>"); `unified_path` is its path.
  bool has_unified = false;
  std::string unified_path;
  // Number of cgroup v1 lines (0 on a pure cgroup v2 system; > 0 on v1 or hybrid systems).
  size_t v1_lines = 0;
  // True when a v1 line lists the "memory" controller; `v1_memory_path` is its path. The
  // sensor's cgroup_v1_id is the id of this cgroup (docs/RUNTIME.md, "cache keys").
  bool has_v1_memory = false;
  std::string v1_memory_path;
  // True when `container` was read from the cgroup v2 line. Then the kernel's cgroup id of the
  // process (bpf_get_current_cgroup_id, always the v2 hierarchy) identifies that container.
  bool from_unified = false;
};

// Caps on what ParseProcCgroup accepts. A real file has one line per mounted hierarchy (about
// 15) and paths below PATH_MAX.
inline constexpr size_t kMaxCgroupFileBytes = 64 * 1024;
inline constexpr size_t kMaxCgroupLines = 128;

// Parses the content of /proc/<pid>/cgroup: lines "<hierarchy-id>:<controllers>:<path>" (cgroup
// v1, controllers comma-separated, e.g. "4:memory:/docker/<id>" or "9:name=systemd:/...") and
// "0::<path>" (cgroup v2). Hybrid systems have both. The container is taken from the v2 line
// when it names one, else from the first v1 line (in file order) that names one. Empty lines
// are skipped; the trailing newline is optional.
// Errors: kLimitExceeded when `content` exceeds kMaxCgroupFileBytes or kMaxCgroupLines;
// kCorrupt (naming the 1-based line) for a line without two ':' separators, a hierarchy id that
// is not a decimal uint32, controllers on hierarchy 0, a path that does not start with '/', a
// NUL byte, or a hierarchy listed twice; kCorrupt when there is no line at all.
Result<ProcCgroup> ParseProcCgroup(std::string_view content);

}  // namespace vigil::runtime
