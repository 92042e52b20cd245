// Fuzzes the OS package database parsers: dpkg status, apk installed, os-release.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/catalogers/apk.h"
#include "catalog/catalogers/dpkg.h"
#include "catalog/catalogers/os_release.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<vigil::catalog::Package> out;
  (void)vigil::catalog::ParseDpkgStatus(text, out);
  (void)vigil::catalog::ParseDpkgFileList(text, size % 2 == 0);
  (void)vigil::catalog::ParseApkInstalled(text, out);
  (void)vigil::catalog::ParseOsRelease(text);
  return 0;
}
