// Python packages from lock files: poetry.lock (TOML) and Pipfile.lock (JSON). Type "pypi".
// Installed distributions are catalog/python.h's.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// True for "poetry.lock" and "Pipfile.lock".
bool IsPythonLockFile(std::string_view path);

// Parses poetry.lock: one package per [[package]] table with a string name and version, with
// properties["lockfile"] = "true". Development-only packages get "pypi:dev": Poetry 1 writes
// category = "dev", Poetry 2 a "groups" list that lacks "main". kCorrupt for malformed TOML or a
// "package" key that is not an array.
Status ParsePoetryLock(std::string_view text, std::vector<Package>& out);

// Parses Pipfile.lock: the "default" and "develop" sections ({name: {"version": "==1.2"}}), the
// "==" removed; entries without a version (editable, git or path installs) are skipped. Packages
// only in "develop" get "pypi:dev". kCorrupt for malformed JSON or a top level that is not an
// object.
Status ParsePipfileLock(std::string_view text, std::vector<Package>& out);

// The "python-lock" cataloger: both kinds of file above.
std::unique_ptr<Cataloger> NewPythonLockCataloger();

}  // namespace vigil::catalog
