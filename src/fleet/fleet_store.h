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
// On SQLite (a file, WAL) or PostgreSQL (a postgres:// URL), where several servers share one
// store: one of them leads (TryLead) and evaluates updates, and alert channels are claimed row by
// row (Claim) so that two servers never send the same alert. Thread-safe: every call holds the
// store's lock (one connection; the leader's and the deliverer's sessions are separate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
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
  // Never a false "clean": false when files of the image could not be read (Inventory::unread),
  // and the packages no advisory source covers (the scan's unchecked count).
  bool complete = true;
  size_t unchecked = 0;
};

// One stored finding: a vulnerability of one package of one image.
struct StoredFinding {
  int64_t image = 0;
  std::string vuln;          // match::Finding::id (the CVE when there is one)
  std::string purl;          // the package's purl
  std::string matched_name;  // the normalised name the matcher looked up
  std::string package, version, fix;
  int layer = -1;
  std::string severity;  // "CRITICAL".."NEGLIGIBLE": the vendor's rating, else the CVSS rating; "" unrated
};

// A container a runtime runs, mapped to a stored image by its image ID (the config digest) or, as
// Kubernetes reports it, the manifest digest.
struct ContainerRow {
  std::string runtime;  // where it was seen: "unix:///run/podman/podman.sock", "k8s", "sensor:<node>"
  std::string id;       // the runtime's container id
  std::string name;
  std::string image_ref;  // the reference it was started from
  std::string image_id;  // "sha256:<hex>": the config digest (a runtime's image ID) or the manifest digest (Kubernetes)
  std::string namespace_, pod, node;
  std::string started;  // RFC 3339, "" unknown
  int64_t image = 0;    // the stored image it runs (0: not stored, so not scanned); filled by reads
};

// What a runtime source said last: "ok", or "stale" with why (the inventory may be out of date).
struct RuntimeState {
  std::string runtime, state, reason, updated;
  size_t containers = 0;
};

// An API token as listed (the secret is never stored: only its SHA-256).
struct TokenInfo {
  int64_t id = 0;
  std::string name;
  std::vector<std::string> scopes;  // "read", "write", "admin", "sensor"
  std::string created, last_used;
  bool revoked = false;
};

// An alert in the outbox: one per (vulnerability, image, kind) of a delta, listing the running
// containers of that image when it was queued.
struct Alert {
  int64_t seq = 0;      // increasing; delivery follows it
  std::string key;      // the idempotency key (also in the payload): the same alert, resent, has the same key
  std::string kind;     // "new" or "resolved"
  std::string vuln;     // the vulnerability id
  int64_t image = 0;    // the stored image
  std::string created;  // RFC 3339
  std::string payload;  // the JSON document every channel sends
};

// A delivery channel's position in the outbox.
struct ChannelState {
  std::string name;          // "webhook:<url>", "file:<path>", "syslog"
  int64_t delivered = 0;     // every alert with seq <= delivered was delivered
  int64_t attempts = 0;      // failed attempts at the next alert
  int64_t next_attempt = 0;  // unix ms before which the next alert is not tried again
  std::string last_error;
};

// An alert a sensor reported (vigil sensor --server): a verdict or rule alert about one event.
struct RuntimeAlert {
  int64_t id = 0;         // the store's, increasing (0 before it is stored)
  std::string node;       // the sensor's node
  int64_t seq = 0;        // the sensor's sequence number: (node, seq) is stored once
  std::string received;   // RFC 3339, when the server stored it
  std::string kind;       // "container_exec", "host_call", ... (what the sensor says it is)
  std::string container;  // the container's id, "" for the host
  std::string payload;    // the sensor's JSON document for the event
};

// What a re-evaluation changed.
struct Delta {
  std::vector<StoredFinding> added;     // findings that did not exist before
  std::vector<StoredFinding> resolved;  // findings that no longer hold (fixed range, withdrawn, ...)
  size_t names = 0;                     // package names the changed advisories concern
  size_t images_evaluated = 0;          // images with a package of one of those names
  size_t images_in_fleet = 0;           // all images (what a rescan would have read)
  size_t alerts = 0;                    // alerts queued in the outbox for this delta
  size_t groups = 0;  // distinct package sets matched (images sharing their packages of those names match once)
  // Where the time went, in order: "names", "index rows", "match", "findings read", "write" (seconds).
  std::vector<std::pair<std::string, double>> phases;
};

