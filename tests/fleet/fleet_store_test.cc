// Tests for fleet/fleet_store.h: the store's schema and its refusals, images with their findings,
// and the re-evaluation of changed advisories: only the images the inverted index names are
// matched again, and the result equals a full rescan.
//
// One suite, two back ends: built as fleet_store_test (SQLite) and as fleet_store_pg_test
// (VIGIL_FLEET_STORE_PG: every test on a PostgreSQL schema of its own in the test server of the
// ctest fixture vigil_pg), plus the PostgreSQL-only tests at the end (leadership, claims, a
// server restart).
#include "fleet/fleet_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "../test_util.h"
#include "common/sqlite.h"
#include "fleet/sql.h"
#include "vulndb/importer.h"
#include "vulndb/index.h"
#include "vulndb/sqlite_store.h"

#ifdef VIGIL_FLEET_STORE_PG
#include <unistd.h>

#include <atomic>
#include <thread>

#include "common/pg.h"
#include "pg_url.h"
#endif

namespace vigil::fleet {
namespace {

using TempDir = vigil::testing::ScopedTempDir;

// A new, empty store location: a file under `dir` (SQLite), or a schema of its own in the test
// server (PostgreSQL: the URL selects it with search_path).
std::string NewStore(const TempDir& dir, const std::string& name = "fleet") {
#ifdef VIGIL_FLEET_STORE_PG
  (void)dir;
  static std::atomic<int> counter{0};
  auto url = vigil::testing::TestPgUrl();
  EXPECT_TRUE(url.ok()) << url.error().ToString();
  if (!url.ok()) return "postgres://no-test-server.invalid/none";
  std::string schema = "t" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + name;
  auto conn = pg::Connect(*url);
  EXPECT_TRUE(conn.ok()) << conn.error().ToString();
  if (conn.ok()) {
    Status st = (*conn)->Exec("CREATE SCHEMA " + schema);
    EXPECT_TRUE(st.ok()) << st.error().ToString();
  }
  return *url + (url->find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
#else
  return dir.str() + "/" + name + "/fleet.db";
#endif
}

// A raw connection to the store at `store`, for looking behind the API.
std::unique_ptr<sql::Conn> Raw(const std::string& store) {
  auto c = sql::Open(store);
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return c.ok() ? std::move(*c) : nullptr;
}

catalog::Package Npm(const std::string& name, const std::string& version, int layer) {
  catalog::Package p;
  p.type = "npm";
  p.name = name;
  p.version = version;
  p.layer = layer;
  p.location = "app/node_modules/" + name + "/package.json";
  p.purl = "pkg:npm/" + name + "@" + version;
  return p;
}

catalog::Inventory Image(const std::string& config, std::vector<catalog::Package> packages) {
  catalog::Inventory inv;
  inv.image.source = config + ".tar";
  inv.image.config_digest = "sha256:" + config;
  inv.image.manifest_digest = "sha256:m" + config;
  inv.image.tags = {"registry.example/" + config + ":1"};
  inv.layers.resize(2);
  for (int i = 0; i < 2; ++i) {
    inv.layers[i].layer.index = i;
    inv.layers[i].layer.diff_id = "sha256:" + std::string(63, 'a') + std::to_string(i);
  }
  inv.packages = std::move(packages);
  return inv;
}

// An OSV record for npm `name`: affected from 0, fixed at `fixed`.
std::string Osv(const std::string& id, const std::string& modified, const std::string& name, const std::string& fixed,
                const std::string& alias = "") {
  return R"({"id":")" + id + R"(","modified":")" + modified + R"(","aliases":[)" +
         (alias.empty() ? "" : "\"" + alias + "\"") + R"(],"affected":[{"package":{"ecosystem":"npm","name":")" + name +
         R"("},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":")" + fixed + R"("}]}]}]})";
}

class FleetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = vulndb::SqliteStore::Open(dir_.str() + "/db", vulndb::Store::Mode::kReadWrite);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
    store_ = NewStore(dir_);
    auto fleet = FleetStore::Open(store_);
    ASSERT_TRUE(fleet.ok()) << fleet.error().ToString();
    fleet_ = std::move(*fleet);
  }

  void ImportLines(const std::vector<std::string>& lines) {
    std::string path = dir_.str() + "/batch" + std::to_string(++batch_) + ".jsonl";
    std::ofstream out(path);
    for (const auto& l : lines) out << l << "\n";
    out.close();
    vulndb::ImportReport report;
    Status st = vulndb::Import(*db_, {{path, "test", {}}}, vulndb::ImportOptions{}, &report);
    ASSERT_TRUE(st.ok()) << st.error().ToString();
  }

  // What `vigil scan` would find in `inv` now: a full match against the whole database.
  std::set<std::pair<std::string, std::string>> Rescan(const catalog::Inventory& inv) {
    auto index = vulndb::Index::Load(*db_);
    EXPECT_TRUE(index.ok());
    auto found = match::Match(inv, **index, match::MatchOptions{});
    EXPECT_TRUE(found.ok());
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& f : *found) out.emplace(f.id, inv.packages[f.package].purl);
    return out;
  }

  std::set<std::pair<std::string, std::string>> Stored(int64_t image) {
    auto rows = fleet_->Findings(image);
    EXPECT_TRUE(rows.ok());
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& r : *rows) out.emplace(r.vuln, r.purl);
    return out;
  }

  int64_t Put(const catalog::Inventory& inv) {
    auto index = vulndb::Index::Load(*db_);
    EXPECT_TRUE(index.ok());
    auto found = match::Match(inv, **index, match::MatchOptions{});
    EXPECT_TRUE(found.ok());
    auto id = fleet_->PutImage(inv, *found);
    EXPECT_TRUE(id.ok()) << id.error().ToString();
    return id.ok() ? *id : -1;
  }

  // The ids of the database's changes since the fleet's cursor; moves the cursor.
  std::vector<std::string> Changes() {
    auto cursor = fleet_->Cursor();
    EXPECT_TRUE(cursor.ok());
    auto changes = db_->ChangesSince(*cursor, 100000);
    EXPECT_TRUE(changes.ok());
    std::vector<std::string> ids;
    int64_t last = *cursor;
    for (const auto& c : *changes) {
      ids.push_back(c.id);
      last = std::max(last, c.seq);
    }
    EXPECT_TRUE(fleet_->SetCursor(last).ok());
    return ids;
  }

  // What the server does after an update: the advisories of the names concerned, loaded by name
  // (Index::LoadForNames), and the delta. Every test compares the result with a rescan against
  // the whole database's index.
  Result<Delta> Reevaluate(const std::vector<std::string>& changed) {
    FleetStore::IndexForNames by_name =
        [this](const std::vector<std::string>& names) -> Result<std::shared_ptr<const vulndb::Index>> {
      VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<vulndb::Index> idx, vulndb::Index::LoadForNames(*db_, names));
      return std::shared_ptr<const vulndb::Index>(std::move(idx));
    };
    return fleet_->Reevaluate(*db_, by_name, changed, ReevaluateOptions{});
  }

  TempDir dir_;
  std::string store_;
  std::unique_ptr<vulndb::Store> db_;
  std::unique_ptr<FleetStore> fleet_;
  int batch_ = 0;
};

