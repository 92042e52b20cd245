// Fuzzes opening an image archive end to end: manifests, configs, indexes and their JSON.
// The input is written to a temporary file because images are opened by path.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "image/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::string path = "/tmp/vigil-fuzz-image-" + std::to_string(getpid()) + ".tar";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  auto img = vigil::image::Image::Open(path, {});
  if (img.ok()) {
    vigil::image::LayerLimits limits;
    limits.max_uncompressed_bytes = 16 << 20;
    for (size_t i = 0; i < (*img)->info().layers.size() && i < 4; ++i) {
      (void)(*img)->StoredDigest(i);
      (void)(*img)->WalkLayer(
          i, limits, [](const vigil::image::Entry&, vigil::image::EntryContent&) { return vigil::OkStatus(); });
    }
  }
  // Choosing an image of several, and an explicit platform.
  (void)vigil::image::Image::Open(path + ":@1", {"linux/arm64"});
  return 0;
}
