#include "vulndb/internal/cve_record.h"

#include <gtest/gtest.h>

#include <string>

#include "../test_util.h"
#include "common/file.h"

namespace vigil::vulndb {
namespace {

std::string Data(const std::string& name) {
  auto text = ReadFile(testing::TestData("vulndb", name));
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? *text : std::string();
}

std::string Problems(const FeedProblems& p) {
  std::string s;
  for (const FeedProblem& x : p.list()) s += x.where + ": " + x.reason + "\n";
  return s;
}

bool HasProblem(const FeedProblems& p, std::string_view where, std::string_view reason_part) {
  for (const FeedProblem& x : p.list()) {
    if (x.where == where && x.reason.find(reason_part) != std::string::npos) return true;
  }
  return false;
}

const CvssMetric* Metric(const CveEnrichment& e, CvssProvider provider, CvssVersion version) {
  for (const CvssMetric& m : e.cvss) {
    if (m.provider == provider && m.version == version) return &m;
  }
  return nullptr;
}

CveEnrichment One(const Result<CveRecords>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
  if (!r.ok()) return {};
  EXPECT_EQ(r->records.size(), 1u) << Problems(r->problems);
  return r->records.empty() ? CveEnrichment{} : r->records.front();
}

// ---- NVD, real records -----------------------------------------------------------------------

TEST(NvdCve, PrimaryV31AndV2WithCnaSecondary) {
  auto r = ParseNvdCveJson(Data("nvd/CVE-2020-8927.json"), "CVE-2020-8927.json");
  CveEnrichment e = One(r);
  EXPECT_TRUE(r->problems.empty()) << Problems(r->problems);
  EXPECT_EQ(e.cve, "CVE-2020-8927");
  EXPECT_EQ(e.origin, "nvd");
  EXPECT_EQ(e.status, "Modified");
  EXPECT_FALSE(e.rejected);
  EXPECT_EQ(e.modified, "2023-11-07T03:26:47.563");
  ASSERT_EQ(e.cvss.size(), 3u);
  const CvssMetric* nvd = Metric(e, CvssProvider::kNvd, CvssVersion::kV31);
  ASSERT_NE(nvd, nullptr);
  EXPECT_EQ(nvd->type, "Primary");
  EXPECT_EQ(nvd->vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:L");
  EXPECT_DOUBLE_EQ(nvd->base_score, 6.5);
  EXPECT_EQ(nvd->severity, "MEDIUM");
  // The Secondary metric's source is the record's sourceIdentifier: the CNA's.
  const CvssMetric* cna = Metric(e, CvssProvider::kCna, CvssVersion::kV31);
  ASSERT_NE(cna, nullptr);
  EXPECT_EQ(cna->source, "cve-coordination@google.com");
  EXPECT_EQ(cna->type, "Secondary");
  EXPECT_DOUBLE_EQ(cna->base_score, 5.3);
  const CvssMetric* v2 = Metric(e, CvssProvider::kNvd, CvssVersion::kV2);
  ASSERT_NE(v2, nullptr);
  EXPECT_DOUBLE_EQ(v2->base_score, 6.4);
  EXPECT_EQ(v2->severity, "MEDIUM");
  EXPECT_EQ(e.cwes, (std::vector<std::string>{"CWE-120", "CWE-130"}));
  EXPECT_EQ(e.references.size(), 3u);

  // The CNA's v3.1 comes first (docs/SCAN.md).
  auto chosen = ChooseCvss({e});
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->source, "CNA (cve-coordination@google.com) CVSS 3.1");
  EXPECT_EQ(chosen->rating, Rating::kMedium);
}

TEST(NvdCve, PrimaryOnlyAndNoCweInfo) {
  auto r = ParseNvdCveJson(Data("nvd/CVE-2024-22365.json"), "CVE-2024-22365.json");
  CveEnrichment e = One(r);
  EXPECT_TRUE(r->problems.empty()) << Problems(r->problems);
  ASSERT_EQ(e.cvss.size(), 1u);
  EXPECT_EQ(e.cvss[0].provider, CvssProvider::kNvd);
  EXPECT_TRUE(e.cwes.empty()) << "NVD-CWE-noinfo is not a CWE id";
  EXPECT_EQ(e.assigner, "cve@mitre.org");
  auto chosen = ChooseCvss({e});
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->source, "NVD CVSS 3.1");
  EXPECT_EQ(chosen->rating, Rating::kMedium);
}

TEST(NvdCve, OnlySecondaryV40) {
  auto r = ParseNvdCveJson(Data("nvd/CVE-2026-1502.json"), "CVE-2026-1502.json");
  CveEnrichment e = One(r);
  EXPECT_TRUE(r->problems.empty()) << Problems(r->problems);
  EXPECT_EQ(e.status, "Awaiting Analysis");
  ASSERT_EQ(e.cvss.size(), 1u);
  EXPECT_EQ(e.cvss[0].provider, CvssProvider::kCna);
  EXPECT_EQ(e.cvss[0].version, CvssVersion::kV40);
  EXPECT_DOUBLE_EQ(e.cvss[0].base_score, 5.7);
  // Canonical form: the X values are dropped.
  EXPECT_EQ(e.cvss[0].vector, "CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:P/VC:N/VI:H/VA:N/SC:N/SI:N/SA:N");
  EXPECT_EQ(e.cwes, std::vector<std::string>{"CWE-93"});
  auto chosen = ChooseCvss({e});
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->source, "CNA (cna@python.org) CVSS 4.0");
}

