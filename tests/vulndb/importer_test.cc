#include "vulndb/importer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../test_util.h"
#include "common/file.h"
#include "version/osv_range.h"
#include "vulndb/enrichment.h"
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
  ImportReport Import(const std::vector<std::string>& paths, const ImportOptions& options = {}) {
    std::vector<ImportInput> inputs;
    for (const auto& p : paths) inputs.push_back({p, "", {}});
    ImportReport report;
    Status st = vulndb::Import(*store, inputs, options, &report);
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

// Issue 12: 20,000 entries declaring 1 MiB each (20 GiB, over the 8 GiB limit) are refused from
// the central directory alone: nothing is inflated, nothing imported, the archive is reported.
TEST(Import, ZipBombRefusedByItsDeclaredSizesBeforeInflating) {
  Db db("zip-bomb");
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 20000; ++i) {
    std::string id = "B-" + std::to_string(i);
    entries.emplace_back(id + ".json", Record(id, "2024-01-01T00:00:00Z", "npm", "p" + std::to_string(i), "1.0.0"));
  }
  std::string zip = test::MakeZip(entries);
  test::SetDeclaredSizes(&zip, 1u << 20, [](std::string_view) { return true; });
  Write(db.dir + "/all.zip", zip);
  ImportReport r = db.Import({db.dir + "/all.zip"});
  EXPECT_EQ(r.read, 0u) << ProblemList(r);
  EXPECT_EQ(r.added, 0u);
  EXPECT_FALSE(db.Has("B-0"));
  EXPECT_TRUE(HasProblem(r, "",
                         "the zip's 20000 entries declare 20971520000 bytes uncompressed, more than the limit "
                         "of 8589934592 bytes: nothing of the archive is read"))
      << ProblemList(r);
  ASSERT_EQ(r.inputs.size(), 1u);
  EXPECT_EQ(r.inputs[0].imported, 0u);
  EXPECT_EQ(r.empty_inputs, 1u);
  EXPECT_NE(r.inputs[0].reason.find("nothing of the archive is read"), std::string::npos);
}

TEST(Import, ZipEntryCountIsCheckedFirst) {
  Db db("zip-count");
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 5; ++i) {
    std::string id = "C-" + std::to_string(i);
    entries.emplace_back(id + ".json", Record(id, "2024-01-01T00:00:00Z", "npm", "c", "1.0.0"));
  }
  Write(db.dir + "/all.zip", test::MakeZip(entries));
  ImportOptions options;
  options.zip.max_entries = 3;
  ImportReport r = db.Import({db.dir + "/all.zip"}, options);
  EXPECT_EQ(r.read, 0u);
  EXPECT_TRUE(HasProblem(r, "", "the zip declares 5 entries, more than the limit of 3: nothing of the archive is read"))
      << ProblemList(r);
  // The same archive under the default limits imports whole.
  ImportReport ok = db.Import({db.dir + "/all.zip"});
  EXPECT_EQ(ok.added, 5u) << ProblemList(ok);
  EXPECT_EQ(ok.empty_inputs, 0u);
}

