// Reading files: read-only memory maps and bounded whole-file reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

// A read-only memory map of a whole file. Movable, not copyable; unmaps on destruction.
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Maps `path` (which must be a regular file). kNotFound if missing, kIo on other failures.
  static Result<MappedFile> Open(const std::string& path);

  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }
  size_t size() const { return size_; }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

// Reads a whole regular file of at most `max_bytes`; kLimitExceeded when larger.
Result<std::string> ReadFile(const std::string& path, uint64_t max_bytes = 256u << 20);

// Writes `data` to `path` atomically: a temporary file in the same folder, fsync, rename. A path
// that names a device, FIFO or socket (/dev/null, a pipe) is written in place instead, never
// replaced; a folder is an error.
Status WriteFileAtomic(const std::string& path, std::string_view data);

}  // namespace vigil
