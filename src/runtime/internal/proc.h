// Small, bounded readers of one process's entries in a /proc-like folder.
//
// The root folder is a parameter so that tests use a fake tree. A process is opened once (a
// directory file descriptor on <root>/<pid>); every later read goes through that descriptor, so
// when the process exits and its pid is reused, reads fail instead of describing the newcomer.
// /proc content of a container process is partly under the container's control (argv, cgroup
// names, the exe path), so every read is capped.
//
// Errors, each naming the file ("<root>/<pid>/<entry>: ..."):
//   kNotFound       the process does not exist (any more): ENOENT or ESRCH
//   kIo             the operating system refused the read (e.g. EACCES without privileges)
//   kCorrupt        the content is not in the kernel's format
//   kLimitExceeded  the content is larger than the reader's cap
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "runtime/cgroup.h"

namespace vigil::runtime {

// Namespaces whose identity (the inode of /proc/<pid>/ns/<name>) the readers return.
enum class Namespace { kMnt, kPid, kNet };

// loginuid of a process that never logged in (the kernel's "unset", (uid_t)-1).
inline constexpr uint32_t kNoLoginUid = 4294967295u;

// The fields of /proc/<pid>/status vigil uses.
struct ProcStatus {
  int32_t ppid = 0;
  uint32_t uid[4] = {};  // real, effective, saved, filesystem
  uint32_t gid[4] = {};
  // The pid in each nested pid namespace, outermost (the reader's) first; the last one is the
  // pid inside the process's own namespace. Empty on kernels without NSpid (before 4.1).
  std::vector<int32_t> nspid;
};

// argv of a process. `truncated` is set when the cap cut it; the last argument may then be cut.
struct Cmdline {
  std::vector<std::string> args;
  bool truncated = false;
};

// Caps per entry. Real status files are about 1.5 KiB; link targets are below PATH_MAX.
inline constexpr size_t kMaxStatusBytes = 16 * 1024;
inline constexpr size_t kMaxLinkBytes = 4096;
inline constexpr size_t kDefaultCmdlineBytes = 4096;

// One opened process. Movable, not copyable; closes its descriptor on destruction.
class Process {
 public:
  Process() = default;
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int32_t pid() const { return pid_; }

  // The raw content of `cgroup` (at most kMaxCgroupFileBytes).
  Result<std::string> CgroupText() const;
  // `cgroup` parsed by ParseProcCgroup; its errors are prefixed with the file's name.
  Result<ProcCgroup> Cgroup() const;
  // The inode number in the link `ns/<mnt|pid|net>` ("mnt:[4026531840]" → 4026531840).
  // kCorrupt when the link is not "<name>:[<decimal>]" for the namespace asked.
  Result<uint64_t> NamespaceInode(Namespace ns) const;
  // PPid, Uid, Gid and NSpid of `status`. kCorrupt when PPid, Uid or Gid is missing or malformed.
  Result<ProcStatus> ReadStatus() const;
  // The target of the `exe` link as the kernel prints it: an absolute path, possibly ending in
  // " (deleted)", or "/memfd:<name> (deleted)". kNotFound also for kernel threads (no exe).
  Result<std::string> Exe() const;
  // `cmdline` split at NUL bytes, reading at most `max_bytes` (at least 1). An empty vector for
  // kernel threads and zombies.
  Result<Cmdline> ReadCmdline(size_t max_bytes = kDefaultCmdlineBytes) const;
  // `loginuid` as a number; kNoLoginUid when unset. kCorrupt when not a decimal uint32.
  Result<uint32_t> LoginUid() const;

 private:
  friend class ProcFs;
  Process(int fd, int32_t pid, std::string dir) : fd_(fd), pid_(pid), dir_(std::move(dir)) {}

  // Reads <dir>/<entry> up to `cap` bytes; kLimitExceeded past it unless `allow_truncate`.
  Result<std::string> ReadEntry(const char* entry, size_t cap, bool allow_truncate, bool* truncated) const;
  Result<std::string> ReadLink(const char* entry) const;

  int fd_ = -1;
  int32_t pid_ = 0;
  std::string dir_;  // "<root>/<pid>", for messages
};

// A /proc-like folder: "/proc" on a live system, a temporary folder in tests.
class ProcFs {
 public:
  explicit ProcFs(std::string root = "/proc") : root_(std::move(root)) {}

  const std::string& root() const { return root_; }

  // Opens <root>/<pid>. kInvalidArgument for pid <= 0; kNotFound when there is no such process;
  // kIo on other failures.
  Result<Process> Open(int32_t pid) const;
  // The process ids listed in <root> (its numeric entries), unsorted. kIo when it cannot be read.
  Result<std::vector<int32_t>> Pids() const;
  // Opens the thread <root>/<pid>/task/<tid> (its own namespaces and cgroups: a thread may have
  // joined another mount namespace with setns). Same errors as Open, for either id.
  Result<Process> OpenThread(int32_t pid, int32_t tid) const;

 private:
  Result<Process> OpenDir(int32_t pid, std::string dir) const;

  std::string root_;
};

// The path of the cgroup whose kernfs id is `id` (what the sensor reports as cgroup_id /
// cgroup_v1_id), relative to the hierarchy mounted at `mount` (e.g. "/sys/fs/cgroup/unified",
// "/sys/fs/cgroup/memory"): "/" for the root, else "/libpod_parent/libpod-<id>" and the like.
// Uses open_by_handle_at with the kernfs file handle, so it answers for a cgroup whose processes
// have all exited, as long as the cgroup exists. Errors: kNotFound when no cgroup has this id
// (removed, or never there); kUnavailable without CAP_DAC_READ_SEARCH; kIo otherwise.
Result<std::string> CgroupPathById(const std::string& mount, uint64_t id);

}  // namespace vigil::runtime
