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
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "common/json.h"
#include "common/sha256.h"
#include "common/sqlite.h"
#include "common/time.h"
#include "sbom/reader.h"
#include "sbom/sbom.h"
#include "vulndb/osv.h"

namespace vigil::fleet {
namespace {

using sqlite::Exec;
using sqlite::SqlError;
using sqlite::Stmt;

// Migrations: kMigrations[i] takes schema i to i + 1. A store at a version above
// kMigrations.size() was written by a newer vigil and is refused.
constexpr const char* kMigrations[] = {
    // 0 -> 1: images, the inverted index (names and scopes), findings and the ids that name them.
    R"sql(
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
)sql",
    // 1 -> 2: severities, running containers, runtime sources, API tokens, the alert outbox and
    // its delivery channels.
    R"sql(
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
)sql",
};
constexpr int kSchema = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);

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
  std::mutex mu;  // one connection: every public call holds it
  std::string path;
  sqlite3* db = nullptr;
  // Statements used per finding, prepared once (declared after db: finalised before it closes).
  Stmt finding_ins, id_ins;
  ~Impl() {
    finding_ins = Stmt();
    id_ins = Stmt();
    if (db != nullptr) sqlite3_close_v2(db);
  }

  // Runs `fn` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
  template <typename F>
  Status InTransaction(F&& fn) {
    VIGIL_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
    Status st = fn();
    if (!st.ok()) {
      (void)Exec(db, "ROLLBACK");
      return st;
    }
    return Exec(db, "COMMIT");
  }

  Status Step(Stmt& s, std::string_view what) {
    if (!s.ok()) return SqlError(db, path + ": " + std::string(what));
    int rc = s.Step();
    s.Reset();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return SqlError(db, path + ": " + std::string(what));
    return OkStatus();
  }

  Status DeleteFindings(int64_t image, const std::string* name) {
    Stmt ids(db, name ? "DELETE FROM finding_id WHERE (image, vuln, purl) IN "
                        "(SELECT image, vuln, purl FROM finding WHERE image = ? AND matched_name = ?)"
                      : "DELETE FROM finding_id WHERE image = ?");
    Stmt rows(
        db, name ? "DELETE FROM finding WHERE image = ? AND matched_name = ?" : "DELETE FROM finding WHERE image = ?");
    ids.Bind(1, image);
    rows.Bind(1, image);
    if (name) {
      ids.Bind(2, *name);
      rows.Bind(2, *name);
    }
    VIGIL_RETURN_IF_ERROR(Step(ids, "delete finding ids"));
    return Step(rows, "delete findings");
  }

  // Inserts `f` (a finding of `inv`) for `image`; appends the stored row to `out` when given.
  Status InsertFinding(int64_t image, const catalog::Inventory& inv, const match::Finding& f,
                       std::vector<StoredFinding>* out) {
    const catalog::Package& p = inv.packages[f.package];
    StoredFinding row{image, f.id, p.purl, f.matched_name, p.name, f.installed_version, f.fix, p.layer, SeverityOf(f)};
    if (!finding_ins.ok()) {
      finding_ins =
          Stmt(db,
               "INSERT OR REPLACE INTO finding(image, vuln, purl, matched_name, package, version, fix, layer, "
               "ids, severity) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }
    Stmt& ins = finding_ins;
    ins.Bind(1, image).Bind(2, row.vuln).Bind(3, row.purl).Bind(4, row.matched_name).Bind(5, row.package);
    ins.Bind(6, row.version).Bind(7, row.fix).Bind(8, static_cast<int64_t>(row.layer)).Bind(9, IdsOf(f));
    ins.Bind(10, row.severity);
    VIGIL_RETURN_IF_ERROR(Step(ins, "insert finding"));
    VIGIL_RETURN_IF_ERROR(InsertIds(image, row.vuln, row.purl, f));
    if (out != nullptr) out->push_back(std::move(row));
    return OkStatus();
  }

  // Records every id that names finding (image, vuln, purl): its id, aliases and advisories.
  Status InsertIds(int64_t image, const std::string& vuln, const std::string& purl, const match::Finding& f) {
    std::set<std::string> ids{f.id};
    ids.insert(f.aliases.begin(), f.aliases.end());
    ids.insert(f.advisories.begin(), f.advisories.end());
    if (!id_ins.ok()) id_ins = Stmt(db, "INSERT OR IGNORE INTO finding_id(id, image, vuln, purl) VALUES(?, ?, ?, ?)");
    for (const std::string& id : ids) {
      id_ins.Bind(1, id).Bind(2, image).Bind(3, vuln).Bind(4, purl);
      VIGIL_RETURN_IF_ERROR(Step(id_ins, "insert finding id"));
    }
    return OkStatus();
  }

  Status SetCursor(int64_t seq) {
    Stmt s(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('vulndb_cursor', ?)");
    s.Bind(1, std::to_string(seq));
    return Step(s, "write the cursor");
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

  Result<std::vector<ContainerRow>> QueryContainers(const char* sql, const std::function<void(Stmt&)>& bind) {
    Stmt s(db, sql);
    if (!s.ok()) return SqlError(db, path + ": list containers");
    bind(s);
    std::vector<ContainerRow> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
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
    }
    if (rc != SQLITE_DONE) return SqlError(db, path + ": list containers");
    return out;
  }

  Result<std::vector<ContainerRow>> ContainersOf(int64_t image) {
    std::string sql = std::string("SELECT ") + kContainerColumns +
                      " FROM container c WHERE c.image_id != '' AND c.image_id IN "
                      "(SELECT config_digest FROM image WHERE id = ?1 UNION SELECT manifest_digest FROM image "
                      "WHERE id = ?1 AND manifest_digest != '') ORDER BY c.runtime, c.name, c.id";
    return QueryContainers(sql.c_str(), [&](Stmt& s) { s.Bind(1, image); });
  }

  Status PutContainer(const ContainerRow& c) {
    Stmt s(db,
           "INSERT OR REPLACE INTO container(runtime, id, name, image_ref, image_id, namespace, pod, node, started) "
           "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, c.runtime).Bind(2, c.id).Bind(3, c.name).Bind(4, c.image_ref).Bind(5, c.image_id);
    s.Bind(6, c.namespace_).Bind(7, c.pod).Bind(8, c.node).Bind(9, c.started);
    return Step(s, "put container");
  }

  Status MarkRuntime(const std::string& runtime, const std::string& state, const std::string& reason) {
    Stmt s(db, "INSERT OR REPLACE INTO runtime(name, state, reason, updated) VALUES(?, ?, ?, ?)");
    s.Bind(1, runtime).Bind(2, state).Bind(3, reason.substr(0, 1000)).Bind(4, NowRfc3339());
    return Step(s, "mark runtime");
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
    std::map<int64_t, std::vector<ContainerRow>> running;
    std::map<int64_t, nlohmann::json> images;
    Stmt img(db, "SELECT key, name, config_digest, manifest_digest, tags FROM image WHERE id = ?");
    if (!img.ok()) return SqlError(db, path + ": read image");
    std::vector<Group*> order;
    for (auto& [k, g] : groups) {
      if (running.count(g.image) == 0) {
        VIGIL_ASSIGN_OR_RETURN(running[g.image], ContainersOf(g.image));
        img.Bind(1, g.image);
        nlohmann::json j = nlohmann::json::object();
        if (img.Step() == SQLITE_ROW) {
          j = {{"id", g.image},
               {"key", img.Text(0)},
               {"name", img.Text(1)},
               {"config_digest", img.Text(2)},
               {"manifest_digest", img.Text(3)},
               {"tags", nlohmann::json::parse(std::string(img.Text(4)), nullptr, false)}};
        }
        img.Reset();
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
    Stmt ins(db, "INSERT OR IGNORE INTO alert(key, kind, vuln, image, created, payload) VALUES(?, ?, ?, ?, ?, ?)");
    if (!ins.ok()) return SqlError(db, path + ": queue alert");
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
      VIGIL_RETURN_IF_ERROR(Step(ins, "queue alert"));
      queued += static_cast<size_t>(sqlite3_changes(db));
    }
    return queued;
  }

  Result<std::vector<StoredFinding>> Query(const char* sql, const std::function<void(Stmt&)>& bind) {
    Stmt s(db, sql);
    if (!s.ok()) return SqlError(db, path + ": query findings");
    bind(s);
    std::vector<StoredFinding> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(RowOf(s));
    if (rc != SQLITE_DONE) return SqlError(db, path + ": query findings");
    return out;
  }
};

FleetStore::FleetStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FleetStore::~FleetStore() = default;
int FleetStore::SchemaVersion() { return kSchema; }

Result<std::unique_ptr<FleetStore>> FleetStore::Open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return IoError("cannot create the folder of " + path + ": " + ec.message());
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return IoError("cannot open " + path + ": " + (impl->db ? sqlite3_errmsg(impl->db) : "out of memory"));
  }
  sqlite3* db = impl->db;
  sqlite3_busy_timeout(db, 10000);
  // Reads through a memory map (no pread per page) and a 64 MiB page cache: a delta reads the
  // index rows of a few names scattered over a large file.
  if (Status st = Exec(db,
                       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                       "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536;");
      !st.ok()) {
    return Corrupt(path + " is not a fleet store (" + st.error().message() + ")");
  }
  if (Status st = Exec(db, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)"); !st.ok()) {
    return Corrupt(path + " is not a fleet store (" + st.error().message() + ")");
  }
  // A file with tables but no fleet schema version is someone else's database.
  Stmt v(db, "SELECT value FROM meta WHERE key = 'fleet_schema'");
  if (!v.ok()) return Corrupt(path + " is not a fleet store (" + sqlite3_errmsg(db) + ")");
  int found = 0;
  if (v.Step() == SQLITE_ROW) {
    found = std::atoi(std::string(v.Text(0)).c_str());
  } else {
    Stmt tables(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name != 'meta'");
    if (tables.ok() && tables.Step() == SQLITE_ROW && tables.Int(0) > 0) {
      return Corrupt(path + " is not a fleet store (it has tables but no fleet schema version)");
    }
  }
  v.Reset();
  if (found > kSchema) {
    return Corrupt(path + " was written by a newer vigil (fleet schema " + std::to_string(found) +
                   "; this vigil reads up to " + std::to_string(kSchema) + "): update vigil");
  }
  for (int step = found; step < kSchema; ++step) {
    Status st = impl->InTransaction([&]() -> Status {
      VIGIL_RETURN_IF_ERROR(Exec(db, kMigrations[step]));
      Stmt set(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('fleet_schema', ?)");
      set.Bind(1, std::to_string(step + 1));
      return impl->Step(set, "record the schema version");
    });
    if (!st.ok())
      return st.error().Context(path + ": migration " + std::to_string(step) + " -> " + std::to_string(step + 1));
  }
  return std::unique_ptr<FleetStore>(new FleetStore(std::move(impl)));
}

Result<int64_t> FleetStore::PutImage(const catalog::Inventory& inventory, const std::vector<match::Finding>& findings,
                                     size_t unchecked) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  std::string key = KeyOf(inventory);
  std::string doc = sbom::Write(sbom::Format::kJson, inventory, sbom::WriteOptions{});
  nlohmann::json tags = inventory.image.tags;
  std::string name = !inventory.image.tags.empty() ? inventory.image.tags.front() : inventory.image.source;
  int64_t id = 0;
  Status st = im.InTransaction([&]() -> Status {
    Stmt find(im.db, "SELECT id FROM image WHERE key = ?");
    find.Bind(1, key);
    if (!find.ok()) return SqlError(im.db, im.path + ": find image");
    if (find.Step() == SQLITE_ROW) {
      id = find.Int(0);
      find.Reset();
      VIGIL_RETURN_IF_ERROR(im.DeleteFindings(id, nullptr));
      for (const char* sql : {"DELETE FROM package WHERE image = ?"}) {
        Stmt del(im.db, sql);
        del.Bind(1, id);
        VIGIL_RETURN_IF_ERROR(im.Step(del, "replace image"));
      }
      Stmt up(im.db,
              "UPDATE image SET manifest_digest = ?, config_digest = ?, name = ?, tags = ?, distro = ?, packages = ?, "
              "inventory = ?, added = ?, complete = ?, unchecked = ? WHERE id = ?");
      up.Bind(1, inventory.image.manifest_digest).Bind(2, inventory.image.config_digest).Bind(3, name);
      up.Bind(4, tags.dump()).Bind(5, DistroDoc(inventory.distro));
      up.Bind(6, static_cast<int64_t>(inventory.packages.size()));
      up.BindBlob(7, doc.data(), doc.size()).Bind(8, NowRfc3339());
      up.Bind(9, int64_t{inventory.unread.empty() ? 1 : 0}).Bind(10, static_cast<int64_t>(unchecked)).Bind(11, id);
      VIGIL_RETURN_IF_ERROR(im.Step(up, "update image"));
    } else {
      find.Reset();
      Stmt ins(im.db,
               "INSERT INTO image(key, manifest_digest, config_digest, name, tags, distro, packages, inventory, added, "
               "complete, unchecked) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      ins.Bind(1, key).Bind(2, inventory.image.manifest_digest).Bind(3, inventory.image.config_digest).Bind(4, name);
      ins.Bind(5, tags.dump()).Bind(6, DistroDoc(inventory.distro));
      ins.Bind(7, static_cast<int64_t>(inventory.packages.size()));
      ins.BindBlob(8, doc.data(), doc.size()).Bind(9, NowRfc3339());
      ins.Bind(10, int64_t{inventory.unread.empty() ? 1 : 0}).Bind(11, static_cast<int64_t>(unchecked));
      VIGIL_RETURN_IF_ERROR(im.Step(ins, "insert image"));
      id = sqlite3_last_insert_rowid(im.db);
    }
    Stmt pkg_ins(im.db, "INSERT INTO package(image, idx, name, doc) VALUES(?, ?, ?, ?)");
    for (size_t i = 0; i < inventory.packages.size(); ++i) {
      const catalog::Package& p = inventory.packages[i];
      std::string lookup = LookupName(inventory.distro, p);
      if (lookup.empty()) continue;  // never looked up (no ecosystem covers it): no finding can change
      pkg_ins.Bind(1, id).Bind(2, static_cast<int64_t>(i)).Bind(3, lookup).Bind(4, PackageDoc(p));
      VIGIL_RETURN_IF_ERROR(im.Step(pkg_ins, "insert index row"));
    }
    for (const match::Finding& f : findings) {
      if (f.package >= inventory.packages.size()) return InvalidArgument("a finding names no package of the inventory");
      VIGIL_RETURN_IF_ERROR(im.InsertFinding(id, inventory, f, nullptr));
    }
    return OkStatus();
  });
  if (!st.ok()) return st.error();
  return id;
}

Result<std::vector<ImageSummary>> FleetStore::Images() {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  std::string sql = std::string("SELECT ") + Impl::kSummaryColumns + " FROM image ORDER BY id";
  Stmt s(im.db, sql.c_str());
  if (!s.ok()) return SqlError(im.db, im.path + ": list images");
  std::vector<ImageSummary> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(Impl::SummaryOf(s));
  if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": list images");
  return out;
}

Result<catalog::Inventory> FleetStore::InventoryOf(int64_t id) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Stmt s(im.db, "SELECT inventory FROM image WHERE id = ?");
  if (!s.ok()) return SqlError(im.db, im.path + ": read inventory");
  s.Bind(1, id);
  if (s.Step() != SQLITE_ROW) return NotFound("no image " + std::to_string(id) + " in " + im.path);
  std::string doc(s.Blob(0));
  auto inv = sbom::ReadSbom(doc, im.path + ": image " + std::to_string(id));
  if (!inv.ok()) return Corrupt(inv.error().message());
  return std::move(*inv);
}

Result<std::vector<StoredFinding>> FleetStore::Findings(int64_t id) {
  std::lock_guard lock(impl_->mu);
  std::string sql = std::string("SELECT ") + kFindingColumns + " FROM finding WHERE image = ? ORDER BY vuln, purl";
  return impl_->Query(sql.c_str(), [&](Stmt& s) { s.Bind(1, id); });
}

Result<std::vector<StoredFinding>> FleetStore::Affected(std::string_view vuln_id) {
  std::lock_guard lock(impl_->mu);
  std::string sql = std::string("SELECT ") + kFindingColumns +
                    " FROM finding WHERE (image, vuln, purl) IN (SELECT image, vuln, purl FROM finding_id WHERE id = ?)"
                    " ORDER BY image, vuln, purl";
  return impl_->Query(sql.c_str(), [&](Stmt& s) { s.Bind(1, vuln_id); });
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
  Stmt stored_names(im.db,
                    "SELECT DISTINCT f.matched_name FROM finding_id i JOIN finding f "
                    "ON (f.image, f.vuln, f.purl) = (i.image, i.vuln, i.purl) WHERE i.id = ?");
  if (!stored_names.ok()) return SqlError(im.db, im.path + ": read findings");
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
    int rc;
    while ((rc = stored_names.Step()) == SQLITE_ROW) names.emplace(stored_names.Text(0));
    stored_names.Reset();
    if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": read findings");
  }
  delta.names = names.size();
  phase("names");
  {
    Stmt count(im.db, "SELECT count(*) FROM image");
    if (count.ok() && count.Step() == SQLITE_ROW) delta.images_in_fleet = static_cast<size_t>(count.Int(0));
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
  Stmt rows(im.db,
            "SELECT p.image, p.doc, i.distro FROM package p JOIN image i ON i.id = p.image WHERE p.name = ? "
            "ORDER BY p.image, p.idx");
  if (!rows.ok()) return SqlError(im.db, im.path + ": read the index");
  for (const std::string& n : names) {
    rows.Bind(1, n);
    int rc;
    while ((rc = rows.Step()) == SQLITE_ROW) {
      Candidate& c = candidates[rows.Int(0)];
      if (c.docs.empty()) c.distro = std::string(rows.Text(2));
      c.docs.emplace_back(rows.Text(1));
    }
    rows.Reset();
    if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": read the index");
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
    std::string sql = std::string("SELECT ") + kFindingColumns + ", ids FROM finding WHERE matched_name = ?";
    Stmt old_q(im.db, sql.c_str());
    if (!old_q.ok()) return SqlError(im.db, im.path + ": read findings");
    for (const std::string& n : names) {
      old_q.Bind(1, n);
      int rc;
      while ((rc = old_q.Step()) == SQLITE_ROW) {
        StoredFinding f = RowOf(old_q);
        std::string ids(old_q.Text(9));
        Key key(f.vuln, f.purl);
        before_of[f.image].emplace(std::move(key), Before{std::move(f), std::move(ids)});
      }
      old_q.Reset();
      if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": read findings");
    }
  }
  phase("findings read");
  std::set<int64_t> touched;
  for (const auto& [image, c] : candidates) touched.insert(image);
  for (const auto& [image, b] : before_of) touched.insert(image);

  Stmt del_row(im.db, "DELETE FROM finding WHERE image = ? AND vuln = ? AND purl = ?");
  Stmt del_ids(im.db, "DELETE FROM finding_id WHERE image = ? AND vuln = ? AND purl = ?");
  Stmt update(im.db,
              "UPDATE finding SET matched_name = ?, package = ?, version = ?, fix = ?, layer = ?, ids = ?, "
              "severity = ? WHERE image = ? AND vuln = ? AND purl = ?");
  if (!del_row.ok() || !del_ids.ok() || !update.ok()) return SqlError(im.db, im.path + ": prepare");
  const std::map<Key, Before> kNone;
  // The transaction starts at the first write: a re-evaluation that changes nothing writes nothing.
  bool begun = false;
  auto begin = [&]() -> Status {
    if (begun) return OkStatus();
    begun = true;
    return Exec(im.db, "BEGIN IMMEDIATE");
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
            VIGIL_RETURN_IF_ERROR(im.Step(update, "update finding"));
          }
          if (ids_changed) {
            // The ids that name it changed (a new alias, an advisory more or less): written again.
            del_ids.Bind(1, image).Bind(2, key.first).Bind(3, key.second);
            VIGIL_RETURN_IF_ERROR(im.Step(del_ids, "delete finding ids"));
            VIGIL_RETURN_IF_ERROR(im.InsertIds(image, key.first, key.second, f));
          }
        }
      }
      for (const auto& [key, f] : before) {
        if (now.count(key) != 0) continue;
        VIGIL_RETURN_IF_ERROR(begin());
        for (Stmt* d : {&del_ids, &del_row}) {
          d->Bind(1, image).Bind(2, key.first).Bind(3, key.second);
          VIGIL_RETURN_IF_ERROR(im.Step(*d, "delete finding"));
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
    return begun ? Exec(im.db, "COMMIT") : OkStatus();
  }();
  if (!st.ok()) {
    if (begun) (void)Exec(im.db, "ROLLBACK");
    delta.added.clear();
    delta.resolved.clear();
    delta.alerts = 0;
    return st.error();
  }
  phase("write");
  return delta;
}

