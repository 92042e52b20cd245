// OSV range evaluation: is a package version inside an OSV `affected[]` entry, exactly as the
// OSV schema's "Evaluation" pseudo-code defines it (IncludedInVersions || IncludedInRanges),
// for ranges of type ECOSYSTEM and SEMVER, over any version scheme.
//
//   AffectedSpec spec = ...;                         // or AffectedSpecFromJson(affected_json)
//   Result<AffectedRanges> r = AffectedRanges::Build(*FindScheme("Debian:12"), spec);
//   bool hit = r->IsAffected(*FindScheme("dpkg")->Parse("1.2-3"));
//
// Build pre-parses and pre-evaluates everything in O(n log n) for n events (one sort of the
// distinct versions with the scheme's comparator, then one pass per range), keeping only the
// boundaries of the affected intervals, so IsAffected is a binary search over them (a few
// comparisons, no allocation).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "version/version.h"

namespace vigil::version {

// Caps on one affected entry, checked by AffectedSpecFromJson, AffectedRanges::Build and the OSV
// parser before any version is parsed. Published records stay far below them (the largest have a
// few hundred events in a range and a few hundred ranges); they bound the work a hostile record
// can ask for.
inline constexpr size_t kMaxRangeEvents = size_t{1} << 18;  // events in one range (262,144)
inline constexpr size_t kMaxRanges = size_t{1} << 16;       // ranges in one affected entry (65,536)

// One event of a range, as written in the record.
struct RangeEvent {
  enum class Kind { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind = Kind::kIntroduced;
  std::string version;  // "0" for introduced and any text containing '*' for limit are special
};

// One `affected[].ranges[]` object.
struct RangeSpec {
  enum class Type { kEcosystem, kSemver, kGit, kOther };
  Type type = Type::kEcosystem;
  std::string type_name;  // as written ("ECOSYSTEM", "GIT", ...), for messages
  std::vector<RangeEvent> events;
};

// The parts of an `affected[]` entry that decide whether a version is affected.
struct AffectedSpec {
  std::vector<RangeSpec> ranges;
  std::vector<std::string> versions;  // the explicit `versions` list
};

// Reads the "ranges" and "versions" of one OSV `affected[]` object. kCorrupt, naming the
// offending path ("ranges[1].events[0]"), when they are not shaped as the schema says (an event
// with two kinds, a version that is not a string, ...). Unknown range types are kept as kOther.
Result<AffectedSpec> AffectedSpecFromJson(const nlohmann::json& affected);

// A pre-evaluated affected entry for one scheme. Immutable and thread-safe once built.
class AffectedRanges {
 public:
  // Parses every event version with `scheme` and pre-computes the answer for every position
  // relative to those versions. Events are sorted by version first, as the schema requires
  // (ties: introduced, then fixed, then last_affected). Special values: introduced "0" sorts
  // before every version; a limit containing '*' is infinity. Versions of SEMVER ranges carry
  // no "v" prefix in OSV; for the go scheme one is added.
  // Errors: kInvalidArgument if an event version is not valid in `scheme` (the message names
  // the range and event: "ranges[0].events[1].fixed: invalid dpkg version ..."). Entries of the
  // `versions` list that the scheme refuses cannot equal any valid version; they are skipped
  // and listed in notes(). GIT ranges (and unknown types) are not evaluated: see
  // unevaluated_ranges(). kLimitExceeded when `spec` has more than kMaxRanges ranges or a range
  // more than kMaxRangeEvents events.
  static Result<AffectedRanges> Build(const Scheme& scheme, const AffectedSpec& spec);

  // The schema's IncludedInVersions(v) || IncludedInRanges(v) over the evaluable ranges, where
  // "v == version" means the scheme compares them equal. `v` must come from scheme().
  // Never allocates.
  bool IsAffected(const Version& v) const;

  // Parses `text` with scheme() and answers IsAffected; the parse error otherwise.
  Result<bool> IsAffected(std::string_view text) const;

  const Scheme& scheme() const { return *scheme_; }
  // How many ranges could not be evaluated: GIT ranges (they need the repository's commit graph
  // and a commit for the package) and ranges of unknown type. When non-zero, IsAffected answers
  // for the explicit versions list and the other ranges only.
  size_t unevaluated_ranges() const { return unevaluated_; }
  // What Build skipped or could not evaluate, one line each ("ranges[2]: GIT range: needs a
  // commit; only the versions list is evaluated").
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  const Scheme* scheme_ = nullptr;
  std::vector<Version> points_;    // the boundaries of the affected intervals, ascending
  std::vector<uint8_t> affected_;  // 2 * points_.size() + 1 regions: below p0, p0, (p0,p1), ...
  size_t unevaluated_ = 0;
  std::vector<std::string> notes_;
};

}  // namespace vigil::version