TEST_F(FleetStoreTest, ImagesWithTheirFindingsAndInventories) {
  ImportLines({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21", "CVE-2021-23337")});
  catalog::Inventory one = Image("one", {Npm("lodash", "4.17.20", 1), Npm("express", "4.18.2", 1)});
  int64_t id = Put(one);
  auto images = fleet_->Images();
  ASSERT_TRUE(images.ok());
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ((*images)[0].id, id);
  EXPECT_EQ((*images)[0].config_digest, "sha256:one");
  EXPECT_EQ((*images)[0].name, "registry.example/one:1");
  EXPECT_EQ((*images)[0].packages, 2u);
  EXPECT_EQ((*images)[0].findings, 1u);
  EXPECT_EQ(Stored(id), Rescan(one));
  // The inventory reads back as it was written.
  auto back = fleet_->InventoryOf(id);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  ASSERT_EQ(back->packages.size(), 2u);
  std::set<std::string> purls;
  for (const auto& p : back->packages) purls.insert(p.purl);
  EXPECT_EQ(purls, (std::set<std::string>{"pkg:npm/lodash@4.17.20", "pkg:npm/express@4.18.2"}));
  EXPECT_EQ(back->image.config_digest, "sha256:one");
  EXPECT_EQ(fleet_->InventoryOf(99).error().code(), ErrorCode::kNotFound);
  // Affected by the id, the alias, and nothing else.
  for (const char* name : {"CVE-2021-23337", "GHSA-aaaa-aaaa-aaaa"}) {
    auto hit = fleet_->Affected(name);
    ASSERT_TRUE(hit.ok());
    ASSERT_EQ(hit->size(), 1u) << name;
    EXPECT_EQ((*hit)[0].image, id);
    EXPECT_EQ((*hit)[0].package, "lodash");
    EXPECT_EQ((*hit)[0].fix, "4.17.21");
  }
  EXPECT_TRUE(fleet_->Affected("CVE-1999-0001")->empty());
  // Stored again (a rescan): replaced, not doubled.
  EXPECT_EQ(Put(one), id);
  EXPECT_EQ(fleet_->Images()->size(), 1u);
  EXPECT_EQ(Stored(id), Rescan(one));
}

TEST_F(FleetStoreTest, ChangedAdvisoriesReachOnlyTheImagesThatHaveTheirPackages) {
  ImportLines({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21", "CVE-2021-23337")});
  (void)Changes();
  std::vector<catalog::Inventory> images = {
      Image("one", {Npm("lodash", "4.17.20", 1), Npm("minimist", "1.2.5", 1)}),
      Image("two", {Npm("minimist", "1.2.5", 0)}),
      Image("three", {Npm("express", "4.18.2", 0)}),
  };
  std::vector<int64_t> ids;
  for (const auto& inv : images) ids.push_back(Put(inv));

  // A new advisory for minimist: images one and two, not three.
  ImportLines({Osv("GHSA-bbbb-bbbb-bbbb", "2024-02-01T00:00:00Z", "minimist", "1.2.6", "CVE-2021-44906")});
  auto d = Reevaluate(Changes());
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->images_evaluated, 2u);
  EXPECT_EQ(d->images_in_fleet, 3u);
  EXPECT_EQ(d->names, 1u);
  ASSERT_EQ(d->added.size(), 2u);
  EXPECT_TRUE(d->resolved.empty());
  std::set<int64_t> hit;
  for (const auto& f : d->added) {
    EXPECT_EQ(f.vuln, "CVE-2021-44906");
    EXPECT_EQ(f.package, "minimist");
    hit.insert(f.image);
  }
  EXPECT_EQ(hit, (std::set<int64_t>{ids[0], ids[1]}));

  // The lodash advisory changes its range so that 4.17.20 is no longer affected: resolved in
  // image one only; the minimist finding of image one is untouched.
  ImportLines({Osv("GHSA-aaaa-aaaa-aaaa", "2024-03-01T00:00:00Z", "lodash", "4.17.20", "CVE-2021-23337")});
  d = Reevaluate(Changes());
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->images_evaluated, 1u);
  EXPECT_TRUE(d->added.empty());
  ASSERT_EQ(d->resolved.size(), 1u);
  EXPECT_EQ(d->resolved[0].vuln, "CVE-2021-23337");
  EXPECT_EQ(d->resolved[0].image, ids[0]);

  // After every update the stored findings equal a full rescan of each image.
  for (size_t i = 0; i < images.size(); ++i) EXPECT_EQ(Stored(ids[i]), Rescan(images[i])) << i;

  // Nothing changed: nothing evaluated.
  d = Reevaluate(Changes());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->images_evaluated, 0u);
  EXPECT_TRUE(d->added.empty() && d->resolved.empty());
}

TEST_F(FleetStoreTest, AnUnchangedAdvisoryMergedWithAChangedOneStaysInTheFinding) {
  // Two advisories for one CVE and one package; only one changes. The finding keeps both.
  ImportLines({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21", "CVE-2021-23337"),
               Osv("OSV-2021-0001", "2024-01-01T00:00:00Z", "lodash", "4.17.21", "CVE-2021-23337")});
  (void)Changes();
  catalog::Inventory one = Image("one", {Npm("lodash", "4.17.20", 1)});
  int64_t id = Put(one);
  ImportLines({Osv("OSV-2021-0001", "2024-05-01T00:00:00Z", "lodash", "4.17.22", "CVE-2021-23337")});
  auto d = Reevaluate(Changes());
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_TRUE(d->added.empty());
  EXPECT_TRUE(d->resolved.empty());
  auto rows = fleet_->Findings(id);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].fix, "4.17.21");  // the lowest fix of both advisories
  EXPECT_EQ(fleet_->Affected("GHSA-aaaa-aaaa-aaaa")->size(), 1u);
  EXPECT_EQ(fleet_->Affected("OSV-2021-0001")->size(), 1u);
}