// An entry that deflates at bomb ratios (runs of one byte) is not inflated; one that inflates
// past the size the directory declares is stopped there; the honest entries are imported.
TEST(Import, ZipEntriesThatLieOrInflateLikeBombsAreSkipped) {
  Db db("zip-lie");
  std::string good = Record("L-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0");
  std::string padded =
      Record("L-2", "2024-01-01T00:00:00Z", "npm", "b", "1.0.0", R"(,"details":")" + std::string(100000, 'x') + "\"");
  std::string zip = test::MakeZip({{"L-1.json", good},
                                   {"zeros.json", std::string(4u << 20, ' ')},
                                   {"L-2.json", padded},
                                   {"L-3.json", Record("L-3", "2024-01-01T00:00:00Z", "npm", "c", "1.0.0")}});
  test::SetDeclaredSizes(&zip, 1000, [](std::string_view name) { return name == "L-2.json"; });
  Write(db.dir + "/all.zip", zip);
  ImportReport r = db.Import({db.dir + "/all.zip"});
  EXPECT_TRUE(db.Has("L-1"));
  EXPECT_TRUE(db.Has("L-3"));
  EXPECT_FALSE(db.Has("L-2"));
  EXPECT_TRUE(HasProblem(r, "", "ratio above the limit of 200:1 for entries over 1 MiB (a zip bomb?): not read"))
      << ProblemList(r);
  EXPECT_TRUE(HasProblem(r, "", "entry inflates to more than the 1000 bytes its central directory declares"))
      << ProblemList(r);
  EXPECT_EQ(r.skipped, 2u) << ProblemList(r);
  EXPECT_EQ(r.empty_inputs, 0u);

  // An entry the directory does not list (here: listed under another name, declaring 10 bytes)
  // may inflate no further than what the directory declares in all.
  Db db3("zip-unlisted");
  std::string unlisted = test::MakeZip({{"U-1.json", good}, {"P.json", padded}});
  unlisted.replace(unlisted.rfind("P.json"), 6, "Q.json");
  test::SetDeclaredSizes(&unlisted, 10, [](std::string_view name) { return name == "Q.json"; });
  Write(db3.dir + "/u.zip", unlisted);
  ImportReport r4 = db3.Import({db3.dir + "/u.zip"});
  EXPECT_TRUE(db3.Has("L-1"));
  EXPECT_FALSE(db3.Has("L-2"));
  EXPECT_TRUE(HasProblem(r4, "",
                         "inflated from the archive at P.json (what its central directory declares in all): "
                         "the rest is not read"))
      << ProblemList(r4);

  // The total is checked on the directory (here with a small limit)...
  Db db2("zip-total");
  std::string two = test::MakeZip({{"T-1.json", good}, {"T-2.json", padded}});
  Write(db2.dir + "/t.zip", two);
  ImportOptions options;
  options.zip.max_total_bytes = 50000;
  ImportReport r2 = db2.Import({db2.dir + "/t.zip"}, options);
  EXPECT_FALSE(db2.Has("L-1"));
  EXPECT_TRUE(HasProblem(r2, "", "more than the limit of 50000 bytes: nothing of the archive is read"))
      << ProblemList(r2);
  // ... and while inflating an archive that has lost its directory (cut short): read in order,
  // what fits before the limit is imported.
  Write(db2.dir + "/cut.zip", two.substr(0, two.size() - 22));
  ImportReport r3 = db2.Import({db2.dir + "/cut.zip"}, options);
  EXPECT_TRUE(db2.Has("L-1"));
  EXPECT_FALSE(db2.Has("L-2"));
  EXPECT_TRUE(HasProblem(r3, "", "no end-of-central-directory record")) << ProblemList(r3);
  EXPECT_TRUE(HasProblem(r3, "", "more than 50000 bytes inflated from the archive at T-2.json: the rest is not read"))
      << ProblemList(r3);
}

// Issue 12: every input skipped must not look like success. Each input says what it gave.
TEST(Import, ReportsWhatEachInputGave) {
  Db db("inputs");
  Write(db.dir + "/good.json", Record("G-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0"));
  Write(db.dir + "/junk.json", "this is not JSON");
  Write(db.dir + "/bad.jsonl", "{\"id\":\"X\"}\n{\"id\":\"Y\"}\n");
  fs::create_directories(db.dir + "/empty");
  ImportReport r = db.Import({db.dir + "/good.json", db.dir + "/junk.json", db.dir + "/bad.jsonl", db.dir + "/empty"});
  ASSERT_EQ(r.inputs.size(), 4u);
  EXPECT_EQ(r.inputs[0].imported, 1u);
  EXPECT_EQ(r.inputs[0].kind, "osv-json");
  EXPECT_EQ(r.inputs[1].imported, 0u);
  EXPECT_NE(r.inputs[1].reason.find("not a format vigil imports"), std::string::npos) << r.inputs[1].reason;
  EXPECT_EQ(r.inputs[2].imported, 0u);
  EXPECT_EQ(r.inputs[2].skipped, 2u);
  EXPECT_NE(r.inputs[2].reason.find("(and 1 more skipped)"), std::string::npos) << r.inputs[2].reason;
  EXPECT_EQ(r.inputs[3].kind, "folder");
  EXPECT_EQ(r.inputs[3].reason, "no records in it");
  EXPECT_EQ(r.empty_inputs, 3u);
  EXPECT_TRUE(db.Has("G-1"));  // what could be read is committed

  // Re-importing the same record: nothing new, but the input was read and is up to date.
  ImportReport again = db.Import({db.dir + "/good.json"});
  EXPECT_EQ(again.unchanged, 1u);
  EXPECT_EQ(again.empty_inputs, 0u);
}

