// The one adapter around toml++ (Debian's libtomlplusplus-dev), used by the Cargo.lock and
// poetry.lock parsers: parsing that returns Result instead of throwing, and the walk over the
// [[package]] tables both formats share. Include only from .cc files: the TOML header is heavy.
//
// Why toml++: bookworm packages both toml++ 3.3 and toml11 3.7; toml++ bounds nesting depth
// itself (TOML_MAX_NESTED_VALUES), rejects invalid UTF-8 and reports the error position, which
// suits untrusted input from images.
#pragma once

#include <toml++/toml.h>

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil::catalog {

// Parses `text` as a TOML document. kCorrupt with `what`, the line and the parser's reason on
// malformed input.
Result<toml::table> ParseToml(std::string_view text, std::string_view what);

// t[key] as a string if it is one, else "".
std::string TomlString(const toml::table& t, std::string_view key);

// Parses `text` as a lock file of [[package]] tables (Cargo.lock, poetry.lock) and calls
// `each(table, name, version)`, in file order, for every table whose "name" and "version" are
// non-empty strings; other entries of the array are skipped. OK without a call when there is no
// "package" key. kCorrupt naming `what` when the text is not TOML (ParseToml) or "package" is
// not an array.
Status ForEachTomlPackage(
    std::string_view text, std::string_view what,
    const std::function<void(const toml::table& t, const std::string& name, const std::string& version)>& each);

}  // namespace vigil::catalog
