#include "vulndb/importer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../test_util.h"
#include "common/file.h"
#include "vulndb/index.h"
#include "vulndb/osv.h"
#include "vulndb/sqlite_store.h"
#include "vulndb/store.h"
#include "zip_util.h"

namespace vigil::vulndb {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "vulndb-" + name + "-" + std::to_string(getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void Write(const std::string& path, std::string_view text) { std::ofstream(path, std::ios::binary) << text; }

std::string Record(const std::string& id, const std::string& modified, const std::string& eco, const std::string& name,
                   const std::string& fixed, const std::string& extra = "") {
  return R"({"id":")" + id + R"(","modified":")" + modified + R"(","affected":[{"package":{"ecosystem":")" + eco +
         R"(","name":")" + name + R"("},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":")" +
         fixed + R"("}]}]}])" + extra + "}";
}

struct Db {
  std::string dir;
  std::unique_ptr<Store> store;
  explicit Db(const std::string& name) : dir(TempDir(name)) {
    auto s = SqliteStore::Open(dir + "/db", Store::Mode::kReadWrite);
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    store = std::move(*s);
  }
  ImportReport Import(const std::vector<std::string>& paths) {
    std::vector<ImportInput> inputs;
    for (const auto& p : paths) inputs.push_back({p, "", {}});
    ImportReport report;
    Status st = vulndb::Import(*store, inputs, {}, &report);
    EXPECT_TRUE(st.ok()) << st.error().ToString();
    return report;
  }
  bool Has(const std::string& id) {
    auto j = store->GetJson(id);
    return j.ok() && j->has_value();
  }
};

bool HasProblem(const ImportReport& r, const std::string& id, const std::string& part) {
  for (const auto& p : r.problems) {
    if ((id.empty() || p.id == id) && p.reason.find(part) != std::string::npos) return true;
  }
  return false;
}

std::string ProblemList(const ImportReport& r) {
  std::string s;
  for (const auto& p : r.problems) s += p.where + " (" + p.id + "): " + p.reason + "\n";
  return s;
}

TEST(Import, ReadsEveryOsvForm) {
  Db db("forms");
  std::string dir = db.dir + "/in";
  fs::create_directories(dir + "/tree/sub");
  std::string data = testing::TestData("vulndb", "osv");
  // A folder tree of JSON and YAML files.
  for (const char* f : {"GO-2022-0969.json", "PYSEC-2021-66.yaml", "RUSTSEC-2021-0056.json"}) {
    fs::copy_file(data + "/" + f, dir + "/tree/sub/" + f);
  }
  // JSON Lines, a JSON array, and a zip as osv.dev publishes.
  Write(dir + "/a.jsonl", Record("T-1", "2024-01-01T00:00:00Z", "npm", "left-pad", "1.1.0") + "\n\n" +
                              Record("T-2", "2024-01-01T00:00:00Z", "npm", "lodash", "4.17.21") + "\n");
  Write(dir + "/b.json", "[" + Record("T-3", "2024-01-01T00:00:00Z", "PyPI", "Jinja2", "2.11.3") + "]");
  auto alsa = ReadFile(data + "/ALSA-2023:0946.json");
  ASSERT_TRUE(alsa.ok());
  Write(dir + "/all.zip", test::MakeZip({{"ALSA-2023:0946.json", *alsa}, {"README.txt", "not a record"}}));

  ImportReport r = db.Import({dir + "/tree", dir + "/a.jsonl", dir + "/b.json", dir + "/all.zip"});
  EXPECT_EQ(r.added, 7u) << ProblemList(r);
  EXPECT_EQ(r.skipped, 0u) << ProblemList(r);
  for (const char* id : {"GO-2022-0969", "PYSEC-2021-66", "RUSTSEC-2021-0056", "T-1", "T-2", "T-3", "ALSA-2023:0946"}) {
    EXPECT_TRUE(db.Has(id)) << id;
  }
  // The stored document is the record's JSON (YAML converted, strings kept as strings).
  auto y = db.store->GetJson("PYSEC-2021-66");
  ASSERT_TRUE(y.ok() && y->has_value());
  EXPECT_NE((*y)->find(R"("fixed":"2.11.3")"), std::string::npos) << **y;

  auto index = Index::Load(*db.store);
  ASSERT_TRUE(index.ok()) << index.error().ToString();
  auto jinja = (*index)->Lookup("PyPI", "", "jinja2");
  ASSERT_EQ(jinja.size(), 2u);  // PYSEC-2021-66 and T-3 (Jinja2 normalised)
  auto openssl = (*index)->Lookup("AlmaLinux", "9", "openssl");
  ASSERT_EQ(openssl.size(), 1u);
  ASSERT_NE(openssl[0].ranges, nullptr);
  EXPECT_TRUE(*openssl[0].ranges->IsAffected("1:3.0.1-46.el9_1"));
  EXPECT_FALSE(*openssl[0].ranges->IsAffected("1:3.0.1-47.el9_1"));
  EXPECT_EQ(openssl[0].fixed, std::vector<std::string>{"1:3.0.1-47.el9_1"});
  EXPECT_TRUE((*index)->Lookup("AlmaLinux", "8", "openssl").empty());  // another release
}

