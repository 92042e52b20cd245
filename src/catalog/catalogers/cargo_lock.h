// Rust crates from Cargo.lock. Type "cargo".
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// True for "Cargo.lock".
bool IsCargoLock(std::string_view path);

// Parses a Cargo.lock (any lock format version; TOML through toml++): one package per
// [[package]] table with a string name and version, each with properties["lockfile"] = "true".
// A package without "source" is one of the workspace's own crates and gets
// properties["cargo:local"] = "true". kCorrupt for malformed TOML or a "package" key that is not
// an array.
Status ParseCargoLock(std::string_view text, std::vector<Package>& out);

// The "cargo-lock" cataloger.
std::unique_ptr<Cataloger> NewCargoLockCataloger();

}  // namespace vigil::catalog
