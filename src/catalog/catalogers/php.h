// PHP Composer packages: installed ones from vendor/composer/installed.json and locked ones
// from composer.lock. Type "composer"; "vendor/name" becomes name_space "vendor", name "name".
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// True for ".../composer/installed.json" (Composer writes it to <vendor-dir>/composer/).
bool IsComposerInstalledJson(std::string_view path);

// True for "composer.lock", except below a "vendor" folder, where it is a dependency's own
// development lock and not what is installed.
bool IsComposerLock(std::string_view path);

// Parses installed.json: Composer 1 writes a top-level array of packages, Composer 2 an object
// {"packages": [...], "dev-package-names": [...]}; packages named in "dev-package-names" get
// properties["composer:dev"] = "true". Entries without a string name and version are skipped.
// Licenses come from "license" (a string or an array). kCorrupt for malformed JSON or any other
// shape.
Status ParseComposerInstalled(std::string_view text, std::vector<Package>& out);

// Parses composer.lock: "packages" and "packages-dev" (flagged "composer:dev"), each package
// with properties["lockfile"] = "true". kCorrupt for malformed JSON, a top level that is not an
// object or a "packages" that is not an array.
Status ParseComposerLock(std::string_view text, std::vector<Package>& out);

// The "composer" cataloger: both kinds of file above.
std::unique_ptr<Cataloger> NewComposerCataloger();

}  // namespace vigil::catalog
