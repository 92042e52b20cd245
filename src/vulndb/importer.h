// `vigil db import`: reads advisory files of every supported kind into the Store, in one
// transaction, keeping only records that are new or whose `modified` moved forward.
//
//   ImportReport report;
//   VIGIL_RETURN_IF_ERROR(Import(*store, {{"osv/go.jsonl"}, {"Alpine/"}}, {}, &report));
//
// Inputs (detected by content, not by name, except YAML which needs the .yaml/.yml suffix):
//   OSV record as JSON (one per file, pretty or compact), JSON Lines of OSV records, a JSON
//   array of OSV records, OSV YAML (PyPA's advisory-database), a folder tree of any of these
//   (symbolic links are not followed), a zip archive of them (osv.dev's <Ecosystem>/all.zip),
//   Alpine secdb (JSON and YAML), the Debian security-tracker JSON, Debian's DSA/DLA lists,
//   CISA KEV JSON, EPSS CSV, NVD CVE JSON 2.0 (one record or the API/feed envelope) and CVE JSON 5
//   records (enrichment: CVSS per provider, CWEs, references; vulndb/enrichment.h).
//
// Bad input never stops the import: a record that cannot be used is skipped, counted and
// reported (where, id, reason); a record with an entry that cannot be evaluated (unknown
// ecosystem, a version its scheme refuses) is stored and reported as a warning. Only a failure
// of the store itself (disk full, database locked) fails the import, and then nothing of it is
// committed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "vulndb/store.h"

namespace vigil::vulndb {

// One path to import. `source` names it in the store (default: the path); `fetched` carries
// the HTTP validators when `db update` downloaded it.
struct ImportInput {
  std::string path;
  std::string source;
  SourceInfo fetched;
};

// How far an import has got, for a progress display.
struct ImportProgress {
  uint64_t records = 0;  // records read so far
  uint64_t bytes = 0;    // input bytes opened so far
  size_t input = 0;      // 1-based index of the input being read
  size_t inputs = 0;
};

// Caps on one zip archive. The entry count and the declared (central-directory) sizes are
// checked before anything is inflated; inflating is bounded again, as declared sizes can lie.
struct ZipLimits {
  uint64_t max_entries = 2'000'000;  // osv.dev's all.zip of every ecosystem has ~700,000
  // Declared uncompressed bytes of the entries the importer reads (.json, .yaml, .yml), in all:
  // over this the archive is refused whole, before anything is inflated.
  uint64_t max_total_bytes = uint64_t{8} << 30;
  // Per entry (the OSV parser's record limit): a larger entry is skipped and reported.
  uint64_t max_entry_bytes = uint64_t{32} << 20;
  // An entry over 1 MiB declaring more than this many bytes per compressed byte is skipped and
  // reported: JSON deflates about 5-20:1, runs of one byte (what bombs are made of) ~1000:1.
  uint64_t max_ratio = 200;
};

struct ImportOptions {
  std::string command = "import";  // recorded with the run
  int compression_level = 6;       // zstd level for stored documents
  // Timestamp given to records of feeds that carry none (Alpine secdb): "" = now.
  std::string feed_time;
  ZipLimits zip;
  // Called now and then (every 1000 records and at each input) from the importing thread; may be
  // empty.
  std::function<void(const ImportProgress&)> progress;
};

// One skipped record or warning.
struct ImportProblem {
  std::string where;  // "go.jsonl:17", "all.zip:GO-2024-1.json", ...
  std::string id;     // "" when the record has no usable id
  std::string reason;
  bool skipped = true;  // false: stored, with an entry that cannot match (a warning)
};

// What one input gave. `imported` counts everything usable it held: records added, changed,
// already up to date (unchanged, or older than the stored copy), KEV/EPSS entries and CVE records
// stored or older than the stored ones.
struct ImportInputReport {
  std::string path;  // as given
  std::string kind;  // what it was read as: "osv-zip", "folder", ... ("" when it could not be read)
  uint64_t read = 0;
  uint64_t imported = 0;
  uint64_t skipped = 0;
  // When imported == 0: why, in a few words (the first problem that skipped something, or "no
  // records in it").
  std::string reason;
};

struct ImportReport {
  uint64_t read = 0;              // records read (OSV or converted), before any check
  uint64_t added = 0;             // ids not in the database before
  uint64_t changed = 0;           // stored ids whose modified moved forward
  uint64_t withdrawn = 0;         // of added + changed, records carrying `withdrawn`
  uint64_t unchanged = 0;         // same modified as stored
  uint64_t stale = 0;             // older modified than stored (or than a duplicate in this run): kept old
  uint64_t skipped = 0;           // unusable records
  uint64_t warnings = 0;          // stored records with an entry that cannot match
  uint64_t kev = 0;               // KEV entries stored
  uint64_t epss = 0;              // EPSS scores stored
  uint64_t enrichment = 0;        // CVE records (NVD, CVE5) stored
  uint64_t enrichment_stale = 0;  // CVE records not stored: the stored one of that origin is newer
  uint64_t bytes = 0;             // input bytes read
  int64_t run = 0;                // the change-log run id
  std::vector<ImportProblem> problems;
  std::vector<ImportInputReport> inputs;  // one per input, in order
  // Inputs that gave nothing usable (imported == 0). Callers fail (`vigil db import` exits 2)
  // when this is not zero; what the other inputs gave is committed.
  uint64_t empty_inputs = 0;
};

// Imports `inputs` into `store` in one transaction. `report` is filled as far as the import got,
// also on failure; report->inputs says what each input gave, and report->empty_inputs how many
// gave nothing (unreadable, not a format vigil imports, every record skipped, or empty): that is
// not an error of Import, the caller decides. Errors: only store failures (kIo) and kNotFound for an input path that
// does not exist (checked before anything is written).
Status Import(Store& store, const std::vector<ImportInput>& inputs, const ImportOptions& options, ImportReport* report);

}  // namespace vigil::vulndb
