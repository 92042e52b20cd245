// Package URLs (https://github.com/package-url/purl-spec): building them from a Package.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "catalog/package.h"
#include "common/status.h"

namespace vigil::catalog {

// Percent-encodes `s` for a purl component: everything but ASCII letters, digits and ".-_~"
// (and ':' when `keep_colon`, as purl versions keep it) becomes %XX.
std::string PurlEncode(std::string_view s, bool keep_colon = false);

// Builds "pkg:type/namespace/name@version?k=v&..." with qualifiers sorted by key and empty
// ones left out. `name_space` may hold several segments separated by '/'.
std::string BuildPurl(std::string_view type, std::string_view name_space, std::string_view name,
                      std::string_view version, const std::map<std::string, std::string>& qualifiers);

// A purl taken apart, every component percent-decoded.
struct ParsedPurl {
  std::string type;        // lower-cased
  std::string name_space;  // segments joined by '/', "" when none
  std::string name;
  std::string version;                            // "" when none
  std::map<std::string, std::string> qualifiers;  // keys lower-cased; empty values dropped
  std::string subpath;
};

// Parses "pkg:type/namespace/name@version?qualifiers#subpath" as the purl specification reads.
// kInvalidArgument (naming what is wrong) when the scheme is not "pkg", the type is missing or
// holds characters other than letters, digits, '.', '+', '-', the name is missing, a '%' is not
// followed by two hex digits, or a qualifier has no '=' or a bad key.
Result<ParsedPurl> ParsePurl(std::string_view purl);

// The purl of `p`; OS packages get the distro as namespace and the distro/arch/epoch qualifiers.
std::string PackagePurl(const Package& p, const Distro& distro);

// True if `s` reads as a purl "pkg:type/[namespace/]name[@version][?qualifiers][#subpath]"
// (leniently: the shape only, as user-written VEX and ignore files are matched).
bool IsPurl(std::string_view s);

// True if the purl `pattern` names the package with purl `purl` (rules in docs/VEX.md):
// type, namespace and name compared after percent-decoding and the per-type normalisation of the
// purl spec (lower case for case-insensitive types, pypi names normalised as PEP 503 does);
// version equal when `pattern` gives one, any version otherwise; qualifiers and subpath ignored.
// False when either is not a purl.
bool PurlMatches(std::string_view pattern, std::string_view purl);

}  // namespace vigil::catalog