Result<int64_t> FleetStore::Cursor() {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT value FROM meta WHERE key = 'vulndb_cursor'");
  if (!s.ok()) return SqlError(impl_->db, impl_->path + ": read the cursor");
  if (s.Step() != SQLITE_ROW) return int64_t{0};
  return static_cast<int64_t>(std::atoll(std::string(s.Text(0)).c_str()));
}

Status FleetStore::SetCursor(int64_t seq) {
  std::lock_guard lock(impl_->mu);
  return impl_->SetCursor(seq);
}

Result<ImageSummary> FleetStore::FindImage(std::string_view ref) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  if (ref.empty()) return NotFound("no image named ''");
  std::string sql = std::string("SELECT ") + Impl::kSummaryColumns +
                    " FROM image WHERE "
                    "CAST(id AS TEXT) = ?1 OR key = ?1 OR config_digest = ?1 OR manifest_digest = ?1 OR name = ?1 OR "
                    "EXISTS (SELECT 1 FROM json_each(image.tags) WHERE value = ?1) ORDER BY id DESC LIMIT 1";
  Stmt s(im.db, sql.c_str());
  if (!s.ok()) return SqlError(im.db, im.path + ": find image");
  s.Bind(1, ref);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return NotFound("no image '" + std::string(ref) + "' in the fleet");
  if (rc != SQLITE_ROW) return SqlError(im.db, im.path + ": find image");
  return Impl::SummaryOf(s);
}

