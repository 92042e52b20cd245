// Go executables: the build information the Go toolchain (1.13 and later) embeds in every binary
// it links: in ELF, the .go.buildinfo section; in PE and Mach-O (Go 1.18+ layout only), the
// start of the writable data.
//
// What is emitted (all of type "golang", name_space/name split at the last '/' of the module
// path, as the golang purl does: "github.com/evanw/esbuild" -> "github.com/evanw" + "esbuild"):
//  - the toolchain as name "stdlib", version "v1.21.3" for "go1.21.3" (the "v" prefix and the
//    dropped " X:experiment" suffix follow Trivy and the Go vulnerability database, which write
//    stdlib versions like module versions); properties "go:toolchain" (the raw string) and, when
//    present, "go:path" (the main package path).
//  - the main module (the "mod" line), with "go:main-module" = "true". A main module built from
//    a checkout reports "(devel)", which is not a version: the package then has an empty version
//    and "go:module-version" = "(devel)", unless `-ldflags -X <pkg>.version=<semver>` names a
//    version, which is then used ("go:version-source" = "ldflags").
//  - every dependency ("dep" line) with its version. A replaced dependency ("=>" line) is
//    reported as the replacement, since that is the code really built in, with the original
//    "path@version" in "go:replaces". A replacement by a local directory has no version: the
//    original path is kept, the version left empty and the directory recorded in
//    "go:replacement-dir".
//  "go:sum" holds a module's h1: checksum when the binary records one.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// The raw build information of a Go binary.
struct GoBuildInfo {
  std::string go_version;  // "go1.21.3", as the toolchain wrote it
  std::string mod_info;    // the module lines, the 16-byte sentinels removed ("" without modules)
};

// Finds and decodes the build information of a PE or Mach-O file (exe_formats.h): the first
// 16-byte-aligned header in __DATA,__go_buildinfo, else in any writable section, in the Go 1.18+
// inline layout only (kUnsupported, saying so, for the older pointer layout). Or of the ELF file
// `file`: the .go.buildinfo section,
// or, when section headers are stripped, the first 16-byte-aligned "\xff Go buildinf:" in the
// first writable data segment. Decodes both layouts: Go 1.18+ (inline varint-length strings,
// flag bit 0x2) and Go 1.13-1.17 (pointers to string headers elsewhere in the image, 4- or
// 8-byte, either byte order). kNotFound when `file` is not ELF, PE or Mach-O or carries no build info;
// kCorrupt when the header, a pointer or a length points outside the file; kLimitExceeded when
// a length is beyond the caps (256 bytes for the version, 8 MiB for the module info).
Result<GoBuildInfo> ReadGoBuildInfo(std::string_view file);

// Turns build information into packages (see the file comment) appended to `out`. kCorrupt,
// naming the line, for a malformed module line (e.g. "=>" with nothing to replace); the other
// lines are still used.
Status ParseGoModInfo(std::string_view go_version, std::string_view mod_info, std::vector<Package>& out);

// ReadGoBuildInfo + ParseGoModInfo. A file that is not a Go binary yields no packages and OK.
Status ParseGoBinary(std::string_view file, std::vector<Package>& out);

// "go1.21.3" -> "v1.21.3", "go1.22.3 X:boringcrypto" -> "v1.22.3"; "" when the string is not a
// release version ("devel go1.23-abc...").
std::string GoStdlibVersion(std::string_view go_version);

// The version a main module built as "(devel)" was stamped with through the build setting
// `-ldflags` (`-X <pkg>.version=1.2.3`, `-X=main.Version=v1.2.3`, ...): keys ending in ".version"
// or ".ver" (any case) with a semver-like value. Keys in the main module's own packages win,
// then keys in package main, then any other key; "" when none, or when the best rank holds
// conflicting versions.
std::string GoVersionFromLdflags(std::string_view main_path, std::string_view ldflags);

std::unique_ptr<Cataloger> NewGoBinaryCataloger();

}  // namespace vigil::catalog
