#include "common/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace vigil {
namespace {

std::string Errno(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

}  // namespace

MappedFile::~MappedFile() {
  if (addr_ != nullptr && size_ > 0) munmap(addr_, size_);
}

MappedFile::MappedFile(MappedFile&& other) noexcept : addr_(other.addr_), size_(other.size_) {
  other.addr_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (addr_ != nullptr && size_ > 0) munmap(addr_, size_);
    addr_ = other.addr_;
    size_ = other.size_;
    other.addr_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

Result<MappedFile> MappedFile::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(Errno("cannot open", path));
    return IoError(Errno("cannot open", path));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return IoError(Errno("cannot stat", path));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return InvalidArgument("'" + path + "' is not a regular file");
  }
  MappedFile out;
  out.size_ = static_cast<size_t>(st.st_size);
  if (out.size_ > 0) {
    void* addr = mmap(nullptr, out.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED) {
      close(fd);
      out.size_ = 0;
      return IoError(Errno("cannot map", path));
    }
    madvise(addr, out.size_, MADV_SEQUENTIAL);
    out.addr_ = addr;
  }
  close(fd);
  return out;
}

Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(Errno("cannot open", path));
    return IoError(Errno("cannot open", path));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return InvalidArgument("'" + path + "' is not a readable regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    close(fd);
    return LimitExceeded("'" + path + "' is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = read(fd, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      close(fd);
      return IoError(Errno("cannot read", path));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  close(fd);
  return out;
}

namespace {

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(Errno("cannot write", path));
    }
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  // A device, FIFO or socket (/dev/null, /dev/stdout, a pipe) is written in place: renaming a
  // file over it would replace /dev/null itself for everyone on the machine.
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return IoError("cannot write '" + path + "': it is a folder");
    int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return IoError(Errno("cannot open", path));
    Status st_write = WriteAll(fd, data, path);
    close(fd);
    return st_write;
  }
  std::random_device rd;
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(rd());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return IoError(Errno("cannot create", tmp));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = Errno("cannot write", tmp);
      close(fd);
      unlink(tmp.c_str());
      return IoError(msg);
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp.c_str());
    return IoError(Errno("cannot flush", tmp));
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    std::string msg = Errno("cannot rename into place", path);
    unlink(tmp.c_str());
    return IoError(msg);
  }
  return OkStatus();
}

}  // namespace vigil
