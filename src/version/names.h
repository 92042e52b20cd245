// Package names as each ecosystem compares them: the form two names must share to be the same
// package. Matching an installed package against an advisory compares NormalizeName() of both.
//
//   NormalizeName("PyPI", "Django_REST.framework")  -> "django-rest-framework"
//   NormalizeName("Go", "github.com/!azure/go-autorest") -> "github.com/Azure/go-autorest"
#pragma once

#include <string>
#include <string_view>

namespace vigil::version {

// Returns the canonical form of package `name` in `ecosystem` (an OSV ecosystem name such as
// "PyPI" or "Maven", case ignored, anything after the first ':' ignored; scheme names such as
// "pep440" are accepted too). Leading and trailing ASCII white space is dropped everywhere.
//   PyPI       PEP 503: lower case, every run of '-', '_', '.' becomes one '-'
//   Maven      "groupId:artifactId", each part trimmed; extra ":..." parts (version,
//              packaging) are dropped; case kept (Maven coordinates are case-sensitive)
//   npm        case kept (old mixed-case names such as JSONStream are packages of their own);
//              the URL-encoded scope separator of registry paths ("@scope%2fname") decoded
//   Go         module path, case kept; the module proxy's escaped form ("!a" for 'A') decoded
//   NuGet      lower case (package ids are case-insensitive)
//   Packagist  lower case ("vendor/name"; Composer treats names case-insensitively)
//   RubyGems   unchanged (gem names are case-sensitive)
//   crates.io  lower case, '-' as '_' (crates.io holds them equivalent)
//   others (Debian, Alpine, rpm distributions, ...) unchanged.
// Never fails: a name that breaks its ecosystem's rules is normalised as far as the rules go.
std::string NormalizeName(std::string_view ecosystem, std::string_view name);

}  // namespace vigil::version