// What Reevaluate does besides matching.
struct ReevaluateOptions {
  match::MatchOptions match;
  // When >= 0, the change-log cursor is set to this in the same transaction as the findings, so
  // a crash leaves either both or neither.
  int64_t cursor = -1;
  // When true, the delta's alerts are queued in the outbox in the same transaction.
  bool queue_alerts = true;
};

class FleetStore {
 public:
  // Opens (creating when absent) the store at `store`: a postgres:// (postgresql://) URL, else a
  // SQLite file path (WAL). The schema is created or upgraded by its migrations (on PostgreSQL
  // under an advisory lock, so that servers starting together migrate once). On PostgreSQL a
  // statement that fails because the session was lost, or a transaction that fails with a
  // serialization failure, deadlock or a unique key raced by another server, is retried (6 tries
  // over about 3 s) on a new session, so that a database restart costs a delay, not the work.
  // Errors: kIo when the file cannot be opened or written; kUnavailable / kInvalidArgument when
  // the PostgreSQL server cannot be reached / the URL is not one; kCorrupt when it is not a fleet
  // store, or a newer vigil wrote it (the message says which schema).
  static Result<std::unique_ptr<FleetStore>> Open(const std::string& store);
  ~FleetStore();
  FleetStore(const FleetStore&) = delete;
  FleetStore& operator=(const FleetStore&) = delete;

  // The schema version this vigil writes.
  static int SchemaVersion();

  // Stores an image: its inventory (as vigil JSON), its findings (as match::Match or Scan gave
  // them for this inventory) and its inverted-index rows (match::NeedsOf). An image already
  // stored under the same key is replaced in one transaction. `unchecked`: the packages the scan
  // could not check (match::MatchStats::unchecked), kept with the image. Returns the image's id.
  // Errors: kIo from SQLite.
  Result<int64_t> PutImage(const catalog::Inventory& inventory, const std::vector<match::Finding>& findings,
                           size_t unchecked = 0);

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
  //
  // With options.queue_alerts, one alert per (vulnerability, image) of `added` ("new") and of
  // `resolved` ("resolved") is queued, listing that image's running containers, ordered by running
  // containers then severity; its idempotency key is derived from kind, vulnerability, image and
  // the cursor, so an update evaluated twice queues nothing twice.
  Result<Delta> Reevaluate(vulndb::Store& db, const vulndb::Index& index, const std::vector<std::string>& changed_ids,
                           const ReevaluateOptions& options);
  // The same, with the index made for the names concerned once they are known (what a server
  // does: vulndb::Index::LoadForNames reads only those names' advisories). `index_for` gets the
  // names (sorted) and must return an index holding every advisory of them; its errors are
  // returned as they are.
  using IndexForNames =
      std::function<Result<std::shared_ptr<const vulndb::Index>>(const std::vector<std::string>& names)>;
  Result<Delta> Reevaluate(vulndb::Store& db, const IndexForNames& index_for,
                           const std::vector<std::string>& changed_ids, const ReevaluateOptions& options);

  // The image with this id (decimal), config digest, manifest digest or tag. kNotFound when none.
  Result<ImageSummary> FindImage(std::string_view ref);
  // Removes an image with its findings. kNotFound for an unknown id.
  Status RemoveImage(int64_t id);

  // Running containers. ReplaceContainers sets everything `runtime` runs (after a list);
  // PutContainer adds or updates one; RemoveContainer forgets one (absent: nothing happens).
  // MarkRuntime records what the source said last (state "ok" or "stale" with a reason).
  // Errors: kIo.
  Status ReplaceContainers(const std::string& runtime, const std::vector<ContainerRow>& containers);
  Status PutContainer(const ContainerRow& container);
  Status RemoveContainer(const std::string& runtime, const std::string& id);
  Status MarkRuntime(const std::string& runtime, const std::string& state, const std::string& reason);
  // The containers of one Kubernetes pod (runtime, namespace, pod) replaced by `containers`
  // (empty: the pod is gone). Errors: kIo.
  Status ReplacePodContainers(const std::string& runtime, const std::string& namespace_, const std::string& pod,
                              const std::vector<ContainerRow>& containers);
  // Every container (with `image` filled where the image is stored), by runtime then name; those
  // in `namespace_` only when it is not empty. Errors: kIo.
  Result<std::vector<ContainerRow>> Containers(std::string_view namespace_ = {});
  // The containers running stored image `image`. Errors: kIo.
  Result<std::vector<ContainerRow>> ContainersOf(int64_t image);
  Result<std::vector<RuntimeState>> Runtimes();

