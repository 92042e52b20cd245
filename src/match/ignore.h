// vigil's ignore file (.vigilignore.yaml): findings the user has decided to accept, each with a
// reason and optionally an expiry date, a package and a path glob (docs/VEX.md).
//
//   ignore:
//     - id: CVE-2023-38545
//       package: pkg:deb/debian/curl        # a name or a purl (optional)
//       path: usr/lib/**/libcurl*.so*       # a glob over the package's path (optional)
//       expires: 2026-12-31                 # YYYY-MM-DD, last day it applies (optional)
//       reason: SOCKS5 proxies are not used by this image
//
// Error policy as in vex.h: only unreadable YAML (or over the size limit) is an Error; each
// mistake is a Diagnostic with "<what>:<line>:<col>", all collected; an entry with an error is
// left out of IgnoreFile::entries so that it suppresses nothing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.h"
#include "common/status.h"

namespace vigil::match {

struct IgnoreEntry {
  std::string id;       // CVE-…, GHSA-… or another OSV-style id, as written
  std::string package;  // "" = any package; a purl when it starts with "pkg:", else a name
  std::string path;     // "" = any path; a validated glob otherwise
  std::string expires;  // "" = never; YYYY-MM-DD otherwise
  std::string reason;
  bool expired = false;  // expires < today: kept for reporting, never applies
  std::string location;  // "<what>:<line>:<col>" of the entry
};

struct IgnoreFile {
  std::vector<IgnoreEntry> entries;
  std::vector<Diagnostic> diagnostics;
};

// Largest ignore file ParseIgnoreFile accepts.
inline constexpr size_t kMaxIgnoreFileBytes = 4u << 20;

// Reads the ignore file `text`; `what` (usually its path) prefixes every location; `today`
// (YYYY-MM-DD) decides which entries have expired (an entry applies through its expiry day).
// An empty document has no entries. Diagnostics: unknown keys (warning), missing or malformed
// id/reason (error), bad dates (error), bad globs (error), wrong YAML types (error), expired
// entries (warning).
// Errors: kInvalidArgument if `today` is not a valid date; kCorrupt for malformed YAML (with
// line:col); kLimitExceeded above kMaxIgnoreFileBytes, or when the YAML guard (common/yaml.h)
// refuses the document: too many aliases, aliases that multiply its size, nesting deeper than
// 256 (with the line:col of the offending alias or collection).
Result<IgnoreFile> ParseIgnoreFile(std::string_view text, std::string_view what, std::string_view today);

// True if `date` is a valid calendar date written YYYY-MM-DD.
bool IsValidDate(std::string_view date);

// "" if `glob` is a valid path glob, else why not. Globs: '*' any run of characters within one
// path segment, '?' one character other than '/', '**' as a whole segment any number (zero
// included) of segments; every other character stands for itself. '[', '{' and '\\' are refused
// (no classes, braces or escapes), as are empty globs and '***'.
std::string GlobError(std::string_view glob);

// True if `path` matches `glob` (valid per GlobError). Leading "/" and "./" and repeated '/' are
// ignored on both sides. Runs in O(len(glob) * len(path)) time with no recursion.
bool GlobMatches(std::string_view glob, std::string_view path);

// True if `entry` suppresses a finding of `id` (with `aliases`) in the package `package_name` /
// `package_purl` found at `path`: not expired; entry.id SameVulnerabilityId as id or an alias;
// entry.package, when given, PurlMatches package_purl (a purl) or equals package_name (a name);
// entry.path, when given, GlobMatches path.
bool IgnoreApplies(const IgnoreEntry& entry, std::string_view id, const std::vector<std::string>& aliases,
                   std::string_view package_name, std::string_view package_purl, std::string_view path);

}  // namespace vigil::match
