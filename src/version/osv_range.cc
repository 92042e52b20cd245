#include "version/osv_range.h"

#include <algorithm>
#include <cassert>
#include <climits>
#include <nlohmann/json.hpp>

namespace vigil::version {
namespace {

using Kind = RangeEvent::Kind;

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kIntroduced:
      return "introduced";
    case Kind::kFixed:
      return "fixed";
    case Kind::kLastAffected:
      return "last_affected";
    case Kind::kLimit:
      return "limit";
  }
  return "?";
}

// The tie order among events at the same version. With introduced first, "introduced X,
// fixed X" is an empty range and "introduced X, last_affected X" is exactly {X}, which is what
// such records mean.
int TieRank(Kind k) {
  switch (k) {
    case Kind::kIntroduced:
      return 0;
    case Kind::kFixed:
      return 1;
    case Kind::kLastAffected:
      return 2;
    case Kind::kLimit:
      return 3;
  }
  return 4;
}

// OSV SEMVER versions have no "v"; Go module versions must have one.
std::string Normalize(const Scheme& scheme, const std::string& text) {
  if (scheme.name() == "go" && !text.empty() && text[0] >= '0' && text[0] <= '9') return "v" + text;
  return text;
}

// An event placed on the sorted list of distinct versions. point == -1: introduced "0"
// (below everything) or a '*' limit (above everything).
struct PlacedEvent {
  Kind kind;
  long point;
};

// The regions are numbered 0 .. 2n: region 2i is the open interval just below points[i]
// (between points[i-1] and points[i]), region 2i+1 is points[i] itself, region 2n is above
// every point. The schema's walk over sorted events sets "vulnerable" at each event that
// applies to v: introduced and fixed when v >= the event, last_affected when v > it. For a
// version in region r that is the case exactly when r >= Threshold(e).
long Threshold(const PlacedEvent& e) {
  if (e.point < 0) return 0;  // introduced "0" (limits take no part in the walk)
  return e.kind == Kind::kLastAffected ? 2 * e.point + 2 : 2 * e.point + 1;
}

// The schema's IncludedInRanges for one range, as half-open runs [from, to) of regions, added
// to the difference array `cover` (cover[from]++, cover[to]--). `sorted_events` is sorted by
// (point, TieRank), so Threshold is non-decreasing along it (ties rank introduced and fixed,
// which apply at the point, before last_affected, which applies just above it): the events
// that apply to a region form a prefix, and the walk ends in the state of the last one. One
// pass, O(events).
void AddRangeRuns(const std::vector<PlacedEvent>& sorted_events, bool has_limit, long regions,
                  std::vector<int32_t>* cover) {
  // BeforeLimits: v < some limit, i.e. the regions below the highest limit.
  long bound = regions;
  if (has_limit) {
    bound = 0;
    for (const auto& e : sorted_events) {
      if (e.kind == Kind::kLimit) bound = std::max(bound, e.point < 0 ? regions : 2 * e.point + 1);
    }
  }
  auto add = [&](long from, long to) {
    to = std::min(to, bound);
    if (from >= to) return;
    ++(*cover)[static_cast<size_t>(from)];
    --(*cover)[static_cast<size_t>(to)];
  };
  bool vulnerable = false;
  long from = 0;
  size_t k = 0;
  while (k < sorted_events.size()) {
    if (sorted_events[k].kind == Kind::kLimit) {
      ++k;
      continue;
    }
    // Every event sharing this threshold applies at once; the last one decides.
    long t = Threshold(sorted_events[k]);
    bool next = vulnerable;
    for (; k < sorted_events.size(); ++k) {
      const PlacedEvent& e = sorted_events[k];
      if (e.kind == Kind::kLimit) continue;
      if (Threshold(e) != t) break;
      next = e.kind == Kind::kIntroduced;
    }
    if (next == vulnerable) continue;
    if (next) {
      from = t;
    } else {
      add(from, t);
    }
    vulnerable = next;
  }
  if (vulnerable) add(from, regions);
}

}  // namespace

