// `vigil db update` against a real HTTPS server (nginx on 127.0.0.1, started by the test) serving
// an OSV mirror in osv.dev's bucket layout, built from the records in ../shared/data when that
// folder exists and from tests/vulndb/testdata otherwise.
#include "vulndb/update.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include "common/file.h"
#include "test_servers.h"
#include "vulndb/index.h"
#include "vulndb/sqlite_store.h"
#include "zip_util.h"

namespace vigil::vulndb {
namespace {

// Records of one JSON Lines file as zip entries "<id>.json", at most `limit`.
std::vector<std::pair<std::string, std::string>> Entries(const std::string& jsonl, size_t limit) {
  std::vector<std::pair<std::string, std::string>> out;
  auto text = ReadFile(jsonl);
  if (!text.ok()) return out;
  std::istringstream in(*text);
  std::string line;
  while (out.size() < limit && std::getline(in, line)) {
    size_t p = line.find("\"id\":\"");
    if (p == std::string::npos) continue;
    size_t e = line.find('"', p + 6);
    out.emplace_back(line.substr(p + 6, e - p - 6) + ".json", line);
  }
  return out;
}

std::string Record(const std::string& id, const std::string& modified, const std::string& name,
                   const std::string& fixed) {
  return R"({"id":")" + id + R"(","modified":")" + modified + R"(","affected":[{"package":{"ecosystem":"Go","name":")" +
         name + R"("},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":")" + fixed + R"("}]}]}]})";
}

class UpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    nginx_ = std::make_unique<Nginx>(dir_.path() / "nginx");
    ASSERT_TRUE(nginx_->Start());
    auto s = SqliteStore::Open((dir_.path() / "db").string(), Store::Mode::kReadWrite);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(*s);
    options_.sources = {nginx_->Url("/osv")};
    options_.fetch.ca_file = TestPki().ca.string();
    options_.fetch.retry_base_delay_ms = 5;
    options_.staging_dir = (dir_.path() / "db" / "staging").string();

    // The mirror: Go and crates.io archives from the shared data (or the test's own records).
    std::string shared = testing::SourceDir() + "/../shared/data/osv";
    go_ = Entries(shared + "/go.jsonl", 1500);
    crates_ = Entries(shared + "/crates.io-rustsec.jsonl", 500);
    if (go_.empty()) {
      for (int i = 0; i < 40; ++i) {
        go_.emplace_back("GO-T-" + std::to_string(i) + ".json",
                         Record("GO-T-" + std::to_string(i), "2024-01-01T00:00:00Z",
                                "example.com/m" + std::to_string(i), "1.0." + std::to_string(i)));
      }
      auto rs = ReadFile(testing::TestData("vulndb", "osv/RUSTSEC-2021-0056.json"));
      ASSERT_TRUE(rs.ok());
      crates_.emplace_back("RUSTSEC-2021-0056.json", *rs);
    }
    fs::create_directories(nginx_->www() / "osv" / "Go");
    fs::create_directories(nginx_->www() / "osv" / "crates.io");
    WriteText(nginx_->www() / "osv" / "ecosystems.txt", "Go\ncrates.io\n");
    WriteText(nginx_->www() / "osv" / "Go" / "all.zip", test::MakeZip(go_));
    WriteText(nginx_->www() / "osv" / "crates.io" / "all.zip", test::MakeZip(crates_));
  }

  UpdateReport Run() {
    UpdateReport r;
    Status st = Update(*store_, options_, &r);
    EXPECT_TRUE(st.ok()) << st.error().ToString();
    return r;
  }

  static std::string Lines(const UpdateReport& r) {
    std::string s;
    for (const auto& l : r.fetched) s += l + "\n";
    return s;
  }

  TempDir dir_;
  std::unique_ptr<Nginx> nginx_;
  std::unique_ptr<Store> store_;
  UpdateOptions options_;
  std::vector<std::pair<std::string, std::string>> go_, crates_;
};

