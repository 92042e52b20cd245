// The license policy of `vigil scan --license-policy FILE` (docs/LICENSES.md): which licenses a
// component may carry, judged on its SPDX expression (catalog::Package::license).
//
//   allow: [MIT, Apache-2.0, BSD-3-Clause]    # optional: when given, every other license is denied
//   deny: [AGPL-3.0-only, SSPL-1.0]            # ids (an entry with '+' or WITH matches only that form)
//   deny_categories: [strong-copyleft, network-copyleft]   # license::Category names
//   unknown: warn                              # deny | warn | allow: no license, or none vigil can name
//   exceptions:
//     - package: pkg:deb/debian/bash           # a purl (prefix: version optional) or a name
//       license: GPL-3.0-or-later              # an SPDX id, or "*" for any
//       reason: the shell of the base image; nothing links it
//
// Error policy as in ignore.h: only unreadable YAML (or over the size limit) is an Error; every
// mistake is a Diagnostic "<what>:<line>:<col>", all collected, and a policy with an error is
// refused by the caller (a half-read policy could pass what it was written to stop).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.h"
#include "common/status.h"
#include "license/license.h"

namespace vigil::match {

struct LicenseException {
  std::string package;  // a purl (pkg:…, compared without version unless it has one) or a name
  std::string license;  // an SPDX id as written in the expression, or "*"
  std::string reason;
  std::string location;  // "<what>:<line>:<col>"
};

struct LicensePolicy {
  std::vector<std::string> allow;  // canonical SPDX ids; empty: every license not denied is allowed
  std::vector<std::string> deny;   // canonical SPDX ids
  std::vector<license::Category> deny_categories;
  enum class Unknown { kDeny, kWarn, kAllow };
  Unknown unknown = Unknown::kWarn;
  std::vector<LicenseException> exceptions;
  std::vector<Diagnostic> diagnostics;
};

// Largest policy file ParseLicensePolicy accepts.
inline constexpr size_t kMaxLicensePolicyBytes = 1u << 20;

// Reads a policy (YAML, so JSON too); `what` (usually the path) prefixes every location.
// Diagnostics (errors): unknown keys, ids not on the SPDX list (LicenseRef- ids are accepted),
// unknown categories, `unknown` other than deny/warn/allow, exceptions without package, license or
// reason, wrong YAML types. An empty document is an empty policy (everything allowed, unknown
// warned). Errors: kCorrupt for malformed YAML (line:col); kLimitExceeded above
// kMaxLicensePolicyBytes or when the YAML guard refuses the document.
Result<LicensePolicy> ParseLicensePolicy(std::string_view text, std::string_view what);

// What the policy says of one component.
struct LicenseVerdict {
  enum class Kind { kAllowed, kDenied, kUnknown };
  Kind kind = Kind::kAllowed;
  // Why, in a sentence: "GPL-3.0-or-later is strong-copyleft, a category the policy denies";
  // "no license found"; "LicenseRef-custom is not a license vigil can name"; "allowed by the
  // exception at policy.yaml:12:5 (reason)".
  std::string reason;
  std::vector<std::string> offending;  // the ids that made it denied or unknown
  std::string exception;               // location of the exception that allowed it, if any
};

// Judges `expression` (an SPDX expression from license::Normalize; "" when none was found) of the
// component `name` / `purl`. A license id is denied when it is on `deny`, in a denied category, or
// not on a non-empty `allow`; unknown when it is a LicenseRef- (other than public domain) or not on
// the SPDX list and not on `allow`. AND: denied if any operand is, else unknown if any is; OR:
// allowed if any operand is, else unknown if any is, else denied. An exception whose package
// matches allows the ids it names ("*": all). An expression that does not parse is unknown.
LicenseVerdict EvaluateLicense(const LicensePolicy& policy, std::string_view expression, std::string_view name,
                               std::string_view purl);

}  // namespace vigil::match