Result<AffectedSpec> AffectedSpecFromJson(const nlohmann::json& affected) {
  AffectedSpec spec;
  if (!affected.is_object()) return Corrupt("affected entry is not an object");
  if (auto it = affected.find("versions"); it != affected.end() && !it->is_null()) {
    if (!it->is_array()) return Corrupt("versions is not an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const auto& v = (*it)[i];
      if (!v.is_string()) return Corrupt("versions[" + std::to_string(i) + "] is not a string");
      spec.versions.push_back(v.get<std::string>());
    }
  }
  auto ranges = affected.find("ranges");
  if (ranges == affected.end() || ranges->is_null()) return spec;
  if (!ranges->is_array()) return Corrupt("ranges is not an array");
  if (ranges->size() > kMaxRanges) {
    return LimitExceeded("ranges has " + std::to_string(ranges->size()) + " entries, more than the limit of " +
                         std::to_string(kMaxRanges));
  }
  for (size_t i = 0; i < ranges->size(); ++i) {
    const auto& r = (*ranges)[i];
    std::string where = "ranges[" + std::to_string(i) + "]";
    if (!r.is_object()) return Corrupt(where + " is not an object");
    RangeSpec range;
    auto type = r.find("type");
    if (type == r.end() || !type->is_string()) return Corrupt(where + ".type is missing");
    range.type_name = type->get<std::string>();
    if (range.type_name == "ECOSYSTEM") {
      range.type = RangeSpec::Type::kEcosystem;
    } else if (range.type_name == "SEMVER") {
      range.type = RangeSpec::Type::kSemver;
    } else if (range.type_name == "GIT") {
      range.type = RangeSpec::Type::kGit;
    } else {
      range.type = RangeSpec::Type::kOther;
    }
    auto events = r.find("events");
    if (events == r.end() || !events->is_array()) return Corrupt(where + ".events is not an array");
    if (events->size() > kMaxRangeEvents) {
      return LimitExceeded(where + ".events has " + std::to_string(events->size()) +
                           " events, more than the limit of " + std::to_string(kMaxRangeEvents) + " per range");
    }
    for (size_t k = 0; k < events->size(); ++k) {
      const auto& e = (*events)[k];
      std::string ewhere = where + ".events[" + std::to_string(k) + "]";
      if (!e.is_object()) return Corrupt(ewhere + " is not an object");
      int found = 0;
      RangeEvent event;
      for (Kind kind : {Kind::kIntroduced, Kind::kFixed, Kind::kLastAffected, Kind::kLimit}) {
        auto f = e.find(KindName(kind));
        if (f == e.end()) continue;
        if (!f->is_string()) return Corrupt(ewhere + "." + KindName(kind) + " is not a string");
        ++found;
        event.kind = kind;
        event.version = f->get<std::string>();
      }
      if (found != 1) {
        return Corrupt(ewhere + (found == 0 ? " has none of introduced, fixed, last_affected, limit"
                                            : " has more than one of introduced, fixed, last_affected, limit"));
      }
      range.events.push_back(std::move(event));
    }
    spec.ranges.push_back(std::move(range));
  }
  return spec;
}