TEST_F(FleetStoreTest, AChangedRecordThatDoesNotParseIsAnErrorNotAnEmptyDelta) {
  ImportLines({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21", "CVE-2021-23337")});
  (void)Changes();
  int64_t id = Put(Image("one", {Npm("lodash", "4.17.20", 1)}));
  // The server's index, loaded before the damage (a fresh load would refuse the record too).
  auto index = vulndb::Index::Load(*db_);
  ASSERT_TRUE(index.ok());
  // A damaged record stored under the id (what a broken writer or a damaged file would leave).
  auto tx = db_->Begin("test");
  ASSERT_TRUE(tx.ok()) << tx.error().ToString();
  ASSERT_TRUE(
      (*tx)->Put("GHSA-aaaa-aaaa-aaaa", "2024-02-01T00:00:00Z", false, {"npm"}, {}, "test", "{not json", 0, 1).ok());
  ASSERT_TRUE((*tx)->AddChange("GHSA-aaaa-aaaa-aaaa", "changed").ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  auto d = fleet_->Reevaluate(*db_, **index, Changes(), ReevaluateOptions{});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(d.error().message().find("GHSA-aaaa-aaaa-aaaa does not parse"), std::string::npos) << d.error().message();
  EXPECT_EQ(Stored(id).size(), 1u);  // nothing was changed
}

TEST_F(FleetStoreTest, DeltasQueueOneAlertPerVulnerabilityAndImageWithItsRunningContainers) {
  ImportLines({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21", "CVE-2021-23337")});
  (void)Changes();
  // Image one has two minimist packages (two findings of one vulnerability: one alert).
  catalog::Inventory one = Image("one", {Npm("minimist", "1.2.5", 1), Npm("lodash", "4.17.20", 1)});
  one.packages.push_back(Npm("minimist", "1.2.5", 1));
  one.packages.back().location = "app/other/node_modules/minimist/package.json";
  one.packages.back().purl = "pkg:npm/minimist@1.2.5?file=other";
  int64_t a = Put(one);
  int64_t b = Put(Image("two", {Npm("minimist", "1.2.5", 0)}));
  // Three containers run image two, one runs image one, one runs an image the fleet does not know.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(fleet_
                    ->PutContainer({"rt", "c" + std::to_string(i), "two-" + std::to_string(i), "two:1", "sha256:two",
                                    "prod", "pod" + std::to_string(i), "node1", "", 0})
                    .ok());
  }
  ASSERT_TRUE(fleet_->PutContainer({"rt", "d0", "one-0", "one:1", "sha256:one", "", "", "", "", 0}).ok());
  ASSERT_TRUE(fleet_->PutContainer({"rt", "e0", "x", "x:1", "sha256:unknown", "", "", "", "", 0}).ok());
  auto of_two = fleet_->ContainersOf(b);
  ASSERT_TRUE(of_two.ok());
  EXPECT_EQ(of_two->size(), 3u);
  auto all = fleet_->Containers();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (const auto& c : *all) EXPECT_EQ(c.image, c.id == "e0" ? 0 : c.id == "d0" ? a : b) << c.id;
  EXPECT_EQ(fleet_->Containers("prod")->size(), 3u);

  ImportLines({Osv("GHSA-bbbb-bbbb-bbbb", "2024-02-01T00:00:00Z", "minimist", "1.2.6", "CVE-2021-44906")});
  int64_t before = *fleet_->Cursor();
  std::vector<std::string> changed = Changes();
  int64_t after = *fleet_->Cursor();
  ASSERT_GT(after, before);
  ASSERT_TRUE(fleet_->SetCursor(before).ok());
  auto index = vulndb::Index::Load(*db_);
  ASSERT_TRUE(index.ok());
  ReevaluateOptions ro;
  ro.cursor = after;
  auto d = fleet_->Reevaluate(*db_, **index, changed, ro);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->added.size(), 3u);
  EXPECT_EQ(d->alerts, 2u);
  EXPECT_EQ(*fleet_->Cursor(), after);  // set with the findings
  auto alerts = fleet_->Alerts(0, 100);
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 2u);
  // Running containers first: image two (3 containers) before image one (1).
  EXPECT_EQ((*alerts)[0].image, b);
  EXPECT_EQ((*alerts)[1].image, a);
  for (const Alert& al : *alerts) {
    EXPECT_EQ(al.kind, "new");
    EXPECT_EQ(al.vuln, "CVE-2021-44906");
    EXPECT_EQ(al.key.size(), 64u);
    EXPECT_NE(al.payload.find("\"idempotency_key\":\"" + al.key + "\""), std::string::npos) << al.payload;
  }
  EXPECT_NE((*alerts)[0].payload.find("\"running\":3"), std::string::npos) << (*alerts)[0].payload;
  EXPECT_NE((*alerts)[0].payload.find("\"pod\":\"pod2\""), std::string::npos) << (*alerts)[0].payload;
  EXPECT_NE((*alerts)[1].payload.find("minimist@1.2.5?file=other"), std::string::npos) << (*alerts)[1].payload;
  EXPECT_NE((*alerts)[0].key, (*alerts)[1].key);

  // The fix: both resolved, two "resolved" alerts after the first two.
  ImportLines({Osv("GHSA-bbbb-bbbb-bbbb", "2024-03-01T00:00:00Z", "minimist", "1.2.5", "CVE-2021-44906")});
  changed = Changes();
  index = vulndb::Index::Load(*db_);
  ASSERT_TRUE(index.ok());
  ro.cursor = *fleet_->Cursor();
  d = fleet_->Reevaluate(*db_, **index, changed, ro);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(d->resolved.size(), 3u);
  alerts = fleet_->Alerts((*alerts)[1].seq, 100);
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 2u);
  for (const Alert& al : *alerts) EXPECT_EQ(al.kind, "resolved");

  // Containers leave: a list without them replaces the runtime's set.
  ASSERT_TRUE(fleet_->ReplaceContainers("rt", {{"", "c9", "new", "two:1", "sha256:two", "", "", "", "", 0}}).ok());
  EXPECT_EQ(fleet_->ContainersOf(b)->size(), 1u);
  ASSERT_TRUE(fleet_->RemoveContainer("rt", "c9").ok());
  EXPECT_TRUE(fleet_->ContainersOf(b)->empty());
  ASSERT_TRUE(fleet_->MarkRuntime("rt", "stale", "connection refused").ok());
  auto rts = fleet_->Runtimes();
  ASSERT_TRUE(rts.ok());
  ASSERT_EQ(rts->size(), 1u);
  EXPECT_EQ((*rts)[0].state, "stale");
  EXPECT_EQ((*rts)[0].reason, "connection refused");
}

