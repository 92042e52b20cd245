// The in-memory index the matcher queries: (ecosystem family, release, normalised package name)
// → the affected entries of every advisory naming that package, with their versions already
// parsed by the ecosystem's scheme. Built once from the Store (withdrawn records left out).
//
//   VIGIL_ASSIGN_OR_RETURN(auto index, Index::Load(*store));
//   for (const IndexEntry& e : index->Lookup("Debian", "12", "openssl")) {
//     if (e.ranges && e.ranges->IsAffected(installed)) ... index->advisory(e.advisory).id ...
//   }
//
// Immutable after Load, so any number of threads may query it.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "version/osv_range.h"
#include "vulndb/advisory.h"
#include "vulndb/severity.h"

namespace vigil::vulndb {

class Store;

// What the matcher needs of an advisory without going back to the store.
struct IndexedAdvisory {
  std::string id;
  std::vector<std::string> aliases;
  std::string modified;
  std::string summary;  // the record's one-line summary ("" when it has none)
  // The record's CVSS base score (the newest CVSS version it gives a valid vector for; -1 when
  // none) and that vector, with its qualitative rating ("HIGH", ...).
  double cvss_score = -1;
  std::string cvss_vector;
  std::string cvss_severity;
  std::string cvss_version;  // "2.0", "3.0", "3.1", "4.0"; "" when cvss_score is -1
};

// One affected entry of one advisory.
struct IndexEntry {
  uint32_t advisory = 0;  // Index::advisory(advisory)
  uint32_t affected = 0;  // position in the record's affected[]
  FixStatus status = FixStatus::kUnspecified;
  // The pre-parsed ranges; nullptr when the entry cannot be evaluated (no version scheme for the
  // ecosystem, or a version the scheme refuses: the importer reported it).
  const version::AffectedRanges* ranges = nullptr;
  // The `fixed` versions of its ranges, as written, for reports ("fixed in 1.2.3").
  std::vector<std::string> fixed;
  // The vendor's rating of this entry (VendorRatingOf) and who gave it; kUnknown / "" when none.
  Rating vendor_rating = Rating::kUnknown;
  std::string vendor_source;
};

// Counts from a Load, for `db status` and the benchmark.
struct IndexStats {
  uint64_t advisories = 0;
  uint64_t entries = 0;
  uint64_t packages = 0;     // distinct keys
  uint64_t unevaluable = 0;  // entries with ranges == nullptr
  uint64_t json_bytes = 0;   // decompressed JSON read
};

class Index {
 public:
  // Reads every advisory that is not withdrawn from `store` and indexes it. Errors: the store's
  // (kIo, kCorrupt for a damaged document).
  static Result<std::unique_ptr<Index>> Load(Store& store);
  // An ecosystem a partial Load keeps: a family ("Debian", "npm") and a release ("12"; "" for
  // every release of the family, as language ecosystems have none).
  struct Scope {
    std::string family, release;
  };
  // Loads only the advisories that name at least one ecosystem in `only` and — when `names` is
  // not empty — mention a package name that can normalise to one of `names` (names as
  // version::NormalizeName gives them; every affected entry of such an advisory is indexed).
  // The name test runs on the decompressed text before parsing: a record's "name" values are
  // split at '/', ':' and "%2f", and one segment must equal the last segment of a wanted name
  // ignoring case and the separators '-', '_', '.', '!'. It keeps every record that could match
  // and a few that cannot (their entries are simply never looked up). What a scan uses: the
  // image's release, its language ecosystems and its package names.
  static Result<std::unique_ptr<Index>> Load(Store& store, const std::vector<Scope>& only,
                                             const std::vector<std::string>& names = {});
  // Indexes the given advisories (tests, and records not stored anywhere).
  static std::unique_ptr<Index> Build(const std::vector<Advisory>& advisories);
  // Loads exactly the advisories with an affected entry of one of `normalized_names`
  // (Store::IdsAffecting), in every ecosystem, withdrawn ones left out: what re-evaluating those
  // names needs, without reading the rest of the database. Covers() answers only for the
  // ecosystems those advisories name. Errors: the store's; kCorrupt for a stored record that
  // does not parse.
  static Result<std::unique_ptr<Index>> LoadForNames(Store& store, const std::vector<std::string>& normalized_names);

  // The entries for a package. `family` as the OSV ecosystem list spells it ("Debian", "PyPI"),
  // `release` as ParseEcosystem gives it ("12", "22.04", "v3.19"; "" for language ecosystems;
  // Ubuntu Pro streams as "pro:22.04"), `name` already normalised with version::NormalizeName.
  // Empty when nothing names the package. Never allocates for keys up to 256 bytes.
  std::span<const IndexEntry> Lookup(std::string_view family, std::string_view release, std::string_view name) const;

  const IndexedAdvisory& advisory(uint32_t i) const { return advisories_[i]; }

  // True when the advisories the index was made from (for a partial Load: every stored
  // advisory, whichever names it mentions) include at least one for this ecosystem — whether
  // the database has an advisory source for it at all. A scan says what it could not check
  // when this is false for the image's distribution.
  bool Covers(std::string_view family, std::string_view release) const;

  // Every package key in the index (for tools and benchmarks), in no particular order.
  struct PackageKey {
    std::string family, release, name;
  };
  std::vector<PackageKey> Packages() const;
  const IndexStats& stats() const { return stats_; }

  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;
  ~Index();

 private:
  Index();
  void Add(const Advisory& a);
  void Finish();

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<IndexedAdvisory> advisories_;
  std::vector<std::unique_ptr<version::AffectedRanges>> ranges_;
  std::unordered_map<std::string, std::vector<IndexEntry>, Hash, std::equal_to<>> map_;
  std::set<std::string, std::less<>> covered_;  // "family\nrelease" of every ecosystem seen
  IndexStats stats_;
};

}  // namespace vigil::vulndb
