#include "fleet/fleet_store.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <climits>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "common/json.h"
#include "common/sha256.h"
#include "common/time.h"
#include "fleet/sql.h"
#include "sbom/reader.h"
#include "sbom/sbom.h"
#include "vulndb/osv.h"

namespace vigil::fleet {
namespace {

using sql::Stmt;

// A schema migration: the script that takes a store to version `to` from the one before.
struct Migration {
  int to;
  const char* sql;
};

// SQLite's migrations, one per version. A store at a version above kSchema was written by a newer
// vigil and is refused.
constexpr Migration kSqliteMigrations[] = {
    // 0 -> 1: images, the inverted index (names and scopes), findings and the ids that name them.
    {1, R"sql(
CREATE TABLE image(
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  manifest_digest TEXT NOT NULL,
  config_digest TEXT NOT NULL,
  name TEXT NOT NULL,
  tags TEXT NOT NULL,
  distro TEXT NOT NULL,
  packages INTEGER NOT NULL,
  inventory BLOB NOT NULL,
  added TEXT NOT NULL);
-- The inverted index: every package the matcher looks up, under the normalised name it is looked
-- up by, with what matching needs of it (doc: JSON) so that a delta reads no whole inventory.
CREATE TABLE package(image INTEGER NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY(image, idx)) WITHOUT ROWID;
CREATE INDEX package_name ON package(name, image);
CREATE TABLE finding(
  image INTEGER NOT NULL,
  vuln TEXT NOT NULL,
  purl TEXT NOT NULL,
  matched_name TEXT NOT NULL,
  package TEXT NOT NULL,
  version TEXT NOT NULL,
  fix TEXT NOT NULL,
  layer INTEGER NOT NULL,
  ids TEXT NOT NULL,
  PRIMARY KEY(image, vuln, purl)) WITHOUT ROWID;
CREATE INDEX finding_name ON finding(image, matched_name);
CREATE TABLE finding_id(id TEXT NOT NULL, image INTEGER NOT NULL, vuln TEXT NOT NULL, purl TEXT NOT NULL,
  PRIMARY KEY(id, image, vuln, purl)) WITHOUT ROWID;
CREATE INDEX finding_id_owner ON finding_id(image, vuln, purl);
)sql"},
    // 1 -> 2: severities, running containers, runtime sources, API tokens, the alert outbox and
    // its delivery channels.
    {2, R"sql(
ALTER TABLE finding ADD COLUMN severity TEXT NOT NULL DEFAULT '';
ALTER TABLE image ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
ALTER TABLE image ADD COLUMN unchecked INTEGER NOT NULL DEFAULT 0;
CREATE INDEX image_config ON image(config_digest);
-- Findings clustered by the name they were matched under: a delta reads one name's rows in
-- sequence; (image, vuln, purl) stays unique and indexed.
CREATE TABLE finding_by_name(
  matched_name TEXT NOT NULL,
  image INTEGER NOT NULL,
  vuln TEXT NOT NULL,
  purl TEXT NOT NULL,
  package TEXT NOT NULL,
  version TEXT NOT NULL,
  fix TEXT NOT NULL,
  layer INTEGER NOT NULL,
  ids TEXT NOT NULL,
  severity TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(matched_name, image, vuln, purl)) WITHOUT ROWID;
INSERT INTO finding_by_name(matched_name, image, vuln, purl, package, version, fix, layer, ids, severity)
  SELECT matched_name, image, vuln, purl, package, version, fix, layer, ids, severity FROM finding;
DROP TABLE finding;
ALTER TABLE finding_by_name RENAME TO finding;
CREATE UNIQUE INDEX finding_key ON finding(image, vuln, purl);
-- The inverted index clustered by name: a delta reads one name's rows in sequence.
CREATE TABLE package_by_name(name TEXT NOT NULL, image INTEGER NOT NULL, idx INTEGER NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY(name, image, idx)) WITHOUT ROWID;
INSERT INTO package_by_name(name, image, idx, doc) SELECT name, image, idx, doc FROM package;
DROP TABLE package;
ALTER TABLE package_by_name RENAME TO package;
CREATE INDEX package_image ON package(image);
CREATE TABLE container(runtime TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, image_ref TEXT NOT NULL,
  image_id TEXT NOT NULL, namespace TEXT NOT NULL, pod TEXT NOT NULL, node TEXT NOT NULL, started TEXT NOT NULL,
  PRIMARY KEY(runtime, id)) WITHOUT ROWID;
CREATE INDEX container_image ON container(image_id);
CREATE INDEX container_pod ON container(runtime, namespace, pod);
CREATE TABLE runtime(name TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE token(id INTEGER PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL,
  created TEXT NOT NULL, last_used TEXT NOT NULL DEFAULT '', revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE alert(seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
  vuln TEXT NOT NULL, image INTEGER NOT NULL, created TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TABLE channel(name TEXT PRIMARY KEY, delivered INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '');
)sql"},
    // 2 -> 3: tags in a table of their own (both dialects look an image up by tag the same way),
    // and containers mapped by manifest digest through an index.
    {3, R"sql(
CREATE TABLE image_tag(tag TEXT NOT NULL, image INTEGER NOT NULL, PRIMARY KEY(tag, image)) WITHOUT ROWID;
CREATE INDEX image_tag_image ON image_tag(image);
INSERT OR IGNORE INTO image_tag(tag, image) SELECT j.value, i.id FROM image i, json_each(i.tags) j
  WHERE j.type = 'text';
CREATE INDEX image_manifest ON image(manifest_digest);
)sql"},
    // 3 -> 4: what sensors report (vigil sensor --server): their alerts, once per (node, seq).
    {4, R"sql(
CREATE TABLE runtime_alert(id INTEGER PRIMARY KEY AUTOINCREMENT, node TEXT NOT NULL, seq INTEGER NOT NULL,
  received TEXT NOT NULL, kind TEXT NOT NULL, container TEXT NOT NULL, payload TEXT NOT NULL, UNIQUE(node, seq));
)sql"},
};

// PostgreSQL's: a store there starts at schema 3 (the SQLite schema 3 in PostgreSQL's types).
constexpr Migration kPostgresMigrations[] = {
    {3, R"sql(
CREATE TABLE image(
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  manifest_digest TEXT NOT NULL,
  config_digest TEXT NOT NULL,
  name TEXT NOT NULL,
  tags TEXT NOT NULL,
  distro TEXT NOT NULL,
  packages BIGINT NOT NULL,
  inventory BYTEA NOT NULL,
  added TEXT NOT NULL,
  complete BIGINT NOT NULL DEFAULT 1,
  unchecked BIGINT NOT NULL DEFAULT 0);
CREATE INDEX image_config ON image(config_digest);
CREATE INDEX image_manifest ON image(manifest_digest);
CREATE TABLE image_tag(tag TEXT NOT NULL, image BIGINT NOT NULL, PRIMARY KEY(tag, image));
CREATE INDEX image_tag_image ON image_tag(image);
CREATE TABLE package(name TEXT NOT NULL, image BIGINT NOT NULL, idx BIGINT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY(name, image, idx));
CREATE INDEX package_image ON package(image);
CREATE TABLE finding(
  matched_name TEXT NOT NULL,
  image BIGINT NOT NULL,
  vuln TEXT NOT NULL,
  purl TEXT NOT NULL,
  package TEXT NOT NULL,
  version TEXT NOT NULL,
  fix TEXT NOT NULL,
  layer BIGINT NOT NULL,
  ids TEXT NOT NULL,
  severity TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(matched_name, image, vuln, purl));
CREATE UNIQUE INDEX finding_key ON finding(image, vuln, purl);
CREATE TABLE finding_id(id TEXT NOT NULL, image BIGINT NOT NULL, vuln TEXT NOT NULL, purl TEXT NOT NULL,
  PRIMARY KEY(id, image, vuln, purl));
CREATE INDEX finding_id_owner ON finding_id(image, vuln, purl);
CREATE TABLE container(runtime TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, image_ref TEXT NOT NULL,
  image_id TEXT NOT NULL, namespace TEXT NOT NULL, pod TEXT NOT NULL, node TEXT NOT NULL, started TEXT NOT NULL,
  PRIMARY KEY(runtime, id));
CREATE INDEX container_image ON container(image_id);
CREATE INDEX container_pod ON container(runtime, namespace, pod);
CREATE TABLE runtime(name TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE token(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL, created TEXT NOT NULL, last_used TEXT NOT NULL DEFAULT '',
  revoked BIGINT NOT NULL DEFAULT 0);
CREATE TABLE alert(seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL, vuln TEXT NOT NULL, image BIGINT NOT NULL, created TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TABLE channel(name TEXT PRIMARY KEY, delivered BIGINT NOT NULL, attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt BIGINT NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '');
)sql"},
    {4, R"sql(
CREATE TABLE runtime_alert(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, node TEXT NOT NULL,
  seq BIGINT NOT NULL, received TEXT NOT NULL, kind TEXT NOT NULL, container TEXT NOT NULL, payload TEXT NOT NULL,
  UNIQUE(node, seq));
)sql"},
};

constexpr int kSchema = 4;

// Session advisory lock keys (PostgreSQL): the one migrations run under, the leader's, and the
// transaction lock that orders alert producers (an alert's seq is then taken in commit order, so
// a deliverer reading "seq > delivered" never passes one still to commit).
constexpr int64_t kMigrationLock = 0x7669676c0001;  // "vigl" 1
constexpr int64_t kLeaderLock = 0x7669676c0002;
constexpr int64_t kAlertLock = 0x7669676c0003;

std::string KeyOf(const catalog::Inventory& inv) {
  if (!inv.image.config_digest.empty()) return inv.image.config_digest;
  return "source:" + inv.image.source;
}

StoredFinding RowOf(Stmt& s) {
  StoredFinding f;
  f.image = s.Int(0);
  f.vuln = std::string(s.Text(1));
  f.purl = std::string(s.Text(2));
  f.matched_name = std::string(s.Text(3));
  f.package = std::string(s.Text(4));
  f.version = std::string(s.Text(5));
  f.fix = std::string(s.Text(6));
  f.layer = static_cast<int>(s.Int(7));
  f.severity = std::string(s.Text(8));
  return f;
}

constexpr const char* kFindingColumns = "image, vuln, purl, matched_name, package, version, fix, layer, severity";

// A finding's rating for alerts and ordering: the vendor's, else the CVSS one.
std::string SeverityOf(const match::Finding& f) {
  if (f.vendor_rating != vulndb::Rating::kUnknown) {
    std::string r(vulndb::RatingName(f.vendor_rating));
    for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return r;
  }
  std::string r = f.severity;
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

int SeverityRank(std::string_view s) {
  if (s == "CRITICAL") return 5;
  if (s == "HIGH") return 4;
  if (s == "MEDIUM") return 3;
  if (s == "LOW") return 2;
  if (s == "NEGLIGIBLE") return 1;
  return 0;
}

constexpr const char* kScopes[] = {"read", "write", "admin", "sensor"};

// Every id that names a finding (its id, aliases, contributing advisories), sorted, one a line.
std::string IdsOf(const match::Finding& f) {
  std::set<std::string> ids{f.id};
  ids.insert(f.aliases.begin(), f.aliases.end());
  ids.insert(f.advisories.begin(), f.advisories.end());
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : "\n") + id;
  return out;
}

// What matching needs of a package (match/matcher.cc reads no other field), as JSON.
std::string PackageDoc(const catalog::Package& p) {
  nlohmann::json j = {{"type", p.type},
                      {"namespace", p.name_space},
                      {"name", p.name},
                      {"version", p.version},
                      {"epoch", p.epoch},
                      {"arch", p.arch},
                      {"source_name", p.source_name},
                      {"source_version", p.source_version},
                      {"location", p.location},
                      {"owner", p.owner},
                      {"layer", p.layer},
                      {"purl", p.purl},
                      {"properties", p.properties}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool PackageFromDoc(std::string_view text, catalog::Package& p) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return false;
  auto str = [&](const char* key, std::string& out) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  str("type", p.type);
  str("namespace", p.name_space);
  str("name", p.name);
  str("version", p.version);
  str("epoch", p.epoch);
  str("arch", p.arch);
  str("source_name", p.source_name);
  str("source_version", p.source_version);
  str("location", p.location);
  str("owner", p.owner);
  str("purl", p.purl);
  if (auto it = j.find("layer"); it != j.end() && it->is_number_integer()) p.layer = it->get<int>();
  if (auto it = j.find("properties"); it != j.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (v.is_string()) p.properties[k] = v.get<std::string>();
    }
  }
  return true;
}

std::string DistroDoc(const catalog::Distro& d) {
  return nlohmann::json{{"id", d.id}, {"version_id", d.version_id}, {"pretty_name", d.pretty_name}}.dump();
}

catalog::Distro DistroFromDoc(std::string_view text) {
  catalog::Distro d;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return d;
  d.id = j.value("id", "");
  d.version_id = j.value("version_id", "");
  d.pretty_name = j.value("pretty_name", "");
  return d;
}

// The normalised name match::Match looks `p` up by under `distro`; "" when it is not looked up.
std::string LookupName(const catalog::Distro& distro, const catalog::Package& p) {
  catalog::Inventory one;
  one.distro = distro;
  one.packages.push_back(p);
  match::IndexNeeds needs = match::NeedsOf(one);
  return needs.names.empty() ? std::string() : needs.names.front();
}

}  // namespace

struct FleetStore::Impl {
  std::mutex mu;     // one connection: every public call holds it
  std::string path;  // where the store is (a file, or the URL without its password), for messages
  std::unique_ptr<sql::Conn> conn;
  // Statements used per finding, prepared once (declared after conn: gone before it closes).
  Stmt finding_ins, id_ins;
  // PostgreSQL: the leader's session (the advisory lock lives with it) and the deliverer's (a
  // claimed channel row stays locked in its transaction). Opened when first used.
  std::string url;
  std::mutex lead_mu;
  std::unique_ptr<sql::Conn> lead;
  bool leading = false;
  std::mutex deliver_mu;
  std::unique_ptr<sql::Conn> deliver;
  // Reads go through a session of their own, so that a request (a token check included) is not
  // held behind a long write: an update's evaluation holds `mu` for its whole transaction. SQLite
  // in WAL mode and PostgreSQL both let a reader see the last commit meanwhile.
  std::mutex read_mu;
  std::unique_ptr<sql::Conn> reader;

  ~Impl() {
    finding_ins = Stmt();
    id_ins = Stmt();
  }

  bool pg() const { return conn->dialect() == sql::Dialect::kPostgres; }

  // Runs `fn` again while it fails with an error worth retrying on PostgreSQL (a lost session, a
  // serialization failure, a deadlock, a unique key raced by another server): at most 6 tries,
  // 0.1, 0.2, 0.4, 0.8, 1.6 s apart, so that a database restart is ridden out.
  template <typename F>
  auto Retry(F&& fn) -> decltype(fn()) {
    for (int attempt = 0;; ++attempt) {
      auto r = fn();
      if (r.ok() || !pg() || attempt >= 5 || !sql::Retryable(r.error())) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    }
  }

  // Runs `fn` inside BEGIN ... COMMIT (rolled back when it fails), retried as Retry says.
  template <typename F>
  Status InTransaction(F&& fn) {
    return Retry([&]() -> Status {
      VIGIL_RETURN_IF_ERROR(conn->Begin());
      Status st = fn();
      if (!st.ok()) {
        (void)conn->Rollback();
        return st;
      }
      return conn->Commit();
    });
  }

  // Runs `s` to the end; `what` names it in an error.
  static Status Run(Stmt& s, std::string_view what) {
    auto n = s.Run();
    if (!n.ok()) return n.error().Context(std::string(what));
    return OkStatus();
  }
  // Runs `s` and calls `row()` on each row; the statement is reset after, also on an error.
  template <typename F>
  static Status Each(Stmt& s, F&& row) {
    while (true) {
      auto more = s.Next();
      if (!more.ok()) {
        s.Reset();
        return more.error();
      }
      if (!*more) break;
      row();
    }
    s.Reset();
    return OkStatus();
  }
  // The first row's `col` as an integer; `fallback` when there is no row.
  static Result<int64_t> One(Stmt& s, int col, int64_t fallback) {
    auto more = s.Next();
    if (!more.ok()) {
      s.Reset();
      return more.error();
    }
    int64_t v = *more ? s.Int(col) : fallback;
    s.Reset();
    return v;
  }

  Status DeleteFindings(int64_t image, const std::string* name) {
    Stmt ids = conn->Prepare(name ? "DELETE FROM finding_id WHERE (image, vuln, purl) IN "
                                    "(SELECT image, vuln, purl FROM finding WHERE image = ? AND matched_name = ?)"
                                  : "DELETE FROM finding_id WHERE image = ?");
    Stmt rows = conn->Prepare(name ? "DELETE FROM finding WHERE image = ? AND matched_name = ?"
                                   : "DELETE FROM finding WHERE image = ?");
    ids.Bind(1, image);
    rows.Bind(1, image);
    if (name) {
      ids.Bind(2, *name);
      rows.Bind(2, *name);
    }
    VIGIL_RETURN_IF_ERROR(Run(ids, "delete finding ids"));
    return Run(rows, "delete findings");
  }

  // Inserts `f` (a finding of `inv`) for `image`; appends the stored row to `out` when given.
  Status InsertFinding(int64_t image, const catalog::Inventory& inv, const match::Finding& f,
                       std::vector<StoredFinding>* out) {
    const catalog::Package& p = inv.packages[f.package];
    StoredFinding row{image, f.id, p.purl, f.matched_name, p.name, f.installed_version, f.fix, p.layer, SeverityOf(f)};
    if (!finding_ins_ready) {
      finding_ins = conn->Prepare(
          "INSERT INTO finding(image, vuln, purl, matched_name, package, version, fix, layer, ids, severity) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(image, vuln, purl) DO UPDATE SET "
          "matched_name = excluded.matched_name, package = excluded.package, version = excluded.version, "
          "fix = excluded.fix, layer = excluded.layer, ids = excluded.ids, severity = excluded.severity");
      finding_ins_ready = true;
    }
    Stmt& ins = finding_ins;
    ins.Bind(1, image).Bind(2, row.vuln).Bind(3, row.purl).Bind(4, row.matched_name).Bind(5, row.package);
    ins.Bind(6, row.version).Bind(7, row.fix).Bind(8, static_cast<int64_t>(row.layer)).Bind(9, IdsOf(f));
    ins.Bind(10, row.severity);
    VIGIL_RETURN_IF_ERROR(Run(ins, "insert finding"));
    VIGIL_RETURN_IF_ERROR(InsertIds(image, row.vuln, row.purl, f));
    if (out != nullptr) out->push_back(std::move(row));
    return OkStatus();
  }
  bool finding_ins_ready = false, id_ins_ready = false;

  // Records every id that names finding (image, vuln, purl): its id, aliases and advisories.
  Status InsertIds(int64_t image, const std::string& vuln, const std::string& purl, const match::Finding& f) {
    std::set<std::string> ids{f.id};
    ids.insert(f.aliases.begin(), f.aliases.end());
    ids.insert(f.advisories.begin(), f.advisories.end());
    if (!id_ins_ready) {
      id_ins = conn->Prepare("INSERT INTO finding_id(id, image, vuln, purl) VALUES(?, ?, ?, ?) ON CONFLICT DO NOTHING");
      id_ins_ready = true;
    }
    for (const std::string& id : ids) {
      id_ins.Bind(1, id).Bind(2, image).Bind(3, vuln).Bind(4, purl);
      VIGIL_RETURN_IF_ERROR(Run(id_ins, "insert finding id"));
    }
    return OkStatus();
  }

  Status SetCursor(int64_t seq) {
    Stmt s = conn->Prepare(
        "INSERT INTO meta(key, value) VALUES('vulndb_cursor', ?) ON CONFLICT(key) DO UPDATE SET value = "
        "excluded.value");
    s.Bind(1, std::to_string(seq));
    return Run(s, "write the cursor");
  }

  // Columns of an ImageSummary, in the order SummaryOf reads them.
  static constexpr const char* kSummaryColumns =
      "id, key, manifest_digest, config_digest, name, tags, packages, added, "
      "(SELECT count(*) FROM finding WHERE finding.image = image.id), complete, unchecked";
  static ImageSummary SummaryOf(Stmt& s) {
    ImageSummary i;
    i.id = s.Int(0);
    i.key = std::string(s.Text(1));
    i.manifest_digest = std::string(s.Text(2));
    i.config_digest = std::string(s.Text(3));
    i.name = std::string(s.Text(4));
    nlohmann::json tags = nlohmann::json::parse(std::string(s.Text(5)), nullptr, false);
    if (tags.is_array()) {
      for (const auto& t : tags) {
        if (t.is_string()) i.tags.push_back(t.get<std::string>());
      }
    }
    i.packages = static_cast<size_t>(s.Int(6));
    i.added = std::string(s.Text(7));
    i.findings = static_cast<size_t>(s.Int(8));
    i.complete = s.Int(9) != 0;
    i.unchecked = static_cast<size_t>(s.Int(10));
    return i;
  }

  static TokenInfo TokenOf(Stmt& s) {
    TokenInfo t;
    t.id = s.Int(0);
    t.name = std::string(s.Text(1));
    std::string scopes(s.Text(2));
    size_t start = 0;
    while (start < scopes.size()) {
      size_t end = scopes.find(' ', start);
      if (end == std::string::npos) end = scopes.size();
      if (end > start) t.scopes.push_back(scopes.substr(start, end - start));
      start = end + 1;
    }
    t.created = std::string(s.Text(3));
    t.last_used = std::string(s.Text(4));
    t.revoked = s.Int(5) != 0;
    return t;
  }

  static constexpr const char* kContainerColumns =
      "c.runtime, c.id, c.name, c.image_ref, c.image_id, c.namespace, c.pod, c.node, c.started, "
      "coalesce((SELECT max(i.id) FROM image i WHERE c.image_id != '' AND "
      "(i.config_digest = c.image_id OR i.manifest_digest = c.image_id)), 0)";

  Result<std::vector<ContainerRow>> QueryContainers(sql::Conn& c, const std::string& sql_text,
                                                    const std::function<void(Stmt&)>& bind) {
    Stmt s = c.Prepare(sql_text);
    bind(s);
    std::vector<ContainerRow> out;
    Status st = Each(s, [&] {
      ContainerRow c;
      c.runtime = std::string(s.Text(0));
      c.id = std::string(s.Text(1));
      c.name = std::string(s.Text(2));
      c.image_ref = std::string(s.Text(3));
      c.image_id = std::string(s.Text(4));
      c.namespace_ = std::string(s.Text(5));
      c.pod = std::string(s.Text(6));
      c.node = std::string(s.Text(7));
      c.started = std::string(s.Text(8));
      c.image = s.Int(9);
      out.push_back(std::move(c));
    });
    if (!st.ok()) return st.error().Context(path + ": list containers");
    return out;
  }

  Result<std::vector<ContainerRow>> ContainersOf(sql::Conn& c, int64_t image) {
    std::string sql_text = std::string("SELECT ") + kContainerColumns +
                           " FROM container c WHERE c.image_id != '' AND c.image_id IN "
                           "(SELECT config_digest FROM image WHERE id = ?1 UNION SELECT manifest_digest FROM image "
                           "WHERE id = ?1 AND manifest_digest != '') ORDER BY c.runtime, c.name, c.id";
    return QueryContainers(c, sql_text, [&](Stmt& s) { s.Bind(1, image); });
  }

  Status PutContainer(const ContainerRow& c) {
    Stmt s = conn->Prepare(
        "INSERT INTO container(runtime, id, name, image_ref, image_id, namespace, pod, node, started) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(runtime, id) DO UPDATE SET name = excluded.name, "
        "image_ref = excluded.image_ref, image_id = excluded.image_id, namespace = excluded.namespace, "
        "pod = excluded.pod, node = excluded.node, started = excluded.started");
    s.Bind(1, c.runtime).Bind(2, c.id).Bind(3, c.name).Bind(4, c.image_ref).Bind(5, c.image_id);
    s.Bind(6, c.namespace_).Bind(7, c.pod).Bind(8, c.node).Bind(9, c.started);
    return Run(s, path + ": put container");
  }

  Status MarkRuntime(const std::string& runtime, const std::string& state, const std::string& reason) {
    Stmt s = conn->Prepare(
        "INSERT INTO runtime(name, state, reason, updated) VALUES(?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
        "state = excluded.state, reason = excluded.reason, updated = excluded.updated");
    s.Bind(1, runtime).Bind(2, state).Bind(3, reason.substr(0, 1000)).Bind(4, NowRfc3339());
    return Run(s, path + ": mark runtime");
  }

  // Queues the alerts of `delta` (inside the caller's transaction); returns how many.
  Result<size_t> QueueAlerts(const Delta& delta, int64_t cursor) {
    struct Group {
      std::string kind, vuln;
      int64_t image = 0;
      std::vector<const StoredFinding*> findings;
      int rank = 0;
      std::vector<ContainerRow> containers;
    };
    std::map<std::tuple<std::string, std::string, int64_t>, Group> groups;
    auto add = [&](const std::vector<StoredFinding>& list, const char* kind) {
      for (const StoredFinding& f : list) {
        Group& g = groups[{kind, f.vuln, f.image}];
        g.kind = kind;
        g.vuln = f.vuln;
        g.image = f.image;
        g.findings.push_back(&f);
        g.rank = std::max(g.rank, SeverityRank(f.severity));
      }
    };
    add(delta.added, "new");
    add(delta.resolved, "resolved");
    if (pg()) {
      // Alerts take their seq in commit order: producers queue one after the other.
      Stmt lock = conn->Prepare("SELECT pg_advisory_xact_lock(?)");
      lock.Bind(1, kAlertLock);
      VIGIL_RETURN_IF_ERROR(Run(lock, path + ": lock the outbox"));
    }
    std::map<int64_t, std::vector<ContainerRow>> running;
    std::map<int64_t, nlohmann::json> images;
    Stmt img = conn->Prepare("SELECT key, name, config_digest, manifest_digest, tags FROM image WHERE id = ?");
    std::vector<Group*> order;
    for (auto& [k, g] : groups) {
      if (running.count(g.image) == 0) {
        VIGIL_ASSIGN_OR_RETURN(running[g.image], ContainersOf(*conn, g.image));
        img.Bind(1, g.image);
        nlohmann::json j = nlohmann::json::object();
        const int64_t image_id = g.image;  // (a structured binding cannot be captured before C++20's clang 16)
        VIGIL_RETURN_IF_ERROR(Each(img, [&] {
          j = {{"id", image_id},
               {"key", img.Text(0)},
               {"name", img.Text(1)},
               {"config_digest", img.Text(2)},
               {"manifest_digest", img.Text(3)},
               {"tags", nlohmann::json::parse(std::string(img.Text(4)), nullptr, false)}};
        }));
        images[g.image] = std::move(j);
      }
      g.containers = running[g.image];
      order.push_back(&g);
    }
    // Running containers first, then severity; stable by kind, vulnerability and image.
    std::stable_sort(order.begin(), order.end(), [](const Group* a, const Group* b) {
      if (a->containers.size() != b->containers.size()) return a->containers.size() > b->containers.size();
      return a->rank > b->rank;
    });
    Stmt ins = conn->Prepare(
        "INSERT INTO alert(key, kind, vuln, image, created, payload) VALUES(?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(key) DO NOTHING");
    std::string now = NowRfc3339();
    static std::atomic<uint64_t> adhoc{0};
    size_t queued = 0;
    for (const Group* g : order) {
      const nlohmann::json& image = images[g->image];
      std::string image_key = image.is_object() && image.contains("key") ? image["key"].get<std::string>() : "";
      std::string basis = g->kind + "\n" + g->vuln + "\n" + image_key + "\n" +
                          (cursor >= 0 ? "cursor:" + std::to_string(cursor)
                                       : "adhoc:" + now + ":" + std::to_string(adhoc.fetch_add(1)));
      std::string key = Sha256Digest(basis).substr(7);
      nlohmann::json packages = nlohmann::json::array();
      std::string severity;
      int best = -1;
      for (const StoredFinding* f : g->findings) {
        packages.push_back({{"name", f->package},
                            {"version", f->version},
                            {"fix", f->fix},
                            {"purl", f->purl},
                            {"layer", f->layer},
                            {"severity", f->severity}});
        if (SeverityRank(f->severity) > best) {
          best = SeverityRank(f->severity);
          severity = f->severity;
        }
      }
      nlohmann::json containers = nlohmann::json::array();
      for (const ContainerRow& c : g->containers) {
        containers.push_back({{"runtime", c.runtime},
                              {"id", c.id},
                              {"name", c.name},
                              {"namespace", c.namespace_},
                              {"pod", c.pod},
                              {"node", c.node}});
      }
      nlohmann::json j{{"idempotency_key", key},
                       {"kind", g->kind},
                       {"vulnerability", g->vuln},
                       {"severity", severity},
                       {"image", image},
                       {"packages", std::move(packages)},
                       {"running", g->containers.size()},
                       {"containers", std::move(containers)},
                       {"created", now}};
      if (cursor >= 0) j["db_cursor"] = cursor;
      std::string payload = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      ins.Bind(1, key).Bind(2, g->kind).Bind(3, g->vuln).Bind(4, g->image).Bind(5, now).Bind(6, payload);
      auto n = ins.Run();
      if (!n.ok()) return n.error().Context(path + ": queue alert");
      queued += static_cast<size_t>(*n);
    }
    return queued;
  }

  Result<std::vector<StoredFinding>> Query(sql::Conn& c, const std::string& sql_text,
                                           const std::function<void(Stmt&)>& bind) {
    Stmt s = c.Prepare(sql_text);
    bind(s);
    std::vector<StoredFinding> out;
    Status st = Each(s, [&] { out.push_back(RowOf(s)); });
    if (!st.ok()) return st.error().Context(path + ": query findings");
    return out;
  }

  Result<std::vector<Alert>> AlertsAfter(sql::Conn& c, int64_t after_seq, size_t limit) {
    Stmt s =
        c.Prepare("SELECT seq, key, kind, vuln, image, created, payload FROM alert WHERE seq > ? ORDER BY seq LIMIT ?");
    s.Bind(1, after_seq).Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    std::vector<Alert> out;
    Status st = Each(s, [&] {
      out.push_back({s.Int(0), std::string(s.Text(1)), std::string(s.Text(2)), std::string(s.Text(3)), s.Int(4),
                     std::string(s.Text(5)), std::string(s.Text(6))});
    });
    if (!st.ok()) return st.error().Context(path + ": list alerts");
    return out;
  }

  // The channel's row into `out`, added (starting after the newest alert) when it is new. With
  // `lock` (inside a transaction on PostgreSQL), the row is locked FOR UPDATE SKIP LOCKED: false
  // when another session holds it.
  Result<bool> ChannelRow(sql::Conn& c, const std::string& name, bool lock, ChannelState* out) {
    Stmt ins = c.Prepare(
        "INSERT INTO channel(name, delivered) VALUES(?, (SELECT coalesce(max(seq), 0) FROM alert)) "
        "ON CONFLICT(name) DO NOTHING");
    ins.Bind(1, name);
    VIGIL_RETURN_IF_ERROR(Run(ins, path + ": add channel"));
    Stmt s = c.Prepare(std::string("SELECT delivered, attempts, next_attempt, last_error FROM channel WHERE name = ?") +
                       (lock ? " FOR UPDATE SKIP LOCKED" : ""));
    s.Bind(1, name);
    bool found = false;
    Status st = Each(s, [&] {
      found = true;
      *out = ChannelState{name, s.Int(0), s.Int(1), s.Int(2), std::string(s.Text(3))};
    });
    if (!st.ok()) return st.error().Context(path + ": read channel");
    if (!found && !lock) return IoError(path + ": channel " + name + " vanished");
    return found;
  }

  static Status MarkDelivered(sql::Conn& c, const std::string& name, int64_t seq) {
    Stmt s = c.Prepare(
        "UPDATE channel SET delivered = CASE WHEN delivered > ?1 THEN delivered ELSE ?1 END, attempts = 0, "
        "next_attempt = 0, last_error = '' WHERE name = ?2");
    s.Bind(1, seq).Bind(2, name);
    return Run(s, c.where() + ": mark delivered");
  }
  static Status MarkFailed(sql::Conn& c, const std::string& name, const std::string& error, int64_t next_ms) {
    Stmt s = c.Prepare("UPDATE channel SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE name = ?");
    s.Bind(1, next_ms).Bind(2, error.substr(0, 1000)).Bind(3, name);
    return Run(s, c.where() + ": mark failed");
  }

  // Runs the migrations of the connection's dialect from the store's version to kSchema.
  Status Migrate();
};

// Runs the migrations of `conn`'s dialect from the store's version to kSchema. PostgreSQL: under a
// session advisory lock, so that servers starting together migrate once.
Status FleetStore::Impl::Migrate() {
  Impl& im = *this;
  sql::Conn& c = *im.conn;
  const std::string& where = im.path;
  if (im.pg()) {
    // Wait for another server's migration (a few seconds at most) rather than fail.
    bool got = false;
    for (int i = 0; i < 300 && !got; ++i) {
      VIGIL_ASSIGN_OR_RETURN(got, c.TryLock(kMigrationLock));
      if (!got) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!got) return Unavailable(where + ": another server holds the migration lock for more than 30 s");
  }
  Status st = [&]() -> Status {
    VIGIL_RETURN_IF_ERROR(c.Exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)"));
    // A database with tables but no fleet schema version is someone else's.
    Stmt v = c.Prepare("SELECT value FROM meta WHERE key = 'fleet_schema'");
    int found = 0;
    bool versioned = false;
    VIGIL_RETURN_IF_ERROR(FleetStore::Impl::Each(v, [&] {
      versioned = true;
      found = std::atoi(std::string(v.Text(0)).c_str());
    }));
    if (!versioned) {
      Stmt tables = c.Prepare(im.pg() ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                                        "current_schema() AND table_name != 'meta'"
                                      : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name != 'meta'");
      VIGIL_ASSIGN_OR_RETURN(int64_t n, FleetStore::Impl::One(tables, 0, 0));
      if (n > 0) return Corrupt(where + " is not a fleet store (it has tables but no fleet schema version)");
    }
    if (found > kSchema) {
      return Corrupt(where + " was written by a newer vigil (fleet schema " + std::to_string(found) +
                     "; this vigil reads up to " + std::to_string(kSchema) + "): update vigil");
    }
    std::span<const Migration> steps =
        im.pg() ? std::span<const Migration>(kPostgresMigrations) : std::span<const Migration>(kSqliteMigrations);
    for (const Migration& m : steps) {
      if (m.to <= found) continue;
      Status ms = im.InTransaction([&]() -> Status {
        VIGIL_RETURN_IF_ERROR(c.Exec(m.sql));
        Stmt set = c.Prepare(
            "INSERT INTO meta(key, value) VALUES('fleet_schema', ?) ON CONFLICT(key) DO UPDATE SET value = "
            "excluded.value");
        set.Bind(1, std::to_string(m.to));
        return FleetStore::Impl::Run(set, "record the schema version");
      });
      if (!ms.ok()) {
        return ms.error().Context(where + ": migration " + std::to_string(found) + " -> " + std::to_string(m.to));
      }
      found = m.to;
    }
    return OkStatus();
  }();
  if (im.pg()) (void)c.Unlock(kMigrationLock);
  return st;
}

FleetStore::FleetStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FleetStore::~FleetStore() = default;
int FleetStore::SchemaVersion() { return kSchema; }

Result<std::unique_ptr<FleetStore>> FleetStore::Open(const std::string& store) {
  auto impl = std::make_unique<Impl>();
  auto conn = sql::Open(store);
  if (!conn.ok()) return conn.error();
  impl->conn = std::move(*conn);
  impl->path = impl->conn->where();
  if (impl->pg()) impl->url = store;
  if (Status st = impl->Migrate(); !st.ok()) {
    if (st.error().code() == ErrorCode::kIo && !impl->pg()) {
      return Corrupt(impl->path + " is not a fleet store (" + st.error().message() + ")");
    }
    return st.error();
  }
  auto reader = sql::Open(store);
  if (!reader.ok()) return reader.error();
  impl->reader = std::move(*reader);
  return std::unique_ptr<FleetStore>(new FleetStore(std::move(impl)));
}

bool FleetStore::shared() const { return impl_->pg(); }

Result<int64_t> FleetStore::PutImage(const catalog::Inventory& inventory, const std::vector<match::Finding>& findings,
                                     size_t unchecked) {
  Impl& im = *impl_;
  for (const match::Finding& f : findings) {
    if (f.package >= inventory.packages.size()) return InvalidArgument("a finding names no package of the inventory");
  }
  std::string key = KeyOf(inventory);
  std::string doc = sbom::Write(sbom::Format::kJson, inventory, sbom::WriteOptions{});
  nlohmann::json tags = inventory.image.tags;
  std::string name = !inventory.image.tags.empty() ? inventory.image.tags.front() : inventory.image.source;
  std::vector<std::string> lookup_names;  // per package: the name the matcher looks it up by ("" none)
  for (const catalog::Package& p : inventory.packages) lookup_names.push_back(LookupName(inventory.distro, p));
  std::lock_guard lock(im.mu);
  int64_t id = 0;
  Status st = im.InTransaction([&]() -> Status {
    Stmt find = im.conn->Prepare("SELECT id FROM image WHERE key = ?");
    find.Bind(1, key);
    VIGIL_ASSIGN_OR_RETURN(id, Impl::One(find, 0, 0));
    if (id != 0) {
      VIGIL_RETURN_IF_ERROR(im.DeleteFindings(id, nullptr));
      for (const char* sql_text : {"DELETE FROM package WHERE image = ?", "DELETE FROM image_tag WHERE image = ?"}) {
        Stmt del = im.conn->Prepare(sql_text);
        del.Bind(1, id);
        VIGIL_RETURN_IF_ERROR(Impl::Run(del, "replace image"));
      }
      Stmt up = im.conn->Prepare(
          "UPDATE image SET manifest_digest = ?, config_digest = ?, name = ?, tags = ?, distro = ?, packages = ?, "
          "inventory = ?, added = ?, complete = ?, unchecked = ? WHERE id = ?");
      up.Bind(1, inventory.image.manifest_digest).Bind(2, inventory.image.config_digest).Bind(3, name);
      up.Bind(4, tags.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      up.Bind(5, DistroDoc(inventory.distro));
      up.Bind(6, static_cast<int64_t>(inventory.packages.size()));
      up.BindBlob(7, doc).Bind(8, NowRfc3339());
      up.Bind(9, int64_t{inventory.unread.empty() ? 1 : 0}).Bind(10, static_cast<int64_t>(unchecked)).Bind(11, id);
      VIGIL_RETURN_IF_ERROR(Impl::Run(up, im.path + ": update image"));
    } else {
      Stmt ins = im.conn->Prepare(
          "INSERT INTO image(key, manifest_digest, config_digest, name, tags, distro, packages, inventory, added, "
          "complete, unchecked) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
      ins.Bind(1, key).Bind(2, inventory.image.manifest_digest).Bind(3, inventory.image.config_digest).Bind(4, name);
      ins.Bind(5, tags.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      ins.Bind(6, DistroDoc(inventory.distro));
      ins.Bind(7, static_cast<int64_t>(inventory.packages.size()));
      ins.BindBlob(8, doc).Bind(9, NowRfc3339());
      ins.Bind(10, int64_t{inventory.unread.empty() ? 1 : 0}).Bind(11, static_cast<int64_t>(unchecked));
      VIGIL_ASSIGN_OR_RETURN(id, Impl::One(ins, 0, 0));
      if (id == 0) return IoError(im.path + ": insert image: no id returned");
    }
    Stmt tag_ins = im.conn->Prepare("INSERT INTO image_tag(tag, image) VALUES(?, ?) ON CONFLICT DO NOTHING");
    for (const std::string& t : inventory.image.tags) {
      tag_ins.Bind(1, t).Bind(2, id);
      VIGIL_RETURN_IF_ERROR(Impl::Run(tag_ins, im.path + ": insert tag"));
    }
    Stmt pkg_ins = im.conn->Prepare("INSERT INTO package(image, idx, name, doc) VALUES(?, ?, ?, ?)");
    for (size_t i = 0; i < inventory.packages.size(); ++i) {
      const std::string& lookup = lookup_names[i];
      if (lookup.empty()) continue;  // never looked up (no ecosystem covers it): no finding can change
      pkg_ins.Bind(1, id).Bind(2, static_cast<int64_t>(i)).Bind(3, lookup).Bind(4, PackageDoc(inventory.packages[i]));
      VIGIL_RETURN_IF_ERROR(Impl::Run(pkg_ins, im.path + ": insert index row"));
    }
    for (const match::Finding& f : findings) VIGIL_RETURN_IF_ERROR(im.InsertFinding(id, inventory, f, nullptr));
    return OkStatus();
  });
  if (!st.ok()) return st.error();
  return id;
}

Result<std::vector<ImageSummary>> FleetStore::Images() {
  Impl& im = *impl_;
  std::lock_guard lock(im.read_mu);
  return im.Retry([&]() -> Result<std::vector<ImageSummary>> {
    Stmt s = im.reader->Prepare(std::string("SELECT ") + Impl::kSummaryColumns + " FROM image ORDER BY id");
    std::vector<ImageSummary> out;
    Status st = Impl::Each(s, [&] { out.push_back(Impl::SummaryOf(s)); });
    if (!st.ok()) return st.error().Context(im.path + ": list images");
    return out;
  });
}

Result<catalog::Inventory> FleetStore::InventoryOf(int64_t id) {
  Impl& im = *impl_;
  std::string doc;
  bool found = false;
  {
    std::lock_guard lock(im.read_mu);
    Status st = im.Retry([&]() -> Status {
      Stmt s = im.reader->Prepare("SELECT inventory FROM image WHERE id = ?");
      s.Bind(1, id);
      return Impl::Each(s, [&] {
        found = true;
        doc = s.Blob(0);
      });
    });
    if (!st.ok()) return st.error().Context(im.path + ": read inventory");
  }
  if (!found) return NotFound("no image " + std::to_string(id) + " in " + im.path);
  auto inv = sbom::ReadSbom(doc, im.path + ": image " + std::to_string(id));
  if (!inv.ok()) return Corrupt(inv.error().message());
  return std::move(*inv);
}

Result<std::vector<StoredFinding>> FleetStore::Findings(int64_t id) {
  std::lock_guard lock(impl_->read_mu);
  std::string sql_text = std::string("SELECT ") + kFindingColumns + " FROM finding WHERE image = ? ORDER BY vuln, purl";
  return impl_->Retry([&] { return impl_->Query(*impl_->reader, sql_text, [&](Stmt& s) { s.Bind(1, id); }); });
}

Result<std::vector<StoredFinding>> FleetStore::Affected(std::string_view vuln_id) {
  std::lock_guard lock(impl_->read_mu);
  std::string sql_text =
      std::string("SELECT ") + kFindingColumns +
      " FROM finding WHERE (image, vuln, purl) IN (SELECT image, vuln, purl FROM finding_id WHERE id = ?)"
      " ORDER BY image, vuln, purl";
  return impl_->Retry([&] { return impl_->Query(*impl_->reader, sql_text, [&](Stmt& s) { s.Bind(1, vuln_id); }); });
}

Result<Delta> FleetStore::Reevaluate(vulndb::Store& db, const vulndb::Index& index,
                                     const std::vector<std::string>& changed_ids, const ReevaluateOptions& ro) {
  IndexForNames given = [&index](const std::vector<std::string>&) -> Result<std::shared_ptr<const vulndb::Index>> {
    return std::shared_ptr<const vulndb::Index>(&index, [](const vulndb::Index*) {});
  };
  return Reevaluate(db, given, changed_ids, ro);
}
Result<Delta> FleetStore::Reevaluate(vulndb::Store& db, const IndexForNames& index_for,
                                     const std::vector<std::string>& changed_ids, const ReevaluateOptions& ro) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  const match::MatchOptions& options = ro.match;
  Delta delta;
  auto mark = std::chrono::steady_clock::now();
  auto phase = [&](const char* name) {
    auto now = std::chrono::steady_clock::now();
    delta.phases.emplace_back(name, std::chrono::duration<double>(now - mark).count());
    mark = now;
  };
  // 1. The package names the changed advisories concern: from their records, and (for records
  //    withdrawn or gone) from the stored findings they contributed to.
  std::set<std::string> names;
  vulndb::OsvParser parser;
  Stmt stored_names = im.conn->Prepare(
      "SELECT DISTINCT f.matched_name FROM finding_id i JOIN finding f "
      "ON (f.image, f.vuln, f.purl) = (i.image, i.vuln, i.purl) WHERE i.id = ?");
  for (const std::string& id : changed_ids) {
    VIGIL_ASSIGN_OR_RETURN(std::optional<std::string> text, db.GetJson(id));
    if (text) {
      // A stored record that no longer parses would leave its packages unevaluated: an error,
      // never an empty delta.
      auto a = parser.Parse(*text, id);
      if (!a.ok()) return Corrupt(db.path() + ": changed advisory " + id + " does not parse: " + a.error().message());
      for (const vulndb::Affected& af : a->affected) {
        if (!af.normalized_name.empty()) names.insert(af.normalized_name);
      }
    }
    stored_names.Bind(1, id);
    Status st = Impl::Each(stored_names, [&] { names.emplace(stored_names.Text(0)); });
    if (!st.ok()) return st.error().Context(im.path + ": read findings");
  }
  delta.names = names.size();
  phase("names");
  {
    Stmt count = im.conn->Prepare("SELECT count(*) FROM image");
    VIGIL_ASSIGN_OR_RETURN(int64_t n, Impl::One(count, 0, 0));
    delta.images_in_fleet = static_cast<size_t>(n);
  }
  if (names.empty()) {
    if (ro.cursor >= 0) VIGIL_RETURN_IF_ERROR(im.SetCursor(ro.cursor));
    return delta;
  }

  // 2. The inverted index: the packages of those names, per image, with the image's distribution.
  //    Images whose packages of those names are the same (one distribution, the same stored
  //    package documents: copies of one base, a shared layer) form a group, matched once.
  struct Candidate {
    std::string distro;
    std::vector<std::string> docs;  // by name, then by index in the inventory
  };
  std::map<int64_t, Candidate> candidates;
  Stmt rows = im.conn->Prepare(
      "SELECT p.image, p.doc, i.distro FROM package p JOIN image i ON i.id = p.image WHERE p.name = ? "
      "ORDER BY p.image, p.idx");
  for (const std::string& n : names) {
    rows.Bind(1, n);
    Status st = Impl::Each(rows, [&] {
      Candidate& c = candidates[rows.Int(0)];
      if (c.docs.empty()) c.distro = std::string(rows.Text(2));
      c.docs.emplace_back(rows.Text(1));
    });
    if (!st.ok()) return st.error().Context(im.path + ": read the index");
  }
  delta.images_evaluated = candidates.size();
  phase("index rows");
  // The advisories of those names are needed only when an image has one of them.
  std::shared_ptr<const vulndb::Index> index_ptr;
  if (!candidates.empty()) {
    VIGIL_ASSIGN_OR_RETURN(index_ptr, index_for(std::vector<std::string>(names.begin(), names.end())));
    if (index_ptr == nullptr) return InvalidArgument("no advisory index for the names concerned");
  }
  phase("index");
  struct Group {
    catalog::Inventory inv;  // the distribution and only the packages of those names
    std::vector<match::Finding> found;
    std::vector<std::string> ids, severity;  // IdsOf and SeverityOf each found finding, made once
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, size_t> group_of_key;
  std::map<int64_t, size_t> group_of_image;
  std::unordered_map<std::string, catalog::Package> parsed;  // by document text
  for (auto& [image, c] : candidates) {
    std::string key = c.distro;
    key += '\x1e';
    for (const std::string& d : c.docs) {
      key += d;
      key += '\x1f';
    }
    auto [it, fresh] = group_of_key.try_emplace(std::move(key), groups.size());
    if (fresh) {
      Group g;
      g.inv.distro = DistroFromDoc(c.distro);
      for (const std::string& d : c.docs) {
        auto known = parsed.find(d);
        if (known == parsed.end()) {
          catalog::Package p;
          if (!PackageFromDoc(d, p)) {
            return Corrupt(im.path + ": image " + std::to_string(image) + ": a stored package does not read back");
          }
          known = parsed.emplace(d, std::move(p)).first;
        }
        g.inv.packages.push_back(known->second);
      }
      groups.push_back(std::move(g));
    }
    group_of_image[image] = it->second;
  }
  for (Group& g : groups) {
    VIGIL_ASSIGN_OR_RETURN(g.found, match::Match(g.inv, *index_ptr, options));
    for (const match::Finding& f : g.found) {
      g.ids.push_back(IdsOf(f));
      g.severity.push_back(SeverityOf(f));
    }
  }
  delta.groups = groups.size();
  phase("match");

  // 3. The stored findings of those names, all images at once; per image, what the group's match
  //    gives now against them is the delta. Only what differs is written: a finding that holds
  //    before and after is left as it is (or updated in place when its fix or version changed).
  using Key = std::pair<std::string, std::string>;  // (vulnerability, purl)
  struct Before {
    StoredFinding row;
    std::string ids;
  };
  std::map<int64_t, std::map<Key, Before>> before_of;
  {
    std::string sql_text = std::string("SELECT ") + kFindingColumns + ", ids FROM finding WHERE matched_name = ?";
    Stmt old_q = im.conn->Prepare(sql_text);
    for (const std::string& n : names) {
      old_q.Bind(1, n);
      Status st = Impl::Each(old_q, [&] {
        StoredFinding f = RowOf(old_q);
        std::string ids(old_q.Text(9));
        Key key(f.vuln, f.purl);
        before_of[f.image].emplace(std::move(key), Before{std::move(f), std::move(ids)});
      });
      if (!st.ok()) return st.error().Context(im.path + ": read findings");
    }
  }
  phase("findings read");
  std::set<int64_t> touched;
  for (const auto& [image, c] : candidates) touched.insert(image);
  for (const auto& [image, b] : before_of) touched.insert(image);

  Stmt del_row = im.conn->Prepare("DELETE FROM finding WHERE image = ? AND vuln = ? AND purl = ?");
  Stmt del_ids = im.conn->Prepare("DELETE FROM finding_id WHERE image = ? AND vuln = ? AND purl = ?");
  Stmt update = im.conn->Prepare(
      "UPDATE finding SET matched_name = ?, package = ?, version = ?, fix = ?, layer = ?, ids = ?, "
      "severity = ? WHERE image = ? AND vuln = ? AND purl = ?");
  const std::map<Key, Before> kNone;
  // The transaction starts at the first write: a re-evaluation that changes nothing writes nothing.
  bool begun = false;
  auto begin = [&]() -> Status {
    if (begun) return OkStatus();
    begun = true;
    return im.conn->Begin();
  };
  Status st = [&]() -> Status {
    for (int64_t image : touched) {
      auto b = before_of.find(image);
      const std::map<Key, Before>& before = b == before_of.end() ? kNone : b->second;
      std::set<Key> now;
      auto g = group_of_image.find(image);
      if (g != group_of_image.end()) {
        const Group& group = groups[g->second];
        for (size_t fi = 0; fi < group.found.size(); ++fi) {
          const match::Finding& f = group.found[fi];
          if (names.count(f.matched_name) == 0) continue;
          const catalog::Package& p = group.inv.packages[f.package];
          Key key(f.id, p.purl);
          now.insert(key);
          auto it = before.find(key);
          if (it == before.end()) {
            VIGIL_RETURN_IF_ERROR(begin());
            VIGIL_RETURN_IF_ERROR(im.InsertFinding(image, group.inv, f, &delta.added));
            continue;
          }
          const StoredFinding& o = it->second.row;
          const std::string& ids = group.ids[fi];
          bool ids_changed = it->second.ids != ids;
          const std::string& severity = group.severity[fi];
          if (ids_changed || o.fix != f.fix || o.version != f.installed_version || o.layer != p.layer ||
              o.matched_name != f.matched_name || o.severity != severity) {
            VIGIL_RETURN_IF_ERROR(begin());
            update.Bind(1, f.matched_name).Bind(2, p.name).Bind(3, f.installed_version).Bind(4, f.fix);
            update.Bind(5, static_cast<int64_t>(p.layer)).Bind(6, ids).Bind(7, severity).Bind(8, image);
            update.Bind(9, key.first).Bind(10, key.second);
            VIGIL_RETURN_IF_ERROR(Impl::Run(update, "update finding"));
          }
          if (ids_changed) {
            // The ids that name it changed (a new alias, an advisory more or less): written again.
            del_ids.Bind(1, image).Bind(2, key.first).Bind(3, key.second);
            VIGIL_RETURN_IF_ERROR(Impl::Run(del_ids, "delete finding ids"));
            VIGIL_RETURN_IF_ERROR(im.InsertIds(image, key.first, key.second, f));
          }
        }
      }
      for (const auto& [key, f] : before) {
        if (now.count(key) != 0) continue;
        VIGIL_RETURN_IF_ERROR(begin());
        for (Stmt* d : {&del_ids, &del_row}) {
          d->Bind(1, image).Bind(2, key.first).Bind(3, key.second);
          VIGIL_RETURN_IF_ERROR(Impl::Run(*d, "delete finding"));
        }
        delta.resolved.push_back(f.row);
      }
    }
    if (ro.queue_alerts && (!delta.added.empty() || !delta.resolved.empty())) {
      VIGIL_RETURN_IF_ERROR(begin());
      VIGIL_ASSIGN_OR_RETURN(delta.alerts, im.QueueAlerts(delta, ro.cursor));
    }
    if (ro.cursor >= 0) {
      VIGIL_RETURN_IF_ERROR(begin());
      VIGIL_RETURN_IF_ERROR(im.SetCursor(ro.cursor));
    }
    return begun ? im.conn->Commit() : OkStatus();
  }();
  if (!st.ok()) {
    if (begun) (void)im.conn->Rollback();
    delta.added.clear();
    delta.resolved.clear();
    delta.alerts = 0;
    return st.error();
  }
  phase("write");
  return delta;
}

Result<int64_t> FleetStore::Cursor() {
  Impl& im = *impl_;
  std::lock_guard lock(im.read_mu);
  return im.Retry([&]() -> Result<int64_t> {
    Stmt s = im.reader->Prepare("SELECT value FROM meta WHERE key = 'vulndb_cursor'");
    int64_t v = 0;
    Status st = Impl::Each(s, [&] { v = static_cast<int64_t>(std::atoll(std::string(s.Text(0)).c_str())); });
    if (!st.ok()) return st.error().Context(im.path + ": read the cursor");
    return v;
  });
}

Status FleetStore::SetCursor(int64_t seq) {
  std::lock_guard lock(impl_->mu);
  return impl_->Retry([&] { return impl_->SetCursor(seq); });
}

Result<ImageSummary> FleetStore::FindImage(std::string_view ref) {
  Impl& im = *impl_;
  std::lock_guard lock(im.read_mu);
  if (ref.empty()) return NotFound("no image named ''");
  std::string sql_text =
      std::string("SELECT ") + Impl::kSummaryColumns +
      " FROM image WHERE "
      "CAST(id AS TEXT) = ?1 OR key = ?1 OR config_digest = ?1 OR manifest_digest = ?1 OR name = ?1 OR "
      "EXISTS (SELECT 1 FROM image_tag t WHERE t.image = image.id AND t.tag = ?1) ORDER BY id DESC LIMIT 1";
  std::optional<ImageSummary> found;
  Status st = im.Retry([&]() -> Status {
    Stmt s = im.reader->Prepare(sql_text);
    s.Bind(1, ref);
    return Impl::Each(s, [&] { found = Impl::SummaryOf(s); });
  });
  if (!st.ok()) return st.error().Context(im.path + ": find image");
  if (!found) return NotFound("no image '" + std::string(ref) + "' in the fleet");
  return std::move(*found);
}

Status FleetStore::RemoveImage(int64_t id) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  return im.InTransaction([&]() -> Status {
    VIGIL_RETURN_IF_ERROR(im.DeleteFindings(id, nullptr));
    for (const char* sql_text : {"DELETE FROM package WHERE image = ?", "DELETE FROM image_tag WHERE image = ?"}) {
      Stmt del = im.conn->Prepare(sql_text);
      del.Bind(1, id);
      VIGIL_RETURN_IF_ERROR(Impl::Run(del, im.path + ": remove image"));
    }
    Stmt del = im.conn->Prepare("DELETE FROM image WHERE id = ?");
    del.Bind(1, id);
    auto n = del.Run();
    if (!n.ok()) return n.error().Context(im.path + ": remove image");
    if (*n == 0) return NotFound("no image " + std::to_string(id) + " in the fleet");
    return OkStatus();
  });
}

Status FleetStore::ReplaceContainers(const std::string& runtime, const std::vector<ContainerRow>& containers) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  return im.InTransaction([&]() -> Status {
    Stmt del = im.conn->Prepare("DELETE FROM container WHERE runtime = ?");
    del.Bind(1, runtime);
    VIGIL_RETURN_IF_ERROR(Impl::Run(del, im.path + ": replace containers"));
    for (ContainerRow c : containers) {
      c.runtime = runtime;
      VIGIL_RETURN_IF_ERROR(im.PutContainer(c));
    }
    return im.MarkRuntime(runtime, "ok", "");
  });
}

Status FleetStore::PutContainer(const ContainerRow& c) {
  std::lock_guard lock(impl_->mu);
  return impl_->Retry([&] { return impl_->PutContainer(c); });
}

Status FleetStore::RemoveContainer(const std::string& runtime, const std::string& id) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  return im.Retry([&]() -> Status {
    Stmt del = im.conn->Prepare("DELETE FROM container WHERE runtime = ? AND id = ?");
    del.Bind(1, runtime).Bind(2, id);
    return Impl::Run(del, im.path + ": remove container");
  });
}

Status FleetStore::ReplacePodContainers(const std::string& runtime, const std::string& namespace_,
                                        const std::string& pod, const std::vector<ContainerRow>& containers) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  return im.InTransaction([&]() -> Status {
    Stmt del = im.conn->Prepare("DELETE FROM container WHERE runtime = ? AND namespace = ? AND pod = ?");
    del.Bind(1, runtime).Bind(2, namespace_).Bind(3, pod);
    VIGIL_RETURN_IF_ERROR(Impl::Run(del, im.path + ": replace pod containers"));
    for (ContainerRow c : containers) {
      c.runtime = runtime;
      VIGIL_RETURN_IF_ERROR(im.PutContainer(c));
    }
    return OkStatus();
  });
}

Status FleetStore::MarkRuntime(const std::string& runtime, const std::string& state, const std::string& reason) {
  std::lock_guard lock(impl_->mu);
  return impl_->Retry([&] { return impl_->MarkRuntime(runtime, state, reason); });
}

Result<std::vector<ContainerRow>> FleetStore::Containers(std::string_view namespace_) {
  Impl& im = *impl_;
  std::lock_guard lock(im.read_mu);
  std::string sql_text = std::string("SELECT ") + Impl::kContainerColumns +
                         " FROM container c WHERE ?1 = '' OR c.namespace = ?1 ORDER BY c.runtime, c.name, c.id";
  std::string ns(namespace_);  // a default string_view would bind NULL
  return im.Retry([&] { return im.QueryContainers(*im.reader, sql_text, [&](Stmt& s) { s.Bind(1, ns); }); });
}

Result<std::vector<ContainerRow>> FleetStore::ContainersOf(int64_t image) {
  std::lock_guard lock(impl_->read_mu);
  return impl_->Retry([&] { return impl_->ContainersOf(*impl_->reader, image); });
}

Result<std::vector<RuntimeState>> FleetStore::Runtimes() {
  Impl& im = *impl_;
  std::lock_guard lock(im.read_mu);
  return im.Retry([&]() -> Result<std::vector<RuntimeState>> {
    Stmt s = im.reader->Prepare(
        "SELECT name, state, reason, updated, (SELECT count(*) FROM container c WHERE c.runtime = runtime.name) "
        "FROM runtime ORDER BY name");
    std::vector<RuntimeState> out;
    Status st = Impl::Each(s, [&] {
      out.push_back({std::string(s.Text(0)), std::string(s.Text(1)), std::string(s.Text(2)), std::string(s.Text(3)),
                     static_cast<size_t>(s.Int(4))});
    });
    if (!st.ok()) return st.error().Context(im.path + ": list runtimes");
    return out;
  });
}

Result<std::string> FleetStore::CreateToken(const std::string& name, const std::vector<std::string>& scopes,
                                            int64_t* id) {
  Impl& im = *impl_;
  if (name.empty() || name.size() > 200) return InvalidArgument("a token needs a name of 1 to 200 bytes");
  if (scopes.empty()) return InvalidArgument("a token needs at least one scope (read, write, admin, sensor)");
  std::set<std::string> set;
  for (const std::string& sc : scopes) {
    bool known = false;
    for (const char* k : kScopes) known = known || sc == k;
    if (!known) return InvalidArgument("unknown scope '" + sc + "' (read, write, admin, sensor)");
    set.insert(sc);
  }
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) return InternalError("no random bytes for a token");
  static const char* kHex = "0123456789abcdef";
  std::string secret = "vgl_";
  for (unsigned char b : raw) {
    secret += kHex[b >> 4];
    secret += kHex[b & 15];
  }
  std::string scope_text;
  for (const std::string& sc : set) scope_text += (scope_text.empty() ? "" : " ") + sc;
  std::lock_guard lock(im.mu);
  auto made = im.Retry([&]() -> Result<int64_t> {
    Stmt ins = im.conn->Prepare("INSERT INTO token(name, hash, scopes, created) VALUES(?, ?, ?, ?) RETURNING id");
    ins.Bind(1, name).Bind(2, Sha256Digest(secret)).Bind(3, scope_text).Bind(4, NowRfc3339());
    auto n = Impl::One(ins, 0, 0);
    if (!n.ok()) return n.error().Context(im.path + ": create token");
    return n;
  });
  if (!made.ok()) return made.error();
  if (id != nullptr) *id = *made;
  return secret;
}

Result<TokenInfo> FleetStore::CheckToken(std::string_view secret) {
  Impl& im = *impl_;
  if (secret.size() > 256) return NotFound("unknown token");
  std::string hash = Sha256Digest(secret);
  std::lock_guard lock(im.read_mu);
  // Looked up by the secret's hash (what an index lookup reveals by its timing is a hash prefix,
  // not the secret's); the stored hash is then compared in constant time.
  std::optional<TokenInfo> found;
  std::string stored;
  Status st = im.Retry([&]() -> Status {
    Stmt s = im.reader->Prepare("SELECT id, name, scopes, created, last_used, revoked, hash FROM token WHERE hash = ?");
    s.Bind(1, hash);
    return Impl::Each(s, [&] {
      found = Impl::TokenOf(s);
      stored = std::string(s.Text(6));
    });
  });
  if (!st.ok()) return st.error().Context(im.path + ": check token");
  if (!found) return NotFound("unknown token");
  if (stored.size() != hash.size() || CRYPTO_memcmp(stored.data(), hash.data(), hash.size()) != 0) {
    return NotFound("unknown token");
  }
  if (found->revoked) return NotFound("revoked token");
  return std::move(*found);
}

Result<std::vector<TokenInfo>> FleetStore::Tokens() {
  Impl& im = *impl_;
  std::lock_guard lock(im.read_mu);
  return im.Retry([&]() -> Result<std::vector<TokenInfo>> {
    Stmt s = im.reader->Prepare("SELECT id, name, scopes, created, last_used, revoked FROM token ORDER BY id");
    std::vector<TokenInfo> out;
    Status st = Impl::Each(s, [&] { out.push_back(Impl::TokenOf(s)); });
    if (!st.ok()) return st.error().Context(im.path + ": list tokens");
    return out;
  });
}

Status FleetStore::RevokeToken(int64_t id) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  return im.Retry([&]() -> Status {
    Stmt s = im.conn->Prepare("UPDATE token SET revoked = 1 WHERE id = ?");
    s.Bind(1, id);
    auto n = s.Run();
    if (!n.ok()) return n.error().Context(im.path + ": revoke token");
    if (*n == 0) return NotFound("no token " + std::to_string(id));
    return OkStatus();
  });
}

Result<std::vector<Alert>> FleetStore::Alerts(int64_t after_seq, size_t limit) {
  Impl& im = *impl_;
  std::lock_guard lock(im.read_mu);
  return im.Retry([&] { return im.AlertsAfter(*im.reader, after_seq, limit); });
}

Result<ChannelState> FleetStore::Channel(const std::string& name) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  return im.Retry([&]() -> Result<ChannelState> {
    ChannelState c;
    VIGIL_RETURN_IF_ERROR(im.ChannelRow(*im.conn, name, false, &c).status());
    return c;
  });
}

Status FleetStore::MarkDelivered(const std::string& name, int64_t seq) {
  std::lock_guard lock(impl_->mu);
  return impl_->Retry([&] { return Impl::MarkDelivered(*impl_->conn, name, seq); });
}

Status FleetStore::MarkFailed(const std::string& name, const std::string& error, int64_t next_attempt_ms) {
  std::lock_guard lock(impl_->mu);
  return impl_->Retry([&] { return Impl::MarkFailed(*impl_->conn, name, error, next_attempt_ms); });
}

// ---- Delivery claims ----

struct FleetStore::ChannelClaim::Impl {
  FleetStore::Impl* store = nullptr;
  std::unique_lock<std::mutex> hold;  // PostgreSQL: the deliverer's session, for the claim's life
  ChannelState state;
  bool open = false;  // PostgreSQL: a transaction holds the row
};

FleetStore::ChannelClaim::ChannelClaim(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FleetStore::ChannelClaim::~ChannelClaim() {
  if (impl_ && impl_->open) (void)impl_->store->deliver->Rollback();
}
const ChannelState& FleetStore::ChannelClaim::state() const { return impl_->state; }

Result<std::vector<Alert>> FleetStore::ChannelClaim::Alerts(size_t limit) {
  FleetStore::Impl& im = *impl_->store;
  if (!im.pg()) {
    std::lock_guard lock(im.mu);
    return im.AlertsAfter(*im.conn, impl_->state.delivered, limit);
  }
  if (!impl_->open) return InternalError("the claim on " + impl_->state.name + " is over");
  return im.AlertsAfter(*im.deliver, impl_->state.delivered, limit);
}

Status FleetStore::ChannelClaim::Delivered(int64_t seq) {
  FleetStore::Impl& im = *impl_->store;
  if (!im.pg()) {
    std::lock_guard lock(im.mu);
    return FleetStore::Impl::MarkDelivered(*im.conn, impl_->state.name, seq);
  }
  if (!impl_->open) return InternalError("the claim on " + impl_->state.name + " is over");
  impl_->open = false;
  Status st = FleetStore::Impl::MarkDelivered(*im.deliver, impl_->state.name, seq);
  if (!st.ok()) {
    (void)im.deliver->Rollback();
    return st;
  }
  return im.deliver->Commit();
}

Status FleetStore::ChannelClaim::Failed(const std::string& error, int64_t next_attempt_ms) {
  FleetStore::Impl& im = *impl_->store;
  if (!im.pg()) {
    std::lock_guard lock(im.mu);
    return FleetStore::Impl::MarkFailed(*im.conn, impl_->state.name, error, next_attempt_ms);
  }
  if (!impl_->open) return InternalError("the claim on " + impl_->state.name + " is over");
  impl_->open = false;
  Status st = FleetStore::Impl::MarkFailed(*im.deliver, impl_->state.name, error, next_attempt_ms);
  if (!st.ok()) {
    (void)im.deliver->Rollback();
    return st;
  }
  return im.deliver->Commit();
}

Result<std::unique_ptr<FleetStore::ChannelClaim>> FleetStore::Claim(const std::string& name) {
  Impl& im = *impl_;
  auto claim = std::make_unique<ChannelClaim::Impl>();
  claim->store = &im;
  if (!im.pg()) {
    std::lock_guard lock(im.mu);
    VIGIL_RETURN_IF_ERROR(im.ChannelRow(*im.conn, name, false, &claim->state).status());
    return std::unique_ptr<ChannelClaim>(new ChannelClaim(std::move(claim)));
  }
  claim->hold = std::unique_lock<std::mutex>(im.deliver_mu);
  if (!im.deliver) {
    auto c = sql::Open(im.url);
    if (!c.ok()) return c.error();
    im.deliver = std::move(*c);
  }
  sql::Conn& c = *im.deliver;
  {
    // The row first, outside the claim's transaction (a new channel starts after the newest alert).
    ChannelState ignored;
    auto row = im.Retry([&] { return im.ChannelRow(c, name, false, &ignored); });
    if (!row.ok()) return row.error();
  }
  VIGIL_RETURN_IF_ERROR(c.Begin());
  auto row = im.ChannelRow(c, name, true, &claim->state);
  if (!row.ok() || !*row) {
    (void)c.Rollback();
    if (!row.ok()) return row.error();
    return std::unique_ptr<ChannelClaim>();  // another server delivers this channel now
  }
  claim->open = true;
  return std::unique_ptr<ChannelClaim>(new ChannelClaim(std::move(claim)));
}

// ---- Leadership ----

Result<bool> FleetStore::TryLead() {
  Impl& im = *impl_;
  if (!im.pg()) return true;
  std::lock_guard lock(im.lead_mu);
  if (im.lead && im.leading) {
    // Still ours while the session lives: a lost session has lost the lock with it.
    Stmt ping = im.lead->Prepare("SELECT 1");
    auto alive = Impl::One(ping, 0, 0);
    if (alive.ok() && *alive == 1) return true;
    im.leading = false;
  }
  if (!im.lead) {
    auto c = sql::Open(im.url);
    if (!c.ok()) return c.error();
    im.lead = std::move(*c);
  }
  VIGIL_RETURN_IF_ERROR(im.lead->Reconnect());
  VIGIL_ASSIGN_OR_RETURN(im.leading, im.lead->TryLock(kLeaderLock));
  return im.leading;
}

void FleetStore::StepDown() {
  Impl& im = *impl_;
  if (!im.pg()) return;
  std::lock_guard lock(im.lead_mu);
  if (im.lead && im.leading) (void)im.lead->Unlock(kLeaderLock);
  im.leading = false;
}

Result<size_t> FleetStore::AddRuntimeAlerts(const std::string& node, const std::vector<RuntimeAlert>& alerts) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  size_t added = 0;
  Status st = im.InTransaction([&]() -> Status {
    added = 0;
    Stmt ins = im.conn->Prepare(
        "INSERT INTO runtime_alert(node, seq, received, kind, container, payload) VALUES(?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(node, seq) DO NOTHING");
    std::string now = NowRfc3339();
    for (const RuntimeAlert& a : alerts) {
      ins.Bind(1, node).Bind(2, a.seq).Bind(3, now).Bind(4, a.kind).Bind(5, a.container).Bind(6, a.payload);
      auto n = ins.Run();
      if (!n.ok()) return n.error().Context(im.path + ": add runtime alert");
      added += static_cast<size_t>(*n);
    }
    return OkStatus();
  });
  if (!st.ok()) return st.error();
  return added;
}

Result<std::vector<RuntimeAlert>> FleetStore::RuntimeAlerts(int64_t after_id, size_t limit) {
  Impl& im = *impl_;
  std::lock_guard lock(im.read_mu);
  return im.Retry([&]() -> Result<std::vector<RuntimeAlert>> {
    Stmt s = im.reader->Prepare(
        "SELECT id, node, seq, received, kind, container, payload FROM runtime_alert WHERE id > ? ORDER BY id LIMIT ?");
    s.Bind(1, after_id).Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    std::vector<RuntimeAlert> out;
    Status st = Impl::Each(s, [&] {
      RuntimeAlert a;
      a.id = s.Int(0);
      a.node = std::string(s.Text(1));
      a.seq = s.Int(2);
      a.received = std::string(s.Text(3));
      a.kind = std::string(s.Text(4));
      a.container = std::string(s.Text(5));
      a.payload = std::string(s.Text(6));
      out.push_back(std::move(a));
    });
    if (!st.ok()) return st.error().Context(im.path + ": list runtime alerts");
    return out;
  });
}

Result<FleetStore::Counts> FleetStore::Count() {
  Impl& im = *impl_;
  std::lock_guard lock(im.read_mu);
  return im.Retry([&]() -> Result<Counts> {
    Counts c;
    Stmt s = im.reader->Prepare(
        "SELECT (SELECT count(*) FROM image), (SELECT count(*) FROM package), (SELECT count(*) FROM finding), "
        "(SELECT count(*) FROM container), (SELECT count(*) FROM alert), (SELECT count(*) FROM runtime_alert)");
    Status st = Impl::Each(s, [&] {
      c.images = static_cast<uint64_t>(s.Int(0));
      c.packages = static_cast<uint64_t>(s.Int(1));
      c.findings = static_cast<uint64_t>(s.Int(2));
      c.containers = static_cast<uint64_t>(s.Int(3));
      c.alerts = static_cast<uint64_t>(s.Int(4));
      c.runtime_alerts = static_cast<uint64_t>(s.Int(5));
    });
    if (!st.ok()) return st.error().Context(im.path + ": count");
    VIGIL_ASSIGN_OR_RETURN(c.bytes, im.reader->SizeBytes());
    return c;
  });
}

}  // namespace vigil::fleet