Status FleetStore::RemoveImage(int64_t id) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  return im.InTransaction([&]() -> Status {
    VIGIL_RETURN_IF_ERROR(im.DeleteFindings(id, nullptr));
    Stmt pkg(im.db, "DELETE FROM package WHERE image = ?");
    pkg.Bind(1, id);
    VIGIL_RETURN_IF_ERROR(im.Step(pkg, "remove image"));
    Stmt del(im.db, "DELETE FROM image WHERE id = ?");
    del.Bind(1, id);
    VIGIL_RETURN_IF_ERROR(im.Step(del, "remove image"));
    if (sqlite3_changes(im.db) == 0) return NotFound("no image " + std::to_string(id) + " in the fleet");
    return OkStatus();
  });
}

Status FleetStore::ReplaceContainers(const std::string& runtime, const std::vector<ContainerRow>& containers) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  return im.InTransaction([&]() -> Status {
    Stmt del(im.db, "DELETE FROM container WHERE runtime = ?");
    del.Bind(1, runtime);
    VIGIL_RETURN_IF_ERROR(im.Step(del, "replace containers"));
    for (ContainerRow c : containers) {
      c.runtime = runtime;
      VIGIL_RETURN_IF_ERROR(im.PutContainer(c));
    }
    return im.MarkRuntime(runtime, "ok", "");
  });
}

