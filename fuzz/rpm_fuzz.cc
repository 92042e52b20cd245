// libFuzzer target for the rpm database readers and the rpm header parser.
//
// Each input goes through format detection and the matching reader (SQLite, Berkeley DB hash or
// NDB), and is also read as a bare header blob. Good seeds: the databases under
// tests/catalog/testdata/rpm/ and single header blobs taken from them.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalogers/rpm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<vigil::catalog::Package> packages;
  (void)vigil::catalog::ParseRpmDb(bytes, packages);
  auto header = vigil::catalog::ParseRpmHeader(bytes);
  if (header.ok()) (void)vigil::catalog::RpmHeaderToPackage(std::move(*header));
  return 0;
}
