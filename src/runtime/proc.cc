#include "runtime/internal/proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "common/strings.h"

namespace vigil::runtime {
namespace {

// ENOENT: the /proc entry is gone (or the pid never existed); ESRCH: the task died between the
// lookup and the read. Both mean the process vanished.
Error FromErrno(int err, const std::string& where) {
  std::string m = where + ": " + std::strerror(err);
  if (err == ENOENT || err == ESRCH) return NotFound(m + " (the process has exited)");
  return IoError(m);
}

// The white-space separated fields of a status value ("0\t0\t0\t0").
std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string_view NamespaceName(Namespace ns) {
  switch (ns) {
    case Namespace::kMnt:
      return "mnt";
    case Namespace::kPid:
      return "pid";
    case Namespace::kNet:
      return "net";
  }
  return "mnt";
}

}  // namespace

Process::~Process() {
  if (fd_ >= 0) ::close(fd_);
}

Process::Process(Process&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), pid_(other.pid_), dir_(std::move(other.dir_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    pid_ = other.pid_;
    dir_ = std::move(other.dir_);
  }
  return *this;
}

// Opens a process or thread folder: a pid whose entry is not a folder is no process either.
Result<Process> ProcFs::OpenDir(int32_t pid, std::string dir) const {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return FromErrno(err == ENOTDIR ? ENOENT : err, dir);
  }
  return Process(fd, pid, std::move(dir));
}

Result<Process> ProcFs::Open(int32_t pid) const {
  if (pid <= 0) return InvalidArgument("pid " + std::to_string(pid) + " is not a process id");
  return OpenDir(pid, root_ + "/" + std::to_string(pid));
}

Result<std::vector<int32_t>> ProcFs::Pids() const {
  DIR* dir = ::opendir(root_.c_str());
  if (dir == nullptr) return FromErrno(errno, root_);
  std::vector<int32_t> pids;
  while (dirent* d = ::readdir(dir)) {
    // Only names of digits alone (strtol would also take "+12" or " 12").
    const char* name = d->d_name;
    if (*name < '1' || *name > '9' || std::strspn(name, "0123456789") != std::strlen(name)) continue;
    long pid = std::strtol(name, nullptr, 10);
    if (pid <= INT32_MAX) pids.push_back(static_cast<int32_t>(pid));
  }
  ::closedir(dir);
  return pids;
}

Result<Process> ProcFs::OpenThread(int32_t pid, int32_t tid) const {
  if (pid <= 0 || tid <= 0) {
    return InvalidArgument("pid " + std::to_string(pid) + " / tid " + std::to_string(tid) + " is not a thread id");
  }
  return OpenDir(pid, root_ + "/" + std::to_string(pid) + "/task/" + std::to_string(tid));
}

