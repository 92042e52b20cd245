// Helpers shared by the catalogers that read lock files and package-manager metadata.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/package.h"

namespace vigil::catalog {

// A package of `type` taken from a lock file: sets properties["lockfile"] = "true", which lets
// the analyzer drop it when installed packages of the same type exist under the lock file's
// folder.
Package LockPackage(std::string_view type, std::string_view name_space, std::string_view name,
                    std::string_view version);

// Splits an npm name into scope and name: "@babel/core" -> {"@babel", "core"}; "lodash" ->
// {"", "lodash"}. A name that starts with '@' but has no '/' is kept whole as the name.
void SplitNpmName(std::string_view full, std::string& name_space, std::string& name);

// Collects the packages of one file, keeping one package per (type, name_space, name, version).
// Lock files list the same package many times (npm nests copies per dependent, NuGet repeats it
// per target framework); one file yields each package once.
class UniquePackages {
 public:
  // `group_flag` names a property such as "npm:dev" that holds only when every occurrence has it:
  // a package that is a dev dependency in one place and a runtime dependency in another is a
  // runtime dependency. Other properties are merged (the first value wins).
  explicit UniquePackages(std::string group_flag = "") : group_flag_(std::move(group_flag)) {}

  // Keeps `p`, or merges it into the package with the same identity seen before.
  void Add(Package p);
  // Appends the packages, in first-seen order, to `out` and empties this set.
  void MoveTo(std::vector<Package>& out);

 private:
  std::string group_flag_;
  std::vector<Package> packages_;
  std::map<std::string, size_t> index_;
};

}  // namespace vigil::catalog