  // API tokens. CreateToken returns the secret ("vgl_" + 64 hex digits), shown once; only its
  // SHA-256 is stored. CheckToken returns the token a secret belongs to (compared in constant
  // time), kNotFound for an unknown or revoked one. Errors: kInvalidArgument for an unknown scope
  // or an empty name; kIo.
  Result<std::string> CreateToken(const std::string& name, const std::vector<std::string>& scopes,
                                  int64_t* id = nullptr);
  Result<TokenInfo> CheckToken(std::string_view secret);
  Result<std::vector<TokenInfo>> Tokens();
  Status RevokeToken(int64_t id);  // kNotFound for an unknown id

  // The outbox. Alerts after `after_seq`, at most `limit`, by seq. Errors: kIo.
  Result<std::vector<Alert>> Alerts(int64_t after_seq, size_t limit);
  // A channel's state; a channel seen for the first time starts after the newest alert queued
  // then (it is not sent the history). Errors: kIo.
  Result<ChannelState> Channel(const std::string& name);
  // Records a delivery: every alert up to `seq` delivered on `name` (attempts reset).
  Status MarkDelivered(const std::string& name, int64_t seq);
  // Records a failed attempt at the next alert: not tried again before `next_attempt_ms`.
  Status MarkFailed(const std::string& name, const std::string& error, int64_t next_attempt_ms);

  // True for a store several servers may share (PostgreSQL).
  bool shared() const;

  // Leadership among the servers sharing a store: the leader runs advisory updates and their
  // evaluation. On PostgreSQL, a session advisory lock held on a session of its own: TryLead is
  // true when this store holds it now (taking it when free; checking the session is alive when
  // held), false when another server does. A lost session loses the lock; the next TryLead tries
  // again on a new one. On SQLite always true (one server per file). Errors: kUnavailable when
  // the database cannot be reached.
  Result<bool> TryLead();
  // Releases leadership (PostgreSQL; nothing on SQLite).
  void StepDown();

  // Delivery of a channel's alerts, claimed so that two servers never send the same alert: on
  // PostgreSQL the channel's row is locked FOR UPDATE SKIP LOCKED in a transaction on the
  // deliverer's own session until Delivered or Failed commits the new position (or the claim is
  // destroyed, rolling back); on SQLite (one server) the position is written directly. One
  // claim at a time per store (a second Claim waits for the first to end).
  class ChannelClaim {
   public:
    ~ChannelClaim();
    ChannelClaim(const ChannelClaim&) = delete;
    ChannelClaim& operator=(const ChannelClaim&) = delete;
    // The channel's position and failures when claimed.
    const ChannelState& state() const;
    // The alerts after the position, at most `limit`, by seq.
    Result<std::vector<Alert>> Alerts(size_t limit);
    // Every alert up to `seq` delivered (attempts reset); ends the claim on PostgreSQL.
    Status Delivered(int64_t seq);
    // A failed attempt at the next alert, not tried again before `next_attempt_ms`; ends the
    // claim on PostgreSQL.
    Status Failed(const std::string& error, int64_t next_attempt_ms);

   private:
    friend class FleetStore;
    struct Impl;
    explicit ChannelClaim(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };
  // Claims channel `name` (added, starting after the newest alert, when new). nullptr when another
  // server holds it now. Errors: those of the database.
  Result<std::unique_ptr<ChannelClaim>> Claim(const std::string& name);

  // Sensors' alerts. AddRuntimeAlerts stores those of `node` whose (node, seq) is new, in one
  // transaction, and returns how many were new (a sensor resending after a lost answer adds
  // nothing twice). RuntimeAlerts lists those after `after_id`, at most `limit`, by id.
  // Errors: kIo.
  Result<size_t> AddRuntimeAlerts(const std::string& node, const std::vector<RuntimeAlert>& alerts);
  Result<std::vector<RuntimeAlert>> RuntimeAlerts(int64_t after_id, size_t limit);

  // Store figures for /metrics and the benchmark: rows per table and the file's size.
  struct Counts {
    uint64_t images = 0, packages = 0, findings = 0, containers = 0, alerts = 0, runtime_alerts = 0, bytes = 0;
  };
  Result<Counts> Count();

  // The position in `db`'s change log evaluated so far (0 at first), and setting it. Errors: kIo.
  Result<int64_t> Cursor();
  Status SetCursor(int64_t seq);

 private:
  struct Impl;
  explicit FleetStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::fleet
