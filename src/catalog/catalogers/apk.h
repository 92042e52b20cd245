// Alpine and Wolfi packages: lib/apk/db/installed, usr/lib/apk/db/installed.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// Parses the apk installed database (blank-line separated records of "X:value" lines: P name,
// V version, A arch, L license, o origin, F folder, R file in the last F folder). kCorrupt naming
// the line for a record without P or V; the other records are still returned.
Status ParseApkInstalled(std::string_view text, std::vector<Package>& out);

std::unique_ptr<Cataloger> NewApkCataloger();

}  // namespace vigil::catalog
