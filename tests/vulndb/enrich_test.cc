#include "vulndb/internal/enrich.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../test_util.h"
#include "common/file.h"

namespace vigil::vulndb {
namespace {

std::string Data(const std::string& name) {
  auto text = ReadFile(testing::TestData("vulndb", "threat-intel/" + name));
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? *text : std::string();
}

std::string Problems(const FeedProblems& p) {
  std::string s;
  for (const FeedProblem& x : p.list()) s += x.where + ": " + x.reason + "\n";
  return s;
}

// ---- KEV -----------------------------------------------------------------------------------

TEST(Kev, Excerpt) {
  auto r = ParseKevJson(Data("kev-excerpt.json"), "kev.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->problems.empty()) << Problems(r->problems);
  EXPECT_EQ(r->title, "CISA Catalog of Known Exploited Vulnerabilities");
  EXPECT_EQ(r->catalog_version, "2025.08.25");
  EXPECT_EQ(r->date_released, "2025-08-25T17:04:19.9796Z");
  ASSERT_EQ(r->entries.size(), 19u);
  EXPECT_EQ(r->entries[0].cve, "CVE-2025-48384");
  const KevEntry* log4shell = nullptr;
  for (const KevEntry& e : r->entries) {
    if (e.cve == "CVE-2021-44228") log4shell = &e;
  }
  ASSERT_NE(log4shell, nullptr);
  EXPECT_EQ(log4shell->vendor_project, "Apache");
  EXPECT_EQ(log4shell->product, "Log4j2");
  EXPECT_EQ(log4shell->vulnerability_name, "Apache Log4j2 Remote Code Execution Vulnerability");
  EXPECT_EQ(log4shell->date_added, "2021-12-10");
  EXPECT_EQ(log4shell->due_date, "2021-12-24");
  EXPECT_EQ(log4shell->known_ransomware_campaign_use, "Known");
  EXPECT_EQ(log4shell->notes, "https://nvd.nist.gov/vuln/detail/CVE-2021-44228");
  EXPECT_EQ(log4shell->cwes, (std::vector<std::string>{"CWE-20", "CWE-400", "CWE-502"}));
  EXPECT_EQ(log4shell->short_description.rfind("Apache Log4j2 contains a vulnerability", 0), 0u);
  EXPECT_EQ(log4shell->required_action.rfind("For all affected software assets", 0), 0u);
}

// The whole catalog from shared/data, when this checkout sits next to it.
TEST(Kev, FullCatalog) {
  auto text = ReadFile(testing::TestData("vulndb", "threat-intel/known_exploited_vulnerabilities.json"));
  ASSERT_TRUE(text.ok()) << text.error().ToString();
  auto r = ParseKevJson(*text, "known_exploited_vulnerabilities.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->problems.empty()) << Problems(r->problems);
  EXPECT_EQ(r->catalog_version, "2025.08.25");
  EXPECT_EQ(r->entries.size(), 1404u);
  size_t known = 0;
  for (const KevEntry& e : r->entries) {
    EXPECT_TRUE(e.known_ransomware_campaign_use == "Known" || e.known_ransomware_campaign_use == "Unknown") << e.cve;
    known += e.known_ransomware_campaign_use == "Known";
  }
  EXPECT_EQ(known, 293u);
}

TEST(Kev, BadEntries) {
  struct Case {
    const char* entry;
    size_t kept;         // entries kept (of this one; a good one is always added)
    const char* reason;  // a piece of the problem
  };
  const Case cases[] = {
      {R"("text")", 0, "not an object"},
      {R"({"dateAdded": "2024-01-01"})", 0, "is not a CVE id"},
      {R"({"cveID": "CVE-24-1", "dateAdded": "2024-01-01"})", 0, "is not a CVE id"},
      {R"({"cveID": 2024, "dateAdded": "2024-01-01"})", 0, "is not a CVE id"},
      {R"({"cveID": "CVE-2024-0002"})", 0, "dateAdded"},
      {R"({"cveID": "CVE-2024-0002", "dateAdded": "01/02/2024"})", 0, "dateAdded"},
      {R"({"cveID": "CVE-2024-0001", "dateAdded": "2024-01-01"})", 0, "listed twice"},
      {R"({"cveID": "CVE-2024-0002", "dateAdded": "2024-01-01"})", 1, "vendorProject, product"},
      {R"({"cveID": "CVE-2024-0002", "dateAdded": "2024-01-01", "vendorProject": "v", "product": "p",
           "vulnerabilityName": "n", "shortDescription": "s", "requiredAction": "r",
           "knownRansomwareCampaignUse": "Maybe", "dueDate": "2024-01-22"})",
       1, "neither Known nor Unknown"},
      {R"({"cveID": "CVE-2024-0002", "dateAdded": "2024-01-01", "vendorProject": "v", "product": "p",
           "vulnerabilityName": "n", "shortDescription": "s", "requiredAction": "r",
           "knownRansomwareCampaignUse": "Unknown", "dueDate": "soon"})",
       1, "dueDate 'soon'"},
      {R"({"cveID": "CVE-2024-0002", "dateAdded": "2024-01-01", "vendorProject": "v", "product": "p",
           "vulnerabilityName": "n", "shortDescription": "s", "requiredAction": "r",
           "knownRansomwareCampaignUse": "Unknown", "dueDate": "2024-01-22", "cwes": ["CWE-79", "XSS", 7]})",
       1, "is not a CWE id"},
  };
  const std::string good = R"({"cveID": "CVE-2024-0001", "dateAdded": "2024-01-01",
      "vendorProject": "v", "product": "p", "vulnerabilityName": "n", "shortDescription": "s",
      "requiredAction": "r", "knownRansomwareCampaignUse": "Unknown", "dueDate": "2024-01-22"})";
  for (const Case& c : cases) {
    std::string doc = R"({"catalogVersion": "1", "dateReleased": "2024-01-01T00:00:00Z",
        "vulnerabilities": [)" +
                      good + ", " + c.entry + "]}";
    auto r = ParseKevJson(doc, "kev.json");
    ASSERT_TRUE(r.ok()) << c.entry << ": " << r.error().ToString();
    EXPECT_EQ(r->entries.size(), 1 + c.kept) << c.entry;
    ASSERT_GE(r->problems.total(), 1u) << c.entry;
    EXPECT_EQ(r->problems.list()[0].where, "kev.json: vulnerabilities[1]") << c.entry;
    EXPECT_NE(Problems(r->problems).find(c.reason), std::string::npos) << c.entry << "\n" << Problems(r->problems);
  }
}

