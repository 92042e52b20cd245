#include "vulndb/advisory.h"

#include <array>
#include <utility>

#include "common/strings.h"
#include "version/version.h"

namespace vigil::vulndb {

Ecosystem ParseEcosystem(std::string_view text) {
  Ecosystem e;
  std::string_view t = Trim(text);
  e.text = std::string(t);
  size_t colon = t.find(':');
  e.family = std::string(t.substr(0, colon));
  if (colon == std::string_view::npos) return e;
  std::string_view rest = t.substr(colon + 1);
  // Ubuntu writes "Pro:" before the release and ":LTS" after it; neither names a release of
  // its own. Other families put the release right after the first ':' and nothing after it.
  if (rest.starts_with("Pro:")) {
    e.pro = true;
    rest.remove_prefix(4);
  }
  if (rest.ends_with(":LTS")) rest.remove_suffix(4);
  e.release = std::string(rest);
  return e;
}

namespace {
constexpr std::array<std::pair<FixStatus, std::string_view>, 7> kStatusNames{{
    {FixStatus::kFixed, "fixed"},
    {FixStatus::kNotFixed, "not-fixed"},
    {FixStatus::kWillNotFix, "will-not-fix"},
    {FixStatus::kPostponed, "postponed"},
    {FixStatus::kNotAffected, "not-affected"},
    {FixStatus::kEndOfLife, "end-of-life"},
    {FixStatus::kUndetermined, "undetermined"},
}};
}  // namespace

std::string_view FixStatusName(FixStatus s) {
  for (const auto& [status, name] : kStatusNames) {
    if (status == s) return name;
  }
  return "";
}

FixStatus FixStatusFromName(std::string_view name) {
  for (const auto& [status, n] : kStatusNames) {
    if (n == name) return status;
  }
  return FixStatus::kUnspecified;
}

const version::Scheme* SchemeFor(const Affected& af) {
  if (const version::Scheme* s = version::FindScheme(af.ecosystem.family)) return s;
  bool semver = false;
  for (const version::RangeSpec& r : af.spec.ranges) {
    if (r.type == version::RangeSpec::Type::kGit) continue;
    if (r.type != version::RangeSpec::Type::kSemver) return nullptr;
    semver = true;
  }
  return semver ? version::FindScheme("semver") : nullptr;
}

}  // namespace vigil::vulndb