Result<AffectedRanges> AffectedRanges::Build(const Scheme& scheme, const AffectedSpec& spec) {
  AffectedRanges out;
  out.scheme_ = &scheme;
  if (spec.ranges.size() > kMaxRanges) {
    return LimitExceeded(std::to_string(spec.ranges.size()) + " ranges, more than the limit of " +
                         std::to_string(kMaxRanges));
  }
  for (size_t i = 0; i < spec.ranges.size(); ++i) {
    if (spec.ranges[i].events.size() > kMaxRangeEvents) {
      return LimitExceeded("ranges[" + std::to_string(i) + "]: " + std::to_string(spec.ranges[i].events.size()) +
                           " events, more than the limit of " + std::to_string(kMaxRangeEvents) + " per range");
    }
  }

  // 1. Parse every version that can sit on the line.
  struct Pending {
    size_t range;  // index into spec.ranges, or SIZE_MAX for the versions list
    Kind kind;
    long version_index;  // into `parsed`, -1 for a special value
  };
  std::vector<Version> parsed;
  std::vector<Pending> pending;
  std::vector<bool> evaluable(spec.ranges.size(), false);
  for (size_t i = 0; i < spec.ranges.size(); ++i) {
    const RangeSpec& r = spec.ranges[i];
    std::string where = "ranges[" + std::to_string(i) + "]";
    if (r.type == RangeSpec::Type::kGit) {
      ++out.unevaluated_;
      out.notes_.push_back(where + ": GIT range: needs the repository and a commit; not evaluated");
      continue;
    }
    if (r.type == RangeSpec::Type::kOther) {
      ++out.unevaluated_;
      out.notes_.push_back(where + ": unknown range type '" + r.type_name + "'; not evaluated");
      continue;
    }
    evaluable[i] = true;
    for (size_t k = 0; k < r.events.size(); ++k) {
      const RangeEvent& e = r.events[k];
      bool special = (e.kind == Kind::kIntroduced && e.version == "0") ||
                     (e.kind == Kind::kLimit && e.version.find('*') != std::string::npos);
      if (special) {
        pending.push_back({i, e.kind, -1});
        continue;
      }
      auto v = scheme.Parse(Normalize(scheme, e.version));
      if (v.ok()) v = RefuseWarned(scheme, std::move(v).value());
      if (!v.ok()) {
        return std::move(v.error().Context(where + ".events[" + std::to_string(k) + "]." + KindName(e.kind)));
      }
      pending.push_back({i, e.kind, static_cast<long>(parsed.size())});
      parsed.push_back(std::move(v).value());
    }
  }
  std::vector<long> listed;  // indices into `parsed` of the versions list
  for (size_t i = 0; i < spec.versions.size(); ++i) {
    auto v = scheme.Parse(Normalize(scheme, spec.versions[i]));
    if (v.ok()) v = RefuseWarned(scheme, std::move(v).value());
    if (!v.ok()) {
      out.notes_.push_back("versions[" + std::to_string(i) + "]: skipped: " + v.error().message());
      continue;
    }
    listed.push_back(static_cast<long>(parsed.size()));
    parsed.push_back(std::move(v).value());
  }

  // 2. The distinct versions, ascending; point_of maps each parsed version to its point.
  std::vector<size_t> order(parsed.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scheme.Compare(parsed[a], parsed[b]) < 0; });
  std::vector<long> point_of(parsed.size(), -1);
  for (size_t i = 0; i < order.size(); ++i) {
    if (out.points_.empty() || scheme.Compare(out.points_.back(), parsed[order[i]]) != 0) {
      out.points_.push_back(parsed[order[i]]);
    }
    point_of[order[i]] = static_cast<long>(out.points_.size()) - 1;
  }

  // 3. Each evaluable range's events, sorted as the schema asks.
  std::vector<std::vector<PlacedEvent>> events(spec.ranges.size());
  std::vector<bool> has_limit(spec.ranges.size(), false);
  for (const auto& p : pending) {
    long point = p.version_index < 0 ? -1 : point_of[p.version_index];
    events[p.range].push_back({p.kind, point});
    if (p.kind == Kind::kLimit) has_limit[p.range] = true;
  }
  for (auto& ev : events) {
    std::stable_sort(ev.begin(), ev.end(), [](const PlacedEvent& a, const PlacedEvent& b) {
      // A special introduced ("0") is below everything; a special limit is above, but limits
      // take no part in the ordered walk.
      long pa = a.point < 0 ? (a.kind == Kind::kLimit ? LONG_MAX : -1) : a.point;
      long pb = b.point < 0 ? (b.kind == Kind::kLimit ? LONG_MAX : -1) : b.point;
      if (pa != pb) return pa < pb;
      return TieRank(a.kind) < TieRank(b.kind);
    });
  }

  // 4. The answer for every region: each range adds its runs of regions to a difference
  // array, listed versions mark their point; a region is affected when anything covers it.
  const long regions = 2 * static_cast<long>(out.points_.size()) + 1;
  std::vector<int32_t> cover(static_cast<size_t>(regions) + 1, 0);
  for (size_t i = 0; i < spec.ranges.size(); ++i) {
    if (evaluable[i]) AddRangeRuns(events[i], has_limit[i], regions, &cover);
  }
  std::vector<uint8_t> affected(static_cast<size_t>(regions), 0);
  int64_t depth = 0;
  for (long r = 0; r < regions; ++r) {
    depth += cover[static_cast<size_t>(r)];
    affected[static_cast<size_t>(r)] = depth > 0 ? 1 : 0;
  }
  for (long idx : listed) affected[static_cast<size_t>(2 * point_of[idx] + 1)] = 1;

  // 5. Only the boundaries are kept: a point whose region below, itself and region above all
  // give the same answer is dropped (the three regions merge), leaving sorted disjoint
  // intervals that IsAffected binary-searches.
  std::vector<Version> points = std::move(out.points_);
  out.points_.clear();
  out.affected_.clear();
  out.affected_.push_back(affected[0]);
  for (size_t i = 0; i < points.size(); ++i) {
    uint8_t below = out.affected_.back(), at = affected[2 * i + 1], above = affected[2 * i + 2];
    if (below == at && at == above) continue;
    out.points_.push_back(std::move(points[i]));
    out.affected_.push_back(at);
    out.affected_.push_back(above);
  }
  out.points_.shrink_to_fit();
  out.affected_.shrink_to_fit();
  return out;
}

bool AffectedRanges::IsAffected(const Version& v) const {
  assert(v.scheme() == scheme_);
  size_t lo = 0, hi = points_.size();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = scheme_->Compare(points_[mid], v);
    if (c == 0) return affected_[2 * mid + 1] != 0;
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return affected_[2 * lo] != 0;
}

Result<bool> AffectedRanges::IsAffected(std::string_view text) const {
  VIGIL_ASSIGN_OR_RETURN(Version v, scheme_->Parse(text));
  return IsAffected(v);
}

}  // namespace vigil::version