TEST(NvdCve, SsvcFromTheNvdCopy) {
  // The first record of the demo's file (tests/e2e/testdata/scan-cve-records.json) with SSVC.
  auto text = ReadFile(vigil::testing::SourceDir() + "/tests/e2e/testdata/scan-cve-records.json");
  ASSERT_TRUE(text.ok());
  auto r = ParseNvdCveJson(*text, "scan-cve-records.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->problems.empty()) << Problems(r->problems);
  EXPECT_EQ(r->records.size(), 20u);
  bool found = false;
  for (const CveEnrichment& e : r->records) {
    if (e.cve != "CVE-2026-15308") continue;
    found = true;
    EXPECT_EQ(e.ssvc.exploitation, "none");
    EXPECT_EQ(e.ssvc.automatable, "yes");
    EXPECT_EQ(e.ssvc.technical_impact, "partial");
  }
  EXPECT_TRUE(found);
}

TEST(NvdCve, RejectedIsKeptAsRejected) {
  auto r = ParseNvdCveJson(Data("nvd/CVE-2023-5129.json"), "CVE-2023-5129.json");
  CveEnrichment e = One(r);
  EXPECT_TRUE(e.rejected);
  EXPECT_EQ(e.status, "Rejected");
  EXPECT_TRUE(e.cvss.empty());
  EXPECT_FALSE(ChooseCvss({e}).has_value());
}

TEST(NvdCve, EnvelopeOfRecords) {
  std::string doc = R"({"resultsPerPage":3,"startIndex":0,"totalResults":3,"format":"NVD_CVE","version":"2.0",
    "timestamp":"2026-06-05T00:00:00.000","vulnerabilities":[{"cve":)" +
                    Data("nvd/CVE-2024-22365.json") + R"(},{"cve":)" + Data("nvd/CVE-2023-5129.json") +
                    R"(},{"cve":{"id":"CVE-nope"}}]})";
  auto r = ParseNvdCveJson(doc, "page.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->records.size(), 2u);
  EXPECT_EQ(r->records[0].cve, "CVE-2024-22365");
  EXPECT_EQ(r->records[1].cve, "CVE-2023-5129");
  EXPECT_TRUE(HasProblem(r->problems, "page.json: vulnerabilities[2].cve.id", "is not a CVE id"))
      << Problems(r->problems);
}

// ---- CVE JSON 5, real records --------------------------------------------------------------

TEST(Cve5, CisaAdpMetricsSsvcAndCwe) {
  auto r = ParseCve5Json(Data("cve5/CVE-2024-45490.json"), "CVE-2024-45490.json");
  CveEnrichment e = One(r);
  EXPECT_TRUE(r->problems.empty()) << Problems(r->problems);
  EXPECT_EQ(e.origin, "cve5");
  EXPECT_EQ(e.status, "PUBLISHED");
  EXPECT_EQ(e.assigner, "mitre");
  ASSERT_EQ(e.cvss.size(), 1u);
  EXPECT_EQ(e.cvss[0].provider, CvssProvider::kCisaAdp);
  EXPECT_EQ(e.cvss[0].source, "CISA-ADP");
  EXPECT_DOUBLE_EQ(e.cvss[0].base_score, 9.8);
  EXPECT_EQ(e.ssvc.exploitation, "none");
  EXPECT_EQ(e.ssvc.automatable, "yes");
  EXPECT_EQ(e.ssvc.technical_impact, "total");
  EXPECT_EQ(e.cwes, std::vector<std::string>{"CWE-190"});
  EXPECT_EQ(e.references.size(), 3u);
  auto chosen = ChooseCvss({e});
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->source, "CISA-ADP CVSS 3.1");
  EXPECT_EQ(chosen->rating, Rating::kCritical);
}

TEST(Cve5, CnaV40) {
  auto r = ParseCve5Json(Data("cve5/CVE-2026-1502.json"), "CVE-2026-1502.json");
  CveEnrichment e = One(r);
  EXPECT_TRUE(r->problems.empty()) << Problems(r->problems);
  ASSERT_EQ(e.cvss.size(), 1u);
  EXPECT_EQ(e.cvss[0].provider, CvssProvider::kCna);
  EXPECT_EQ(e.cvss[0].source, "PSF");
  EXPECT_EQ(e.cvss[0].version, CvssVersion::kV40);
  EXPECT_EQ(e.ssvc.automatable, "no");
  auto chosen = ChooseCvss({e});
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->source, "CNA (PSF) CVSS 4.0");
  EXPECT_EQ(chosen->rating, Rating::kMedium);
}

TEST(Cve5, CnaV31BesideAnOtherMetric) {
  auto r = ParseCve5Json(Data("cve5/CVE-2024-3094.json"), "CVE-2024-3094.json");
  CveEnrichment e = One(r);
  EXPECT_TRUE(r->problems.empty()) << Problems(r->problems);
  ASSERT_EQ(e.cvss.size(), 1u);
  EXPECT_DOUBLE_EQ(e.cvss[0].base_score, 10.0);
  EXPECT_EQ(e.cwes, std::vector<std::string>{"CWE-506"});
  auto chosen = ChooseCvss({e});
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->source, "CNA (redhat) CVSS 3.1");
  EXPECT_EQ(chosen->rating, Rating::kCritical);
}

