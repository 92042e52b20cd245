// Fuzzes the installed-language-package parsers: package.json and Python core metadata.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/catalogers/npm.h"
#include "catalog/catalogers/python.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<vigil::catalog::Package> out;
  (void)vigil::catalog::ParsePackageJson(text, out);
  (void)vigil::catalog::ParsePythonMetadata(text, out);
  return 0;
}
