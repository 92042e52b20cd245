// Internal helpers shared by the writers.
#pragma once

#include <string>

#include "catalog/inventory.h"
#include "sbom/sbom.h"

namespace vigil::sbom {

// The timestamp to write (options, $SOURCE_DATE_EPOCH, or now), RFC 3339 UTC.
std::string DocumentTime(const WriteOptions& options);
// A UUID (version 4 layout) derived from the inventory's identity and `salt`.
std::string DerivedUuid(const catalog::Inventory& inv, const std::string& salt);
// The SPDX expression of a package: Package::license, or (for an inventory built without the
// analyzer) license::Normalize of what it declares.
std::string LicenseOf(const catalog::Package& p);
// "debian 12" style distro string, or "".
std::string DistroName(const catalog::Distro& d);

}  // namespace vigil::sbom