TEST(Cve5, Rejected) {
  auto r = ParseCve5Json(Data("cve5/CVE-2023-5129.json"), "CVE-2023-5129.json");
  CveEnrichment e = One(r);
  EXPECT_TRUE(e.rejected);
  EXPECT_EQ(e.status, "REJECTED");
  EXPECT_FALSE(ChooseCvss({e}).has_value());
}

// ---- the order of ChooseCvss ---------------------------------------------------------------

CvssMetric M(CvssProvider p, std::string_view vector, std::string source = "x") {
  Result<CvssScore> s = ScoreCvss(vector);
  EXPECT_TRUE(s.ok()) << vector;
  CvssMetric m;
  m.provider = p;
  m.source = std::move(source);
  m.version = s->version;
  m.vector = s->vector;
  m.base_score = s->base_score;
  m.severity = s->severity;
  return m;
}

TEST(ChooseCvss, Order) {
  const char* v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";  // 9.8
  const char* v30 = "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H";  // 5.5
  const char* v40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N";
  const char* v2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P";
  struct Case {
    const char* name;
    std::vector<CvssMetric> nvd, cve5;
    std::string want;
  } cases[] = {
      {"CNA before NVD", {M(CvssProvider::kNvd, v31)}, {M(CvssProvider::kCna, v30, "redhat")}, "CNA (redhat) CVSS 3.0"},
      {"NVD before CISA-ADP", {M(CvssProvider::kNvd, v30)}, {M(CvssProvider::kCisaAdp, v31)}, "NVD CVSS 3.0"},
      {"CISA-ADP before others",
       {M(CvssProvider::kOther, v31, "other@x")},
       {M(CvssProvider::kCisaAdp, v30)},
       "CISA-ADP CVSS 3.0"},
      {"newest version within a provider",
       {M(CvssProvider::kNvd, v31), M(CvssProvider::kNvd, v40)},
       {},
       "NVD CVSS 4.0"},
      {"v2 only when nothing newer",
       {M(CvssProvider::kNvd, v2), M(CvssProvider::kOther, v30, "o@x")},
       {},
       "o@x CVSS 3.0"},
      {"v2 at last", {M(CvssProvider::kNvd, v2)}, {}, "NVD CVSS 2.0"},
  };
  for (const Case& c : cases) {
    CveEnrichment nvd{.cve = "CVE-2024-1234", .origin = "nvd"}, cve5{.cve = "CVE-2024-1234", .origin = "cve5"};
    nvd.cvss = c.nvd;
    cve5.cvss = c.cve5;
    auto chosen = ChooseCvss({nvd, cve5});
    ASSERT_TRUE(chosen.has_value()) << c.name;
    EXPECT_EQ(chosen->source, c.want) << c.name;
  }
  // A rejected record gives nothing, whatever the other says.
  CveEnrichment rejected{.cve = "CVE-2024-1234", .origin = "nvd", .rejected = true};
  rejected.cvss = {M(CvssProvider::kNvd, v31)};
  EXPECT_FALSE(ChooseCvss({rejected}).has_value());
}

