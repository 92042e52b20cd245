// libFuzzer target for the /proc/<pid>/cgroup parser (src/runtime/cgroup.h).
//
// The input is parsed as a whole file and as one cgroup path. What must hold for any input:
// a container id is 64 lower-case hex digits; a pod UID appears only with a container and is
// 32 hex digits or a dashed UUID; a host ref says "unknown"; the file's answer taken from the
// v2 line equals the path classifier's answer for that line's path. Any violation aborts.
// Seeds: fuzz/corpus/runtime_cgroup/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "runtime/cgroup.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "runtime_cgroup_fuzz: %s: '%.*s'\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

void CheckRef(const vigil::runtime::ContainerRef& ref) {
  using vigil::runtime::Runtime;
  if (!ref.is_container()) {
    if (ref.runtime != Runtime::kUnknown) Fail("host ref names a runtime", ref.id);
    if (!ref.pod_uid.empty()) Fail("host ref has a pod", ref.pod_uid);
    return;
  }
  if (ref.id.size() != 64) Fail("id length", ref.id);
  for (char c : ref.id) {
    if (!IsHex(c)) Fail("id not lower-case hex", ref.id);
  }
  const std::string& pod = ref.pod_uid;
  if (pod.empty()) return;
  if (pod.size() != 32 && pod.size() != 36) Fail("pod uid length", pod);
  for (size_t i = 0; i < pod.size(); ++i) {
    bool dash = pod.size() == 36 && (i == 8 || i == 13 || i == 18 || i == 23);
    if (dash ? pod[i] != '-' : !IsHex(pod[i])) Fail("pod uid shape", pod);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::runtime;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckRef(ContainerFromCgroupPath(input));
  auto file = ParseProcCgroup(input);
  if (!file.ok()) {
    if (file.error().message().empty()) Fail("error without a message", input);
    return 0;
  }
  CheckRef(file->container);
  if (file->from_unified) {
    if (!file->has_unified) Fail("from_unified without a v2 line", input);
    if (!(ContainerFromCgroupPath(file->unified_path) == file->container)) {
      Fail("v2 answer differs from the path classifier", file->unified_path);
    }
  }
  return 0;
}
