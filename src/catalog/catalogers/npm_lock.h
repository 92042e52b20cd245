// npm packages from JavaScript lock files: package-lock.json / npm-shrinkwrap.json, yarn.lock
// (classic v1 and berry v2+) and pnpm-lock.yaml (lockfile versions 5.x, 6.x and 9.x).
//
// Every package carries properties["lockfile"] = "true" (see catalog/cataloger.h), so packages
// installed under node_modules beside the lock file win over it. Flags set:
//   "npm:dev"        a development-only dependency (package-lock "dev" or, in lockfile v1, an
//                    entry nested under a dev entry; pnpm "dev" or, for pnpm 9, reachable only
//                    from devDependencies); a package listed both as dev
//                    and as runtime in one file is runtime
//   "npm:workspace"  a package-lock "link": true entry, i.e. a workspace package of the project
//   "npm:bundled"    a package-lock bundled dependency ("inBundle" / "bundled")
// A file yields each (name, version) once.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// Which JavaScript lock file `path` is. Lock files below a node_modules folder are kNone: they
// are leftovers of installed packages, not the project's lock.
enum class JsLockKind { kNone, kPackageLock, kYarn, kPnpm };
JsLockKind ClassifyJsLockFile(std::string_view path);

// Parses package-lock.json or npm-shrinkwrap.json. Reads "packages" (lockfileVersion 2 and 3)
// when present, else the nested "dependencies" (version 1). Names come from the last
// "node_modules/" segment of a "packages" key unless the entry has a "name" (npm aliases); npm
// alias versions ("npm:name@1.0.0") give the real name and version. Entries without a version
// are skipped, and so are the root "" entry and workspace folders (keys with no node_modules);
// a link entry takes the version of the folder it points to. In version 1, an entry nested in a
// dev entry's "dependencies" is dev whatever its own flag. kCorrupt for malformed JSON or a
// top level that is not an object; packages parsed before an error stay in `out`.
Status ParsePackageLock(std::string_view text, std::vector<Package>& out);

// Parses yarn.lock: berry (v2+, YAML with a "__metadata" entry) or classic v1 (yarn's own text
// format). The name is the real package name: for berry from "resolution", for classic from
// the first specifier of an entry, following "npm:" aliases. Berry entries resolved with the
// workspace:, link: or portal: protocols are skipped: they are the project's own folders. A
// patch: entry counts as the package it patches. Classic "link:" entries are skipped. kCorrupt for
// malformed YAML or, in a classic file, a line that fits no entry; packages parsed before the
// error stay in `out`.
Status ParseYarnLock(std::string_view text, std::vector<Package>& out);

// Parses pnpm-lock.yaml. Keys "/name/1.0.0_peer@2" (5.x), "/name@1.0.0(peer@2)" (6.x),
// "name@1.0.0" (9.x) and registry-host forms "host/name/1.0.0"; an entry's own "name" and
// "version" fields win over the key. Entries whose version is not a version (a folder, a git
// repository without a "version" field) are skipped. A file of several YAML documents (pnpm 11+
// writes its "env" document, whose importers hold only packageManagerDependencies and
// configDependencies, before the project's lock) is read whole, each document behind the YAML
// guard; the env document is skipped (pnpm's own tooling, not the project's graph) and every
// other document is read. kLimitExceeded when the guard refuses any document; kCorrupt for
// malformed YAML in any document or a top level that is not a mapping.
Status ParsePnpmLock(std::string_view text, std::vector<Package>& out);

// Catalogers: "npm-lock" (package-lock.json, npm-shrinkwrap.json), "yarn-lock", "pnpm-lock".
std::unique_ptr<Cataloger> NewNpmLockCataloger();
std::unique_ptr<Cataloger> NewYarnLockCataloger();
std::unique_ptr<Cataloger> NewPnpmLockCataloger();

}  // namespace vigil::catalog