TEST(Enrichment, JsonRoundTrip) {
  auto r = ParseNvdCveJson(Data("nvd/CVE-2020-8927.json"), "x.json");
  CveEnrichment e = One(r);
  e.ssvc.exploitation = "poc";
  auto back = EnrichmentFromJson(EnrichmentToJson(e), "stored");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->cve, e.cve);
  EXPECT_EQ(back->status, e.status);
  EXPECT_EQ(back->cwes, e.cwes);
  EXPECT_EQ(back->references, e.references);
  EXPECT_EQ(back->ssvc.exploitation, "poc");
  ASSERT_EQ(back->cvss.size(), e.cvss.size());
  for (size_t i = 0; i < e.cvss.size(); ++i) {
    EXPECT_EQ(back->cvss[i].provider, e.cvss[i].provider) << i;
    EXPECT_EQ(back->cvss[i].vector, e.cvss[i].vector) << i;
    EXPECT_EQ(back->cvss[i].source, e.cvss[i].source) << i;
    EXPECT_DOUBLE_EQ(back->cvss[i].base_score, e.cvss[i].base_score) << i;
  }
  EXPECT_FALSE(EnrichmentFromJson("[1]", "stored").ok());
  EXPECT_FALSE(EnrichmentFromJson(R"({"cvss":[{"vector":"CVSS:3.1/AV:N"}]})", "stored").ok());
}

// ---- bad input -----------------------------------------------------------------------------

