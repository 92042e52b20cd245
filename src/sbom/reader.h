// Reading an SBOM back into an inventory, so that an SBOM can be matched like a scanned image:
// CycloneDX 1.2-1.6 JSON and SPDX 2.2/2.3 JSON, as vigil, Trivy, Syft and cdxgen write them, and
// vigil's own JSON inventory ("vigil-inventory/1", what `vigil sbom -f json` writes).
// Mappings and limits: docs/SBOM-INPUT.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "catalog/inventory.h"
#include "common/status.h"

namespace vigil::sbom {

// Each limit is checked before the document's tree is built: the size before the file is read,
// the component count and the JSON nesting by a pass over the text that builds nothing.
struct ReadLimits {
  size_t max_bytes = size_t{256} << 20;  // size of the document text
  size_t max_components = 1'000'000;     // entries of every "components" array (nested ones
                                         // included) and of the top-level "packages" array
  int max_nesting = 64;                  // CycloneDX components[].components[] levels
};

// Reads the SBOM in `text`; `what` names it in messages (usually the file path).
//
// The format is detected from the content, not the name. On success the inventory holds:
// - packages: one per component (CycloneDX, nested ones included) or package (SPDX) that has a
//   purl or a version. Type, namespace, name, version, epoch, arch come from the purl (deb
//   versions carry the epoch as "E:V" and rpm keep it apart, as the catalogers do); source
//   package, location and layer from the producer's own properties (vigil, Trivy, Syft) or the
//   purl's `upstream` qualifier. Packages without a usable purl keep type "" and add a warning.
// - distro: from an operating-system component / package, else the purls' `distro` qualifier.
// - layers: from the layer lists vigil and Trivy write, else in order of first mention.
// - image: source = `what`, format "cyclonedx" or "spdx", name, digests where the SBOM has them.
// - warnings: what was skipped or could not be used, each naming its JSON path.
// vigil's JSON inventory is read field by field (image, distro, layers, packages with layer,
// purl, location, owned_by, properties, the inventory's own warnings, and its unread files: an
// incomplete inventory stays incomplete); image.format is "vigil-json". A UTF-8 byte-order mark
// is read past.
// Errors: kLimitExceeded when `text`, the component count or the nesting is over `limits` (the
// count and nesting found before any tree is built); kUnsupported for other formats (XML, SPDX
// tag-value, SPDX 3, other spec or schema versions) and for text in UTF-16 or UTF-32 (the
// message names the encoding and the iconv command that converts it); kCorrupt for malformed
// JSON or a document whose fields have the wrong types (naming the JSON path, e.g.
// "$.components[3].properties"). Never throws.
Result<catalog::Inventory> ReadSbom(std::string_view text, std::string_view what, const ReadLimits& limits = {});

// Reads the SBOM file at `path` (ReadSbom with what = path). A file over limits.max_bytes is
// refused before it is read (kLimitExceeded naming the file, its size and the limit).
// Errors: those of ReadFile (kNotFound, kIo, kInvalidArgument for a non-regular file) and ReadSbom.
Result<catalog::Inventory> ReadSbomFile(const std::string& path, const ReadLimits& limits = {});

}  // namespace vigil::sbom