TEST_F(FleetStoreTest, ChannelsStartAfterTheNewestAlertAndDeliverInOrder) {
  ImportLines({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21", "CVE-2021-23337")});
  (void)Changes();
  Put(Image("one", {Npm("minimist", "1.2.5", 1)}));
  auto early = fleet_->Channel("file:/early");
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->delivered, 0);
  ImportLines({Osv("GHSA-bbbb-bbbb-bbbb", "2024-02-01T00:00:00Z", "minimist", "1.2.6", "CVE-2021-44906")});
  auto d = Reevaluate(Changes());
  ASSERT_TRUE(d.ok());
  auto alerts = fleet_->Alerts(0, 10);
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 1u);
  // A channel added now is not sent the history; the early one is.
  auto late = fleet_->Channel("webhook:http://late");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->delivered, (*alerts)[0].seq);
  EXPECT_EQ(fleet_->Channel("file:/early")->delivered, 0);
  ASSERT_TRUE(fleet_->MarkFailed("file:/early", "disk full", 12345).ok());
  auto failed = fleet_->Channel("file:/early");
  EXPECT_EQ(failed->attempts, 1);
  EXPECT_EQ(failed->next_attempt, 12345);
  EXPECT_EQ(failed->last_error, "disk full");
  ASSERT_TRUE(fleet_->MarkDelivered("file:/early", (*alerts)[0].seq).ok());
  auto done = fleet_->Channel("file:/early");
  EXPECT_EQ(done->delivered, (*alerts)[0].seq);
  EXPECT_EQ(done->attempts, 0);
  // Never backwards.
  ASSERT_TRUE(fleet_->MarkDelivered("file:/early", 0).ok());
  EXPECT_EQ(fleet_->Channel("file:/early")->delivered, (*alerts)[0].seq);
}

