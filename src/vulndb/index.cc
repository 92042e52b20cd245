#include "vulndb/index.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

#include "version/version.h"
#include "vulndb/cvss.h"
#include "vulndb/osv.h"
#include "vulndb/store.h"

namespace vigil::vulndb {

namespace {

constexpr char kSep = '\x1f';

// Writes family, release and name into `buf` separated by kSep; returns the key, or an empty
// view when it does not fit (the caller then allocates).
std::string_view KeyInto(char* buf, size_t cap, std::string_view family, std::string_view release,
                         std::string_view name) {
  size_t n = family.size() + release.size() + name.size() + 2;
  if (n > cap) return {};
  char* p = buf;
  std::memcpy(p, family.data(), family.size());
  p += family.size();
  *p++ = kSep;
  std::memcpy(p, release.data(), release.size());
  p += release.size();
  *p++ = kSep;
  std::memcpy(p, name.data(), name.size());
  return {buf, n};
}

std::string Key(std::string_view family, std::string_view release, std::string_view name) {
  std::string k;
  k.reserve(family.size() + release.size() + name.size() + 2);
  k.append(family).push_back(kSep);
  k.append(release).push_back(kSep);
  k.append(name);
  return k;
}

// A name segment without case and separators: "PyYAML" and "py-yaml" → "pyyaml".
std::string Skeleton(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '-' || c == '_' || c == '.' || c == '!') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// True if some "name" string value of the JSON text `json` has a segment (split at '/', ':',
// "%2f") whose skeleton is in `wanted`; also true for a value with an escape (not decoded here).
bool MentionsWanted(std::string_view json, const std::unordered_set<std::string>& wanted) {
  static constexpr std::string_view kKey = "\"name\":";
  // memmem: string_view::find starts from memchr of '"', which JSON is full of.
  auto find = [&](size_t from) -> size_t {
    const void* hit =
        from < json.size() ? memmem(json.data() + from, json.size() - from, kKey.data(), kKey.size()) : nullptr;
    return hit ? static_cast<size_t>(static_cast<const char*>(hit) - json.data()) : std::string_view::npos;
  };
  for (size_t at = find(0); at != std::string_view::npos; at = find(at + kKey.size())) {
    size_t p = at + kKey.size();
    while (p < json.size() && (json[p] == ' ' || json[p] == '\t' || json[p] == '\n' || json[p] == '\r')) ++p;
    if (p >= json.size() || json[p] != '"') continue;
    size_t end = json.find('"', p + 1);
    if (end == std::string_view::npos) return true;
    std::string_view value = json.substr(p + 1, end - p - 1);
    if (value.find('\\') != std::string_view::npos) return true;
    size_t start = 0;
    for (size_t i = 0; i <= value.size(); ++i) {
      bool split = i == value.size() || value[i] == '/' || value[i] == ':';
      size_t skip = 1;
      if (!split && value[i] == '%' && i + 2 < value.size() && value[i + 1] == '2' &&
          (value[i + 2] == 'f' || value[i + 2] == 'F')) {
        split = true;
        skip = 3;
      }
      if (!split) continue;
      if (i > start && wanted.contains(Skeleton(value.substr(start, i - start)))) return true;
      start = i + skip;
      i += skip - 1;
    }
  }
  return false;
}

}  // namespace

Index::Index() = default;
Index::~Index() = default;

void Index::Add(const Advisory& a) {
  if (!a.withdrawn.empty()) return;
  uint32_t adv = static_cast<uint32_t>(advisories_.size());
  IndexedAdvisory indexed{a.id, a.aliases, a.modified, a.summary};
  int best = -1;
  for (const Severity& sev : a.severity) {
    if (!sev.type.starts_with("CVSS_")) continue;
    Result<CvssScore> score = ScoreCvss(sev.score);
    if (!score.ok() || static_cast<int>(score->version) <= best) continue;
    best = static_cast<int>(score->version);
    indexed.cvss_score = score->base_score;
    indexed.cvss_vector = score->vector;
    indexed.cvss_severity = score->severity;
    indexed.cvss_version = std::string(CvssVersionName(score->version));
  }
  advisories_.push_back(std::move(indexed));
  ++stats_.advisories;
  for (size_t i = 0; i < a.affected.size(); ++i) {
    const Affected& af = a.affected[i];
    if (af.ecosystem.family.empty() || af.normalized_name.empty()) continue;
    IndexEntry e;
    e.advisory = adv;
    e.affected = static_cast<uint32_t>(i);
    e.status = af.status;
    VendorRating vendor = VendorRatingOf(a, i);
    e.vendor_rating = vendor.rating;
    e.vendor_source = std::move(vendor.source);
    for (const version::RangeSpec& r : af.spec.ranges) {
      for (const version::RangeEvent& ev : r.events) {
        if (ev.kind == version::RangeEvent::Kind::kFixed) e.fixed.push_back(ev.version);
      }
    }
    if (const version::Scheme* scheme = SchemeFor(af)) {
      Result<version::AffectedRanges> built = version::AffectedRanges::Build(*scheme, af.spec);
      if (built.ok()) {
        ranges_.push_back(std::make_unique<version::AffectedRanges>(std::move(*built)));
        e.ranges = ranges_.back().get();
      }
    }
    if (!e.ranges) ++stats_.unevaluable;
    std::string release = af.ecosystem.pro ? "pro:" + af.ecosystem.release : af.ecosystem.release;
    covered_.insert(af.ecosystem.family + "\n" + release);
    map_[Key(af.ecosystem.family, release, af.normalized_name)].push_back(std::move(e));
    ++stats_.entries;
  }
}

void Index::Finish() {
  stats_.packages = map_.size();
  for (auto& [key, list] : map_) {
    std::sort(list.begin(), list.end(), [&](const IndexEntry& a, const IndexEntry& b) {
      const std::string& ia = advisories_[a.advisory].id;
      const std::string& ib = advisories_[b.advisory].id;
      if (ia != ib) return ia < ib;
      return a.affected < b.affected;
    });
    list.shrink_to_fit();
  }
}

Result<std::unique_ptr<Index>> Index::Load(Store& store) { return Load(store, {}); }

Result<std::unique_ptr<Index>> Index::Load(Store& store, const std::vector<Scope>& only,
                                           const std::vector<std::string>& names) {
  std::unique_ptr<Index> index(new Index());
  OsvParser parser;
  std::unordered_set<std::string> wanted_segments;
  for (const std::string& n : names) {
    size_t cut = n.find_last_of("/:");
    wanted_segments.insert(Skeleton(cut == std::string::npos ? n : std::string_view(n).substr(cut + 1)));
  }
  // Records are decompressed, filtered and parsed on every core; Add runs under a lock, and
  // Finish puts each key's entries in a fixed order, so the result does not depend on timing.
  std::mutex mu;
  std::atomic<uint64_t> bytes{0};
  auto add = [&](size_t, std::string_view id, std::string_view json) -> Status {
    bytes += json.size();
    if (!wanted_segments.empty() && !MentionsWanted(json, wanted_segments)) return OkStatus();
    thread_local OsvParser parser;
    Result<Advisory> a = parser.Parse(json, id);
    // The importer stored only records that parsed; one that no longer does is damage.
    if (!a.ok()) return Corrupt("stored advisory " + std::string(id) + ": " + a.error().message());
    std::lock_guard<std::mutex> lock(mu);
    index->Add(*a);
    return OkStatus();
  };
  std::mutex covered_mu;
  auto want = [&](std::string_view ecosystems) {
    while (!ecosystems.empty()) {
      size_t nl = ecosystems.find('\n');
      Ecosystem e = ParseEcosystem(ecosystems.substr(0, nl));
      for (const Scope& s : only) {
        if (e.family == s.family && (s.release.empty() || (!e.pro && e.release == s.release))) {
          // Seen here, before the name filter: the database has advisories for this ecosystem.
          std::lock_guard<std::mutex> lock(covered_mu);
          index->covered_.insert(e.family + "\n" + (e.pro ? "pro:" + e.release : e.release));
          return true;
        }
      }
      if (nl == std::string_view::npos) break;
      ecosystems.remove_prefix(nl + 1);
    }
    return false;
  };
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  VIGIL_RETURN_IF_ERROR(store.ForEachJsonParallel(
      add, only.empty() ? std::function<bool(std::string_view)>() : std::function<bool(std::string_view)>(want),
      threads));
  index->stats_.json_bytes = bytes;
  index->Finish();
  return index;
}

Result<std::unique_ptr<Index>> Index::LoadForNames(Store& store, const std::vector<std::string>& normalized_names) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> ids, store.IdsAffecting(normalized_names));
  std::unique_ptr<Index> index(new Index());
  OsvParser parser;
  for (const std::string& id : ids) {
    VIGIL_ASSIGN_OR_RETURN(std::optional<std::string> json, store.GetJson(id));
    if (!json) continue;  // gone since (a concurrent writer): it affects nothing now
    Result<Advisory> a = parser.Parse(*json, id);
    if (!a.ok()) return Corrupt("stored advisory " + id + ": " + a.error().message());
    index->Add(*a);
  }
  index->Finish();
  return index;
}

std::unique_ptr<Index> Index::Build(const std::vector<Advisory>& advisories) {
  std::unique_ptr<Index> index(new Index());
  for (const Advisory& a : advisories) index->Add(a);
  index->Finish();
  return index;
}

bool Index::Covers(std::string_view family, std::string_view release) const {
  std::string key;
  key.reserve(family.size() + 1 + release.size());
  key.append(family).append("\n").append(release);
  return covered_.count(key) > 0;
}

std::vector<Index::PackageKey> Index::Packages() const {
  std::vector<PackageKey> out;
  out.reserve(map_.size());
  for (const auto& [key, list] : map_) {
    size_t a = key.find(kSep), b = key.find(kSep, a + 1);
    out.push_back({key.substr(0, a), key.substr(a + 1, b - a - 1), key.substr(b + 1)});
  }
  return out;
}

std::span<const IndexEntry> Index::Lookup(std::string_view family, std::string_view release,
                                          std::string_view name) const {
  char buf[256];
  std::string_view key = KeyInto(buf, sizeof buf, family, release, name);
  auto it = key.empty() ? map_.find(Key(family, release, name)) : map_.find(key);
  if (it == map_.end()) return {};
  return it->second;
}

}  // namespace vigil::vulndb
