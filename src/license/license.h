// Licenses as SPDX expressions: the SPDX License List (ids, names, OSI approval), the expression
// syntax (SPDX 2.3 annex D: AND, OR, WITH, '+', parentheses, LicenseRef-), the normalisation of
// what packages declare ("MIT License", "GPLv2+", Debian's "GPL-2+ or Artistic") into
// expressions, categories for policies, and a phrase classifier for free-form license texts.
//
//   license::Normalize({"Apache License, Version 2.0"})   -> "Apache-2.0"
//   license::Normalize({"GPL-2+ or Artistic"})            -> "GPL-2.0-or-later OR Artistic-1.0-Perl"
//   license::Normalize({"Custom: see LICENSE"})           -> "LicenseRef-Custom-see-LICENSE"
//   license::ParseExpression("MIT AND (Apache-2.0 OR BSD-3-Clause)")
//
// Everything here is pure: no files, no global state beyond constant tables.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::license {

// What a license asks of those who ship the software, coarsely, for policies.
enum class Category {
  kPublicDomain,     // no conditions (CC0-1.0, Unlicense, "public domain")
  kPermissive,       // notice only (MIT, BSD, Apache-2.0, ISC, Zlib, ...)
  kWeakCopyleft,     // changes to the component itself stay open (LGPL, MPL, EPL, CDDL)
  kStrongCopyleft,   // derived works as a whole stay open (GPL, EUPL, CC-BY-SA)
  kNetworkCopyleft,  // strong, and network use counts as distribution (AGPL, SSPL, OSL)
  kOther,            // on the SPDX list but not classified by vigil (e.g. non-commercial terms)
  kUnknown,          // not an SPDX license: a LicenseRef- or text vigil could not name
};

// "public-domain", "permissive", "weak-copyleft", "strong-copyleft", "network-copyleft", "other",
// "unknown".
std::string_view CategoryName(Category category);
// The category a name above denotes; nullopt for any other text.
std::optional<Category> ParseCategory(std::string_view name);

// One entry of the SPDX License List.
struct LicenseInfo {
  std::string_view id;  // canonical case, e.g. "GPL-2.0-or-later"
  std::string_view name;
  bool osi_approved = false;
  bool deprecated = false;  // e.g. "GPL-2.0" (use GPL-2.0-only)
};

// The list entry for `id`, compared case-insensitively as SPDX says; nullptr if it is not on the
// list. Deprecated ids are found as themselves.
const LicenseInfo* FindLicense(std::string_view id);
// True when `id` is an SPDX license exception ("Classpath-exception-2.0"), case-insensitively.
// `canonical` (if given) receives its canonical case.
bool IsException(std::string_view id, std::string* canonical = nullptr);

// The category of one license id (an SPDX id or a LicenseRef-); kUnknown for a LicenseRef-
// (except LicenseRef-public-domain) and for ids not on the list.
Category CategoryOf(std::string_view id);

// A parsed SPDX license expression.
struct Expression {
  enum class Kind { kLicense, kAnd, kOr };
  Kind kind = Kind::kLicense;
  // kLicense: an SPDX id in canonical case, or "LicenseRef-…" / "DocumentRef-…:LicenseRef-…".
  std::string id;
  bool or_later = false;             // kLicense written with '+'
  std::string exception;             // kLicense followed by WITH <exception>
  std::vector<Expression> operands;  // kAnd / kOr: two or more
};

// Parses `text` with SPDX's grammar: operators AND, OR, WITH (upper case, or all lower case as
// the spec allows), '+', parentheses; AND binds tighter than OR. Ids must be on the SPDX list
// (case-insensitive; deprecated ids are rewritten to their successors: "GPL-2.0+" becomes
// GPL-2.0-or-later) or be LicenseRef-/DocumentRef- references.
// kCorrupt "license expression '<text>': <what> at offset N" for bad syntax, an unknown id or
// exception, or nesting deeper than 64; kLimitExceeded for text longer than 4096 bytes.
Result<Expression> ParseExpression(std::string_view text);

// The expression as text, with parentheses only where needed ("MIT AND (A OR B)").
std::string Format(const Expression& expression);

// Every distinct license id the expression names (WITH exceptions not included), in order.
std::vector<std::string> LicenseIds(const Expression& expression);

// The SPDX expression for what a package declares: each declared text is read as an SPDX
// expression if it is one, else through vigil's alias table ("MIT License", "Apache 2.0",
// "GPLv2+", Debian copyright short names such as "Expat" and "BSD-3-clause", PyPI classifiers),
// else it becomes LicenseRef-<text with other characters as '-'>. Several declared texts are
// joined with AND (every one applies, unless a package says "or"). "" for no declared text.
// Never fails: the worst case is one LicenseRef- per text.
std::string Normalize(const std::vector<std::string>& declared);
// Normalize({text}).
std::string NormalizeOne(std::string_view text);

// The LicenseRef- id Normalize gives to a text it cannot name: "LicenseRef-" followed by the text
// with every character outside [A-Za-z0-9.] as '-' (runs collapsed, at most 64 characters).
std::string LicenseRefFor(std::string_view text);

// The licenses a free-form text states, found by phrases that identify each license text or
// refer to it (the GNU licenses with their version and "or any later version", Apache-2.0, MIT,
// the BSD family, ISC, Zlib, MPL, CC0, Unlicense, Artistic and Perl's terms, PSF, Boost, EPL,
// OpenSSL, GFDL, the /usr/share/common-licenses/* references of Debian). Distinct SPDX ids in
// order of first appearance; empty when nothing is recognised. Reads at most the first 1 MiB.
std::vector<std::string> ClassifyText(std::string_view text);

// What a Debian package's usr/share/doc/<package>/copyright says.
struct DebianCopyright {
  bool machine_readable = false;  // a DEP-5 file (a Format: line in the first paragraph)
  // DEP-5: the License: short names of the Files paragraphs, distinct, in order ("GPL-2+",
  // "BSD-3-clause or Expat"). Free form: the SPDX ids ClassifyText found.
  std::vector<std::string> declared;
  std::string expression;  // Normalize(declared); "" when nothing was found
};

// Reads a copyright file. Never fails: a file that says nothing recognisable gives an empty
// result, which the caller reports as "no license found". Reads at most the first 1 MiB.
DebianCopyright ReadDebianCopyright(std::string_view text);

}  // namespace vigil::license
