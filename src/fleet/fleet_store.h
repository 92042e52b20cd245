// The fleet store (issue 14, first part): the images a fleet runs, their inventories and findings,
// and an inverted index from package names to images, so that a change in the advisory database
// is answered by re-evaluating only the changed advisories' package names in only the images that
// have them — never by rescanning the fleet.
//
//   VIGIL_ASSIGN_OR_RETURN(auto fleet, FleetStore::Open(dir + "/fleet.db"));
//   VIGIL_ASSIGN_OR_RETURN(int64_t id, fleet->PutImage(inventory, findings));   // from match::Scan
//   ... the advisory database changes (db import / db update) ...
//   VIGIL_ASSIGN_OR_RETURN(auto changes, db.ChangesSince(cursor, 100000));
//   VIGIL_ASSIGN_OR_RETURN(Delta d, fleet->Reevaluate(db, *index, IdsOf(changes), match_options));
//   // d.added / d.resolved: the findings that appeared and disappeared, per image
//
// SQLite (WAL) today; the PostgreSQL back end and the server (`vigil serve`) come next
// (docs/STATUS.md, issue 14).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/inventory.h"
#include "common/status.h"
#include "match/matcher.h"
#include "vulndb/index.h"
#include "vulndb/store.h"

namespace vigil::fleet {

// An image the fleet knows.
struct ImageSummary {
  int64_t id = 0;
  std::string key;  // the config digest (image ID); "source:<path>" for an inventory without one
  std::string manifest_digest, config_digest;
  std::string name;  // the first tag, else the source
  std::vector<std::string> tags;
  size_t packages = 0, findings = 0;
  std::string added;  // RFC 3339 time of the last PutImage
};

// One stored finding: a vulnerability of one package of one image.
struct StoredFinding {
  int64_t image = 0;
  std::string vuln;          // match::Finding::id (the CVE when there is one)
  std::string purl;          // the package's purl
  std::string matched_name;  // the normalised name the matcher looked up
  std::string package, version, fix;
  int layer = -1;
};

// What a re-evaluation changed.
struct Delta {
  std::vector<StoredFinding> added;     // findings that did not exist before
  std::vector<StoredFinding> resolved;  // findings that no longer hold (fixed range, withdrawn, ...)
  size_t names = 0;                     // package names the changed advisories concern
  size_t images_evaluated = 0;          // images with a package of one of those names
  size_t images_in_fleet = 0;           // all images (what a rescan would have read)
};

class FleetStore {
 public:
  // Opens (creating when absent) the store at `path`: SQLite in WAL mode, schema created or
  // upgraded by its migrations. Errors: kIo when the file cannot be opened or written; kCorrupt
  // when it is not a fleet store, or a newer vigil wrote it (the message says which schema).
  static Result<std::unique_ptr<FleetStore>> Open(const std::string& path);
  ~FleetStore();
  FleetStore(const FleetStore&) = delete;
  FleetStore& operator=(const FleetStore&) = delete;

  // The schema version this vigil writes.
  static int SchemaVersion();

  // Stores an image: its inventory (as vigil JSON), its findings (as match::Match or Scan gave
  // them for this inventory) and its inverted-index rows (match::NeedsOf). An image already
  // stored under the same key is replaced in one transaction. Returns the image's id.
  // Errors: kIo from SQLite.
  Result<int64_t> PutImage(const catalog::Inventory& inventory, const std::vector<match::Finding>& findings);

  // Every image, by id. Errors: kIo.
  Result<std::vector<ImageSummary>> Images();
  // The stored inventory of image `id`. kNotFound for an unknown id; kCorrupt when the stored
  // document does not read back.
  Result<catalog::Inventory> InventoryOf(int64_t id);
  // The findings of image `id`, by vuln then purl (empty for an unknown id). Errors: kIo.
  Result<std::vector<StoredFinding>> Findings(int64_t id);
  // Every stored finding that `vuln_id` names: by its id, an alias or a contributing advisory id
  // (CVE-…, GHSA-…, DSA-…). Errors: kIo.
  Result<std::vector<StoredFinding>> Affected(std::string_view vuln_id);

  // Re-evaluates the advisories `changed_ids` (new, changed or withdrawn in `db`) against the
  // fleet: the package names they concern (from the records in `db`, and for withdrawn or deleted
  // ones from the stored findings they contributed to) select, through the inverted index, the
  // stored packages of those names and their images; those packages alone are matched against
  // `index` (which must reflect `db` now: every advisory of those names, changed or not, so that
  // merged aliases stay exact), and their stored findings are replaced, in one transaction. No
  // whole inventory is read; other names and other images are not touched. Errors: those of `db`
  // and SQLite; kCorrupt for a changed record in `db` that does not parse, or a stored package
  // that no longer reads (nothing is changed then).
  Result<Delta> Reevaluate(vulndb::Store& db, const vulndb::Index& index, const std::vector<std::string>& changed_ids,
                           const match::MatchOptions& options);

  // The position in `db`'s change log evaluated so far (0 at first), and setting it. Errors: kIo.
  Result<int64_t> Cursor();
  Status SetCursor(int64_t seq);

 private:
  struct Impl;
  explicit FleetStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::fleet