TEST(Kev, CatalogLevelProblemsAndErrors) {
  auto r = ParseKevJson(R"({"count": 3, "vulnerabilities": []})", "kev.json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->problems.total(), 3u) << Problems(r->problems);  // version, date, count

  for (const char* bad : {"", "[]", "{}", R"({"vulnerabilities": {}})", R"({"vulnerabilities": null})",
                          "{\"vulnerabilities\": [", "nul"}) {
    auto e = ParseKevJson(bad, "kev.json");
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code(), ErrorCode::kCorrupt) << bad;
    EXPECT_EQ(e.error().message().rfind("kev.json: ", 0), 0u) << e.error().message();
  }
  std::string deep = R"({"vulnerabilities": [)" + std::string(10000, '[') + std::string(10000, ']') + "]}";
  EXPECT_FALSE(ParseKevJson(deep, "kev.json").ok());
}

// ---- EPSS ----------------------------------------------------------------------------------

TEST(Epss, Excerpt) {
  auto r = ParseEpssCsv(Data("epss-excerpt-2025-02-20.csv"), "epss.csv");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->summary.model_version, "v2023.03.01");
  EXPECT_EQ(r->summary.score_date, "2025-02-20T00:00:00+0000");
  EXPECT_EQ(r->summary.rows, 5u);
  EXPECT_EQ(r->summary.bad_rows, 0u);
  ASSERT_EQ(r->entries.size(), 5u);
  EXPECT_EQ(r->entries[0].cve, "CVE-1999-0001");
  EXPECT_DOUBLE_EQ(r->entries[0].epss, 0.00383);
  EXPECT_DOUBLE_EQ(r->entries[0].percentile, 0.73075);
  EXPECT_EQ(r->entries[4].cve, "CVE-1999-0005");
  EXPECT_DOUBLE_EQ(r->entries[4].epss, 0.91963);
  EXPECT_DOUBLE_EQ(r->entries[4].percentile, 0.99214);
}

TEST(Epss, AnyChunkingGivesTheSameRows) {
  const std::string text = Data("epss-excerpt-2025-02-20.csv");
  for (size_t chunk = 1; chunk <= text.size(); ++chunk) {
    std::vector<std::string> cves;
    EpssReader reader("epss.csv", [&](const EpssRow& row) { cves.emplace_back(row.cve); });
    for (size_t i = 0; i < text.size(); i += chunk) {
      ASSERT_TRUE(reader.Feed(std::string_view(text).substr(i, chunk)).ok()) << chunk;
    }
    auto s = reader.Finish();
    ASSERT_TRUE(s.ok()) << chunk << ": " << s.error().ToString();
    EXPECT_EQ(s->model_version, "v2023.03.01") << chunk;
    EXPECT_EQ(cves.size(), 5u) << chunk;
    EXPECT_EQ(s->bad_rows, 0u) << chunk;
  }
}