// Issue 12: a record asking for more events than the cap is skipped and reported, not dropped.
TEST(Import, RangeEventCapSkipsTheRecordWithAReason) {
  Db db("events-cap");
  std::string events;
  for (size_t i = 0; i <= version::kMaxRangeEvents; ++i) events += std::string(i ? "," : "") + R"({"fixed":"1.0.0"})";
  Write(db.dir + "/big.json", R"({"id":"E-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":)"
                              R"({"ecosystem":"npm","name":"e"},"ranges":[{"type":"SEMVER","events":[)" +
                                  events + "]}]}]}");
  ImportReport r = db.Import({db.dir + "/big.json"});
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_TRUE(HasProblem(r, "",
                         "affected[0].ranges[0].events has 262145 events, more than the limit of 262144 per "
                         "range"))
      << ProblemList(r);
  EXPECT_FALSE(db.Has("E-1"));
}

// Issue 12: `db get CVE-...` finds the records that name the CVE among their aliases or
// upstream ids, as well as the record with that id.
TEST(Store, IdsNamingFindsAliasesAndUpstream) {
  Db db("aliases");
  Write(db.dir + "/a.jsonl",
        Record("DEBIAN-CVE-2024-1", "2024-01-01T00:00:00Z", "Debian:12", "a", "1.0", R"(,"upstream":["CVE-2024-1"])") +
            "\n" +
            Record("GHSA-xxxx", "2024-01-01T00:00:00Z", "npm", "b", "1.0.0",
                   R"(,"aliases":["CVE-2024-1","CVE-2024-2"])") +
            "\n" + Record("CVE-2024-1", "2024-01-01T00:00:00Z", "npm", "c", "1.0.0") + "\n" +
            Record("OTHER-1", "2024-01-01T00:00:00Z", "npm", "d", "1.0.0", R"(,"aliases":["CVE-2024-9"])") + "\n");
  ImportReport r = db.Import({db.dir + "/a.jsonl"});
  ASSERT_EQ(r.added, 4u) << ProblemList(r);
  auto ids = db.store->IdsNaming("CVE-2024-1");
  ASSERT_TRUE(ids.ok()) << ids.error().ToString();
  EXPECT_EQ(*ids, (std::vector<std::string>{"CVE-2024-1", "DEBIAN-CVE-2024-1", "GHSA-xxxx"}));
  EXPECT_EQ(*db.store->IdsNaming("CVE-2024-2"), std::vector<std::string>{"GHSA-xxxx"});
  EXPECT_EQ(*db.store->IdsNaming("GHSA-xxxx"), std::vector<std::string>{"GHSA-xxxx"});
  EXPECT_TRUE(db.store->IdsNaming("CVE-2024-3")->empty());

  // A changed record's old aliases are forgotten.
  Write(db.dir + "/b.json",
        Record("GHSA-xxxx", "2024-02-01T00:00:00Z", "npm", "b", "1.0.0", R"(,"aliases":["CVE-2024-2"])"));
  db.Import({db.dir + "/b.json"});
  EXPECT_EQ(*db.store->IdsNaming("CVE-2024-1"), (std::vector<std::string>{"CVE-2024-1", "DEBIAN-CVE-2024-1"}));

  // Read-only: the same answers.
  auto ro = SqliteStore::Open(db.dir + "/db", Store::Mode::kReadOnly);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(*(*ro)->IdsNaming("CVE-2024-2"), std::vector<std::string>{"GHSA-xxxx"});
}

