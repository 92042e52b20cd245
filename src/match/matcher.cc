#include "match/matcher.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <utility>

#include "common/vuln_id.h"
#include "version/names.h"
#include "version/version.h"

namespace vigil::match {

namespace {

using vulndb::FixStatus;

std::string_view Major(std::string_view v) { return v.substr(0, v.find('.')); }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What to look up for one package, or why it is not looked up.
struct Query {
  std::string family, release, name, version;
};

enum class Skip { kNone, kOwned, kOs, kType };

// The OSV ecosystem family of a language package type; "" for OS and unknown types.
std::string_view LanguageFamily(std::string_view type) {
  static const std::pair<std::string_view, std::string_view> kFamilies[] = {
      {"npm", "npm"},         {"pypi", "PyPI"},    {"golang", "Go"},          {"maven", "Maven"},
      {"cargo", "crates.io"}, {"gem", "RubyGems"}, {"composer", "Packagist"}, {"nuget", "NuGet"},
  };
  for (const auto& [t, f] : kFamilies) {
    if (t == type) return f;
  }
  return {};
}

// The OS package type a distribution family's packages have.
std::string_view OsType(std::string_view family) {
  if (family == "Debian" || family == "Ubuntu") return "deb";
  if (family == "Alpine") return "apk";
  if (family == "AlmaLinux" || family == "Rocky Linux") return "rpm";
  return {};
}

Skip BuildQuery(const catalog::Package& p, const DistroKey* distro, Query& q) {
  if (p.type == "deb" || p.type == "apk" || p.type == "rpm") {
    if (!distro || OsType(distro->family) != p.type) return Skip::kOs;
    q.family = distro->family;
    q.release = distro->release;
    if (p.type == "deb") {
      // Debian and Ubuntu track vulnerabilities per source package and source version.
      q.name = p.source_name.empty() ? p.name : p.source_name;
      q.version = p.source_version.empty() ? p.version : p.source_version;
      // dpkg writes the epoch into Version; a cataloger that keeps it apart gets it back here.
      bool same = p.source_version.empty() || p.source_version == p.version;
      if (!p.epoch.empty() && same && q.version.find(':') == std::string::npos) {
        q.version = p.epoch + ":" + q.version;
      }
    } else if (p.type == "apk") {
      // secdb lists origins; subpackages share their origin's version.
      q.name = p.source_name.empty() ? p.name : p.source_name;
      q.version = p.version;
    } else {
      q.name = p.name;
      q.version = p.epoch.empty() ? p.version : p.epoch + ":" + p.version;
    }
    q.name = version::NormalizeName(q.family, q.name);
    return Skip::kNone;
  }
  std::string_view family = LanguageFamily(p.type);
  if (family.empty()) return Skip::kType;
  if (!p.owner.empty()) return Skip::kOwned;
  q.family = std::string(family);
  q.version = p.version;
  if (p.name_space.empty()) {
    q.name = p.name;
  } else if (p.type == "maven") {
    q.name = p.name_space + ":" + p.name;
  } else if (p.type == "npm" && p.name_space.front() != '@') {
    q.name = "@" + p.name_space + "/" + p.name;
  } else {
    q.name = p.name_space + "/" + p.name;
  }
  // Go versions carry their "v" (the go scheme requires it); catalogers from go.mod keep it,
  // a bare "1.21.0" from elsewhere gets it.
  if (p.type == "golang" && !q.version.empty() && q.version.front() != 'v') q.version = "v" + q.version;
  q.name = version::NormalizeName(q.family, q.name);
  return Skip::kNone;
}

// Higher is more specific; kFixed is handled before ranking.
int Specificity(FixStatus s) {
  switch (s) {
    case FixStatus::kWillNotFix:
      return 6;
    case FixStatus::kEndOfLife:
      return 5;
    case FixStatus::kPostponed:
      return 4;
    case FixStatus::kNotFixed:
      return 3;
    case FixStatus::kUndetermined:
      return 2;
    case FixStatus::kUnspecified:
      return 1;
    default:
      return 0;
  }
}

// "CVE-2023-1234" → (2023, 1234), for ordering CVE ids numerically.
std::pair<uint64_t, uint64_t> CveKey(std::string_view id) {
  uint64_t year = 0, num = 0;
  std::string_view rest = id.substr(4);
  std::from_chars(rest.data(), rest.data() + 4, year);
  rest = rest.substr(5);
  std::from_chars(rest.data(), rest.data() + rest.size(), num);
  return {year, num};
}

// One index entry that said "affected" for a package.
struct Hit {
  uint32_t advisory;
  const vulndb::IndexEntry* entry;
};

// True if `a` names more than one CVE among its id and aliases: a distribution advisory (DSA,
// DLA) that fixes several vulnerabilities at once.
bool IsBundle(const vulndb::IndexedAdvisory& a) {
  int cves = IsCveId(a.id) ? 1 : 0;
  for (const std::string& alias : a.aliases) {
    if (IsCveId(alias) && ++cves > 1) return true;
  }
  return false;
}

// Groups the hits of one package into findings and turns each group into a Finding. Hits whose
// ids and aliases overlap are one vulnerability (connected components: DEBIAN-CVE-1 alias CVE-1
// and CVE-1 are one). A bundle (IsBundle) does not join the CVEs it names into one: it joins the
// finding of each of its CVEs (made for it when no other hit names that CVE), contributing its
// own id, fixed versions and status there.
void MergeHits(const vulndb::Index& index, const std::vector<Hit>& hits, size_t package, const Query& q,
               std::vector<Finding>& out) {
  // Union-find over the hits that are not bundles, joined through a shared id.
  std::vector<size_t> parent(hits.size());
  std::vector<bool> bundle(hits.size());
  for (size_t i = 0; i < hits.size(); ++i) parent[i] = i;
  auto find = [&](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::map<std::string_view, size_t> owner;
  for (size_t i = 0; i < hits.size(); ++i) {
    const vulndb::IndexedAdvisory& a = index.advisory(hits[i].advisory);
    bundle[i] = IsBundle(a);
    if (bundle[i]) continue;
    auto join = [&](std::string_view id) {
      auto [it, inserted] = owner.emplace(id, i);
      if (!inserted) parent[find(i)] = find(it->second);
    };
    join(a.id);
    for (const std::string& alias : a.aliases) join(alias);
  }
  // Groups keyed by their root hit; a bundle CVE nobody else names gets a group of its own,
  // keyed past the hit indexes.
  std::map<size_t, std::vector<size_t>> groups;
  std::map<size_t, std::string_view> group_cve;  // the CVE a bundle-only group is about
  std::map<std::string_view, size_t> cve_groups;
  for (size_t i = 0; i < hits.size(); ++i) {
    if (!bundle[i]) groups[find(i)].push_back(i);
  }
  for (size_t i = 0; i < hits.size(); ++i) {
    if (!bundle[i]) continue;
    const vulndb::IndexedAdvisory& a = index.advisory(hits[i].advisory);
    auto attach = [&](std::string_view cve) {
      if (auto it = owner.find(cve); it != owner.end()) {
        std::vector<size_t>& g = groups[find(it->second)];
        if (std::find(g.begin(), g.end(), i) == g.end()) g.push_back(i);
        return;
      }
      auto [it, fresh] = cve_groups.emplace(cve, hits.size() + cve_groups.size());
      if (fresh) group_cve[it->second] = cve;
      groups[it->second].push_back(i);
    };
    if (IsCveId(a.id)) attach(a.id);
    for (const std::string& alias : a.aliases) {
      if (IsCveId(alias)) attach(alias);
    }
  }

  for (const auto& [root, members] : groups) {
    Finding f;
    f.package = package;
    f.ecosystem = q.release.empty() ? q.family : q.family + ":" + q.release;
    f.matched_name = q.name;
    f.installed_version = q.version;
    std::set<std::string> ids, advisories;
    bool fixed = false;
    FixStatus best = FixStatus::kUnspecified;
    for (size_t m : members) {
      const vulndb::IndexedAdvisory& a = index.advisory(hits[m].advisory);
      const vulndb::IndexEntry& e = *hits[m].entry;
      advisories.insert(a.id);
      if (bundle[m]) {
        if (!IsCveId(a.id)) ids.insert(a.id);
        for (const std::string& alias : a.aliases) {
          if (!IsCveId(alias)) ids.insert(alias);
        }
      } else {
        ids.insert(a.id);
        ids.insert(a.aliases.begin(), a.aliases.end());
      }
      for (const std::string& v : e.fixed) {
        if (std::find(f.fixed_versions.begin(), f.fixed_versions.end(), v) == f.fixed_versions.end()) {
          f.fixed_versions.push_back(v);
        }
      }
      // An OSV entry (no stated status) with a fixed event says as much as "fixed".
      if (e.status == FixStatus::kFixed || (e.status == FixStatus::kUnspecified && !e.fixed.empty())) {
        fixed = true;
      } else if (Specificity(e.status) > Specificity(best)) {
        best = e.status;
      }
      if (a.cvss_score > f.cvss_score) {
        f.cvss_score = a.cvss_score;
        f.cvss_vector = a.cvss_vector;
        f.severity = a.cvss_severity;
        f.cvss_version = a.cvss_version;
        f.cvss_source = a.id;
      }
      if (e.vendor_rating > f.vendor_rating) {
        f.vendor_rating = e.vendor_rating;
        f.vendor_source = e.vendor_source;
      }
    }
    f.status = fixed ? FixStatus::kFixed : best;
    if (auto it = group_cve.find(root); it != group_cve.end()) ids.insert(std::string(it->second));
    const std::string* cve = nullptr;
    for (const std::string& id : ids) {
      if (IsCveId(id) && (!cve || CveKey(id) < CveKey(*cve))) cve = &id;
    }
    f.id = cve ? *cve : *ids.begin();
    for (const std::string& id : ids) {
      if (id != f.id) f.aliases.push_back(id);
    }
    f.advisories.assign(advisories.begin(), advisories.end());
    for (size_t m : members) {
      const vulndb::IndexedAdvisory& a = index.advisory(hits[m].advisory);
      if (a.summary.empty()) continue;
      if (f.summary.empty() || a.id == f.id) f.summary = a.summary;
      if (a.id == f.id) break;
    }
    out.push_back(std::move(f));
  }
}

// Sets Finding::fix: the lowest fixed version above the installed one, by the first scheme that
// parsed the installed version.
void RecommendFixes(const std::vector<std::pair<const version::Scheme*, std::optional<version::Version>>>& parsed,
                    std::span<Finding> findings) {
  auto it = std::find_if(parsed.begin(), parsed.end(), [](const auto& x) { return x.second.has_value(); });
  if (it == parsed.end()) return;
  const version::Scheme& scheme = *it->first;
  const version::Version& installed = *it->second;
  for (Finding& f : findings) {
    std::optional<version::Version> best;
    for (const std::string& text : f.fixed_versions) {
      // OSV writes Go versions without the "v" the go scheme requires (as osv_range.cc does).
      bool bare_go = scheme.name() == "go" && !text.empty() && text[0] >= '0' && text[0] <= '9';
      Result<version::Version> v = bare_go ? scheme.Parse("v" + text) : scheme.Parse(text);
      if (!v.ok() || scheme.Compare(*v, installed) <= 0) continue;
      if (!best || scheme.Compare(*v, *best) < 0) {
        best = std::move(*v);
        f.fix = text;
      }
    }
  }
}

}  // namespace

Result<DistroKey> DistroFor(const catalog::Distro& distro) {
  const std::string& id = distro.id;
  std::string_view v = distro.version_id;
  if (id.empty()) return Unsupported("no os-release: OS packages cannot be matched");
  auto bad_version = [&]() {
    return InvalidArgument(id + ": VERSION_ID '" + distro.version_id + "' does not name a release");
  };
  if (id == "debian") {
    if (v.empty()) return DistroKey{"Debian", "sid"};
    if (!AllDigits(Major(v))) return bad_version();
    return DistroKey{"Debian", std::string(Major(v))};
  }
  if (id == "ubuntu") {
    if (v.empty()) return bad_version();
    return DistroKey{"Ubuntu", std::string(v)};
  }
  if (id == "alpine") {
    if (v.empty() || v.find('_') != std::string_view::npos) return DistroKey{"Alpine", "edge"};
    size_t dot = v.find('.');
    if (dot == std::string_view::npos) return bad_version();
    size_t end = v.find('.', dot + 1);
    std::string_view mm = v.substr(0, end);
    if (!AllDigits(mm.substr(0, dot)) || !AllDigits(mm.substr(dot + 1))) return bad_version();
    return DistroKey{"Alpine", "v" + std::string(mm)};
  }
  if (id == "almalinux" || id == "rocky") {
    if (!AllDigits(Major(v))) return bad_version();
    return DistroKey{id == "rocky" ? "Rocky Linux" : "AlmaLinux", std::string(Major(v))};
  }
  std::string name = distro.pretty_name.empty() ? id : distro.pretty_name + " (" + id + ")";
  return Unsupported("distribution " + name +
                     " is not supported for OS package matching (supported: debian, ubuntu, "
                     "alpine, almalinux, rocky); language packages are still matched");
}

IndexNeeds NeedsOf(const catalog::Inventory& inventory) {
  IndexNeeds out;
  Result<DistroKey> distro = DistroFor(inventory.distro);
  std::set<std::string> names;
  for (const catalog::Package& p : inventory.packages) {
    Query q;
    if (BuildQuery(p, distro.ok() ? &*distro : nullptr, q) != Skip::kNone) continue;
    names.insert(q.name);
    bool seen = std::any_of(out.scopes.begin(), out.scopes.end(), [&](const vulndb::Index::Scope& s) {
      return s.family == q.family && s.release == q.release;
    });
    if (!seen) out.scopes.push_back({q.family, q.release});
  }
  out.names.assign(names.begin(), names.end());
  return out;
}

Result<std::vector<Finding>> Match(const catalog::Inventory& inventory, const vulndb::Index& index,
                                   const MatchOptions& options, MatchStats* stats) {
  MatchStats local;
  MatchStats& st = stats ? *stats : local;

  std::optional<DistroKey> distro;
  bool has_os_packages =
      std::any_of(inventory.packages.begin(), inventory.packages.end(),
                  [](const catalog::Package& p) { return p.type == "deb" || p.type == "apk" || p.type == "rpm"; });
  if (Result<DistroKey> d = DistroFor(inventory.distro); d.ok()) {
    distro = std::move(*d);
  } else if (has_os_packages) {
    st.warnings.push_back(d.error().message());
  }

  std::map<std::string, uint64_t> uncovered;  // "family release" -> packages not checked
  std::vector<Finding> out;
  std::vector<Hit> hits;
  // Installed versions parsed per scheme: the entries of one key normally share one scheme.
  std::vector<std::pair<const version::Scheme*, std::optional<version::Version>>> parsed;
  for (size_t pi = 0; pi < inventory.packages.size(); ++pi) {
    const catalog::Package& p = inventory.packages[pi];
    Query q;
    switch (BuildQuery(p, distro ? &*distro : nullptr, q)) {
      case Skip::kOwned:
        ++st.skipped_owned;
        continue;
      case Skip::kOs:
        ++st.skipped_os;
        continue;
      case Skip::kType:
        ++st.skipped_type;
        continue;
      case Skip::kNone:
        break;
    }
    if (!index.Covers(q.family, q.release)) {
      ++uncovered[q.release.empty() ? q.family : q.family + " " + q.release];
      continue;
    }
    ++st.packages_matched;
    std::span<const vulndb::IndexEntry> entries = index.Lookup(q.family, q.release, q.name);
    if (entries.empty()) continue;
    hits.clear();
    parsed.clear();
    for (const vulndb::IndexEntry& e : entries) {
      if (!e.ranges) {
        ++st.unevaluable_entries;
        continue;
      }
      const version::Scheme* scheme = &e.ranges->scheme();
      auto it = std::find_if(parsed.begin(), parsed.end(), [&](const auto& x) { return x.first == scheme; });
      if (it == parsed.end()) {
        Result<version::Version> v = scheme->Parse(q.version);
        if (!v.ok()) {
          ++st.invalid_versions;
          st.warnings.push_back(p.type + " " + q.name + " " + q.version + ": " + v.error().message());
          parsed.emplace_back(scheme, std::nullopt);
        } else {
          parsed.emplace_back(scheme, std::move(*v));
        }
        it = parsed.end() - 1;
      }
      if (!it->second || !e.ranges->IsAffected(*it->second)) continue;
      if (e.status == FixStatus::kNotAffected) {
        ++st.not_affected_entries;
        continue;
      }
      hits.push_back({e.advisory, &e});
    }
    if (hits.empty()) continue;
    size_t first = out.size();
    MergeHits(index, hits, pi, q, out);
    RecommendFixes(parsed, std::span<Finding>(out).subspan(first));
    if (!options.include_unfixed) {
      auto keep_end = std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                                     [](const Finding& f) { return f.fixed_versions.empty(); });
      st.unfixed_dropped += static_cast<uint64_t>(out.end() - keep_end);
      out.erase(keep_end, out.end());
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
              [](const Finding& a, const Finding& b) { return a.id < b.id; });
  }
  auto packages = [](uint64_t n) { return std::to_string(n) + (n == 1 ? " package" : " packages"); };
  if (st.skipped_os > 0) {
    st.unchecked += st.skipped_os;
    std::string why = distro ? "they are not packages of " + distro->family + " " + distro->release
                             : (st.warnings.empty() ? std::string("the distribution is unknown") : st.warnings.front());
    st.unchecked_reasons.push_back(packages(st.skipped_os) + " of the operating system not checked: " + why);
  }
  for (const auto& [scope, n] : uncovered) {
    st.unchecked += n;
    st.unchecked_reasons.push_back("the database has no advisories for " + scope + ": " + packages(n) + " not checked");
  }
  return out;
}

}  // namespace vigil::match