TEST(NvdCve, BadDocuments) {
  struct Case {
    const char* name;
    std::string text;
    ErrorCode code;
    const char* message_part;
  } cases[] = {
      {"not JSON", "{\"id\": ", ErrorCode::kCorrupt, "bad.json"},
      {"array", "[1,2]", ErrorCode::kCorrupt, "not an NVD CVE record"},
      {"object without records", R"({"format":"NVD_CVE"})", ErrorCode::kCorrupt, "vulnerabilities"},
      {"vulnerabilities not a list", R"({"vulnerabilities":{}})", ErrorCode::kCorrupt, "vulnerabilities"},
      {"nested too deep", std::string(100, '[') + std::string(100, ']'), ErrorCode::kCorrupt, "bad.json"},
  };
  for (const Case& c : cases) {
    auto r = ParseNvdCveJson(c.text, "bad.json");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name;
    EXPECT_NE(r.error().message().find(c.message_part), std::string::npos) << c.name << ": " << r.error().message();
  }
}

TEST(NvdCve, SizeLimitBeforeParsing) {
  // Not JSON at all: refused for its size, not for its syntax, so the limit came first.
  std::string huge(kMaxCveDocumentBytes + 1, 'x');
  auto r = ParseNvdCveJson(huge, "huge.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(r.error().message().find("huge.json"), std::string::npos);
  auto c = ParseCve5Json(huge, "huge5.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kLimitExceeded);
}

TEST(NvdCve, BadFieldsAreSkippedAndNamed) {
  struct Case {
    const char* name;
    const char* metrics;  // the value of "metrics"
    const char* where;
    const char* reason_part;
  } cases[] = {
      {"metrics not an object", R"([1])", "r.json: metrics", "not an object"},
      {"list not a list", R"({"cvssMetricV31": 7})", "r.json: metrics.cvssMetricV31", "not a list"},
      {"metric not an object", R"({"cvssMetricV31": ["x"]})", "r.json: metrics.cvssMetricV31[0]", "not an object"},
      {"no cvssData", R"({"cvssMetricV31": [{"source":"nvd@nist.gov"}]})", "r.json: metrics.cvssMetricV31[0].cvssData",
       "missing"},
      {"vector not text", R"({"cvssMetricV31": [{"cvssData":{"vectorString": 9.8}}]})",
       "r.json: metrics.cvssMetricV31[0].cvssData.vectorString", "missing or not text"},
      {"invalid vector", R"({"cvssMetricV31": [{"cvssData":{"vectorString": "CVSS:3.1/AV:Q/AC:L"}}]})",
       "r.json: metrics.cvssMetricV31[0].cvssData.vectorString", "invalid CVSS"},
      {"version of another list",
       R"({"cvssMetricV31": [{"cvssData":{"vectorString": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}]})",
       "r.json: metrics.cvssMetricV31[0].cvssData.vectorString", "CVSS 3.0 vector where CVSS 3.1"},
      {"v2 vector in the v4 list",
       R"({"cvssMetricV40": [{"cvssData":{"vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}]})",
       "r.json: metrics.cvssMetricV40[0].cvssData.vectorString", "CVSS 2.0 vector"},
  };
  for (const Case& c : cases) {
    std::string doc = std::string(R"({"id":"CVE-2024-1234","vulnStatus":"Analyzed","metrics":)") + c.metrics + "}";
    auto r = ParseNvdCveJson(doc, "r.json");
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.error().ToString();
    ASSERT_EQ(r->records.size(), 1u) << c.name;
    EXPECT_TRUE(r->records[0].cvss.empty()) << c.name;
    EXPECT_TRUE(HasProblem(r->problems, c.where, c.reason_part)) << c.name << "\n" << Problems(r->problems);
  }
}

TEST(NvdCve, WrongBaseScoreUsesTheVector) {
  auto r = ParseNvdCveJson(
      R"({"id":"CVE-2024-1234","metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary",
          "cvssData":{"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":2.0}}]}})",
      "r.json");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->records[0].cvss.size(), 1u);
  EXPECT_DOUBLE_EQ(r->records[0].cvss[0].base_score, 9.8);
  EXPECT_TRUE(HasProblem(r->problems, "r.json: metrics.cvssMetricV31[0].cvssData.baseScore", "says 2.0"))
      << Problems(r->problems);
}