Status FleetStore::PutContainer(const ContainerRow& c) {
  std::lock_guard lock(impl_->mu);
  return impl_->PutContainer(c);
}

Status FleetStore::RemoveContainer(const std::string& runtime, const std::string& id) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Stmt del(im.db, "DELETE FROM container WHERE runtime = ? AND id = ?");
  del.Bind(1, runtime).Bind(2, id);
  return im.Step(del, "remove container");
}

Status FleetStore::ReplacePodContainers(const std::string& runtime, const std::string& namespace_,
                                        const std::string& pod, const std::vector<ContainerRow>& containers) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  return im.InTransaction([&]() -> Status {
    Stmt del(im.db, "DELETE FROM container WHERE runtime = ? AND namespace = ? AND pod = ?");
    del.Bind(1, runtime).Bind(2, namespace_).Bind(3, pod);
    VIGIL_RETURN_IF_ERROR(im.Step(del, "replace pod containers"));
    for (ContainerRow c : containers) {
      c.runtime = runtime;
      VIGIL_RETURN_IF_ERROR(im.PutContainer(c));
    }
    return OkStatus();
  });
}

Status FleetStore::MarkRuntime(const std::string& runtime, const std::string& state, const std::string& reason) {
  std::lock_guard lock(impl_->mu);
  return impl_->MarkRuntime(runtime, state, reason);
}

