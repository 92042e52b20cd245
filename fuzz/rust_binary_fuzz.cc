// libFuzzer target for the cargo-auditable reader: ELF section lookup, zlib inflation under a
// cap, and the JSON crate list.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "catalog/catalogers/rust_binary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<vigil::catalog::Package> pkgs;
  (void)vigil::catalog::ParseRustBinary(bytes, pkgs);
  pkgs.clear();
  (void)vigil::catalog::ParseCargoAuditJson(bytes, pkgs);
  return 0;
}