TEST(NvdCve, HugeArraysAreCut) {
  std::string metric =
      R"({"source":"nvd@nist.gov","type":"Primary","cvssData":{"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}})";
  std::string metrics = "[";
  for (size_t i = 0; i < kMaxCvssMetricsPerList + 10; ++i) metrics += (i ? "," : "") + metric;
  metrics += "]";
  std::string refs = "[";
  for (size_t i = 0; i < kMaxReferencesRead + 5; ++i) {
    refs += (i ? "," : "") + std::string(R"({"url":"https://e.org/)") + std::to_string(i) + "\"}";
  }
  refs += "]";
  auto r = ParseNvdCveJson(
      R"({"id":"CVE-2024-1234","metrics":{"cvssMetricV31":)" + metrics + R"(},"references":)" + refs + "}", "big.json");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->records[0].cvss.size(), kMaxCvssMetricsPerList);
  EXPECT_EQ(r->records[0].references.size(), kMaxStoredReferences);
  EXPECT_TRUE(HasProblem(r->problems, "big.json: metrics.cvssMetricV31", "only the first 64 read"))
      << Problems(r->problems);
  EXPECT_TRUE(HasProblem(r->problems, "big.json: references", "only the first 10000 read")) << Problems(r->problems);
}

TEST(Cve5, BadInput) {
  struct Case {
    const char* name;
    const char* text;
    bool ok;
    const char* where_or_message;
  } cases[] = {
      {"no cveMetadata", R"({"dataType":"CVE_RECORD"})", false, "cveMetadata"},
      {"bad id", R"({"cveMetadata":{"cveId":"CVE-24-1"}})", false, "cveMetadata.cveId 'CVE-24-1'"},
      {"cveId not text", R"({"cveMetadata":{"cveId":12}})", false, "is not a CVE id"},
      {"containers not an object", R"({"cveMetadata":{"cveId":"CVE-2024-1234"},"containers":[]})", true,
       "c.json: containers"},
      {"metrics not a list", R"({"cveMetadata":{"cveId":"CVE-2024-1234"},"containers":{"cna":{"metrics":{}}}})", true,
       "c.json: containers.cna.metrics"},
      {"invalid vector",
       R"({"cveMetadata":{"cveId":"CVE-2024-1234"},"containers":{"cna":{"metrics":[{"cvssV3_1":{"vectorString":"CVSS:3.1/AV:N"}}]}}})",
       true, "c.json: containers.cna.metrics[0].cvssV3_1.vectorString"},
      {"adp not a list", R"({"cveMetadata":{"cveId":"CVE-2024-1234"},"containers":{"adp":{}}})", true,
       "c.json: containers.adp"},
      {"adp entry not an object", R"({"cveMetadata":{"cveId":"CVE-2024-1234"},"containers":{"adp":[3]}})", true,
       "c.json: containers.adp[0]"},
  };
  for (const Case& c : cases) {
    auto r = ParseCve5Json(c.text, "c.json");
    ASSERT_EQ(r.ok(), c.ok) << c.name;
    if (!c.ok) {
      EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << c.name;
      EXPECT_NE(r.error().message().find(c.where_or_message), std::string::npos)
          << c.name << ": " << r.error().message();
      EXPECT_NE(r.error().message().find("c.json"), std::string::npos) << c.name;
    } else {
      ASSERT_EQ(r->records.size(), 1u) << c.name;
      bool found = false;
      for (const FeedProblem& p : r->problems.list()) found = found || p.where == c.where_or_message;
      EXPECT_TRUE(found) << c.name << "\n" << Problems(r->problems);
    }
  }
}

}  // namespace
}  // namespace vigil::vulndb