Result<std::vector<ContainerRow>> FleetStore::Containers(std::string_view namespace_) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  std::string sql = std::string("SELECT ") + Impl::kContainerColumns +
                    " FROM container c WHERE ?1 = '' OR c.namespace = ?1 ORDER BY c.runtime, c.name, c.id";
  std::string ns(namespace_);  // a default string_view would bind NULL
  return im.QueryContainers(sql.c_str(), [&](Stmt& s) { s.Bind(1, ns); });
}

Result<std::vector<ContainerRow>> FleetStore::ContainersOf(int64_t image) {
  std::lock_guard lock(impl_->mu);
  return impl_->ContainersOf(image);
}

Result<std::vector<RuntimeState>> FleetStore::Runtimes() {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Stmt s(im.db,
         "SELECT name, state, reason, updated, (SELECT count(*) FROM container c WHERE c.runtime = runtime.name) "
         "FROM runtime ORDER BY name");
  if (!s.ok()) return SqlError(im.db, im.path + ": list runtimes");
  std::vector<RuntimeState> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({std::string(s.Text(0)), std::string(s.Text(1)), std::string(s.Text(2)), std::string(s.Text(3)),
                   static_cast<size_t>(s.Int(4))});
  }
  if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": list runtimes");
  return out;
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
  Stmt ins(im.db, "INSERT INTO token(name, hash, scopes, created) VALUES(?, ?, ?, ?)");
  ins.Bind(1, name).Bind(2, Sha256Digest(secret)).Bind(3, scope_text).Bind(4, NowRfc3339());
  VIGIL_RETURN_IF_ERROR(im.Step(ins, "create token"));
  if (id != nullptr) *id = sqlite3_last_insert_rowid(im.db);
  return secret;
}

