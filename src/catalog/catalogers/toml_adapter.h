// The one adapter around toml++ (Debian's libtomlplusplus-dev), used by the Cargo.lock and
// poetry.lock parsers: parsing that returns Result instead of throwing. Include only from .cc
// files: the TOML header is heavy.
//
// Why toml++: bookworm packages both toml++ 3.3 and toml11 3.7; toml++ bounds nesting depth
// itself (TOML_MAX_NESTED_VALUES), rejects invalid UTF-8 and reports the error position, which
// suits untrusted input from images.
#pragma once

#include <string>
#include <string_view>
#include <toml++/toml.h>

#include "common/status.h"

namespace vigil::catalog {

// Parses `text` as a TOML document. kCorrupt with `what`, the line and the parser's reason on
// malformed input.
Result<toml::table> ParseToml(std::string_view text, std::string_view what);

// t[key] as a string if it is one, else "".
std::string TomlString(const toml::table& t, std::string_view key);

}  // namespace vigil::catalog
