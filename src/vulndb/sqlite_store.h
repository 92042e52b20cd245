// The SQLite back end of the advisory store: one SQLite file (vigil.db, WAL mode) in a folder of
// its own. The Store interface (store.h) is what the rest of vigil uses.
//
// Every advisory is kept as its OSV JSON text, minified and compressed with zstd against a
// dictionary trained on the feed it came from (one small dictionary per imported source); that
// keeps the file near a seventh of the raw JSON while any record still decompresses alone.
// Enrichment (KEV, EPSS), the sources with their fetch validators, and a change log of every
// import (new / changed / withdrawn ids, for the fleet service) live in the same file.
//
// Atomicity: all writes of one import happen in one SQLite transaction (Store::Transaction).
// Readers (a scan, the server) open the file read-only and see the last committed state; a crash
// or kill -9 mid-import leaves the previous state, which SQLite restores on the next open.
//
//   VIGIL_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(dir, Store::Mode::kReadWrite));
//   VIGIL_ASSIGN_OR_RETURN(auto tx, store->Begin("import"));
//   ... tx->Put(...) ...
//   VIGIL_RETURN_IF_ERROR(tx->Commit());
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "vulndb/store.h"

namespace vigil::vulndb {

// The folder `vigil db` uses when neither --db nor VIGIL_DB is given:
// $XDG_DATA_HOME/vigil/db, else $HOME/.local/share/vigil/db.
std::string DefaultDbDir();

// How a SqliteStore behaves when another process is writing the same database.
struct SqliteOptions {
  // How long Begin waits for another writer,
  // e.g. a second `vigil db import` or `update`, before failing.
  std::chrono::milliseconds lock_timeout{30000};
  // Called once when a wait starts, with a line naming the database and the holder ("waiting for
  // vigil pid 1234: vigil db import (since ...) to finish writing .../vigil.db (up to 30 s)").
  std::function<void(const std::string&)> on_wait;
  // What this process writes in the writer's note while it holds the lock; "" = "vigil db
  // <command>" with Begin's command.
  std::string holder;
};

class SqliteStore final : public Store {
 public:
  // Opens (kReadWrite: creating the folder and file when missing) the database in `dir`.
  // Errors: kNotFound (read-only and no database there), kCorrupt (not a
  // vigil database, or a newer schema than this build knows), kIo.
  //
  // The alias table (IdsNaming) of a database written before it existed, or since by a vigil
  // that did not keep it, is filled again by the next Begin (every record read once).
  //
  // Writers: while a Transaction is open, the file vigil.db.writer next to the database says
  // which process holds it (pid, command, start time). A second writer's Begin waits up to
  // options.lock_timeout, tells options.on_wait once for whom it waits, and then fails with kIo
  // naming the database and the holder.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, Mode mode, const SqliteOptions& options = {});
  ~SqliteStore() override;

  const std::string& path() const override;
  Result<std::map<std::string, StoredMeta, std::less<>>> AllMeta() override;
  Result<std::optional<std::string>> GetJson(std::string_view id) override;
  // Through the alias table; a database from before it, opened read-only, is read whole.
  Result<std::vector<std::string>> IdsNaming(std::string_view name) override;
  // Through the same table (package names are kept beside the aliases).
  Result<std::vector<std::string>> IdsAffecting(const std::vector<std::string>& normalized_names) override;
  using Store::ForEachJson;
  Status ForEachJson(const std::function<Status(std::string_view id, std::string_view json)>& fn,
                     const std::function<bool(std::string_view ecosystems)>& want) override;
  Status ForEachJsonParallel(const std::function<Status(size_t seq, std::string_view id, std::string_view json)>& fn,
                             const std::function<bool(std::string_view ecosystems)>& want, unsigned threads) override;
  Result<std::optional<KevRecord>> GetKev(std::string_view cve) override;
  Result<std::optional<EpssRecord>> GetEpss(std::string_view cve) override;
  Result<std::vector<CveEnrichment>> GetEnrichment(std::string_view cve) override;
  Result<std::optional<SourceInfo>> GetSource(std::string_view name) override;
  Result<std::vector<Change>> ChangesSince(int64_t after, size_t limit) override;
  Result<StoreStatus> GetStatus() override;
  Result<Summary> GetSummary() override;
  // SQLite's integrity check of the whole file, then every document decompressed. (The file's
  // index uses a function vigil registers, so other SQLite tools cannot run this check
  // themselves.)
  Status CheckIntegrity() override;
  Result<std::unique_ptr<Transaction>> Begin(std::string_view command) override;

 private:
  bool AliasIndexed();
  Status FillAliases();
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::vulndb