TEST(Epss, BadRowsAreCountedWithTheirLine) {
  std::string text =
      "cve,epss,percentile\r\n"        // 1: CRLF and no comment line
      "CVE-2020-0001,0.5,0.9\r\n"      // 2
      "CVE-2020-0002,1.5,0.9\n"        // 3: score above 1
      "CVE-2020-0003,abc,0.9\n"        // 4: not a number
      "CVE-2020-0004,0.1\n"            // 5: missing column
      "cve-2020-0005,0.1,0.2\n"        // 6: not a CVE id
      "CVE-2020-0006,-0.1,0.2\n"       // 7: negative
      "CVE-2020-0007,nan,0.2\n"        // 8: not finite
      "CVE-2020-0008,0.1,0.2x\n"       // 9: trailing garbage
      "CVE-2020-0009,,0.2\n"           // 10: empty
      "\n"                             // 11: blank, ignored
      "CVE-2020-0010, 1e-5 ,1\n"       // 12: blanks and exponent are fine
      "CVE-2020-0011,0.2,0.3,extra\n"  // 13: extra column is fine
      + std::string(EpssReader::kMaxLineLength + 10, 'x') +
      "\n"                      // 14: too long
      "CVE-2020-0012,0.3,0.4";  // 15: no final newline
  auto r = ParseEpssCsv(text, "epss.csv");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->summary.model_version, "");
  ASSERT_EQ(r->entries.size(), 4u);
  EXPECT_EQ(r->entries[0].cve, "CVE-2020-0001");
  EXPECT_EQ(r->entries[1].cve, "CVE-2020-0010");
  EXPECT_DOUBLE_EQ(r->entries[1].epss, 1e-5);
  EXPECT_DOUBLE_EQ(r->entries[1].percentile, 1.0);
  EXPECT_EQ(r->entries[2].cve, "CVE-2020-0011");
  EXPECT_EQ(r->entries[3].cve, "CVE-2020-0012");
  EXPECT_EQ(r->summary.rows, 4u);
  EXPECT_EQ(r->summary.bad_rows, 9u) << Problems(r->summary.problems);
  std::vector<std::string> where;
  for (const FeedProblem& p : r->summary.problems.list()) where.push_back(p.where);
  EXPECT_EQ(where, (std::vector<std::string>{"epss.csv: line 3", "epss.csv: line 4", "epss.csv: line 5",
                                             "epss.csv: line 6", "epss.csv: line 7", "epss.csv: line 8",
                                             "epss.csv: line 9", "epss.csv: line 10", "epss.csv: line 14"}));
  EXPECT_NE(r->summary.problems.list()[0].reason.find("epss '1.5'"), std::string::npos);
}

TEST(Epss, HeaderErrors) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "no header line"},
      {"#model_version:v1\n", "no header line"},
      {"CVE-2020-0001,0.1,0.2\n", "expected a header"},
      {"cve,score\nCVE-2020-0001,0.1\n", "expected a header"},
      {"epss,percentile\n", "expected a header"},
  };
  for (const Case& c : cases) {
    auto r = ParseEpssCsv(c.text, "epss.csv");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(r.error().message().find(c.message), std::string::npos) << r.error().message();
  }
  // Columns by name, in any order.
  auto r = ParseEpssCsv("percentile,cve,epss\n0.5,CVE-2020-0001,0.25\n", "epss.csv");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->entries.size(), 1u);
  EXPECT_DOUBLE_EQ(r->entries[0].epss, 0.25);
  EXPECT_DOUBLE_EQ(r->entries[0].percentile, 0.5);
}

TEST(Epss, ProblemListIsCappedButCountsAll) {
  std::string text = "cve,epss,percentile\n";
  for (int i = 0; i < 5000; ++i) text += "bad\n";
  auto r = ParseEpssCsv(text, "epss.csv");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->summary.bad_rows, 5000u);
  EXPECT_EQ(r->summary.problems.total(), 5000u);
  EXPECT_EQ(r->summary.problems.list().size(), FeedProblems::kMaxListedProblems);
}

TEST(Epss, AHugeLineSplitAcrossChunks) {
  EpssReader reader("epss.csv", [](const EpssRow&) {});
  ASSERT_TRUE(reader.Feed("cve,epss,percentile\nCVE-2020-0001,0.").ok());
  std::string junk(1 << 16, '7');
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(reader.Feed(junk).ok());
  ASSERT_TRUE(reader.Feed("\nCVE-2020-0002,0.1,0.2\n").ok());
  auto s = reader.Finish();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->rows, 1u);
  EXPECT_EQ(s->bad_rows, 1u);
  EXPECT_EQ(s->problems.list()[0].where, "epss.csv: line 2");
}

TEST(Epss, ManyRowsAreFast) {
  // ~300,000 rows like the real daily file: a smoke test of the per-row cost (no allocation).
  std::string text = "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\n";
  for (int i = 0; i < 300000; ++i) {
    text += "CVE-2024-" + std::to_string(10000 + i) + ",0.000" + std::to_string(i % 10) + "1,0.5\n";
  }
  size_t rows = 0;
  double sum = 0;
  EpssReader reader("epss.csv", [&](const EpssRow& row) {
    ++rows;
    sum += row.epss;
  });
  ASSERT_TRUE(reader.Feed(text).ok());
  auto s = reader.Finish();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(rows, 300000u);
  EXPECT_EQ(s->bad_rows, 0u);
  EXPECT_EQ(s->model_version, "v2025.03.14");
  EXPECT_GT(sum, 0);
}

}  // namespace
}  // namespace vigil::vulndb
