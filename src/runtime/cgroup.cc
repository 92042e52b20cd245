#include "runtime/cgroup.h"

#include <array>
#include <cstdint>
#include <vector>

#include "common/strings.h"

namespace vigil::runtime {
namespace {

constexpr size_t kIdLength = 64;

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Runtimes print ids in lower case; an upper-case id would not match their API either.
bool IsContainerId(std::string_view s) {
  if (s.size() != kIdLength) return false;
  for (char c : s) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

// A pod UID: an RFC 4122 UUID (8-4-4-4-12), or 32 hex digits for static pods, whose UID is a
// hash of the manifest. `sep` is '-' in cgroupfs names and '_' in systemd slice names (systemd
// reserves '-' for the slice hierarchy).
bool IsPodUid(std::string_view s, char sep) {
  if (s.size() == 32) {
    for (char c : s) {
      if (!IsLowerHex(c)) return false;
    }
    return true;
  }
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash_at = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_at ? s[i] != sep : !IsLowerHex(s[i])) return false;
  }
  return true;
}

std::string NormalisePodUid(std::string_view uid) {
  std::string out(uid);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

// The pod UID named by one path component, or "" when it names none. Forms:
//   cgroupfs (inside /kubepods):  pod<uid>
//   systemd:                      kubepods-pod<uid_>.slice, kubepods-<qos>-pod<uid_>.slice
std::string PodUidOf(std::string_view c, bool in_kubepods) {
  if (in_kubepods && c.starts_with("pod") && IsPodUid(c.substr(3), '-')) {
    return std::string(c.substr(3));
  }
  if (!c.starts_with("kubepods-") || !c.ends_with(".slice")) return "";
  std::string_view rest = c.substr(9, c.size() - 9 - 6);
  for (std::string_view qos : {"burstable-", "besteffort-"}) {
    if (rest.starts_with(qos)) {
      rest.remove_prefix(qos.size());
      break;
    }
  }
  if (!rest.starts_with("pod") || !IsPodUid(rest.substr(3), '_')) return "";
  return NormalisePodUid(rest.substr(3));
}

enum class Verdict { kNone, kContainer, kMonitor };

struct Named {
  Verdict verdict = Verdict::kNone;
  Runtime runtime = Runtime::kUnknown;
  std::string_view id;
};

struct Prefix {
  std::string_view text;
  Verdict verdict;
  Runtime runtime;
};

// Longer prefixes first: "libpod-conmon-" must win over "libpod-".
constexpr std::array<Prefix, 7> kPrefixes{{
    {"libpod-conmon-", Verdict::kMonitor, Runtime::kPodman},
    {"crio-conmon-", Verdict::kMonitor, Runtime::kCrio},
    {"libpod-payload-", Verdict::kContainer, Runtime::kPodman},
    {"libpod-", Verdict::kContainer, Runtime::kPodman},
    {"cri-containerd-", Verdict::kContainer, Runtime::kContainerd},
    {"crio-", Verdict::kContainer, Runtime::kCrio},
    {"docker-", Verdict::kContainer, Runtime::kDocker},
}};

// What one path component names. `prev` is the component before it; `below_pod` says that
// `prev` was a Kubernetes pod cgroup.
Named ClassifyComponent(std::string_view c, std::string_view prev, bool below_pod) {
  std::string_view name = c;
  bool scope = name.ends_with(".scope");
  if (scope) name.remove_suffix(6);
  for (const Prefix& p : kPrefixes) {
    if (name.starts_with(p.text) && IsContainerId(name.substr(p.text.size()))) {
      return {p.verdict, p.runtime, name.substr(p.text.size())};
    }
  }
  if (scope) return {};
  // containerd given a systemd-style cgroupsPath ("slice:prefix:name") while the cgroupfs
  // driver is in use writes it verbatim as one directory name.
  constexpr std::string_view kCriContainerd = ":cri-containerd:";
  if (size_t at = name.rfind(kCriContainerd); at != std::string_view::npos) {
    std::string_view id = name.substr(at + kCriContainerd.size());
    if (IsContainerId(id)) return {Verdict::kContainer, Runtime::kContainerd, id};
    return {};
  }
  if (IsContainerId(name)) {
    Runtime runtime = Runtime::kUnknown;
    if (prev == "docker") {
      runtime = Runtime::kDocker;
    } else if (below_pod) {
      // Kubernetes' cgroupfs driver names the container's cgroup by its bare id. containerd is
      // by far the most common runtime there; dockershim (removed in Kubernetes 1.24) made the
      // same shape. CRI-O adds its "crio-" prefix.
      runtime = Runtime::kContainerd;
    }
    return {Verdict::kContainer, runtime, name};
  }
  return {};
}

}  // namespace

std::string_view RuntimeName(Runtime runtime) {
  switch (runtime) {
    case Runtime::kUnknown:
      return "unknown";
    case Runtime::kPodman:
      return "podman";
    case Runtime::kDocker:
      return "docker";
    case Runtime::kContainerd:
      return "containerd";
    case Runtime::kCrio:
      return "crio";
  }
  return "unknown";
}

ContainerRef ContainerFromCgroupPath(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string_view::npos) return {};
  // Reject the whole path before classifying any of it: a ".." anywhere means the reader sees
  // the process from inside another cgroup namespace, and the names are not the host's.
  for (std::string_view c : Split(path, '/')) {
    if (c == "." || c == "..") return {};
  }
  std::string pod_uid;
  bool in_kubepods = false;
  bool below_pod = false;
  std::string_view prev;
  for (std::string_view c : Split(path, '/')) {
    if (c.empty()) continue;
    // "kubepods-burstable-pod<uid>.slice:cri-containerd:<id>" carries the pod in the same name.
    std::string_view slice_part = c.substr(0, c.find(':'));
    std::string uid = PodUidOf(slice_part, in_kubepods);
    Named named = ClassifyComponent(c, prev, below_pod);
    if (named.verdict == Verdict::kMonitor) return {};
    if (named.verdict == Verdict::kContainer) {
      ContainerRef ref;
      ref.runtime = named.runtime;
      ref.id = std::string(named.id);
      ref.pod_uid = uid.empty() ? pod_uid : uid;
      return ref;
    }
    if (c == "kubepods" || c.starts_with("kubepods.") || c.starts_with("kubepods-")) {
      in_kubepods = true;
    }
    below_pod = !uid.empty();
    if (below_pod) pod_uid = std::move(uid);
    prev = c;
  }
  return {};
}

