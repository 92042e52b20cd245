// Qualitative severity ratings, and the rating a vendor (the distribution or the advisory
// database that published a record) gives a vulnerability — which reports show before the CVSS
// base score's rating, since a distribution rates the flaw as it affects its own build.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vulndb/advisory.h"

namespace vigil::vulndb {

// Ordered from least to most severe; kUnknown sorts lowest.
enum class Rating : uint8_t { kUnknown, kNegligible, kLow, kMedium, kHigh, kCritical };

// "UNKNOWN", "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH", "CRITICAL".
std::string_view RatingName(Rating rating);

// Reads a rating as vendors and users write it, ignoring ASCII case and a trailing "**"
// (Debian's mark for a guessed urgency): the names above; "none" and "unimportant" (Debian)
// as kNegligible; "moderate" (GitHub, Red Hat) as kMedium; "important" (Red Hat) as kHigh.
// kUnknown for anything else ("not yet assigned", "untriaged", "").
Rating ParseRating(std::string_view text);

// A vendor's rating of one affected package of one advisory.
struct VendorRating {
  Rating rating = Rating::kUnknown;
  // Who rated it and how, for reports: "Debian urgency", "Ubuntu priority", "GitHub severity",
  // "AlmaLinux severity", "<database> severity"; "" when rating is kUnknown.
  std::string source;
};

// The vendor rating of `a`'s affected entry `affected` (an index into a.affected), first found of:
// a non-CVSS `severity[]` of the entry (Debian's tracker urgency, Ubuntu's priority), then of
// the record; `database_specific.severity` of the entry, then of the record (GitHub, Bitnami);
// the "Critical:/Important:/Moderate:/Low:" prefix of the summary of Red Hat-family errata
// (ALSA-, ALBA-, ALEA-, RLSA-, RHSA- ids). kUnknown when none gives a known rating.
VendorRating VendorRatingOf(const Advisory& a, size_t affected);

}  // namespace vigil::vulndb
