// The registry of version schemes and of the OSV ecosystem names that use them. Adding a
// scheme is one line in kSchemes (plus its ecosystems in kEcosystems, if new).
#include <array>

#include "common/strings.h"
#include "version/internal/schemes.h"
#include "version/version.h"

namespace vigil::version {
namespace {

struct SchemeEntry {
  std::string_view name;
  const Scheme* (*get)();  // nullptr: known name, not implemented yet
};

// clang-format off
constexpr SchemeEntry kSchemes[] = {
    {"dpkg",     &DpkgScheme},
    {"rpm",      &RpmScheme},
    {"apk",      &ApkScheme},
    {"semver",   &SemverScheme},
    {"go",       &GoScheme},
    {"pep440",   &Pep440Scheme},
    {"maven",    &MavenScheme},
    {"gem",      &GemScheme},
    {"nuget",    &NugetScheme},
    {"composer", &ComposerScheme},
};

// OSV ecosystem names (osv-schema "Defined ecosystems"), without the ":<release>" suffix.
struct EcosystemEntry {
  std::string_view ecosystem;
  std::string_view scheme;
};
constexpr EcosystemEntry kEcosystems[] = {
    {"Debian", "dpkg"},
    {"Ubuntu", "dpkg"},
    {"Alpine", "apk"},
    {"Wolfi", "apk"},
    {"Chainguard", "apk"},
    {"Alpaquita", "apk"},
    {"BellSoft Hardened Containers", "apk"},
    {"Red Hat", "rpm"},
    {"AlmaLinux", "rpm"},
    {"Rocky Linux", "rpm"},
    {"openSUSE", "rpm"},
    {"SUSE", "rpm"},
    {"Mageia", "rpm"},
    {"openEuler", "rpm"},
    {"Photon OS", "rpm"},
    {"Azure Linux", "rpm"},
    {"npm", "semver"},
    {"crates.io", "semver"},
    {"Go", "go"},
    {"PyPI", "pep440"},
    {"Maven", "maven"},
    {"RubyGems", "gem"},
    {"NuGet", "nuget"},
    {"Packagist", "composer"},
};
// clang-format on

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

const SchemeEntry* FindEntry(std::string_view name, std::string_view* ecosystem) {
  // "Debian:12", "Ubuntu:Pro:22.04:LTS", "Red Hat:enterprise_linux:9::appstream": the release
  // never changes the ordering rules, so only the part before the first ':' matters.
  std::string_view base = name.substr(0, name.find(':'));
  std::string_view scheme_name = base;
  *ecosystem = {};
  for (const auto& e : kEcosystems) {
    if (EqualsIgnoreCase(e.ecosystem, base)) {
      scheme_name = e.scheme;
      *ecosystem = e.ecosystem;
      break;
    }
  }
  if (ecosystem->empty() && base.size() != name.size()) return nullptr;  // "dpkg:12" is not a name
  for (const auto& s : kSchemes) {
    if (EqualsIgnoreCase(s.name, scheme_name)) return &s;
  }
  return nullptr;
}

}  // namespace

const Scheme* FindScheme(std::string_view name) {
  std::string_view ecosystem;
  const SchemeEntry* e = FindEntry(name, &ecosystem);
  return e == nullptr || e->get == nullptr ? nullptr : e->get();
}

Result<const Scheme*> LookupScheme(std::string_view name) {
  std::string_view ecosystem;
  const SchemeEntry* e = FindEntry(name, &ecosystem);
  if (e == nullptr) {
    std::string known;
    for (const auto& s : kSchemes) {
      if (!known.empty()) known += ", ";
      known += s.name;
    }
    return InvalidArgument("unknown version scheme or ecosystem '" + Clip(name, 80) + "' (schemes: " + known +
                           "; or an OSV ecosystem name such as Debian, npm)");
  }
  if (e->get == nullptr) {
    std::string m = "version scheme '" + std::string(e->name) + "'";
    if (!ecosystem.empty()) m += " (for '" + std::string(ecosystem) + "')";
    return Unsupported(m + " is not implemented yet");
  }
  return e->get();
}

std::vector<std::string_view> SchemeNames() {
  std::vector<std::string_view> names;
  for (const auto& s : kSchemes) {
    if (s.get != nullptr) names.push_back(s.name);
  }
  return names;
}

}  // namespace vigil::version