TEST(Import, KeepsOnlyNewerRecordsAndLogsChanges) {
  Db db("changes");
  std::string f1 = db.dir + "/1.jsonl", f2 = db.dir + "/2.jsonl";
  Write(f1, Record("A-1", "2024-01-01T00:00:00Z", "npm", "x", "1.0.0") + "\n" +
                Record("A-2", "2024-01-01T00:00:00Z", "npm", "y", "1.0.0") + "\n");
  ImportReport first = db.Import({f1});
  EXPECT_EQ(first.added, 2u);
  // Same content again: nothing changes, nothing is logged.
  ImportReport again = db.Import({f1});
  EXPECT_EQ(again.unchanged, 2u);
  EXPECT_EQ(again.added + again.changed, 0u);
  // A-1 newer (written with another zone), A-2 older, A-3 new, A-4 withdrawn.
  Write(f2, Record("A-1", "2024-01-01T02:00:00+01:00", "npm", "x", "1.0.1") + "\n" +
                Record("A-2", "2023-12-31T00:00:00Z", "npm", "y", "0.9.0") + "\n" +
                Record("A-3", "2024-02-01T00:00:00Z", "npm", "z", "2.0.0") + "\n" +
                Record("A-4", "2024-02-01T00:00:00Z", "npm", "w", "2.0.0", R"(,"withdrawn":"2024-02-02T00:00:00Z")") +
                "\n");
  ImportReport second = db.Import({f2});
  EXPECT_EQ(second.changed, 1u) << ProblemList(second);
  EXPECT_EQ(second.stale, 1u);
  EXPECT_EQ(second.added, 2u);
  EXPECT_EQ(second.withdrawn, 1u);
  EXPECT_TRUE(HasProblem(second, "A-2", "older than the stored"));
  auto a1 = db.store->GetJson("A-1");
  ASSERT_TRUE(a1.ok() && a1->has_value());
  EXPECT_NE((*a1)->find("1.0.1"), std::string::npos);
  auto a2 = db.store->GetJson("A-2");
  EXPECT_NE((*a2)->find("1.0.0"), std::string::npos);  // the stored, newer one stays

  auto changes = db.store->ChangesSince(0, 100);
  ASSERT_TRUE(changes.ok());
  // The first import into the empty database is not logged; the second is.
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ((*changes)[0].id, "A-1");
  EXPECT_EQ((*changes)[0].kind, "changed");
  EXPECT_EQ((*changes)[1].id, "A-3");
  EXPECT_EQ((*changes)[1].kind, "new");
  EXPECT_EQ((*changes)[2].id, "A-4");
  EXPECT_EQ((*changes)[2].kind, "withdrawn");
  auto later = db.store->ChangesSince((*changes)[0].seq, 100);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->size(), 2u);

  // The withdrawn record is stored but never indexed.
  auto index = Index::Load(*db.store);
  ASSERT_TRUE(index.ok());
  EXPECT_TRUE((*index)->Lookup("npm", "", "w").empty());
  EXPECT_EQ((*index)->Lookup("npm", "", "z").size(), 1u);

  auto status = db.store->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->records, 4u);
  EXPECT_EQ(status->withdrawn, 1u);
  EXPECT_EQ(status->per_ecosystem["npm"], 4u);
  EXPECT_EQ(status->newest_modified, "2024-02-01T00:00:00Z");
}

