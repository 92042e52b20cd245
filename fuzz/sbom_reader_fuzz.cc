// libFuzzer target for the SBOM reader (src/sbom/reader.h) and the purl parser it uses.
//
// The input is a whole document. Whatever it is, ReadSbom must not crash and must refuse with one
// of kCorrupt, kUnsupported or kLimitExceeded, the message starting with the document's name. An
// accepted document must give an inventory the writers can use: every package's layer is -1 or an
// index into `layers`, each layer's index is its position, and writing it out as CycloneDX and
// reading that back gives as many packages. Any violation aborts. Seeds: fuzz/corpus/sbom_reader/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "catalog/purl.h"
#include "sbom/reader.h"
#include "sbom/sbom.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "sbom_reader_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)catalog::ParsePurl(input);
  sbom::ReadLimits limits;
  limits.max_components = 10'000;
  Result<catalog::Inventory> inv = sbom::ReadSbom(input, "fuzz.json", limits);
  if (!inv.ok()) {
    ErrorCode c = inv.error().code();
    if (c != ErrorCode::kCorrupt && c != ErrorCode::kUnsupported && c != ErrorCode::kLimitExceeded) {
      Fail("unexpected error code");
    }
    if (!inv.error().message().starts_with("fuzz.json")) Fail("error does not name the document");
    return 0;
  }
  for (size_t i = 0; i < inv->layers.size(); ++i) {
    if (inv->layers[i].layer.index != static_cast<int>(i)) Fail("layer index is not its position");
  }
  for (const auto& p : inv->packages) {
    if (p.layer < -1 || p.layer >= static_cast<int>(inv->layers.size())) Fail("package layer out of range");
  }
  std::string again = sbom::WriteCycloneDx(*inv, sbom::WriteOptions{"0", "2026-01-01T00:00:00Z"});
  Result<catalog::Inventory> back = sbom::ReadSbom(again, "fuzz.json");
  if (!back.ok()) Fail("vigil's own CycloneDX of a read SBOM is refused");
  if (back->packages.size() != inv->packages.size()) Fail("package count changed through vigil's CycloneDX");
  return 0;
}