namespace {

// True when the comma-separated `controllers` list `name`.
bool HasController(std::string_view controllers, std::string_view name) {
  while (!controllers.empty()) {
    size_t comma = controllers.find(',');
    if (controllers.substr(0, comma) == name) return true;
    if (comma == std::string_view::npos) break;
    controllers.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

Result<ProcCgroup> ParseProcCgroup(std::string_view content) {
  if (content.size() > kMaxCgroupFileBytes) {
    return LimitExceeded("cgroup file of " + std::to_string(content.size()) + " bytes is larger than the cap of " +
                         std::to_string(kMaxCgroupFileBytes));
  }
  ProcCgroup out;
  ContainerRef from_v1;
  std::vector<uint32_t> seen;
  size_t line_no = 0;
  size_t lines = 0;
  Status failure;
  ForEachLine(content, [&](std::string_view line) {
    ++line_no;
    if (!failure.ok() || line.empty()) return;
    auto fail = [&](std::string what) {
      failure = Corrupt("line " + std::to_string(line_no) + " ('" + Clip(line, 80) + "'): " + what);
    };
    if (++lines > kMaxCgroupLines) {
      failure = LimitExceeded("more than " + std::to_string(kMaxCgroupLines) + " cgroup lines");
      return;
    }
    if (line.find('\0') != std::string_view::npos) return fail("NUL byte");
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return fail("not '<id>:<controllers>:<path>'");
    std::string_view id_text = line.substr(0, c1);
    std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    std::string_view path = line.substr(c2 + 1);
    uint64_t id = 0;
    if (!ParseDecimal(id_text, UINT32_MAX, &id)) return fail("hierarchy id is not a decimal uint32");
    if (path.empty() || path.front() != '/') return fail("path does not start with '/'");
    if (id == 0 && !controllers.empty()) return fail("hierarchy 0 (cgroup v2) lists controllers");
    // The kernel prints each hierarchy once and refuses '\n' in cgroup names (checked on
    // 6.18: mkdir fails with EINVAL on v1 and v2), so a process cannot forge lines; a repeated
    // hierarchy means the text did not come from the kernel.
    for (uint32_t s : seen) {
      if (s == id) return fail("hierarchy " + std::to_string(id) + " listed twice");
    }
    seen.push_back(static_cast<uint32_t>(id));
    if (id == 0) {
      out.has_unified = true;
      out.unified_path = std::string(path);
      return;
    }
    ++out.v1_lines;
    if (!out.has_v1_memory && HasController(controllers, "memory")) {
      out.has_v1_memory = true;
      out.v1_memory_path = std::string(path);
    }
    if (!from_v1.is_container()) from_v1 = ContainerFromCgroupPath(path);
  });
  if (!failure.ok()) return failure;
  if (lines == 0) return Corrupt("no cgroup lines");
  if (out.has_unified) {
    ContainerRef v2 = ContainerFromCgroupPath(out.unified_path);
    if (v2.is_container()) {
      out.container = std::move(v2);
      out.from_unified = true;
      return out;
    }
  }
  out.container = std::move(from_v1);
  return out;
}

}  // namespace vigil::runtime