TEST(Import, DuplicateIdsKeepTheNewest) {
  Db db("dups");
  std::string f = db.dir + "/d.jsonl";
  Write(f, Record("D-1", "2024-03-01T00:00:00Z", "npm", "x", "3.0.0") + "\n" +
               Record("D-1", "2024-01-01T00:00:00Z", "npm", "x", "1.0.0") + "\n" +
               Record("D-2", "2024-01-01T00:00:00Z", "npm", "x", "1.0.0") + "\n" +
               Record("D-2", "2024-05-01T00:00:00Z", "npm", "x", "5.0.0") + "\n");
  ImportReport r = db.Import({f});
  EXPECT_EQ(r.added, 2u) << ProblemList(r);
  EXPECT_TRUE(HasProblem(r, "D-1", "duplicate id"));
  EXPECT_TRUE(HasProblem(r, "D-2", "duplicate id"));
  EXPECT_NE((*db.store->GetJson("D-1"))->find("3.0.0"), std::string::npos);
  EXPECT_NE((*db.store->GetJson("D-2"))->find("5.0.0"), std::string::npos);
}

TEST(Import, BadRecordsAreSkippedAndReportedTheRestImported) {
  Db db("bad");
  std::string f = db.dir + "/bad.jsonl";
  Write(
      f,
      Record("OK-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0") + "\n" + "{not json\n" + R"({"id":"NOMOD-1"})" +
          "\n" + Record("UNK-1", "2024-01-01T00:00:00Z", "NoSuchEcosystem", "a", "1.0") + "\n" +
          R"({"id":"INV-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-1 garbage"}]}]}]})" +
          "\n" +
          R"({"id":"REV-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"2.0"},{"fixed":"1.0"}]}]}]})" +
          "\n" + Record("OK-2", "2024-01-01T00:00:00Z", "npm", "b", "1.0.0") + "\n");
  ImportReport r = db.Import({f});
  EXPECT_EQ(r.read, 7u);
  EXPECT_EQ(r.skipped, 2u) << ProblemList(r);
  EXPECT_TRUE(HasProblem(r, "", "not valid JSON"));
  EXPECT_TRUE(HasProblem(r, "", "modified is missing"));
  EXPECT_TRUE(HasProblem(r, "UNK-1", "has no version scheme"));
  EXPECT_TRUE(HasProblem(r, "INV-1", "invalid dpkg version"));
  EXPECT_TRUE(HasProblem(r, "REV-1", "fixed 1.0 sorts before introduced 2.0"));
  for (const auto& p : r.problems) EXPECT_NE(p.where.find("bad.jsonl:"), std::string::npos) << p.where;
  for (const char* id : {"OK-1", "OK-2", "UNK-1", "INV-1", "REV-1"}) EXPECT_TRUE(db.Has(id)) << id;
  auto index = Index::Load(*db.store);
  ASSERT_TRUE(index.ok());
  auto inv = (*index)->Lookup("Debian", "12", "x");
  ASSERT_EQ(inv.size(), 1u);
  EXPECT_EQ(inv[0].ranges, nullptr);  // cannot be evaluated
  EXPECT_EQ((*index)->stats().unevaluable, 2u);
}

