// Fuzzes the layer reader: decompression, tar parsing, whiteouts and path normalisation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "image/layer_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vigil::image::LayerLimits limits;
  limits.max_uncompressed_bytes = 64 << 20;
  limits.max_entries = 100000;
  std::string_view blob(reinterpret_cast<const char*>(data), size);
  auto r = vigil::image::WalkLayerBlob(blob, "", "", limits,
                                       [](const vigil::image::Entry& e, vigil::image::EntryContent& c) {
                                         if (e.type == vigil::image::EntryType::kFile && e.size < (1 << 20)) {
                                           (void)c.ReadAll(1 << 20);
                                         }
                                         return vigil::OkStatus();
                                       });
  (void)r;
  return 0;
}
