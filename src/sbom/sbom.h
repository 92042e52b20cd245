// Writing an inventory out: CycloneDX 1.6 JSON, SPDX 2.3 JSON, vigil's own JSON, and a table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/inventory.h"
#include "common/status.h"

namespace vigil::sbom {

enum class Format { kTable, kJson, kCycloneDx, kSpdx };

// "table", "json", "cyclonedx" (or "cdx"), "spdx" (or "spdx-json"). kInvalidArgument otherwise.
Result<Format> ParseFormat(std::string_view name);

struct WriteOptions {
  std::string tool_version = "0.1.0";
  // RFC 3339 UTC time written into the document; "" = now, or $SOURCE_DATE_EPOCH when set.
  std::string timestamp;
};

// Each returns the whole document. Serial numbers and SPDX namespaces are derived from the image
// digest and the timestamp, so the same input at the same time gives the same bytes.
std::string WriteCycloneDx(const catalog::Inventory& inv, const WriteOptions& options);
// The bom-ref WriteCycloneDx gives each package of `inv` (same order as inv.packages): the purl,
// made unique with "#<location>" (and "#<n>") when several packages share one.
std::vector<std::string> CycloneDxRefs(const catalog::Inventory& inv);
std::string WriteSpdx(const catalog::Inventory& inv, const WriteOptions& options);
std::string WriteJson(const catalog::Inventory& inv, const WriteOptions& options);
// A human-readable table grouped by layer, with each layer's build step.
std::string WriteTable(const catalog::Inventory& inv);

// Dispatches on `format`.
std::string Write(Format format, const catalog::Inventory& inv, const WriteOptions& options);

}  // namespace vigil::sbom
