// Test support: the bytes of a kernel record struct, as the ring buffer hands them over.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace vigil::runtime {

template <typename T>
std::vector<uint8_t> Bytes(const T& record) {
  std::vector<uint8_t> b(sizeof record);
  std::memcpy(b.data(), &record, sizeof record);
  return b;
}

}  // namespace vigil::runtime
