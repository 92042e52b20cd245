// npm packages installed on disk: node_modules/[@scope/]<name>/package.json.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// Parses one package.json. Appends a package when it has a name and a version; kCorrupt for
// malformed JSON or a non-object.
Status ParsePackageJson(std::string_view text, std::vector<Package>& out);

// True for ".../node_modules/<name>/package.json" and ".../node_modules/@scope/<name>/package.json".
bool IsInstalledPackageJson(std::string_view path);

std::unique_ptr<Cataloger> NewNpmCataloger();

}  // namespace vigil::catalog
