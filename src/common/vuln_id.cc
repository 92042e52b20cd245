#include "common/vuln_id.h"

#include "common/strings.h"

namespace vigil {
namespace {

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

}  // namespace

bool IsCveId(std::string_view s) {
  if (!s.starts_with("CVE-") || s.size() < 13) return false;
  std::string_view year = s.substr(4, 4);
  if (!AllDigits(year) || s[8] != '-') return false;
  std::string_view number = s.substr(9);
  return number.size() >= 4 && number.size() <= 19 && AllDigits(number);
}

bool IsCveOrGhsaId(std::string_view id) {
  std::string lower = AsciiLower(id.substr(0, 5));
  return lower.starts_with("cve-") || lower.starts_with("ghsa-");
}

bool SameVulnerabilityId(std::string_view a, std::string_view b) {
  if (a == b) return !a.empty();
  if (a.size() != b.size() || !IsCveOrGhsaId(a) || !IsCveOrGhsaId(b)) return false;
  return AsciiLower(a) == AsciiLower(b);
}

}  // namespace vigil