// Issue 14: the advisories of a package name, without reading the database — what the fleet
// server loads to re-evaluate that name.
TEST(Store, IdsAffectingFindsEveryAdvisoryOfAPackageName) {
  Db db("pkgnames");
  Write(db.dir + "/a.jsonl",
        Record("GHSA-aaaa", "2024-01-01T00:00:00Z", "npm", "lodash", "1.0.0") + "\n" +
            Record("GHSA-bbbb", "2024-01-01T00:00:00Z", "npm", "Lodash", "2.0.0") + "\n" +
            Record("PYSEC-1", "2024-01-01T00:00:00Z", "PyPI", "Django", "1.0") + "\n" +
            Record("OTHER-1", "2024-01-01T00:00:00Z", "npm", "express", "1.0.0", R"(,"aliases":["lodash"])") + "\n");
  ImportReport r = db.Import({db.dir + "/a.jsonl"});
  ASSERT_EQ(r.added, 4u) << ProblemList(r);
  auto ids = db.store->IdsAffecting({"lodash"});
  ASSERT_TRUE(ids.ok()) << ids.error().ToString();
  // (GHSA-bbbb names "Lodash": found under "lodash" only when npm's normalisation folds case.)
  EXPECT_TRUE(std::find(ids->begin(), ids->end(), "GHSA-aaaa") != ids->end());
  EXPECT_TRUE(std::find(ids->begin(), ids->end(), "OTHER-1") == ids->end()) << "an alias is not a package";
  EXPECT_EQ(*db.store->IdsAffecting({"django"}), std::vector<std::string>{"PYSEC-1"});  // PEP 503 folds case
  EXPECT_TRUE(db.store->IdsAffecting({"nothing"})->empty());
  EXPECT_TRUE(db.store->IdsAffecting({""})->empty());
  // A package key is not an id: IdsNaming of a real name never returns package matches.
  EXPECT_TRUE(db.store->IdsNaming("lodash")->size() == 1u);  // OTHER-1, by its alias
  // A changed record's old package is forgotten.
  Write(db.dir + "/b.json", Record("GHSA-aaaa", "2024-02-01T00:00:00Z", "npm", "underscore", "1.0.0"));
  db.Import({db.dir + "/b.json"});
  ids = db.store->IdsAffecting({"lodash"});
  EXPECT_TRUE(std::find(ids->begin(), ids->end(), "GHSA-aaaa") == ids->end());
  EXPECT_EQ(*db.store->IdsAffecting({"underscore"}), std::vector<std::string>{"GHSA-aaaa"});
  // Read-only: the same answers.
  auto ro = SqliteStore::Open(db.dir + "/db", Store::Mode::kReadOnly);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(*(*ro)->IdsAffecting({"django"}), std::vector<std::string>{"PYSEC-1"});
  EXPECT_EQ(*(*ro)->IdsAffecting({"django", "underscore", "django"}),
            (std::vector<std::string>{"GHSA-aaaa", "PYSEC-1"}));
  // A database whose name table is not current (as an older vigil leaves it), read-only: the
  // same answers, from one pass over the records.
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open((db.dir + "/db/vigil.db").c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "UPDATE meta SET value = '1' WHERE key = 'alias_index'", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto old = SqliteStore::Open(db.dir + "/db", Store::Mode::kReadOnly);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*(*old)->IdsAffecting({"django", "underscore"}), (std::vector<std::string>{"GHSA-aaaa", "PYSEC-1"}));
}

// Issue 12: a second writer waits for the first, says for whom, and fails with the database and
// the holder named when the wait expires.
TEST(Store, SecondWriterWaitsAndNamesTheHolder) {
  Db db("lock");
  auto tx = db.store->Begin("import");
  ASSERT_TRUE(tx.ok()) << tx.error().ToString();
  std::string note;
  {
    std::ifstream in(db.dir + "/db/vigil.db.writer");
    std::getline(in, note);
  }
  EXPECT_EQ(note.rfind("pid " + std::to_string(getpid()) + ": vigil db import (since ", 0), 0u) << note;

  std::vector<std::string> told;
  SqliteOptions options;
  options.lock_timeout = std::chrono::milliseconds(300);
  options.on_wait = [&](const std::string& line) { told.push_back(line); };
  auto second = SqliteStore::Open(db.dir + "/db", Store::Mode::kReadWrite, options);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  auto blocked = (*second)->Begin("import");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code(), ErrorCode::kIo);
  const std::string& m = blocked.error().message();
  EXPECT_NE(m.find(db.dir + "/db/vigil.db is locked by vigil pid " + std::to_string(getpid()) + ": vigil db import"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("still locked after waiting 0.3 s"), std::string::npos) << m;
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].rfind("waiting for vigil pid ", 0), 0u) << told[0];

  // Released while the second one waits: it gets the lock.
  options.lock_timeout = std::chrono::seconds(60);
  told.clear();
  auto third = SqliteStore::Open(db.dir + "/db", Store::Mode::kReadWrite, options);
  ASSERT_TRUE(third.ok());
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE((*tx)->Commit().ok());
  });
  auto got = (*third)->Begin("update");
  release.join();
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_TRUE((*got)->Commit().ok());
  EXPECT_FALSE(fs::exists(db.dir + "/db/vigil.db.writer"));
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

