// The advisory store's interface and the records it keeps (sqlite_store.h has the back end vigil
// ships). Writers (Importer) put every advisory whole, as OSV JSON, with its meta, in one
// transaction per import; readers (Index::Load, a scan, the server) see the last committed state.
//
//   std::unique_ptr<Store> store = ...;  // SqliteStore::Open(dir, Store::Mode::kReadWrite)
//   VIGIL_ASSIGN_OR_RETURN(auto tx, store->Begin("import"));
//   ... tx->Put(...) ...
//   VIGIL_RETURN_IF_ERROR(tx->Commit());
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"  // NowRfc3339
#include "vulndb/enrichment.h"

namespace vigil::vulndb {

// What the store remembers of one advisory without decompressing it.
struct StoredMeta {
  int64_t modified_us = 0;  // TimeMicros(modified)
  bool withdrawn = false;
};

// A fetched or imported source (a path, a URL) with what `db update` needs to ask the server
// "has this changed?" next time.
struct SourceInfo {
  std::string name;  // the path or URL as given
  std::string kind;  // "osv-jsonl", "osv-zip", "alpine-secdb", "debian-tracker", ...
  std::string etag;
  std::string last_modified;  // HTTP Last-Modified as received
  std::string sha256;         // of the content last imported
  uint64_t size = 0;
  uint64_t records = 0;     // records read from it at the last import
  std::string imported_at;  // RFC 3339, UTC
};

// One line of the change log.
struct Change {
  int64_t seq = 0;  // increasing; consumers remember the last seq they handled
  int64_t run = 0;  // the import run
  std::string id;
  std::string kind;  // "new", "changed", "withdrawn"
  std::string modified;
};

// CISA KEV entry, as stored.
struct KevRecord {
  std::string cve;
  std::string date_added;
  std::string due_date;
  bool ransomware = false;  // knownRansomwareCampaignUse == "Known"
  std::string json;         // vendorProject, product, vulnerabilityName as a JSON object
};

// EPSS score of one CVE.
struct EpssRecord {
  std::string cve;
  double epss = 0;
  double percentile = 0;
};

// Summary for `vigil db status`.
struct StoreStatus {
  std::string path;         // the SQLite file
  uint64_t size_bytes = 0;  // file + WAL on disk
  uint64_t records = 0;     // advisories, withdrawn included
  uint64_t withdrawn = 0;
  std::map<std::string, uint64_t> per_ecosystem;  // ecosystem as written -> records naming it
  std::string newest_modified;
  std::string built_at;  // when the last import finished (RFC 3339 UTC), "" if never
  std::vector<SourceInfo> sources;
  uint64_t kev = 0;
  std::string kev_catalog;  // catalog version
  uint64_t epss = 0;
  std::string epss_date;             // score date
  uint64_t enrichment = 0;           // CVE records (NVD, CVE5) stored, all origins
  uint64_t enrichment_rejected = 0;  // of them, rejected CVEs
  uint64_t dictionaries = 0;
  int64_t last_change_seq = 0;
};

// The advisory store: every advisory kept whole as OSV JSON with its meta, the change log, the
// sources and their validators, and the KEV, EPSS and CVE enrichment tables. An interface, so that back ends can
// differ (SqliteStore, sqlite_store.h, is the one vigil ships; a PostgreSQL one can follow);
// readers (Index::Load, the scan) and writers (Importer) use only this.
// How a normalised package name is kept among an advisory's other names (Transaction::Put's
// `aliases`): a prefix no advisory id or alias has, so `IdsNaming` of a real id never finds it.
inline std::string PackageNameKey(std::string_view normalized_name) {
  return std::string("\x01pkg\x01").append(normalized_name);
}

class Store {
 public:
  enum class Mode { kReadOnly, kReadWrite };

  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Where the store lives, for messages and reports (a file path, a URL without credentials).
  virtual const std::string& path() const = 0;

  // Every stored id with its meta (for change detection during an import).
  virtual Result<std::map<std::string, StoredMeta, std::less<>>> AllMeta() = 0;
  // The OSV JSON text of `id` (decompressed), nullopt when absent. kCorrupt if the stored
  // bytes do not decompress (a damaged file).
  virtual Result<std::optional<std::string>> GetJson(std::string_view id) = 0;
  // The ids of every advisory that `name` names: the one with that id first (when stored), then,
  // sorted, those listing `name` among their aliases or upstream ids (`db get CVE-2024-1234`
  // finds DEBIAN-CVE-2024-1234 and GHSA-...). Withdrawn records included; empty when none.
  virtual Result<std::vector<std::string>> IdsNaming(std::string_view name) = 0;
  // The ids of every advisory with an affected entry whose normalised package name
  // (Affected::normalized_name) is one of `normalized_names`, in any ecosystem, sorted, each
  // once; withdrawn records included; empty when none. What the fleet server loads to re-evaluate
  // names without loading the whole database. (A database whose name table is not current —
  // written by an older vigil, opened read-only — is read once for all the names.)
  virtual Result<std::vector<std::string>> IdsAffecting(const std::vector<std::string>& normalized_names) = 0;
  // Calls fn(id, json) for every advisory that is not withdrawn, in storage order. Stops at
  // the first error fn returns.
  Status ForEachJson(const std::function<Status(std::string_view id, std::string_view json)>& fn) {
    return ForEachJson(fn, nullptr);
  }
  // As above, for the advisories whose ecosystems `want` accepts (null: every advisory): it is
  // called once per distinct set of ecosystems (as the records write them, one per line, e.g.
  // "Debian:12\nDebian:11"); the advisories of a refused set are not decompressed.
  virtual Status ForEachJson(const std::function<Status(std::string_view id, std::string_view json)>& fn,
                             const std::function<bool(std::string_view ecosystems)>& want) = 0;
  // As above (want may be null: every advisory), decompressing on `threads` threads: `fn` is
  // called concurrently and in no particular order, with `seq` the advisory's position in
  // storage order (0, 1, ...), so that callers can restore that order. The first error stops
  // the others and is returned.
  virtual Status ForEachJsonParallel(
      const std::function<Status(size_t seq, std::string_view id, std::string_view json)>& fn,
      const std::function<bool(std::string_view ecosystems)>& want, unsigned threads) = 0;

