// `vigil db update`: fetch the feeds that changed since the last update and import them.
//
//   UpdateOptions opts;                          // default source: osv.dev's public bucket
//   opts.sources = {"https://mirror.example/osv"};
//   opts.staging_dir = db_dir + "/staging";
//   UpdateReport report;
//   Status st = Update(*store, opts, &report);
//
// A source is either an OSV mirror in osv.dev's bucket layout (<base>/ecosystems.txt and
// <base>/<Ecosystem>/all.zip; a URL or a local folder), or one file (a URL or path ending in
// .zip, .json, .jsonl, .yaml, .csv): anything `vigil db import` reads. Every file is fetched
// with conditional requests (the validators of the last fetch are kept with the source), checked
// (a zip must read through with every CRC right) and only then imported; all imports of one
// update share one transaction, so the database moves from one consistent state to the next.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "vulndb/fetch.h"
#include "vulndb/importer.h"
#include "vulndb/store.h"

namespace vigil::vulndb {

struct UpdateOptions {
  std::vector<std::string> sources;     // empty: kOsvDefaultBase
  std::vector<std::string> ecosystems;  // for mirror sources; empty: the mirror's ecosystems.txt
  FetchOptions fetch;
  std::string staging_dir;  // created if missing; downloads are removed after import
  int compression_level = 6;
  // Passed to the import (ImportOptions::progress); may be empty.
  std::function<void(const ImportProgress&)> import_progress;
};

struct UpdateReport {
  std::vector<std::string> fetched;  // one line per URL: "<url>: downloaded N bytes" / "not modified" / "failed: why"
  uint64_t downloaded = 0;
  uint64_t not_modified = 0;
  uint64_t failed_sources = 0;  // URLs that could not be fetched or verified (kept as they were)
  ImportReport import;
};

// Fetches and imports. A URL that fails (unreachable, damaged archive) is reported and left as it
// was; the others are still imported. Errors: a store failure (nothing is committed), a staging
// folder that cannot be made.
Status Update(Store& store, const UpdateOptions& options, UpdateReport* report);

}  // namespace vigil::vulndb