// Every YAML input goes through the YAML guard (common/yaml.h): a billion-laughs document is
// refused before a tree is built, and the import fails naming the file, line and column, so that
// nothing of that run is committed and `db import` exits 2.
TEST(Import, BillionLaughsYamlIsRefusedBeforeExpansion) {
  std::string laughs =
      ReadFile(std::string(VIGIL_SOURCE_DIR) + "/tests/vulndb/testdata/hostile/billion-laughs.yaml").value();
  struct Case {
    std::string name;
    std::string text;
    std::string where;  // how the error starts
  };
  // The same bomb as an Alpine secdb document (YAML form), and as an entry of an osv.dev zip.
  std::string secdb = "distroversion: v3.19\nreponame: main\n" + laughs + "packages: *i\n";
  std::vector<Case> cases = {{"osv.yaml", laughs, "osv.yaml:9:8: alias *e"},
                             {"secdb.yaml", secdb, "secdb.yaml:11:8: alias *e"},
                             {"all.zip", test::MakeZip({{"L-1.yaml", laughs}}), "all.zip:L-1.yaml:9:8: alias *e"}};
  for (const Case& c : cases) {
    Db db("laughs");
    std::string path = db.dir + "/" + c.name;
    Write(path, c.text);
    Write(db.dir + "/ok.json", Record("OK-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0"));
    ImportReport r;
    Status st = vulndb::Import(*db.store, {{db.dir + "/ok.json", "", {}}, {path, "", {}}}, {}, &r);
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.error().code(), ErrorCode::kLimitExceeded) << st.error().ToString();
    EXPECT_NE(st.error().message().find(db.dir + "/" + c.where), std::string::npos) << st.error().ToString();
    EXPECT_NE(st.error().message().find("billion laughs"), std::string::npos) << st.error().ToString();
    EXPECT_FALSE(db.Has("OK-1")) << "the run is rolled back";
  }
}

