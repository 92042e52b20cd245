// The Debian security tracker's advisory lists, data/DSA/list (Debian Security Advisories) and
// data/DLA/list (Debian LTS Advisories), in the tracker's own text syntax:
//
//   [29 Mar 2023] DSA-5380-1 xorg-server - security update
//   	{CVE-2023-1393}
//   	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
//   [01 Aug 2002] DSA-140 libpng - buffer overflow
//   	{CVE-2002-0660 CVE-2002-0728}
//   	[woody] - libpng 1.0.12-3.woody.2
//   	[woody] - libpng3 1.2.1-1.1.woody.2 (medium)
//   	[woody] - mailman <not-affected> (Vulnerable code not present)
//   	NOTE: fixed in testing at time of DSA
//
//   Result<FeedResult> r = ParseDebianAdvisoryList(text, "DSA/list", "2024-05-01T00:00:00Z");
//
// What an entry becomes:
//   id         the advisory id as written ("DSA-5380-1", "DSA-140", "DLA-3380-1")
//   aliases    the CVE ids of the "{...}" line; its other ids (DSA-/DLA- cross references,
//              VU#nnnnnn) go to `related`
//   summary    the rest of the header line as written ("xorg-server - security update")
//   published  the header date at midnight UTC ("2023-03-29T00:00:00Z"); modified = `modified`
//   references ADVISORY https://security-tracker.debian.org/tracker/<id>
//   affected   one per "[release] - package version" line: ecosystem "Debian:<number>" (as
//              DebianReleaseNumber), name = normalized_name = the source package, and
//                a version           kFixed, ECOSYSTEM {introduced "0", fixed version}
//                <not-affected>      kNotAffected, no ranges
//                <unfixed>           kNotFixed,    {introduced "0"}
//                <end-of-life>       kEndOfLife,   {introduced "0"}
//                <no-dsa>/<postponed> kPostponed, <ignored> kWillNotFix,
//                <undetermined> kUndetermined, all {introduced "0"}
//              status_note = the "(...)" text after the version, if any ("medium").
//   Entries without package lines (announcements, "DSA-4205-1 jessie end-of-life") are kept with
//   no affected entries: they match nothing but keep their CVE aliases.
// NOTE:/TODO: lines are comments and are skipped, including "NOTE: [lenny] - clamav <end-of-life>".
//
// Errors: kInvalidArgument for a `modified` that is not RFC 3339. Everything else is per line and
// listed in FeedResult::problems as "<what>: line N": a header that does not parse (its indented
// lines are skipped with it), a second entry with an id already seen (the first is kept), an
// unknown release, a version that is not a valid dpkg version, an unknown <tag>, an indented line
// of no known kind. Advisories are sorted by id.
#pragma once

#include <string_view>

#include "common/status.h"
#include "vulndb/feed.h"

namespace vigil::vulndb {

Result<FeedResult> ParseDebianAdvisoryList(std::string_view text, std::string_view what, std::string_view modified);

}  // namespace vigil::vulndb
