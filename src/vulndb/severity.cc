#include "vulndb/severity.h"

#include <simdjson.h>

#include <array>
#include <utility>

#include "common/strings.h"

namespace vigil::vulndb {

namespace {

// `database_specific.severity` of a compact JSON object text, "" when absent or not a string.
std::string DatabaseSeverity(std::string_view json) {
  if (json.empty() || json.find("\"severity\"") == std::string_view::npos) return {};
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return {};
  std::string_view s;
  if (doc["severity"].get_string().get(s) != simdjson::SUCCESS) return {};
  return std::string(s);
}

// The vendor named by a record id prefix, for the rating's source.
std::string_view IssuerOf(std::string_view id) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kIssuers{{
      {"GHSA-", "GitHub"},
      {"BIT-", "Bitnami"},
      {"ALSA-", "AlmaLinux"},
      {"ALBA-", "AlmaLinux"},
      {"ALEA-", "AlmaLinux"},
      {"RLSA-", "Rocky Linux"},
      {"RHSA-", "Red Hat"},
      {"UBUNTU-", "Ubuntu"},
      {"USN-", "Ubuntu"},
  }};
  for (const auto& [prefix, name] : kIssuers) {
    if (id.starts_with(prefix)) return name;
  }
  return {};
}

std::string SourceFor(std::string_view type, std::string_view id) {
  if (type == "Debian") return "Debian urgency";
  if (type == "Ubuntu") return "Ubuntu priority";
  if (!type.empty()) return std::string(type) + " severity";
  std::string_view issuer = IssuerOf(id);
  return std::string(issuer.empty() ? std::string_view("database") : issuer) + " severity";
}

bool IsRedHatErratum(std::string_view id) {
  return id.starts_with("ALSA-") || id.starts_with("ALBA-") || id.starts_with("ALEA-") || id.starts_with("RLSA-") ||
         id.starts_with("RHSA-");
}

}  // namespace

std::string_view RatingName(Rating rating) {
  switch (rating) {
    case Rating::kNegligible:
      return "NEGLIGIBLE";
    case Rating::kLow:
      return "LOW";
    case Rating::kMedium:
      return "MEDIUM";
    case Rating::kHigh:
      return "HIGH";
    case Rating::kCritical:
      return "CRITICAL";
    case Rating::kUnknown:
      break;
  }
  return "UNKNOWN";
}

Rating ParseRating(std::string_view text) {
  if (text.ends_with("**")) text.remove_suffix(2);
  std::string t = AsciiLower(Trim(text));
  if (t == "critical") return Rating::kCritical;
  if (t == "high" || t == "important") return Rating::kHigh;
  if (t == "medium" || t == "moderate") return Rating::kMedium;
  if (t == "low") return Rating::kLow;
  if (t == "negligible" || t == "unimportant" || t == "none") return Rating::kNegligible;
  return Rating::kUnknown;
}

VendorRating VendorRatingOf(const Advisory& a, size_t affected) {
  auto from_list = [&](const std::vector<Severity>& list) -> VendorRating {
    for (const Severity& s : list) {
      if (s.type.starts_with("CVSS_")) continue;
      if (Rating r = ParseRating(s.score); r != Rating::kUnknown) return {r, SourceFor(s.type, a.id)};
    }
    return {};
  };
  const Affected* af = affected < a.affected.size() ? &a.affected[affected] : nullptr;
  if (af) {
    if (VendorRating v = from_list(af->severity); v.rating != Rating::kUnknown) return v;
  }
  if (VendorRating v = from_list(a.severity); v.rating != Rating::kUnknown) return v;
  for (const std::string* json : {af ? &af->database_specific : nullptr, &a.database_specific}) {
    if (!json) continue;
    if (Rating r = ParseRating(DatabaseSeverity(*json)); r != Rating::kUnknown) return {r, SourceFor("", a.id)};
  }
  if (IsRedHatErratum(a.id)) {
    size_t colon = a.summary.find(':');
    if (colon != std::string::npos && colon < 16) {
      if (Rating r = ParseRating(std::string_view(a.summary).substr(0, colon)); r != Rating::kUnknown) {
        return {r, SourceFor("", a.id)};
      }
    }
  }
  return {};
}

}  // namespace vigil::vulndb
