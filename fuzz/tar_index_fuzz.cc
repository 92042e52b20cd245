// Fuzzes the outer-archive tar index (docker-archive / OCI archive members).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "image/internal/tar_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto idx = vigil::image::TarIndex::Build(std::string_view(reinterpret_cast<const char*>(data), size));
  if (idx.ok()) {
    (void)idx->Find("manifest.json");
    (void)idx->Find("index.json");
  }
  return 0;
}
