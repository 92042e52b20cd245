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
//   CISA KEV JSON, EPSS CSV.
//
// Bad input never stops the import: a record that cannot be used is skipped, counted and
// reported (where, id, reason); a record with an entry that cannot be evaluated (unknown
// ecosystem, a version its scheme refuses) is stored and reported as a warning. Only a failure
// of the store itself (disk full, database locked) fails the import, and then nothing of it is
// committed.
#pragma once

#include <cstdint>
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

struct ImportOptions {
  std::string command = "import";  // recorded with the run
  int compression_level = 6;       // zstd level for stored documents
  // Timestamp given to records of feeds that carry none (Alpine secdb): "" = now.
  std::string feed_time;
};

// One skipped record or warning.
struct ImportProblem {
  std::string where;  // "go.jsonl:17", "all.zip:GO-2024-1.json", ...
  std::string id;     // "" when the record has no usable id
  std::string reason;
  bool skipped = true;  // false: stored, with an entry that cannot match (a warning)
};

struct ImportReport {
  uint64_t read = 0;       // records read (OSV or converted), before any check
  uint64_t added = 0;      // ids not in the database before
  uint64_t changed = 0;    // stored ids whose modified moved forward
  uint64_t withdrawn = 0;  // of added + changed, records carrying `withdrawn`
  uint64_t unchanged = 0;  // same modified as stored
  uint64_t stale = 0;      // older modified than stored (or than a duplicate in this run): kept old
  uint64_t skipped = 0;    // unusable records
  uint64_t warnings = 0;   // stored records with an entry that cannot match
  uint64_t kev = 0;        // KEV entries stored
  uint64_t epss = 0;       // EPSS scores stored
  uint64_t bytes = 0;      // input bytes read
  int64_t run = 0;         // the change-log run id
  std::vector<ImportProblem> problems;
};

// Imports `inputs` into `store` in one transaction. `report` is filled as far as the import got,
// also on failure. Errors: only store failures (kIo) and kNotFound for an input path that does
// not exist (checked before anything is written).
Status Import(Store& store, const std::vector<ImportInput>& inputs, const ImportOptions& options, ImportReport* report);

}  // namespace vigil::vulndb
