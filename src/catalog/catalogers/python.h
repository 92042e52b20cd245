// Installed Python distributions: *.dist-info/METADATA, *.egg-info/PKG-INFO and *.egg-info files.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// Parses core metadata (RFC 822 style headers up to the first blank line). Appends a package
// when Name and Version are present; kCorrupt when either is missing.
Status ParsePythonMetadata(std::string_view text, std::vector<Package>& out);

std::unique_ptr<Cataloger> NewPythonCataloger();

}  // namespace vigil::catalog