TEST_F(UpdateTest, FetchesOnlyWhatChangedAndLogsIt) {
  UpdateReport first = Run();
  EXPECT_EQ(first.downloaded, 2u) << Lines(first);
  EXPECT_EQ(first.failed_sources, 0u) << Lines(first);
  EXPECT_EQ(first.import.read, go_.size() + crates_.size());
  EXPECT_EQ(first.import.added + first.import.stale + first.import.skipped, go_.size() + crates_.size());
  auto status = store_->GetStatus();
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->sources.size(), 2u);
  EXPECT_FALSE(status->sources[0].etag.empty());  // nginx's validators are kept
  EXPECT_EQ(status->sources[0].sha256.rfind("sha256:", 0), 0u);
  int64_t seq = status->last_change_seq;

  // Nothing changed on the server: conditional requests, 304s, nothing imported.
  UpdateReport second = Run();
  EXPECT_EQ(second.not_modified, 2u) << Lines(second);
  EXPECT_EQ(second.downloaded, 0u);
  EXPECT_EQ(second.import.read, 0u);
  EXPECT_NE(nginx_->AccessLog(6).find("\" 304 "), std::string::npos) << nginx_->AccessLog(6);

  // One new record and one changed in Go; crates.io untouched.
  std::string changed_id = go_[0].first.substr(0, go_[0].first.size() - 5);
  go_[0].second = Record(changed_id, "2030-01-01T00:00:00Z", "example.com/changed", "9.9.9");
  go_.emplace_back("GO-NEW-1.json", Record("GO-NEW-1", "2030-01-01T00:00:00Z", "example.com/new", "1.2.3"));
  BumpMtime(nginx_->www() / "osv" / "Go" / "all.zip", 0);
  WriteText(nginx_->www() / "osv" / "Go" / "all.zip", test::MakeZip(go_));
  BumpMtime(nginx_->www() / "osv" / "Go" / "all.zip", 10);
  UpdateReport third = Run();
  EXPECT_EQ(third.downloaded, 1u) << Lines(third);
  EXPECT_EQ(third.not_modified, 1u) << Lines(third);
  EXPECT_EQ(third.import.added, 1u);
  EXPECT_EQ(third.import.changed, 1u);
  auto changes = store_->ChangesSince(seq, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  std::set<std::string> ids{(*changes)[0].id, (*changes)[1].id};
  EXPECT_TRUE(ids.contains("GO-NEW-1"));
  EXPECT_TRUE(ids.contains(changed_id));

  auto index = Index::Load(*store_);
  ASSERT_TRUE(index.ok());
  auto hits = (*index)->Lookup("Go", "", "example.com/new");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(*hits[0].ranges->IsAffected("v1.2.2"));
  EXPECT_FALSE(*hits[0].ranges->IsAffected("v1.2.3"));
}

TEST_F(UpdateTest, DamagedArchiveIsNotImportedAndTheOldDataStays) {
  UpdateReport first = Run();
  ASSERT_EQ(first.failed_sources, 0u) << Lines(first);
  auto before = store_->GetStatus();
  ASSERT_TRUE(before.ok());
  // The Go archive is cut short on the server (a mirror caught mid-write).
  go_.emplace_back("GO-NEW-2.json", Record("GO-NEW-2", "2030-01-01T00:00:00Z", "example.com/x", "1.0.0"));
  std::string zip = test::MakeZip(go_);
  WriteText(nginx_->www() / "osv" / "Go" / "all.zip", zip.substr(0, zip.size() - 200));
  BumpMtime(nginx_->www() / "osv" / "Go" / "all.zip", 20);
  UpdateReport second = Run();
  EXPECT_EQ(second.failed_sources, 1u) << Lines(second);
  EXPECT_NE(Lines(second).find("not imported"), std::string::npos) << Lines(second);
  auto after = store_->GetStatus();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->records, before->records);
  EXPECT_FALSE(store_->GetJson("GO-NEW-2")->has_value());
  // Staging is cleaned.
  EXPECT_TRUE(fs::is_empty(options_.staging_dir));

  // Fixed on the server: the next update takes it.
  WriteText(nginx_->www() / "osv" / "Go" / "all.zip", zip);
  BumpMtime(nginx_->www() / "osv" / "Go" / "all.zip", 30);
  UpdateReport third = Run();
  EXPECT_EQ(third.failed_sources, 0u) << Lines(third);
  EXPECT_TRUE(store_->GetJson("GO-NEW-2")->has_value());
}

