// libFuzzer target for the Go build-info reader and module-info parser: any bytes must give an
// error or packages, never a crash, a hang or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "catalog/catalogers/go_binary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<vigil::catalog::Package> pkgs;
  // As the cataloger sees an executable: ELF, PE or Mach-O, section/segment lookup, both build-info
  // layouts.
  (void)vigil::catalog::ParseGoBinary(bytes, pkgs);
  // The module-info text on its own, so the fuzzer need not build an ELF file to reach it.
  pkgs.clear();
  (void)vigil::catalog::ParseGoModInfo("go1.21.0", bytes, pkgs);
  (void)vigil::catalog::GoVersionFromLdflags("example.com/m", bytes);
  return 0;
}