  virtual Result<std::optional<KevRecord>> GetKev(std::string_view cve) = 0;
  virtual Result<std::optional<EpssRecord>> GetEpss(std::string_view cve) = 0;
  // What the CVE records stored for `cve` say (vulndb/enrichment.h): one per origin ("cve5"
  // first, then "nvd"), empty when none is stored (also in a database written before schema 2,
  // which has no such table). kCorrupt naming the CVE when a stored record does not read.
  virtual Result<std::vector<CveEnrichment>> GetEnrichment(std::string_view cve) = 0;
  virtual Result<std::optional<SourceInfo>> GetSource(std::string_view name) = 0;
  // Changes with seq > after, oldest first, at most `limit`.
  virtual Result<std::vector<Change>> ChangesSince(int64_t after, size_t limit) = 0;
  virtual Result<StoreStatus> GetStatus() = 0;
  // What a scan reports about the database, read without scanning the advisory table:
  // `records` (withdrawn included, from the id index), `built_at`, and whether any advisory
  // that is not withdrawn exists (`empty` false).
  struct Summary {
    uint64_t records = 0;
    std::string built_at;
    bool empty = true;
  };
  virtual Result<Summary> GetSummary() = 0;
  // The back end's own integrity check of everything stored, then every document decompressed.
  // OK, or kCorrupt with the first problems found.
  virtual Status CheckIntegrity() = 0;

  // The write side. At most one Transaction at a time per database (a second writer waits, then
  // gets kIo naming the database and the holder: see SqliteOptions). Destroying it without
  // Commit rolls back.
  class Transaction {
   public:
    virtual ~Transaction() = default;
    // Trains a zstd dictionary on `samples` (JSON texts) and stores it under `key` (the kind of
    // records it suits, e.g. "osv:AlmaLinux"). Returns its id.
    virtual Result<int64_t> AddDictionary(const std::vector<std::string_view>& samples, std::string_view key) = 0;
    // The dictionary for records of `source` and `key`: the one `source` used last, else the
    // newest one stored under `key`; 0 when neither exists.
    virtual Result<int64_t> DictionaryFor(std::string_view source, std::string_view key) = 0;
    // The newest dictionary of any key, 0 when there is none (for sources too small to train on).
    virtual Result<int64_t> NewestDictionary() = 0;
    // True when the database held no advisory before this transaction began.
    virtual bool first_import() const = 0;
    // Inserts or replaces advisory `id`. `ecosystems` lists the ecosystems its affected entries
    // name (for status counts); `aliases` the other names it goes by (its aliases and upstream
    // ids, for IdsNaming; and PackageNameKey of each affected package, for IdsAffecting). `json` is compressed with
    // dictionary `dict` (0: none) at `level`.
    virtual Status Put(std::string_view id, std::string_view modified, bool withdrawn,
                       const std::vector<std::string>& ecosystems, const std::vector<std::string>& aliases,
                       std::string_view source, std::string_view json, int64_t dict, int level) = 0;
    // Logs `id` (already Put in this transaction) as "new", "changed" or "withdrawn".
    virtual Status AddChange(std::string_view id, std::string_view kind) = 0;
    virtual Status PutKev(const KevRecord& kev) = 0;
    virtual Status PutEpss(const EpssRecord& epss) = 0;
    // Stores `e` under (e.cve, e.origin), unless the stored one of that origin has a later
    // `modified` (compared as text: each origin writes one timestamp format). Returns whether
    // it was written.
    virtual Result<bool> PutEnrichment(const CveEnrichment& e) = 0;
    virtual Status SetMeta(std::string_view key, std::string_view value) = 0;
    virtual Status PutSource(const SourceInfo& source, int64_t dict) = 0;
    // The id of this import run in the change log.
    virtual int64_t run() const = 0;
    // Removes dictionaries no advisory uses, records the run, and commits. The transaction is
    // finished afterwards, whatever the result.
    virtual Status Commit() = 0;
  };
  // Starts the import run `command` (recorded in the run table).
  virtual Result<std::unique_ptr<Transaction>> Begin(std::string_view command) = 0;

 protected:
  Store() = default;
};

}  // namespace vigil::vulndb
