#include "runtime/internal/syscalls.h"

#include "runtime/bpf/events.h"

namespace vigil::runtime {
namespace {

using T = EventType;
constexpr uint8_t kOpen = VIGIL_FILTER_OPEN, kOpenat2 = VIGIL_FILTER_OPENAT2, kChmod = VIGIL_FILTER_CHMOD,
                  kPtrace = VIGIL_FILTER_PTRACE, kPath = VIGIL_FILTER_PATH;

#if defined(__x86_64__)
// arch/x86/entry/syscalls/syscall_64.tbl
constexpr SyscallSpec kTable[] = {
    {"open", 2, T::kOpen, 1, 0, 0, 2, kOpen},
    {"creat", 85, T::kOpen, 1, 0, 0, 0, kOpen, true},
    {"openat", 257, T::kOpen, 2, 0, 0, 3, kOpen},
    {"openat2", 437, T::kOpen, 2, 0, 0, 3, kOpenat2},
    {"connect", 42, T::kConnect},
    {"accept", 43, T::kAccept},
    {"accept4", 288, T::kAccept},
    {"bind", 49, T::kBind},
    {"listen", 50, T::kListen},
    {"unlink", 87, T::kUnlink, 1, 0, 0, 0, kPath},
    {"unlinkat", 263, T::kUnlink, 2, 0, 0, 0, kPath},
    {"rmdir", 84, T::kUnlink, 1, 0, 0, 0, kPath},
    {"rename", 82, T::kRename, 1, 2, 0, 0, kPath},
    {"renameat", 264, T::kRename, 2, 4, 0, 0, kPath},
    {"renameat2", 316, T::kRename, 2, 4, 0, 0, kPath},
    {"chmod", 90, T::kChmod, 1, 0, 0, 2, kChmod},
    {"fchmod", 91, T::kChmod, 0, 0, 0, 2, kChmod},
    {"fchmodat", 268, T::kChmod, 2, 0, 0, 3, kChmod},
    {"fchmodat2", 452, T::kChmod, 2, 0, 0, 3, kChmod},
    {"chown", 92, T::kChown, 1, 0, 0, 0, kPath},
    {"fchown", 93, T::kChown},
    {"lchown", 94, T::kChown, 1, 0, 0, 0, kPath},
    {"fchownat", 260, T::kChown, 2, 0, 0, 0, kPath},
    {"setuid", 105, T::kSetid},
    {"setgid", 106, T::kSetid},
    {"setreuid", 113, T::kSetid},
    {"setregid", 114, T::kSetid},
    {"setresuid", 117, T::kSetid},
    {"setresgid", 119, T::kSetid},
    {"setfsuid", 122, T::kSetid},
    {"setfsgid", 123, T::kSetid},
    {"capset", 126, T::kSetid},
    {"setns", 308, T::kNamespace},
    {"unshare", 272, T::kNamespace},
    {"ptrace", 101, T::kPtrace, 0, 0, 0, 0, kPtrace},
    {"mount", 165, T::kMount, 1, 2, 3},
    {"init_module", 175, T::kModule, 0, 0, 3},
    {"finit_module", 313, T::kModule, 0, 0, 2},
    {"memfd_create", 319, T::kMemfd, 1},
    {"bpf", 321, T::kBpf},
};
#elif defined(__aarch64__)
// include/uapi/asm-generic/unistd.h (arm64 has no open, creat, unlink, rename, chmod, chown).
constexpr SyscallSpec kTable[] = {
    {"openat", 56, T::kOpen, 2, 0, 0, 3, kOpen},
    {"openat2", 437, T::kOpen, 2, 0, 0, 3, kOpenat2},
    {"connect", 203, T::kConnect},
    {"accept", 202, T::kAccept},
    {"accept4", 242, T::kAccept},
    {"bind", 200, T::kBind},
    {"listen", 201, T::kListen},
    {"unlinkat", 35, T::kUnlink, 2, 0, 0, 0, kPath},
    {"renameat", 38, T::kRename, 2, 4, 0, 0, kPath},
    {"renameat2", 276, T::kRename, 2, 4, 0, 0, kPath},
    {"fchmod", 52, T::kChmod, 0, 0, 0, 2, kChmod},
    {"fchmodat", 53, T::kChmod, 2, 0, 0, 3, kChmod},
    {"fchmodat2", 452, T::kChmod, 2, 0, 0, 3, kChmod},
    {"fchownat", 54, T::kChown, 2, 0, 0, 0, kPath},
    {"fchown", 55, T::kChown},
    {"setregid", 143, T::kSetid},
    {"setgid", 144, T::kSetid},
    {"setreuid", 145, T::kSetid},
    {"setuid", 146, T::kSetid},
    {"setresuid", 147, T::kSetid},
    {"setresgid", 149, T::kSetid},
    {"setfsuid", 151, T::kSetid},
    {"setfsgid", 152, T::kSetid},
    {"capset", 91, T::kSetid},
    {"setns", 268, T::kNamespace},
    {"unshare", 97, T::kNamespace},
    {"ptrace", 117, T::kPtrace, 0, 0, 0, 0, kPtrace},
    {"mount", 40, T::kMount, 1, 2, 3},
    {"init_module", 105, T::kModule, 0, 0, 3},
    {"finit_module", 273, T::kModule, 0, 0, 2},
    {"memfd_create", 279, T::kMemfd, 1},
    {"bpf", 280, T::kBpf},
};
#else
constexpr SyscallSpec kTable[] = {{"", 0, T::kOpen}};
#define VIGIL_NO_SYSCALL_TABLE
#endif

}  // namespace

std::span<const SyscallSpec> WatchedSyscalls() {
#ifdef VIGIL_NO_SYSCALL_TABLE
  return {};
#else
  return kTable;
#endif
}

const SyscallSpec* FindSyscall(uint32_t nr) {
  for (const SyscallSpec& s : WatchedSyscalls()) {
    if (s.nr == nr) return &s;
  }
  return nullptr;
}

}  // namespace vigil::runtime