Result<TokenInfo> FleetStore::CheckToken(std::string_view secret) {
  Impl& im = *impl_;
  if (secret.size() > 256) return NotFound("unknown token");
  std::string hash = Sha256Digest(secret);
  std::lock_guard lock(im.mu);
  // Looked up by the secret's hash (what an index lookup reveals by its timing is a hash prefix,
  // not the secret's); the stored hash is then compared in constant time.
  Stmt s(im.db, "SELECT id, name, scopes, created, last_used, revoked, hash FROM token WHERE hash = ?");
  s.Bind(1, hash);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return NotFound("unknown token");
  if (rc != SQLITE_ROW) return SqlError(im.db, im.path + ": check token");
  std::string_view stored = s.Text(6);
  if (stored.size() != hash.size() || CRYPTO_memcmp(stored.data(), hash.data(), hash.size()) != 0) {
    return NotFound("unknown token");
  }
  TokenInfo t = Impl::TokenOf(s);
  if (t.revoked) return NotFound("revoked token");
  return t;
}

Result<std::vector<TokenInfo>> FleetStore::Tokens() {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Stmt s(im.db, "SELECT id, name, scopes, created, last_used, revoked FROM token ORDER BY id");
  if (!s.ok()) return SqlError(im.db, im.path + ": list tokens");
  std::vector<TokenInfo> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(Impl::TokenOf(s));
  if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": list tokens");
  return out;
}