TEST_F(FleetStoreTest, TokensAreStoredHashedCheckedAndRevoked) {
  int64_t id = 0;
  auto secret = fleet_->CreateToken("ci", {"read", "write", "read"}, &id);
  ASSERT_TRUE(secret.ok()) << secret.error().ToString();
  EXPECT_EQ(secret->rfind("vgl_", 0), 0u);
  EXPECT_EQ(secret->size(), 4u + 64u);
  auto t = fleet_->CheckToken(*secret);
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->id, id);
  EXPECT_EQ(t->scopes, (std::vector<std::string>{"read", "write"}));
  // Wrong, truncated, empty and huge secrets.
  std::string wrong = *secret;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  for (const std::string& bad : {wrong, secret->substr(0, 20), std::string(), std::string(100000, 'a')}) {
    EXPECT_EQ(fleet_->CheckToken(bad).error().code(), ErrorCode::kNotFound) << bad.size();
  }
  // The secret is not in the store.
  {
    auto raw = Raw(store_);
    ASSERT_NE(raw, nullptr);
    sql::Stmt s = raw->Prepare("SELECT count(*) FROM token WHERE hash = ? OR name = ?");
    s.Bind(1, *secret).Bind(2, *secret);
    auto row = s.Next();
    ASSERT_TRUE(row.ok() && *row) << (row.ok() ? "no row" : row.error().ToString());
    EXPECT_EQ(s.Int(0), 0);
  }
  EXPECT_EQ(fleet_->CreateToken("x", {"root"}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(fleet_->CreateToken("", {"read"}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(fleet_->CreateToken("x", {}).error().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(fleet_->RevokeToken(id).ok());
  EXPECT_EQ(fleet_->CheckToken(*secret).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(fleet_->RevokeToken(999).error().code(), ErrorCode::kNotFound);
  auto list = fleet_->Tokens();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_TRUE((*list)[0].revoked);
}

TEST_F(FleetStoreTest, FindImageByIdDigestOrTagAndRemoveIt) {
  ImportLines({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21", "CVE-2021-23337")});
  int64_t id = Put(Image("one", {Npm("lodash", "4.17.20", 1)}));
  for (const std::string& ref : {std::to_string(id), std::string("sha256:one"), std::string("sha256:mone"),
                                 std::string("registry.example/one:1")}) {
    auto found = fleet_->FindImage(ref);
    ASSERT_TRUE(found.ok()) << ref;
    EXPECT_EQ(found->id, id) << ref;
  }
  EXPECT_EQ(fleet_->FindImage("nope").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(fleet_->FindImage("").error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(fleet_->RemoveImage(id).ok());
  EXPECT_TRUE(fleet_->Images()->empty());
  EXPECT_TRUE(fleet_->Affected("CVE-2021-23337")->empty());
  EXPECT_EQ(fleet_->RemoveImage(id).error().code(), ErrorCode::kNotFound);
}

TEST(FleetStoreOpen, RefusesNewerSchemasAndOtherDatabases) {
  TempDir dir;
  std::string store = NewStore(dir);
  {
    auto f = FleetStore::Open(store);
    ASSERT_TRUE(f.ok()) << f.error().ToString();
  }
  {
    auto again = FleetStore::Open(store);  // reopening migrates nothing and works
    ASSERT_TRUE(again.ok()) << again.error().ToString();
    EXPECT_TRUE((*again)->Images()->empty());
  }
  // A newer vigil's store.
  ASSERT_TRUE(Raw(store)->Exec("UPDATE meta SET value = '99' WHERE key = 'fleet_schema'").ok());
  auto newer = FleetStore::Open(store);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(newer.error().message().find("written by a newer vigil (fleet schema 99"), std::string::npos)
      << newer.error().message();
  // Someone else's database.
  std::string other = NewStore(dir, "other");
  ASSERT_TRUE(Raw(other)->Exec("CREATE TABLE t(x INTEGER)").ok());
  auto foreign = FleetStore::Open(other);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().message().find("is not a fleet store"), std::string::npos) << foreign.error().message();
#ifndef VIGIL_FLEET_STORE_PG
  // Not a database at all.
  std::string text = dir.str() + "/text.db";
  std::ofstream(text) << "this is not SQLite, just text that is long enough to be read as a header......\n";
  auto bad = FleetStore::Open(text);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("is not a fleet store"), std::string::npos) << bad.error().message();
#endif
}

#ifndef VIGIL_FLEET_STORE_PG
// A store written by the previous schema (2) is migrated, its tags found through the new table.
TEST(FleetStoreOpen, MigratesASchemaTwoStore) {
  TempDir dir;
  std::string path = dir.str() + "/fleet.db";
  {
    auto f = FleetStore::Open(path);
    ASSERT_TRUE(f.ok()) << f.error().ToString();
    catalog::Inventory inv = Image("old", {Npm("lodash", "4.17.20", 1)});
    ASSERT_TRUE((*f)->PutImage(inv, {}).ok());
  }
  // Back to schema 2 as a vigil of that schema left it: no tag table, no manifest index.
  ASSERT_TRUE(Raw(path)
                  ->Exec("DROP TABLE image_tag; DROP INDEX image_manifest; DROP TABLE runtime_alert; "
                         "UPDATE meta SET value = '2' WHERE key = 'fleet_schema'")
                  .ok());
  auto f = FleetStore::Open(path);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  auto found = (*f)->FindImage("registry.example/old:1");
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  EXPECT_EQ(found->config_digest, "sha256:old");
}
#endif

#ifdef VIGIL_FLEET_STORE_PG
// Servers sharing a store: one leads at a time; the leader's session gone, another takes over.
TEST(FleetStorePostgres, OneLeaderAtATimeAndAnotherTakesOverWhenItGoes) {
  TempDir dir;
  std::string store = NewStore(dir);
  auto a = FleetStore::Open(store);
  auto b = FleetStore::Open(store);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE((*a)->shared());
  auto la = (*a)->TryLead();
  ASSERT_TRUE(la.ok()) << la.error().ToString();
  EXPECT_TRUE(*la);
  EXPECT_FALSE(*(*b)->TryLead());
  EXPECT_TRUE(*(*a)->TryLead());  // still the leader
  a->reset();                     // the leader goes (its sessions close)
  bool took = false;
  for (int i = 0; i < 50 && !took; ++i) {
    auto lb = (*b)->TryLead();
    ASSERT_TRUE(lb.ok()) << lb.error().ToString();
    took = *lb;
    if (!took) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(took);
  (*b)->StepDown();
  auto c = FleetStore::Open(store);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(*(*c)->TryLead());
}

// Two servers delivering one channel: the row claimed by one is skipped by the other, and the
// position the first commits is where the second starts.
TEST(FleetStorePostgres, AClaimedChannelIsSkippedByTheOtherServer) {
  TempDir dir;
  std::string store = NewStore(dir);
  auto a = FleetStore::Open(store);
  auto b = FleetStore::Open(store);
  ASSERT_TRUE(a.ok() && b.ok());
  auto first = (*a)->Claim("webhook:x");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_NE(*first, nullptr);
  EXPECT_EQ((*first)->state().delivered, 0);
  auto second = (*b)->Claim("webhook:x");
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(*second, nullptr);  // held by a
  auto other = (*b)->Claim("file:/y");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, nullptr);  // another channel is free
  other->reset();
  ASSERT_TRUE((*first)->Delivered(7).ok());
  first->reset();
  auto third = (*b)->Claim("webhook:x");
  ASSERT_TRUE(third.ok());
  ASSERT_NE(*third, nullptr);
  EXPECT_EQ((*third)->state().delivered, 7);
  ASSERT_TRUE((*third)->Failed("HTTP 500", 12345).ok());
  third->reset();
  auto state = (*a)->Channel("webhook:x");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->attempts, 1);
  EXPECT_EQ(state->next_attempt, 12345);
  // A claim dropped without a result rolls back: nothing changed, and the row is free again.
  {
    auto dropped = (*a)->Claim("webhook:x");
    ASSERT_TRUE(dropped.ok() && *dropped != nullptr);
  }
  auto again = (*b)->Claim("webhook:x");
  ASSERT_TRUE(again.ok() && *again != nullptr);
  EXPECT_EQ((*again)->state().delivered, 7);
}

// The database restarted under a writer: the store reconnects and no acknowledged write is lost.
TEST(FleetStorePostgres, ADatabaseRestartCostsADelayNotTheWork) {
  TempDir dir;
  std::string store = NewStore(dir);
  auto f = FleetStore::Open(store);
  ASSERT_TRUE(f.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0}, failed{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      ContainerRow c;
      c.runtime = "unix:///run/test.sock";
      c.id = "c" + std::to_string(i);
      c.name = "n" + std::to_string(i);
      c.image_id = "sha256:" + std::string(64, 'a');
      if ((*f)->PutContainer(c).ok()) {
        acknowledged = i + 1;
      } else {
        ++failed;
        break;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Status restarted = vigil::testing::RunPgCluster("restart");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  writer.join();
  ASSERT_TRUE(restarted.ok()) << restarted.error().ToString();
  EXPECT_EQ(failed.load(), 0) << "a write failed across the restart instead of being retried";
  auto rows = (*f)->Containers();
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  EXPECT_GE(rows->size(), static_cast<size_t>(acknowledged.load()));
  EXPECT_GT(acknowledged.load(), 0);
}
#endif

}  // namespace
}  // namespace vigil::fleet