// Ecosystems without a scheme of their own are still evaluable when every range is SEMVER, as
// the OSV schema defines those ranges (Bitnami's records are all of that kind).
TEST(Import, SemverRangesOfOtherEcosystemsAreEvaluated) {
  Db db("bitnami");
  std::string f = db.dir + "/b.jsonl";
  Write(
      f,
      R"({"id":"BIT-x-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Bitnami","name":"activemq"},"ranges":[{"type":"SEMVER","events":[{"introduced":"5.0.0"},{"fixed":"5.15.13"}]}]}]})"
      "\n");
  ImportReport r = db.Import({f});
  EXPECT_EQ(r.warnings, 0u) << ProblemList(r);
  auto index = Index::Load(*db.store);
  ASSERT_TRUE(index.ok());
  auto hits = (*index)->Lookup("Bitnami", "", "activemq");
  ASSERT_EQ(hits.size(), 1u);
  ASSERT_NE(hits[0].ranges, nullptr);
  EXPECT_TRUE(*hits[0].ranges->IsAffected("5.15.12"));
  EXPECT_FALSE(*hits[0].ranges->IsAffected("5.15.13"));
}

TEST(Import, ZipWithHostileEntries) {
  Db db("zip");
  std::string good = Record("Z-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0");
  std::string zip = test::MakeZip({{"Z-1.json", good},
                                   {"../escape.json", Record("Z-2", "2024-01-01T00:00:00Z", "npm", "b", "1.0.0")},
                                   {"/abs.json", Record("Z-3", "2024-01-01T00:00:00Z", "npm", "c", "1.0.0")},
                                   {"Z-4.json", Record("Z-4", "2024-01-01T00:00:00Z", "npm", "d", "1.0.0")}});
  Write(db.dir + "/all.zip", zip);
  ImportReport r = db.Import({db.dir + "/all.zip"});
  EXPECT_TRUE(db.Has("Z-1"));
  EXPECT_TRUE(db.Has("Z-4"));
  EXPECT_FALSE(db.Has("Z-2"));
  EXPECT_FALSE(db.Has("Z-3"));
  EXPECT_TRUE(HasProblem(r, "", "unsafe entry name")) << ProblemList(r);
  // Nothing was written beside the database.
  EXPECT_FALSE(fs::exists(db.dir + "/escape.json"));

  // A truncated zip: the entries before the damage are imported, the damage is reported.
  Db db2("zip-trunc");
  // An entry that deflate cannot shrink, so that the cut falls inside its data.
  std::string noise;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    noise += "0123456789abcdef"[x & 15];
  }
  std::string big = Record("BIG-1", "2024-01-01T00:00:00Z", "npm", "big", "1.0.0", R"(,"details":")" + noise + "\"");
  std::string zip2 = test::MakeZip({{"Y-1.json", good},
                                    {"big.json", big},
                                    {"Y-2.json", Record("Y-2", "2024-01-01T00:00:00Z", "npm", "e", "1.0.0")}});
  Write(db2.dir + "/t.zip", zip2.substr(0, zip2.size() / 2));
  ImportReport r2 = db2.Import({db2.dir + "/t.zip"});
  EXPECT_GE(r2.skipped, 1u) << ProblemList(r2) << r2.read << " read " << r2.added << " added";
  EXPECT_TRUE(db2.Has("Z-1"));  // the entry before the damage
  EXPECT_FALSE(db2.Has("BIG-1"));
  EXPECT_TRUE(HasProblem(r2, "", "truncated or damaged")) << ProblemList(r2);

  // Not a zip at all, but named like one.
  Write(db2.dir + "/junk.zip", "PK\x03\x04 this is not really a zip");
  ImportReport r3 = db2.Import({db2.dir + "/junk.zip"});
  EXPECT_GE(r3.skipped, 1u);
}