// Merely malformed YAML is a skipped record, as before; the rest is imported.
TEST(Import, MalformedYamlIsSkipped) {
  Db db("bad-yaml");
  Write(db.dir + "/bad.yaml", "id: [unclosed\n");
  Write(db.dir + "/ok.json", Record("OK-1", "2024-01-01T00:00:00Z", "npm", "a", "1.0.0"));
  ImportReport r = db.Import({db.dir + "/bad.yaml", db.dir + "/ok.json"});
  EXPECT_TRUE(HasProblem(r, "", "not valid YAML")) << ProblemList(r);
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
  ASSERT_TRUE((*tx)->Put("R-2", "2024-01-01T00:00:00Z", false, {"npm"}, {}, "t", "{}", 0, 3).ok());
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

// NVD CVE JSON 2.0 and CVE JSON 5 records are told apart by content and stored per CVE and origin.
TEST(Import, CveRecordsAreDetectedAndStored) {
  Db db("cve-records");
  std::string data = vigil::testing::TestData("vulndb", "");
  auto nvd_1502 = ReadFile(data + "/nvd/CVE-2026-1502.json");
  auto nvd_22365 = ReadFile(data + "/nvd/CVE-2024-22365.json");
  ASSERT_TRUE(nvd_1502.ok() && nvd_22365.ok());
  // An NVD API page of two records.
  Write(db.dir + "/page.json", R"({"resultsPerPage":2,"startIndex":0,"totalResults":2,"format":"NVD_CVE",)"
                               R"("version":"2.0","vulnerabilities":[{"cve":)" +
                                   *nvd_1502 + "},{\"cve\":" + *nvd_22365 + "}]}");
  ImportReport r = db.Import({db.dir + "/page.json", data + "/cve5/CVE-2026-1502.json",
                              data + "/nvd/CVE-2023-5129.json", data + "/cve5/CVE-2023-5129.json"});
  ASSERT_EQ(r.inputs.size(), 4u);
  EXPECT_EQ(r.inputs[0].kind, "nvd-cve");
  EXPECT_EQ(r.inputs[0].imported, 2u);
  EXPECT_EQ(r.inputs[1].kind, "cve5");
  EXPECT_EQ(r.inputs[2].kind, "nvd-cve");
  EXPECT_EQ(r.inputs[3].kind, "cve5");
  EXPECT_EQ(r.enrichment, 5u) << ProblemList(r);
  EXPECT_EQ(r.empty_inputs, 0u);

  auto recs = db.store->GetEnrichment("CVE-2026-1502");
  ASSERT_TRUE(recs.ok()) << recs.error().ToString();
  ASSERT_EQ(recs->size(), 2u);
  EXPECT_EQ((*recs)[0].origin, "cve5");
  EXPECT_EQ((*recs)[1].origin, "nvd");
  auto chosen = ChooseCvss(*recs);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->source, "CNA (PSF) CVSS 4.0");
  EXPECT_EQ((*recs)[0].ssvc.technical_impact, "partial");

  auto rejected = db.store->GetEnrichment("CVE-2023-5129");
  ASSERT_TRUE(rejected.ok());
  ASSERT_EQ(rejected->size(), 2u);
  EXPECT_TRUE((*rejected)[0].rejected && (*rejected)[1].rejected);
  auto none = db.store->GetEnrichment("CVE-2020-0001");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto st = db.store->GetStatus();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->enrichment, 5u);
  EXPECT_EQ(st->enrichment_rejected, 2u);

  // An older copy of a stored record does not replace it; a newer one does.
  std::string older = *nvd_22365;
  older.replace(older.find("2024-02-14T00:27:40.143"), 23, "2024-02-06T08:15:52.203");
  older.replace(older.find("AV:L/AC:L/PR:L"), 14, "AV:N/AC:L/PR:N");
  Write(db.dir + "/older.json", older);
  ImportReport again = db.Import({db.dir + "/older.json"});
  EXPECT_EQ(again.enrichment, 0u);
  EXPECT_EQ(again.enrichment_stale, 1u);
  EXPECT_EQ(again.empty_inputs, 0u) << "an up-to-date input is not empty";
  auto kept = db.store->GetEnrichment("CVE-2024-22365");
  ASSERT_TRUE(kept.ok() && kept->size() == 1u);
  EXPECT_EQ((*kept)[0].cvss[0].vector, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H");
  std::string newer = older;
  newer.replace(newer.rfind("2024-02-06T08:15:52.203"), 23, "2025-01-01T00:00:00.000");  // lastModified
  Write(db.dir + "/newer.json", newer);
  EXPECT_EQ(db.Import({db.dir + "/newer.json"}).enrichment, 1u);
  kept = db.store->GetEnrichment("CVE-2024-22365");
  ASSERT_TRUE(kept.ok() && kept->size() == 1u);
  EXPECT_EQ((*kept)[0].cvss[0].vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
}

// A database of schema 1 (before the enrichment table) is read as it is, and upgraded when opened
// for writing.
TEST(Store, SchemaOneIsReadAndUpgraded) {
  std::string dir = TempDir("schema1");
  {
    auto s = SqliteStore::Open(dir, Store::Mode::kReadWrite);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/vigil.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE enrichment; UPDATE meta SET value = '1' WHERE key = 'schema_version'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  {
    auto ro = SqliteStore::Open(dir, Store::Mode::kReadOnly);
    ASSERT_TRUE(ro.ok()) << ro.error().ToString();
    auto recs = (*ro)->GetEnrichment("CVE-2024-22365");
    ASSERT_TRUE(recs.ok()) << recs.error().ToString();
    EXPECT_TRUE(recs->empty());
    auto st = (*ro)->GetStatus();
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->enrichment, 0u);
  }
  {
    auto rw = SqliteStore::Open(dir, Store::Mode::kReadWrite);
    ASSERT_TRUE(rw.ok()) << rw.error().ToString();
    std::vector<ImportInput> in = {{vigil::testing::TestData("vulndb", "nvd/CVE-2024-22365.json"), "", {}}};
    ImportReport r;
    ASSERT_TRUE(Import(**rw, in, {}, &r).ok());
    EXPECT_EQ(r.enrichment, 1u);
  }
  ASSERT_EQ(sqlite3_open((dir + "/vigil.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "2");
  sqlite3_finalize(q);
  // A schema newer than this vigil knows is refused with a clear message.
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = '9' WHERE key = 'schema_version'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto newer = SqliteStore::Open(dir, Store::Mode::kReadOnly);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message().find("newer vigil"), std::string::npos) << newer.error().message();
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