TEST_F(UpdateTest, UnreachableSourceIsReportedOthersStillImported) {
  options_.sources = {"https://127.0.0.1:1/osv", nginx_->Url("/osv")};
  options_.fetch.retries = 0;
  UpdateReport r = Run();
  EXPECT_EQ(r.failed_sources, 1u) << Lines(r);
  EXPECT_EQ(r.downloaded, 2u) << Lines(r);
}

// CVE records as update sources: an NVD API page (one JSON document) and a zip of CVE JSON 5
// records (the form of CVEProject/cvelistV5's release archives), fetched conditionally like any
// other single-file source.
TEST_F(UpdateTest, NvdPageAndCve5ZipSources) {
  auto read = [](const std::string& name) {
    auto text = ReadFile(testing::TestData("vulndb", name));
    EXPECT_TRUE(text.ok()) << name;
    return text.ok() ? *text : std::string();
  };
  WriteText(nginx_->www() / "nvd-page-1.json",
            R"({"resultsPerPage":2,"startIndex":0,"totalResults":2,"format":"NVD_CVE","version":"2.0",)"
            R"("vulnerabilities":[{"cve":)" +
                read("nvd/CVE-2020-8927.json") + R"(},{"cve":)" + read("nvd/CVE-2024-22365.json") + "}]}");
  WriteText(nginx_->www() / "cves.zip",
            test::MakeZip({{"cves/2024/45xxx/CVE-2024-45490.json", read("cve5/CVE-2024-45490.json")},
                           {"cves/2024/3xxx/CVE-2024-3094.json", read("cve5/CVE-2024-3094.json")},
                           {"cves/2023/5xxx/CVE-2023-5129.json", read("cve5/CVE-2023-5129.json")}}));
  options_.sources = {nginx_->Url("/nvd-page-1.json"), nginx_->Url("/cves.zip")};
  UpdateReport r = Run();
  EXPECT_EQ(r.downloaded, 2u) << Lines(r);
  EXPECT_EQ(r.failed_sources, 0u) << Lines(r);
  EXPECT_EQ(r.import.enrichment, 5u);
  auto recs = store_->GetEnrichment("CVE-2024-45490");
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 1u);
  auto chosen = ChooseCvss(*recs);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->source, "CISA-ADP CVSS 3.1");
  auto nvd = store_->GetEnrichment("CVE-2020-8927");
  ASSERT_TRUE(nvd.ok());
  EXPECT_EQ(nvd->size(), 1u);

  UpdateReport again = Run();
  EXPECT_EQ(again.not_modified, 2u) << Lines(again);
  EXPECT_EQ(again.import.enrichment, 0u);
}

TEST_F(UpdateTest, LocalMirrorFolderAndSingleFiles) {
  options_.sources = {(nginx_->www() / "osv").string()};
  UpdateReport r = Run();
  EXPECT_EQ(r.downloaded, 2u) << Lines(r);
  UpdateReport again = Run();
  EXPECT_EQ(again.not_modified, 2u) << Lines(again);

  WriteText(nginx_->www() / "extra.jsonl",
            Record("GO-EXTRA-1", "2031-01-01T00:00:00Z", "example.com/e", "2.0.0") + "\n");
  options_.sources = {nginx_->Url("/extra.jsonl")};
  UpdateReport single = Run();
  EXPECT_EQ(single.downloaded, 1u) << Lines(single);
  EXPECT_TRUE(store_->GetJson("GO-EXTRA-1")->has_value());
}

}  // namespace
}  // namespace vigil::vulndb