TEST(Import, HugeFileIsRefusedQuickly) {
  Db db("huge");
  std::string path = db.dir + "/huge.json";
  {
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    std::string head = R"({"id":"HUGE-1","modified":"2024-01-01T00:00:00Z","details":")";
    ASSERT_EQ(::write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
    ASSERT_EQ(::ftruncate(fd, 500ll << 20), 0);  // 500 MB, sparse
    ::close(fd);
  }
  Write(db.dir + "/ok.json", Record("OK-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0"));
  ImportReport r = db.Import({path, db.dir + "/ok.json"});
  EXPECT_EQ(r.skipped, 1u) << ProblemList(r);
  EXPECT_TRUE(HasProblem(r, "", "larger than the limit")) << ProblemList(r);
  EXPECT_TRUE(db.Has("OK-1"));
}

TEST(Import, MissingInputFailsBeforeWriting) {
  Db db("missing");
  std::vector<ImportInput> inputs = {{db.dir + "/nope.json", "", {}}};
  ImportReport r;
  Status st = Import(*db.store, inputs, {}, &r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kNotFound);
}

TEST(Store, ReadersSeeTheLastCommitWhileAnImportRuns) {
  Db db("readers");
  std::string f = db.dir + "/1.jsonl";
  Write(f, Record("R-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0") + "\n");
  db.Import({f});
  auto reader = SqliteStore::Open(db.dir + "/db", Store::Mode::kReadOnly);
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  auto tx = db.store->Begin("test");
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->Put("R-2", "2024-01-01T00:00:00Z", false, {"npm"}, "t", "{}", 0, 3).ok());
  // Uncommitted: the reader does not see R-2, and still reads R-1.
  auto r2 = (*reader)->GetJson("R-2");
  ASSERT_TRUE(r2.ok()) << r2.error().ToString();
  EXPECT_FALSE(r2->has_value());
  EXPECT_TRUE((*reader)->GetJson("R-1")->has_value());
  tx->reset();  // rolled back
  EXPECT_FALSE(db.Has("R-2"));
}

TEST(Store, RefusesFilesThatAreNotOurs) {
  std::string dir = TempDir("notours");
  Write(dir + "/vigil.db", "this is not a database at all, just text that is long enough to look like a header...");
  auto s = SqliteStore::Open(dir, Store::Mode::kReadOnly);
  EXPECT_FALSE(s.ok());
  auto missing = SqliteStore::Open(dir + "/none", Store::Mode::kReadOnly);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

// kill -9 in the middle of a large import leaves the previous database usable and unchanged.
TEST(Store, KillDuringImportKeepsThePreviousDatabase) {
  std::string vigil = std::string(VIGIL_BINARY_DIR) + "/apps/vigil/vigil";
  if (!fs::exists(vigil)) GTEST_SKIP() << "the vigil executable is not built: " << vigil;
  Db db("kill");
  std::string small = db.dir + "/small.jsonl";
  Write(small, Record("K-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0") + "\n");
  db.Import({small});
  db.store.reset();
  std::string big = db.dir + "/big.jsonl";
  {
    std::ofstream out(big);
    for (int i = 0; i < 400000; ++i) {
      out << Record("BIG-" + std::to_string(i), "2024-01-01T00:00:00Z", "npm", "p" + std::to_string(i % 5000),
                    "1.0." + std::to_string(i % 97))
          << "\n";
    }
  }
  for (int delay_ms : {150, 600}) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execl(vigil.c_str(), vigil.c_str(), "db", "--db", (db.dir + "/db").c_str(), "import", big.c_str(), nullptr);
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    auto store = SqliteStore::Open(db.dir + "/db", Store::Mode::kReadOnly);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    auto st = (*store)->GetStatus();
    ASSERT_TRUE(st.ok()) << st.error().ToString();
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(st->records, 1u) << "killed after " << delay_ms << " ms";
    }
    EXPECT_TRUE((*store)->GetJson("K-1")->has_value());
    Status integrity = (*store)->CheckIntegrity();
    EXPECT_TRUE(integrity.ok()) << integrity.error().ToString();
  }
}

}  // namespace
}  // namespace vigil::vulndb