Status FleetStore::RevokeToken(int64_t id) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Stmt s(im.db, "UPDATE token SET revoked = 1 WHERE id = ?");
  s.Bind(1, id);
  VIGIL_RETURN_IF_ERROR(im.Step(s, "revoke token"));
  if (sqlite3_changes(im.db) == 0) return NotFound("no token " + std::to_string(id));
  return OkStatus();
}

Result<std::vector<Alert>> FleetStore::Alerts(int64_t after_seq, size_t limit) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Stmt s(im.db, "SELECT seq, key, kind, vuln, image, created, payload FROM alert WHERE seq > ? ORDER BY seq LIMIT ?");
  if (!s.ok()) return SqlError(im.db, im.path + ": list alerts");
  s.Bind(1, after_seq).Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<Alert> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Int(0), std::string(s.Text(1)), std::string(s.Text(2)), std::string(s.Text(3)), s.Int(4),
                   std::string(s.Text(5)), std::string(s.Text(6))});
  }
  if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": list alerts");
  return out;
}

Result<ChannelState> FleetStore::Channel(const std::string& name) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Stmt ins(im.db,
           "INSERT OR IGNORE INTO channel(name, delivered) VALUES(?, (SELECT coalesce(max(seq), 0) FROM alert))");
  ins.Bind(1, name);
  VIGIL_RETURN_IF_ERROR(im.Step(ins, "add channel"));
  Stmt s(im.db, "SELECT delivered, attempts, next_attempt, last_error FROM channel WHERE name = ?");
  s.Bind(1, name);
  if (s.Step() != SQLITE_ROW) return SqlError(im.db, im.path + ": read channel");
  return ChannelState{name, s.Int(0), s.Int(1), s.Int(2), std::string(s.Text(3))};
}

