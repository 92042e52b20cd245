// Rust executables built with cargo-auditable: the crate list it embeds, zlib-compressed JSON in
// the section .dep-v0 of the ELF, PE or Mach-O file
// ({"packages":[{"name","version","source","kind","dependencies","root"}]}).
//
// What is emitted: one "cargo" package per crate whose "kind" is "runtime" (the default when the
// field is absent). Crates that are only build dependencies ("kind":"build": build scripts,
// proc-macros in newer formats, their dependencies) are compiled and run at build time but do
// not ship in the binary, so they are left out; their vulnerabilities cannot be reached in the
// image. Properties: "cargo:source" when the crate did not come from crates.io ("git", "local",
// "registry", or another source's name) and "cargo:root" = "true" for the crate the binary was
// built from.
// Cargo.lock files are another cataloger's business.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// The decompressed audit data of the ELF, PE or Mach-O file `file`. kNotFound when `file` is
// none of them or has no .dep-v0 section; kCorrupt for bad headers or bad zlib data; kLimitExceeded when the data
// inflates past `max_size` bytes.
Result<std::string> ReadCargoAuditData(std::string_view file, size_t max_size = 8u << 20);

// Parses cargo-auditable JSON (see the file comment) and appends the runtime crates to `out`.
// kCorrupt for malformed JSON, a top level that is not an object, or no "packages" array;
// entries without a name or version are skipped and reported as kCorrupt after the others.
Status ParseCargoAuditJson(std::string_view json, std::vector<Package>& out);

// ReadCargoAuditData + ParseCargoAuditJson. A file without audit data yields nothing and OK.
Status ParseRustBinary(std::string_view file, std::vector<Package>& out);

std::unique_ptr<Cataloger> NewRustBinaryCataloger();

}  // namespace vigil::catalog
