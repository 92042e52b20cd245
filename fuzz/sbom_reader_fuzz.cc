// libFuzzer target for the SBOM reader (src/sbom/reader.h) and the purl parser it uses.
//
// The input is a whole document. Whatever it is, ReadSbom must not crash and must refuse with one
// of kCorrupt, kUnsupported or kLimitExceeded, the message starting with the document's name. An
// accepted document must give an inventory the writers can use: every package's layer is -1 or an
// index into `layers`, each layer's index is its position, and writing it out as CycloneDX and
// reading that back gives as many packages; written as vigil's JSON inventory and read back, the
// same packages (purl, layer) in the same order. Any violation aborts. Seeds:
// fuzz/corpus/sbom_reader/ (CycloneDX, SPDX, vigil JSON, UTF-16).
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
  // vigil's own JSON inventory reads back whole: same packages, layers and warnings.
  std::string mine = sbom::WriteJson(*inv, sbom::WriteOptions{"0", "2026-01-01T00:00:00Z"});
  Result<catalog::Inventory> own = sbom::ReadSbom(mine, "fuzz.json");
  if (!own.ok()) Fail("vigil's own JSON of a read SBOM is refused");
  if (own->packages.size() != inv->packages.size()) Fail("package count changed through vigil's JSON");
  if (own->layers.size() != inv->layers.size()) Fail("layer count changed through vigil's JSON");
  if (own->complete() != inv->complete()) Fail("completeness changed through vigil's JSON");
  for (size_t i = 0; i < inv->packages.size(); ++i) {
    if (own->packages[i].purl != inv->packages[i].purl || own->packages[i].layer != inv->packages[i].layer) {
      Fail("a package changed through vigil's JSON");
    }
  }
  return 0;
}
