// libFuzzer target for the Java archive cataloger: zip parsing (outer and nested), manifests and
// pom.properties. Small limits keep each run fast while still exercising every cap.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "catalog/catalogers/java.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  vigil::catalog::JavaLimits limits;
  limits.max_depth = 3;
  limits.max_inflated_bytes = 8u << 20;
  limits.max_metadata_bytes = 64u << 10;
  limits.max_entries = 10000;
  std::vector<vigil::catalog::Package> pkgs;
  (void)vigil::catalog::ParseJavaArchive("fuzz-1.0.jar", bytes, pkgs, limits);
  // The text parsers directly.
  vigil::catalog::JarManifest mf;
  (void)vigil::catalog::ParseJarManifest(bytes, mf);
  (void)vigil::catalog::ParseJavaProperties(bytes);
  (void)vigil::catalog::SplitJavaArchiveName(bytes);
  return 0;
}
