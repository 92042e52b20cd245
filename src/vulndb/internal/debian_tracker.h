// The Debian security tracker's JSON export (https://security-tracker.debian.org/tracker/data/json)
// and Debian's list of packages whose security support ended early (debian-security-support).
//
//   {"openssl": {"CVE-2023-5678": {"description": "...", "scope": "remote", "debianbug": 1055473,
//      "releases": {"bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor issue",
//                                "nodsa_reason": "", "repositories": {"bookworm": "3.0.11-1"}},
//                   "sid": {"status": "resolved", "fixed_version": "3.0.13-1", ...}}}}}
//
//   DebianTrackerOptions opt{.modified = "2024-05-01T00:00:00Z"};
//   Result<FeedResult> r = ParseDebianTrackerJson(text, "debian.json", opt);
//
// What a record becomes (docs/FEEDS.md has the evidence for each choice):
//   * One advisory per tracker issue: id "DEBIAN-TRACKER-<issue>" ("DEBIAN-TRACKER-CVE-2023-5678",
//     "DEBIAN-TRACKER-TEMP-0000000-1A2B3C"); aliases [the CVE] for CVE issues, none for TEMP ids
//     (the tracker's own names for issues without a CVE; they are not global ids).
//     summary = the first sentence of the description, details = the description.
//     references: WEB security-tracker.debian.org/tracker/<issue>, REPORT bugs.debian.org/<n> for
//     each "debianbug". database_specific {"scope": "local"|"remote"} when the tracker says.
//     published = modified = options.modified (the export carries no dates).
//   * One affected entry per (source package, release): ecosystem "Debian:<number>" (codename to
//     number as distro-info-data's debian.csv: woody 3.0 ... squeeze 6.0, wheezy 7 ... duke 15;
//     sid stays "Debian:sid"), name = normalized_name = the source package,
//     database_specific {"codename": "<codename>"}, and by the tracker's status:
//       resolved, fixed_version "0"      kNotAffected, no ranges ("<not-affected>" in the tracker)
//       resolved, fixed_version v        kFixed, ECOSYSTEM {introduced "0", fixed v}
//       open, urgency "end-of-life"      kEndOfLife
//       open, package in support_ended   kEndOfLife
//       open, nodsa_reason "ignored"     kWillNotFix
//       open, nodsa_reason "postponed"   kPostponed
//       open, other nodsa (plain no-dsa) kPostponed
//       open                             kNotFixed
//       undetermined                     kUndetermined
//     (every open and undetermined entry: one ECOSYSTEM range {introduced "0"}, no fix).
//     An open entry rated "unimportant" stays kNotFixed; its severity says how little it matters.
//     status_note joins "urgency: <u>" (unless "not yet assigned"), "no-dsa: <text>" /
//     "ignored: <text>" / "postponed: <text>", "security support ended" and "fix planned for the
//     next point release" with "; ".
//     severity [{type "Debian", score <urgency as written>}] for the ratings low, medium, high
//     (a "**" suffix, kept, means the tracker took the rating from NVD) and unimportant;
//     "not yet assigned" and "end-of-life" are not ratings and give no severity.
//
// Errors: kCorrupt "<what>: ..." when the text is not JSON or the top level is not an object.
// Inside it, a package, issue or release entry that is unusable (not an object, unknown release
// codename, unknown status, resolved without a fixed version, a fixed version that is not a valid
// dpkg version) is skipped and listed in FeedResult::problems as
// "<what>: <package>/<issue>/releases/<codename>". kInvalidArgument for a bad options.modified
// or a support_ended key that is neither a known codename nor a release number.
//
// Memory and speed: the document is read with nlohmann's SAX interface one source package at a
// time (only that package's subtree is ever held as a JSON tree), so the peak is the output plus
// one package; docs/FEEDS.md records the measurements on a file of the real size.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "vulndb/feed.h"

namespace vigil::vulndb {

// The OSV release of a Debian codename: "bookworm" -> "12", "squeeze" -> "6.0", "sid" -> "sid";
// "" for a codename this table does not know (including "experimental", which is not a release).
std::string DebianReleaseNumber(std::string_view codename);

struct DebianTrackerOptions {
  // The RFC 3339 timestamp of every record (the fetch time or the file's mtime). Required.
  std::string modified;
  // Source packages whose security support ended early, per release. Keys are codenames
  // ("bookworm") or numbers ("12"); values are package names or debian-security-support patterns
  // ("node-.*", see SupportPatternMatches). Open entries of matching packages become kEndOfLife.
  std::map<std::string, std::set<std::string>> support_ended;
};

// Parses the tracker JSON export. Advisories are sorted by id; affected entries by package, then
// release.
Result<FeedResult> ParseDebianTrackerJson(std::string_view text, std::string_view what,
                                          const DebianTrackerOptions& options);

// ---- debian-security-support -----------------------------------------------------------------

// One line of security-support-ended.debNN: "<package> <last version> <YYYY-MM-DD> [details]".
struct SupportEndedEntry {
  std::string package;       // a name or a pattern (SupportPatternMatches)
  std::string last_version;  // the last version with support; "0" when none
  std::string date;          // when support ended or will end, YYYY-MM-DD
  std::string details;       // free text or URL; "" when absent
};

struct SupportEndedList {
  std::vector<SupportEndedEntry> entries;
  FeedProblems problems;  // lines that are not "<package> <version> <date> [details]"
};

// Parses a security-support-ended.debNN file. Blank lines and '#' comments are skipped; a line
// with fewer than three columns or a date that is not YYYY-MM-DD is listed as a problem
// ("<what>: line 17"). Never fails as a whole: the result is an empty list for empty text.
SupportEndedList ParseSecuritySupportEnded(std::string_view text, std::string_view what);

// The packages (names or patterns) of `list` whose support ended on or before `as_of`
// ("YYYY-MM-DD", compared as text); every entry when `as_of` is empty. Entries dated after
// `as_of` are announced ends (debian-security-support's "earlyend"), not yet ended ones.
std::set<std::string> EndedPackages(const SupportEndedList& list, std::string_view as_of);

// Whether `package` matches `pattern` the way check-support-status does (a Perl regex matched
// against the whole source package name): '.' matches any character, '*' repeats the preceding
// atom, '\' makes the next character literal. Deliberately unlike Perl, '+' is literal (Debian
// names contain it: "libstdc++"); no other regex syntax appears in these lists.
bool SupportPatternMatches(std::string_view pattern, std::string_view package);

}  // namespace vigil::vulndb
