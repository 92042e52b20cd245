// Alpine secdb: the per-branch, per-repository lists of security fixes that Alpine publishes
// (secdb.alpinelinux.org/<branch>/<repo>.json today; <branch>/<repo>.yaml in the older
// alpine-secdb repository, same structure):
//
//   {"distroversion": "v3.19", "reponame": "main", "urlprefix": "...",
//    "packages": [{"pkg": {"name": "openssl",
//                          "secfixes": {"3.1.4-r1": ["CVE-2023-5363"], "0": ["CVE-2022-1343"]}}}]}
//
//   Result<FeedResult> r = ParseAlpineSecdbJson(text, "v3.19/main.json", "2024-05-01T00:00:00Z");
//
// What a record becomes (docs/FEEDS.md has the reasons):
//   * One advisory per (branch, package, vulnerability id), with
//       id       "ALPINE-<branch>-<package>-<vulnerability id>", e.g.
//                "ALPINE-v3.11-openssl-CVE-2019-1547". Alpine publishes no advisory ids of its own;
//                this one is stable across re-imports and unique per branch (a package name is
//                unique across the repositories of one branch), so re-importing a branch
//                replaces exactly its own records.
//       aliases  the CVE, then the other ids on the same secfixes line (XSA-nnn, TALOS-...).
//                A line naming several CVEs ("CVE-2017-5753 CVE-2017-5715 XSA-254") makes one
//                advisory per CVE: distinct CVEs are distinct vulnerabilities, not aliases.
//                A line without a CVE ("XSA-207") makes one advisory for its first id.
//       affected one entry, ecosystem "Alpine:<branch>", name = normalized_name = the package
//                (secdb names origin packages, the apk "o:" field), one ECOSYSTEM range
//                {introduced "0", fixed <version>}, status kFixed. The version "0" means the
//                package in that branch was never affected: status kNotAffected, no ranges.
//                database_specific {"repo": "<reponame>"}.
//       published = modified = the caller's `modified` timestamp: the secdb carries no dates,
//                and a fixed timestamp (the file's mtime or fetch time) makes a re-import of
//                unchanged content produce identical records.
//   * The same id listed under two versions of one package: the lowest version wins (the
//     earliest fix; later entries are regression fixes or re-listings), compared as apk does;
//     the other versions are named in status_note. "0" sorts lowest, so "never affected" wins
//     over a fix; that contradiction is also reported as a problem.
//   * Text on a secfixes line that is not an id ("(SMB printing disabled)") goes to status_note.
//     A version whose value is a single string instead of a list is read as a one-line list.
//     Misspelled CVE ids that are clear ("CVE_2019-2426", "CVE 2018-16859",
//     "CVE-2017-8073.patch", "CVE-2017-17434-1") are read as the CVE and reported as a problem.
//
// Errors: kCorrupt "<what>: ..." when the text is not JSON/YAML or the top level is wrong (not a
// mapping, no usable "distroversion", no "packages" list; "packages": null is an empty list).
// Anything wrong inside one package entry (no name, secfixes not a mapping, a version that is not
// a valid apk version, an id that is not a string, a line without an id) skips that entry or line
// and is listed in FeedResult::problems with its path, e.g.
// "v3.11/main.yaml: packages[3].pkg.secfixes[\"1.2-r0\"][1]".
// kInvalidArgument when `modified` is not an RFC 3339 date-time.
#pragma once

#include <string_view>

#include "common/status.h"
#include "vulndb/feed.h"

namespace vigil::vulndb {

// Parses one secdb JSON document. `what` names it in messages (a file name); `modified` is the
// RFC 3339 timestamp given to every record. Advisories are sorted by id.
Result<FeedResult> ParseAlpineSecdbJson(std::string_view text, std::string_view what, std::string_view modified);

// The same for the YAML form. YAML scalars are read as text (a version "1.10" stays "1.10");
// aliases are followed, within a node budget proportional to the input size (a "billion laughs"
// document is kLimitExceeded, not an out-of-memory).
Result<FeedResult> ParseAlpineSecdbYaml(std::string_view text, std::string_view what, std::string_view modified);

// "v3.11" for "v3.11" or "3.11", "edge" for "edge"; "" for anything else.
std::string NormalizeAlpineBranch(std::string_view branch);

}  // namespace vigil::vulndb
