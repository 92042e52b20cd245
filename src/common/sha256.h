// SHA-256 digests as OCI names them ("sha256:<64 hex>").
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

// Incremental SHA-256 (OpenSSL underneath, which uses the CPU's SHA extensions where present).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // Returns "sha256:<hex>" of everything passed to Update(). Call once.
  std::string FinishDigest();
  // Returns the 64 lower-case hex digits of everything passed to Update(). Call once.
  std::string FinishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "sha256:<hex>" of `data`.
std::string Sha256Digest(std::string_view data);

// Checks that `digest` has the form "sha256:<64 lower-case hex>" and returns the hex part.
// Other algorithms (sha512) are reported as kUnsupported, anything else as kCorrupt.
Result<std::string> DigestHex(std::string_view digest);

}  // namespace vigil
