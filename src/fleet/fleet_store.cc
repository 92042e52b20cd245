#include "fleet/fleet_store.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "common/json.h"
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
  return f;
}

constexpr const char* kFindingColumns = "image, vuln, purl, matched_name, package, version, fix, layer";

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
    StoredFinding row{image, f.id, p.purl, f.matched_name, p.name, f.installed_version, f.fix, p.layer};
    if (!finding_ins.ok()) {
      finding_ins =
          Stmt(db,
               "INSERT OR REPLACE INTO finding(image, vuln, purl, matched_name, package, version, fix, layer, "
               "ids) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }
    Stmt& ins = finding_ins;
    ins.Bind(1, image).Bind(2, row.vuln).Bind(3, row.purl).Bind(4, row.matched_name).Bind(5, row.package);
    ins.Bind(6, row.version).Bind(7, row.fix).Bind(8, static_cast<int64_t>(row.layer)).Bind(9, IdsOf(f));
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
  if (Status st = Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !st.ok()) {
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

Result<int64_t> FleetStore::PutImage(const catalog::Inventory& inventory, const std::vector<match::Finding>& findings) {
  Impl& im = *impl_;
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
              "inventory = ?, added = ? WHERE id = ?");
      up.Bind(1, inventory.image.manifest_digest).Bind(2, inventory.image.config_digest).Bind(3, name);
      up.Bind(4, tags.dump()).Bind(5, DistroDoc(inventory.distro));
      up.Bind(6, static_cast<int64_t>(inventory.packages.size()));
      up.BindBlob(7, doc.data(), doc.size()).Bind(8, NowRfc3339()).Bind(9, id);
      VIGIL_RETURN_IF_ERROR(im.Step(up, "update image"));
    } else {
      find.Reset();
      Stmt ins(im.db,
               "INSERT INTO image(key, manifest_digest, config_digest, name, tags, distro, packages, inventory, added) "
               "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
      ins.Bind(1, key).Bind(2, inventory.image.manifest_digest).Bind(3, inventory.image.config_digest).Bind(4, name);
      ins.Bind(5, tags.dump()).Bind(6, DistroDoc(inventory.distro));
      ins.Bind(7, static_cast<int64_t>(inventory.packages.size()));
      ins.BindBlob(8, doc.data(), doc.size()).Bind(9, NowRfc3339());
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
  Stmt s(im.db,
         "SELECT id, key, manifest_digest, config_digest, name, tags, packages, added, "
         "(SELECT count(*) FROM finding WHERE finding.image = image.id) FROM image ORDER BY id");
  if (!s.ok()) return SqlError(im.db, im.path + ": list images");
  std::vector<ImageSummary> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
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
    out.push_back(std::move(i));
  }
  if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": list images");
  return out;
}

Result<catalog::Inventory> FleetStore::InventoryOf(int64_t id) {
  Impl& im = *impl_;
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
  std::string sql = std::string("SELECT ") + kFindingColumns + " FROM finding WHERE image = ? ORDER BY vuln, purl";
  return impl_->Query(sql.c_str(), [&](Stmt& s) { s.Bind(1, id); });
}

Result<std::vector<StoredFinding>> FleetStore::Affected(std::string_view vuln_id) {
  std::string sql = std::string("SELECT ") + kFindingColumns +
                    " FROM finding WHERE (image, vuln, purl) IN (SELECT image, vuln, purl FROM finding_id WHERE id = ?)"
                    " ORDER BY image, vuln, purl";
  return impl_->Query(sql.c_str(), [&](Stmt& s) { s.Bind(1, vuln_id); });
}

Result<Delta> FleetStore::Reevaluate(vulndb::Store& db, const vulndb::Index& index,
                                     const std::vector<std::string>& changed_ids, const match::MatchOptions& options) {
  Impl& im = *impl_;
  Delta delta;
  // 1. The package names the changed advisories concern: from their records, and (for records
  //    withdrawn or gone) from the stored findings they contributed to.
  std::set<std::string> names;
  vulndb::OsvParser parser;
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
    auto stored = im.Query(
        "SELECT f.image, f.vuln, f.purl, f.matched_name, f.package, f.version, f.fix, f.layer "
        "FROM finding f JOIN finding_id i ON (f.image, f.vuln, f.purl) = (i.image, i.vuln, i.purl) "
        "WHERE i.id = ?",
        [&](Stmt& s) { s.Bind(1, id); });
    if (!stored.ok()) return stored.error();
    for (const StoredFinding& f : *stored) names.insert(f.matched_name);
  }
  delta.names = names.size();
  {
    Stmt count(im.db, "SELECT count(*) FROM image");
    if (count.ok() && count.Step() == SQLITE_ROW) delta.images_in_fleet = static_cast<size_t>(count.Int(0));
  }
  if (names.empty()) return delta;

  // 2. The inverted index: the packages of those names, per image.
  struct Candidate {
    catalog::Inventory inv;  // the image's distribution and only the packages of those names
  };
  std::map<int64_t, Candidate> candidates;
  Stmt rows(im.db, "SELECT image, doc FROM package WHERE name = ?");
  if (!rows.ok()) return SqlError(im.db, im.path + ": read the index");
  for (const std::string& n : names) {
    rows.Bind(1, n);
    int rc;
    while ((rc = rows.Step()) == SQLITE_ROW) {
      catalog::Package p;
      int64_t image = rows.Int(0);
      if (!PackageFromDoc(rows.Text(1), p)) {
        rows.Reset();
        return Corrupt(im.path + ": image " + std::to_string(image) + ": a stored package does not read back");
      }
      candidates[image].inv.packages.push_back(std::move(p));
    }
    rows.Reset();
    if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": read the index");
  }
  delta.images_evaluated = candidates.size();
  Stmt distro(im.db, "SELECT distro FROM image WHERE id = ?");
  for (auto& [image, c] : candidates) {
    distro.Bind(1, image);
    if (distro.Step() == SQLITE_ROW) c.inv.distro = DistroFromDoc(distro.Text(0));
    distro.Reset();
  }

  // 3. Per image: those packages matched against the current index (every advisory of their
  //    names, changed or not, so merged aliases stay exact); their stored findings replaced; the
  //    difference is the delta.
  // Only what differs is written: a finding that holds before and after is left as it is (or
  // updated in place when its fix or version changed).
  std::string sql =
      std::string("SELECT ") + kFindingColumns + ", ids FROM finding WHERE image = ? AND matched_name = ?";
  Stmt old_q(im.db, sql.c_str());
  Stmt del_row(im.db, "DELETE FROM finding WHERE image = ? AND vuln = ? AND purl = ?");
  Stmt del_ids(im.db, "DELETE FROM finding_id WHERE image = ? AND vuln = ? AND purl = ?");
  Stmt update(im.db,
              "UPDATE finding SET matched_name = ?, package = ?, version = ?, fix = ?, layer = ?, ids = ? "
              "WHERE image = ? AND vuln = ? AND purl = ?");
  if (!old_q.ok() || !del_row.ok() || !del_ids.ok() || !update.ok()) return SqlError(im.db, im.path + ": prepare");
  Status st = im.InTransaction([&]() -> Status {
    for (auto& [image, c] : candidates) {
      VIGIL_ASSIGN_OR_RETURN(std::vector<match::Finding> found, match::Match(c.inv, index, options));
      std::map<std::pair<std::string, std::string>, StoredFinding> before;
      std::map<std::pair<std::string, std::string>, std::string> before_ids;
      for (const std::string& n : names) {
        old_q.Bind(1, image).Bind(2, n);
        int rc;
        while ((rc = old_q.Step()) == SQLITE_ROW) {
          StoredFinding f = RowOf(old_q);
          auto key = std::make_pair(f.vuln, f.purl);
          before_ids[key] = std::string(old_q.Text(8));
          before.emplace(std::move(key), std::move(f));
        }
        old_q.Reset();
        if (rc != SQLITE_DONE) return SqlError(im.db, im.path + ": read findings");
      }
      std::set<std::pair<std::string, std::string>> now;
      for (const match::Finding& f : found) {
        if (names.count(f.matched_name) == 0) continue;
        const catalog::Package& p = c.inv.packages[f.package];
        auto key = std::make_pair(f.id, p.purl);
        now.insert(key);
        auto it = before.find(key);
        if (it == before.end()) {
          VIGIL_RETURN_IF_ERROR(im.InsertFinding(image, c.inv, f, &delta.added));
          continue;
        }
        const StoredFinding& o = it->second;
        std::string ids = IdsOf(f);
        bool ids_changed = before_ids[key] != ids;
        if (ids_changed || o.fix != f.fix || o.version != f.installed_version || o.layer != p.layer ||
            o.matched_name != f.matched_name) {
          update.Bind(1, f.matched_name).Bind(2, p.name).Bind(3, f.installed_version).Bind(4, f.fix);
          update.Bind(5, static_cast<int64_t>(p.layer)).Bind(6, ids).Bind(7, image).Bind(8, key.first);
          update.Bind(9, key.second);
          VIGIL_RETURN_IF_ERROR(im.Step(update, "update finding"));
        }
        if (ids_changed) {
          // The ids that name it changed (a new alias, an advisory more or less): written again.
          del_ids.Bind(1, image).Bind(2, key.first).Bind(3, key.second);
          VIGIL_RETURN_IF_ERROR(im.Step(del_ids, "delete finding ids"));
          VIGIL_RETURN_IF_ERROR(im.InsertIds(image, key.first, key.second, f));
        }
      }
      for (auto& [key, f] : before) {
        if (now.count(key) != 0) continue;
        for (Stmt* d : {&del_ids, &del_row}) {
          d->Bind(1, image).Bind(2, key.first).Bind(3, key.second);
          VIGIL_RETURN_IF_ERROR(im.Step(*d, "delete finding"));
        }
        delta.resolved.push_back(std::move(f));
      }
    }
    return OkStatus();
  });
  if (!st.ok()) {
    delta.added.clear();
    delta.resolved.clear();
    return st.error();
  }
  return delta;
}

Result<int64_t> FleetStore::Cursor() {
  Stmt s(impl_->db, "SELECT value FROM meta WHERE key = 'vulndb_cursor'");
  if (!s.ok()) return SqlError(impl_->db, impl_->path + ": read the cursor");
  if (s.Step() != SQLITE_ROW) return int64_t{0};
  return static_cast<int64_t>(std::atoll(std::string(s.Text(0)).c_str()));
}

Status FleetStore::SetCursor(int64_t seq) {
  Stmt s(impl_->db, "INSERT OR REPLACE INTO meta(key, value) VALUES('vulndb_cursor', ?)");
  s.Bind(1, std::to_string(seq));
  return impl_->Step(s, "write the cursor");
}

}  // namespace vigil::fleet