Status FleetStore::MarkDelivered(const std::string& name, int64_t seq) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Stmt s(im.db,
         "UPDATE channel SET delivered = max(delivered, ?), attempts = 0, next_attempt = 0, last_error = '' "
         "WHERE name = ?");
  s.Bind(1, seq).Bind(2, name);
  return im.Step(s, "mark delivered");
}

Status FleetStore::MarkFailed(const std::string& name, const std::string& error, int64_t next_attempt_ms) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Stmt s(im.db, "UPDATE channel SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE name = ?");
  s.Bind(1, next_attempt_ms).Bind(2, error.substr(0, 1000)).Bind(3, name);
  return im.Step(s, "mark failed");
}

Result<FleetStore::Counts> FleetStore::Count() {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  Counts c;
  Stmt s(im.db,
         "SELECT (SELECT count(*) FROM image), (SELECT count(*) FROM package), (SELECT count(*) FROM finding), "
         "(SELECT count(*) FROM container), (SELECT count(*) FROM alert)");
  if (!s.ok() || s.Step() != SQLITE_ROW) return SqlError(im.db, im.path + ": count");
  c.images = static_cast<uint64_t>(s.Int(0));
  c.packages = static_cast<uint64_t>(s.Int(1));
  c.findings = static_cast<uint64_t>(s.Int(2));
  c.containers = static_cast<uint64_t>(s.Int(3));
  c.alerts = static_cast<uint64_t>(s.Int(4));
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    auto n = std::filesystem::file_size(im.path + suffix, ec);
    if (!ec) c.bytes += n;
  }
  return c;
}

}  // namespace vigil::fleet