Result<std::string> Process::ReadEntry(const char* entry, size_t cap, bool allow_truncate, bool* truncated) const {
  std::string where = dir_ + "/" + entry;
  if (fd_ < 0) return InternalError(where + ": process not open");
  // O_NOFOLLOW and O_NONBLOCK: in a fake or hostile tree a link or a FIFO must not redirect or
  // stall the reader; the regular-file check below then refuses the FIFO.
  int fd = ::openat(fd_, entry, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return FromErrno(errno, where);
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return FromErrno(errno, where);
  if (!S_ISREG(st.st_mode)) return Corrupt(where + ": not a regular file");
  // /proc files report size 0; read in chunks until EOF or one byte past the cap.
  std::string out;
  char buf[4096];
  while (out.size() <= cap) {
    size_t want = std::min(sizeof(buf), cap + 1 - out.size());
    ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, where);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  if (truncated != nullptr) *truncated = false;
  if (out.size() > cap) {
    if (!allow_truncate) {
      return LimitExceeded(where + ": larger than the cap of " + std::to_string(cap) + " bytes");
    }
    out.resize(cap);
    if (truncated != nullptr) *truncated = true;
  }
  return out;
}

Result<std::string> Process::ReadLink(const char* entry) const {
  std::string where = dir_ + "/" + entry;
  if (fd_ < 0) return InternalError(where + ": process not open");
  std::string buf(kMaxLinkBytes, '\0');
  ssize_t n = ::readlinkat(fd_, entry, buf.data(), buf.size());
  if (n < 0) {
    // EINVAL: the entry exists but is no link (only in a fake tree).
    if (errno == EINVAL) return Corrupt(where + ": not a symbolic link");
    return FromErrno(errno, where);
  }
  if (static_cast<size_t>(n) >= buf.size()) {
    return LimitExceeded(where + ": link target longer than " + std::to_string(kMaxLinkBytes) + " bytes");
  }
  buf.resize(static_cast<size_t>(n));
  return buf;
}

Result<std::string> Process::CgroupText() const { return ReadEntry("cgroup", kMaxCgroupFileBytes, false, nullptr); }

Result<ProcCgroup> Process::Cgroup() const {
  VIGIL_ASSIGN_OR_RETURN(std::string text, CgroupText());
  Result<ProcCgroup> parsed = ParseProcCgroup(text);
  if (!parsed.ok()) parsed.error().Context(dir_ + "/cgroup");
  return parsed;
}

Result<uint64_t> Process::NamespaceInode(Namespace ns) const {
  std::string_view name = NamespaceName(ns);
  std::string entry = "ns/" + std::string(name);
  VIGIL_ASSIGN_OR_RETURN(std::string target, ReadLink(entry.c_str()));
  std::string_view t = target;
  uint64_t inode = 0;
  if (!t.starts_with(name) || t.substr(name.size()).substr(0, 2) != ":[" || !t.ends_with("]") ||
      !ParseDecimal(t.substr(name.size() + 2, t.size() - name.size() - 3), UINT64_MAX, &inode)) {
    return Corrupt(dir_ + "/" + entry + ": link '" + Clip(target, 80) + "' is not '" + std::string(name) +
                   ":[<inode>]'");
  }
  return inode;
}

Result<ProcStatus> Process::ReadStatus() const {
  VIGIL_ASSIGN_OR_RETURN(std::string text, ReadEntry("status", kMaxStatusBytes, false, nullptr));
  ProcStatus st;
  bool have_ppid = false, have_uid = false, have_gid = false, have_nspid = false;
  std::string bad;
  ForEachLine(text, [&](std::string_view line) {
    if (!bad.empty()) return;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string_view key = line.substr(0, colon);
    std::vector<std::string_view> f = Fields(line.substr(colon + 1));
    uint64_t v = 0;
    if (key == "PPid" && !have_ppid) {
      if (f.size() != 1 || !ParseDecimal(f[0], INT32_MAX, &v)) bad = "PPid";
      st.ppid = static_cast<int32_t>(v);
      have_ppid = true;
    } else if ((key == "Uid" && !have_uid) || (key == "Gid" && !have_gid)) {
      uint32_t* ids = key == "Uid" ? st.uid : st.gid;
      if (f.size() != 4) bad = std::string(key);
      for (size_t i = 0; i < f.size() && i < 4; ++i) {
        if (!ParseDecimal(f[i], UINT32_MAX, &v)) bad = std::string(key);
        ids[i] = static_cast<uint32_t>(v);
      }
      (key == "Uid" ? have_uid : have_gid) = true;
    } else if (key == "NSpid" && !have_nspid) {
      // Nesting is limited to 32 levels by the kernel (MAX_PID_NS_LEVEL).
      if (f.empty() || f.size() > 33) bad = "NSpid";
      for (std::string_view p : f) {
        if (!ParseDecimal(p, INT32_MAX, &v)) bad = "NSpid";
        st.nspid.push_back(static_cast<int32_t>(v));
      }
      have_nspid = true;
    }
  });
  if (!bad.empty()) return Corrupt(dir_ + "/status: malformed " + bad + " line");
  if (!have_ppid || !have_uid || !have_gid) {
    return Corrupt(dir_ + "/status: no " + std::string(!have_ppid ? "PPid" : !have_uid ? "Uid" : "Gid") + " line");
  }
  return st;
}

Result<std::string> Process::Exe() const { return ReadLink("exe"); }

Result<Cmdline> Process::ReadCmdline(size_t max_bytes) const {
  if (max_bytes == 0) max_bytes = 1;
  Cmdline out;
  VIGIL_ASSIGN_OR_RETURN(std::string text, ReadEntry("cmdline", max_bytes, true, &out.truncated));
  std::string_view rest = text;
  // Each argument ends with NUL; a process that rewrote its argv area may leave no NUL at all.
  while (!rest.empty()) {
    size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) {
      out.args.emplace_back(rest);
      break;
    }
    out.args.emplace_back(rest.substr(0, nul));
    rest.remove_prefix(nul + 1);
  }
  return out;
}

Result<uint32_t> Process::LoginUid() const {
  VIGIL_ASSIGN_OR_RETURN(std::string text, ReadEntry("loginuid", 32, false, nullptr));
  uint64_t v = 0;
  if (!ParseDecimal(Trim(text), UINT32_MAX, &v)) {
    return Corrupt(dir_ + "/loginuid: '" + Clip(text, 40) + "' is not a user id");
  }
  return static_cast<uint32_t>(v);
}

Result<std::string> CgroupPathById(const std::string& mount, uint64_t id) {
  std::string where = mount + " (cgroup id " + std::to_string(id) + ")";
  int mfd = ::open(mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (mfd < 0) return IoError(where + ": " + std::strerror(errno));
  // A kernfs file handle is the node's 64-bit id (FILEID_KERNFS).
  struct {
    file_handle fh;
    uint64_t id;
  } handle{};
  handle.fh.handle_bytes = sizeof(uint64_t);
  handle.fh.handle_type = 0xfe;
  std::memcpy(handle.fh.f_handle, &id, sizeof id);
  int fd = ::open_by_handle_at(mfd, &handle.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int err = errno;
  ::close(mfd);
  if (fd < 0) {
    if (err == ESTALE || err == ENOENT) return NotFound(where + ": no such cgroup");
    if (err == EPERM) return Unavailable(where + ": needs CAP_DAC_READ_SEARCH");
    return IoError(where + ": " + std::strerror(err));
  }
  char buf[4096];
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  ::close(fd);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return IoError(where + ": cannot read the cgroup's path");
  std::string path(buf, static_cast<size_t>(n));
  std::string root = mount;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (path == root) return std::string("/");
  if (path.size() <= root.size() || path.compare(0, root.size(), root) != 0 || path[root.size()] != '/') {
    return IoError(where + ": the cgroup is at " + path + ", outside the mount");
  }
  return path.substr(root.size());
}

}  // namespace vigil::runtime
