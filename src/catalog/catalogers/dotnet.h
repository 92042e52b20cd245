// .NET NuGet packages: from <app>.deps.json (written beside a built or published application)
// and from packages.lock.json (NuGet's lock file). Type "nuget".
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// True for "<anything>.deps.json".
bool IsDotnetDepsJson(std::string_view path);

// True for "packages.lock.json".
bool IsNugetPackagesLock(std::string_view path);

// Parses a .deps.json: every "libraries" entry of "type": "package" or "runtimepack", its key
// "Name/Version" split at the last '/'. A "runtimepack" entry (the .NET runtime a self-contained
// app bundles, "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0") is reported under
// the name without the SDK's "runtimepack." prefix, with properties["nuget:runtimepack"] =
// "true". "project" entries (the application and its own projects) and "reference" entries are
// skipped. These are the packages the application was built with and ships, so they carry no
// "lockfile" property. kCorrupt for malformed JSON, a
// top level that is not an object or "libraries" that is not an object.
Status ParseDepsJson(std::string_view text, std::vector<Package>& out);

// Parses packages.lock.json: {"dependencies": {<framework>: {<name>: {"type", "resolved"}}}}.
// Every entry with a "resolved" version except "type": "Project" (the solution's own projects)
// becomes a package with properties["lockfile"] = "true", once even when several target
// frameworks list it. kCorrupt for malformed JSON or a top level that is not an object.
Status ParseNugetPackagesLock(std::string_view text, std::vector<Package>& out);

// The "dotnet" cataloger: both kinds of file above.
std::unique_ptr<Cataloger> NewDotnetCataloger();

}  // namespace vigil::catalog
