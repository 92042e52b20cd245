// The matcher: an image's inventory against the advisory index → findings, one per
// (package, vulnerability), with the advisories that describe the same vulnerability merged.
//
//   VIGIL_ASSIGN_OR_RETURN(auto index, vulndb::Index::Load(*store));
//   MatchStats stats;
//   VIGIL_ASSIGN_OR_RETURN(std::vector<Finding> findings,
//                          Match(inventory, *index, MatchOptions{}, &stats));
//
// How each package type is looked up:
//   deb  (Debian, Ubuntu)   the SOURCE package name (source_name, else name) in the image's
//                           release only, compared with dpkg against the source version
//                           (source_version, else version; the epoch as dpkg writes it).
//   apk  (Alpine)           the origin (source_name, else name) in the image's branch ("v3.19").
//   rpm  (AlmaLinux, Rocky) the binary package name in the image's major release, compared
//                           against "epoch:version-release" when the package has an epoch.
//   npm, pypi, golang, maven, cargo, gem, composer, nuget: the OSV ecosystem ("npm", "PyPI",
//                           "Go", "Maven", "crates.io", "RubyGems", "Packagist", "NuGet") and the
//                           name as that ecosystem normalises it (version::NormalizeName):
//                           "@scope/name", Go module path ("stdlib" for the toolchain),
//                           "groupId:artifactId", "vendor/name".
// Language packages whose files an OS package owns (Package::owner set) are skipped: the OS
// package's advisories cover them.
//
// Stateless; safe to call from any number of threads over the same immutable Index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "catalog/inventory.h"
#include "catalog/package.h"
#include "common/status.h"
#include "vulndb/advisory.h"
#include "vulndb/index.h"

namespace vigil::match {

// Where an image's OS packages are looked up in the index: the OSV ecosystem family and release
// (Index::Lookup's first two arguments).
struct DistroKey {
  std::string family;   // "Debian", "Ubuntu", "Alpine", "AlmaLinux", "Rocky Linux"
  std::string release;  // "12", "22.04", "v3.19", "9"
};

// Maps /etc/os-release to its index key:
//   debian     ("Debian", major of VERSION_ID: "12" for "12", "8" for "8.11"); without
//              VERSION_ID (testing and unstable images) ("Debian", "sid"): os-release cannot tell
//              testing from unstable, and the security tracker's "sid" data is the closest.
//   ubuntu     ("Ubuntu", VERSION_ID as written, "22.04")
//   alpine     ("Alpine", "v" + major.minor of VERSION_ID: "v3.19" for "3.19.1"); "edge" when
//              VERSION_ID is a pre-release ("3.20.0_alpha20240329") or absent.
//   almalinux  ("AlmaLinux", major of VERSION_ID); rocky ("Rocky Linux", major of VERSION_ID)
// Errors: kUnsupported naming the distribution for any other id (or none: "no os-release");
// kInvalidArgument when a supported id has a VERSION_ID that does not give a release.
Result<DistroKey> DistroFor(const catalog::Distro& distro);

// One vulnerability of one package. Advisories whose ids or aliases overlap for the same package
// (DSA-1 alias CVE-1, DEBIAN-CVE-1 alias CVE-1, CVE-1) are one Finding.
struct Finding {
  // The CVE id when any contributing id or alias is one (the lowest by year and number when
  // several are), else the lowest contributing id in byte order.
  std::string id;
  std::vector<std::string> aliases;         // every other id and alias of the merged advisories, sorted
  size_t package = 0;                       // index in Inventory::packages
  std::string ecosystem;                    // the OSV ecosystem looked up: "Debian:12", "PyPI"
  std::string matched_name;                 // the normalised name looked up (source name for deb)
  std::string installed_version;            // the version compared (source version for deb)
  std::vector<std::string> fixed_versions;  // union of the entries' fixed versions, first seen
                                            // first
  // The fix to recommend: the lowest of fixed_versions above installed_version by the
  // ecosystem's scheme ("" when none is above it, or none parses).
  std::string fix;
  // kFixed when any contributing entry states a fix (an OSV entry with a fixed event counts as
  // one), else the most specific of the entries' statuses: will-not-fix, end-of-life,
  // postponed, not-fixed, undetermined, unspecified (in that order).
  vulndb::FixStatus status = vulndb::FixStatus::kUnspecified;
  std::vector<std::string> advisories;  // ids of every contributing advisory, sorted
  // From the contributing advisory with the highest CVSS base score; -1 / "" when none has one.
  double cvss_score = -1;
  std::string cvss_vector, severity;  // severity: the CVSS qualitative rating ("HIGH")
  std::string cvss_version;           // "3.1", ...; "" without a score
  std::string cvss_source;            // the id of the advisory that gave the score
  // The highest vendor rating among the contributing entries and who gave it (Debian urgency,
  // Ubuntu priority, GitHub severity, ...); kUnknown / "" when no entry has one.
  vulndb::Rating vendor_rating = vulndb::Rating::kUnknown;
  std::string vendor_source;
  // The summary of the advisory whose id is `id` (else of the first contributing one that has
  // one); "" when none has.
  std::string summary;
};

struct MatchOptions {
  // When false, findings without any fixed version are left out.
  bool include_unfixed = true;
};

// What a Match saw, for logs and `scan --verbose`.
struct MatchStats {
  uint64_t packages_matched = 0;      // packages looked up in the index
  uint64_t skipped_owned = 0;         // language packages owned by an OS package
  uint64_t skipped_os = 0;            // OS packages of an unsupported or mismatched distribution
  uint64_t skipped_type = 0;          // package types no ecosystem covers
  uint64_t invalid_versions = 0;      // installed versions a scheme refused (package skipped for
                                      // the entries of that scheme)
  uint64_t unevaluable_entries = 0;   // index entries without ranges (not matched)
  uint64_t not_affected_entries = 0;  // entries in range but stating not-affected
  uint64_t unfixed_dropped = 0;       // findings left out by include_unfixed = false
  // Packages that could not be checked: OS packages of an unsupported or mismatched distribution
  // (skipped_os) plus packages of an ecosystem the database has no advisories for at all.
  uint64_t unchecked = 0;
  // One line per cause, e.g. "the database has no advisories for Debian 13: 120 packages not
  // checked". Not empty = the scan could not look at everything (Policy::accept_incomplete).
  std::vector<std::string> unchecked_reasons;
  // One line each: the distribution problem, invalid versions ("deb openssl 1.x: invalid ...").
  std::vector<std::string> warnings;
};

// What Match would look up for `inventory`: the ecosystems (the distribution's family and
// release when DistroFor supports it and OS packages are present; the family of each language
// package type present) and the normalised names. For Index::Load(store, scopes, names), so that
// a scan loads only the advisories it can match.
struct IndexNeeds {
  std::vector<vulndb::Index::Scope> scopes;
  std::vector<std::string> names;  // sorted, unique
};
IndexNeeds NeedsOf(const catalog::Inventory& inventory);

// Matches every package of `inventory` against `index`. Findings are ordered by package index,
// then id. An unsupported distribution is not an error: its OS packages are skipped (a warning
// in `stats`) and language packages are still matched. `stats` may be null.
// Errors: none today (the Result leaves room for index back-ends that can fail).
Result<std::vector<Finding>> Match(const catalog::Inventory& inventory, const vulndb::Index& index,
                                   const MatchOptions& options, MatchStats* stats = nullptr);

}  // namespace vigil::match
