// VEX parsing (OpenVEX v0.2.0 and 0.0.x, CycloneDX VEX, CSAF VEX) against real documents from
// Canonical and Red Hat and hand-written ones covering every status, justification and
// diagnostic; purl and id matching tables; bad input of every kind.
#include "match/vex.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "../test_util.h"
#include "common/file.h"

namespace vigil::match {
namespace {

using Status = VexStatement::Status;

std::string Load(const std::string& name) {
  Result<std::string> r = ReadFile(vigil::testing::TestData("match", name));
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? *r : "";
}

VexDocument MustParse(const std::string& text, const std::string& what) {
  Result<VexDocument> r = ParseVex(text, what);
  EXPECT_TRUE(r.ok()) << what << ": " << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? std::move(r).value() : VexDocument{};
}

std::string AllDiagnostics(const VexDocument& d) {
  std::string out;
  for (const Diagnostic& x : d.diagnostics) out += x.ToString() + "\n";
  return out;
}

const VexStatement* Find(const VexDocument& d, std::string_view vuln) {
  for (const VexStatement& s : d.statements) {
    if (s.vulnerability == vuln) return &s;
  }
  return nullptr;
}

// ---- real documents --------------------------------------------------------------------------

TEST(VexTest, UbuntuOpenVex) {
  VexDocument d = MustParse(Load("ubuntu-openvex-CVE-2023-38545.json"), "ubuntu.json");
  EXPECT_EQ(d.format, VexDocument::Format::kOpenVex);
  EXPECT_EQ(d.author, "Canonical Ltd.");
  EXPECT_TRUE(d.diagnostics.empty()) << AllDiagnostics(d);
  ASSERT_EQ(d.statements.size(), 3u);
  EXPECT_EQ(d.statements[0].status, Status::kFixed);
  EXPECT_EQ(d.statements[1].status, Status::kAffected);
  EXPECT_EQ(d.statements[2].status, Status::kNotAffected);
  EXPECT_EQ(d.statements[2].justification, "vulnerable_code_not_present");
  EXPECT_FALSE(d.statements[2].impact_statement.empty());
  EXPECT_FALSE(d.statements[1].action_statement.empty());
  for (const VexStatement& s : d.statements) {
    EXPECT_EQ(s.vulnerability, "CVE-2023-38545");
    EXPECT_EQ(s.timestamp, "2023-10-11T06:00:00Z");
    EXPECT_FALSE(s.products.empty());
    // The @id of the vulnerability is kept as an alias next to the listed ones.
    EXPECT_NE(std::find(s.aliases.begin(), s.aliases.end(), "https://nvd.nist.gov/vuln/detail/CVE-2023-38545"),
              s.aliases.end());
  }
  EXPECT_EQ(d.statements[0].products.size(), 149u);
  EXPECT_EQ(d.statements[0].source, "ubuntu.json:statements[0]");
  // vigil's own deb purls carry a different distro qualifier; qualifiers are not compared.
  EXPECT_TRUE(VexApplies(d.statements[0], "cve-2023-38545", {},
                         "pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.24?arch=amd64&distro=ubuntu-22.04"));
  EXPECT_FALSE(VexApplies(d.statements[0], "CVE-2023-38545", {},
                          "pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.23?arch=amd64&distro=ubuntu-22.04"));
  EXPECT_FALSE(VexApplies(d.statements[0], "CVE-2023-38546", {}, "pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.24?arch=amd64"));
}

TEST(VexTest, RedHatCsafVex) {
  VexDocument d = MustParse(Load("redhat-csaf-vex-cve-2023-4154.json"), "rh.json");
  EXPECT_EQ(d.format, VexDocument::Format::kCsaf);
  EXPECT_FALSE(HasErrors(d.diagnostics)) << AllDiagnostics(d);
  ASSERT_FALSE(d.statements.empty());
  const VexStatement* s = Find(d, "CVE-2023-4154");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->status, Status::kNotAffected);
  EXPECT_EQ(s->justification, "vulnerable_code_not_present");
  EXPECT_NE(std::find(s->aliases.begin(), s->aliases.end(), "2241883"), s->aliases.end());
  EXPECT_NE(std::find(s->products.begin(), s->products.end(), "pkg:rpm/redhat/samba"), s->products.end());
  EXPECT_TRUE(VexApplies(*s, "CVE-2023-4154", {}, "pkg:rpm/redhat/samba@4.18.6-1.el9?arch=x86_64"));
  EXPECT_FALSE(VexApplies(*s, "CVE-2023-4154", {}, "pkg:rpm/redhat/openssl@3.0.7-1.el9?arch=x86_64"));
}

TEST(VexTest, RedHatCsafVexLarge) {
  Result<std::string> text = ReadFile(testing::TestData("match", "redhat-csaf-vex-cve-2023-38545.json"));
  ASSERT_TRUE(text.ok());
  VexDocument d = MustParse(*text, "rh-curl.json");
  EXPECT_FALSE(HasErrors(d.diagnostics)) << AllDiagnostics(d);
  bool fixed = false, not_affected = false;
  for (const VexStatement& s : d.statements) {
    EXPECT_EQ(s.vulnerability, "CVE-2023-38545");
    fixed |= s.status == Status::kFixed;
    not_affected |= s.status == Status::kNotAffected;
  }
  EXPECT_TRUE(fixed);
  EXPECT_TRUE(not_affected);
}

TEST(VexTest, CsafAdvisoryIsRefusedClearly) {
  Result<VexDocument> r = ParseVex(Load("redhat-csaf-advisory-rhsa-2024_6163.json"), "rhsa.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message().find("csaf_security_advisory"), std::string::npos) << r.error().message();
}

// ---- hand-written OpenVEX --------------------------------------------------------------------

TEST(VexTest, OpenVexEveryStatusAndJustification) {
  VexDocument d = MustParse(Load("openvex-v0.2.0-all.json"), "all.json");
  EXPECT_EQ(d.id, "https://vigil.example/vex/all-0001");
  EXPECT_TRUE(d.diagnostics.empty()) << AllDiagnostics(d);
  ASSERT_EQ(d.statements.size(), 9u);
  struct Want {
    const char* vuln;
    Status status;
    const char* justification;
    const char* product;
  };
  const Want wants[] = {
      {"CVE-2024-0001", Status::kNotAffected, "component_not_present", "pkg:oci/app@sha256%3Aabc"},
      {"CVE-2024-0002", Status::kNotAffected, "vulnerable_code_not_present", "pkg:npm/%40scope/left-pad"},
      {"CVE-2024-0003", Status::kNotAffected, "vulnerable_code_not_in_execute_path",
       "pkg:golang/github.com/acme/lib@v1.2.3"},
      {"CVE-2024-0004", Status::kNotAffected, "vulnerable_code_cannot_be_controlled_by_adversary",
       "pkg:deb/debian/openssl"},
      {"CVE-2024-0005", Status::kNotAffected, "inline_mitigations_already_exist", "pkg:maven/org.acme/core@2.0"},
      {"CVE-2024-0006", Status::kNotAffected, "", "pkg:apk/alpine/busybox"},
      {"CVE-2024-0007", Status::kAffected, "", "pkg:cargo/regex@1.9.0"},
      {"CVE-2024-0008", Status::kFixed, "", "pkg:gem/rails@7.0.1"},
      {"CVE-2024-0009", Status::kUnderInvestigation, "", "registry.example/app:1.0"},
  };
  for (const Want& w : wants) {
    SCOPED_TRACE(w.vuln);
    const VexStatement* s = Find(d, w.vuln);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, w.status);
    EXPECT_EQ(s->justification, w.justification);
    ASSERT_FALSE(s->products.empty());
    EXPECT_EQ(s->products[0], w.product);
  }
  const VexStatement* s1 = Find(d, "CVE-2024-0001");
  EXPECT_EQ(s1->aliases,
            (std::vector<std::string>{"GHSA-aaaa-bbbb-cccc", "https://nvd.nist.gov/vuln/detail/CVE-2024-0001"}));
  EXPECT_EQ(s1->subcomponents, std::vector<std::string>{"pkg:pypi/Foo_Bar@1.0"});
  EXPECT_EQ(s1->timestamp, "2026-01-02T03:04:05Z");  // inherited from the document
  EXPECT_EQ(Find(d, "CVE-2024-0002")->timestamp, "2026-02-01T00:00:00Z");
  // identifiers: purl first, then CPE; @id only when it adds something.
  EXPECT_EQ(Find(d, "CVE-2024-0004")->products,
            (std::vector<std::string>{"pkg:deb/debian/openssl", "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"}));
  EXPECT_EQ(Find(d, "CVE-2024-0006")->impact_statement, "busybox wget is removed from the image");
  EXPECT_EQ(Find(d, "CVE-2024-0007")->action_statement, "upgrade to 1.9.1");
  EXPECT_EQ(Find(d, "CVE-2024-0007")->source, "all.json:statements[6]");

  // The subcomponent matches through its normalised pypi name, via the GHSA alias as well.
  EXPECT_TRUE(VexApplies(*s1, "GHSA-AAAA-BBBB-CCCC", {}, "pkg:pypi/foo-bar@1.0"));
  EXPECT_TRUE(VexApplies(*s1, "PYSEC-2024-1", {"CVE-2024-0001"}, "pkg:pypi/foo.bar@1.0"));
  EXPECT_FALSE(VexApplies(*s1, "CVE-2024-0001", {}, "pkg:pypi/foo-bar@1.1"));
  // An image reference is not a purl and never matches a package.
  EXPECT_FALSE(VexApplies(*Find(d, "CVE-2024-0009"), "CVE-2024-0009", {}, "registry.example/app:1.0"));
}

TEST(VexTest, OpenVexOldStringForms) {
  VexDocument d = MustParse(Load("openvex-v0.0.2-strings.json"), "old.json");
  EXPECT_TRUE(d.diagnostics.empty()) << AllDiagnostics(d);
  ASSERT_EQ(d.statements.size(), 1u);
  const VexStatement& s = d.statements[0];
  EXPECT_EQ(s.vulnerability, "CVE-2023-0100");
  EXPECT_EQ(s.products, std::vector<std::string>{"pkg:oci/app"});
  EXPECT_EQ(s.subcomponents, std::vector<std::string>{"pkg:pypi/requests@2.31.0"});
  EXPECT_EQ(s.justification, "vulnerable_code_not_in_execute_path");
  EXPECT_TRUE(VexApplies(s, "CVE-2023-0100", {}, "pkg:pypi/Requests@2.31.0"));
}

TEST(VexTest, OpenVexDiagnosticsAllAtOnce) {
  VexDocument d = MustParse(Load("openvex-bad.json"), "bad.json");
  struct Want {
    const char* location;
    Diagnostic::Severity severity;
    const char* message_part;
  };
  using S = Diagnostic::Severity;
  const Want wants[] = {
      {"bad.json:statements[1]", S::kError, "not_affected needs a justification or an impact_statement"},
      {"bad.json:statements[2].justification", S::kError, "'trust_me' is not an OpenVEX justification"},
      {"bad.json:statements[3].status", S::kError, "'unaffected' is not a VEX status"},
      {"bad.json:statements[4].vulnerability", S::kError, "is required"},
      {"bad.json:statements[5].products", S::kError, "statement names no product"},
      {"bad.json:statements[6].products[0]", S::kError, "expected a string or an object, found number"},
      {"bad.json:statements[6].products[1]", S::kError, "product has neither @id nor identifiers"},
      {"bad.json:statements[7].vulnerability", S::kError, "expected a string or an object, found number"},
      {"bad.json:statements[8].status", S::kError, "is required"},
      {"bad.json:statements[9].vulnerability.aliases", S::kError, "expected an array, found string"},
      {"bad.json:statements[10]", S::kError, "expected an object, found string"},
      {"bad.json:statements[11]", S::kWarning, "status affected should carry an action_statement"},
      {"bad.json:statements[12].justification", S::kWarning, "only meaningful with status not_affected"},
      {"bad.json:statements[13].products", S::kError, "expected an array, found string"},
      {"bad.json:statements[14].vulnerability.name", S::kWarning, "missing; using @id"},
  };
  for (const Want& w : wants) {
    bool found = std::any_of(d.diagnostics.begin(), d.diagnostics.end(), [&](const Diagnostic& x) {
      return x.location == w.location && x.severity == w.severity &&
             x.message.find(w.message_part) != std::string::npos;
    });
    EXPECT_TRUE(found) << "missing " << w.location << ": " << w.message_part << "\nall:\n" << AllDiagnostics(d);
  }
  // The one named in the brief, verbatim.
  bool exact = std::any_of(d.diagnostics.begin(), d.diagnostics.end(), [](const Diagnostic& x) {
    return x.ToString().starts_with("bad.json:statements[3].status: error: 'unaffected' is not a VEX status");
  });
  EXPECT_TRUE(exact) << AllDiagnostics(d);
  // Statements with errors are dropped; those with warnings only are kept.
  std::vector<std::string> kept;
  for (const VexStatement& s : d.statements) kept.push_back(s.vulnerability);
  EXPECT_EQ(kept, (std::vector<std::string>{"CVE-2024-1000", "CVE-2024-1011", "CVE-2024-1012",
                                            "https://example/CVE-2024-1014"}));
}

TEST(VexTest, OpenVexDocumentLevelProblems) {
  struct Case {
    const char* json;
    const char* location;
    const char* message_part;
  };
  const Case cases[] = {
      {R"({"@context": "https://openvex.dev/ns/v0.2.0"})", "d:statements", "is required"},
      {R"({"@context": "https://openvex.dev/ns/v0.2.0", "statements": {}})", "d:statements",
       "expected an array, found object"},
      {R"({"@context": "https://openvex.dev/ns/v9", "statements": []})", "d:@context", "unknown OpenVEX version"},
      {R"({"@context": "https://openvex.dev/ns/v0.2.0", "author": 3, "statements": []})", "d:author",
       "expected a string, found number"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    VexDocument d = MustParse(c.json, "d");
    bool found = std::any_of(d.diagnostics.begin(), d.diagnostics.end(), [&](const Diagnostic& x) {
      return x.location == c.location && x.message.find(c.message_part) != std::string::npos;
    });
    EXPECT_TRUE(found) << AllDiagnostics(d);
  }
}

// ---- CycloneDX -------------------------------------------------------------------------------

TEST(VexTest, CycloneDxEveryStateAndJustification) {
  VexDocument d = MustParse(Load("cyclonedx-vex.json"), "cdx.json");
  EXPECT_EQ(d.format, VexDocument::Format::kCycloneDx);
  EXPECT_EQ(d.id, "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79");
  EXPECT_EQ(d.author, "vigil tests");
  EXPECT_FALSE(HasErrors(d.diagnostics)) << AllDiagnostics(d);
  ASSERT_EQ(d.statements.size(), 14u);
  struct Want {
    const char* vuln;
    Status status;
    const char* justification;
    const char* product;
  };
  const Want wants[] = {
      {"CVE-2021-44228", Status::kNotAffected, "code_not_reachable",
       "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
      {"CVE-2024-2001", Status::kNotAffected, "false_positive", "pkg:npm/inner@0.1.0"},
      {"CVE-2024-2002", Status::kAffected, "", "pkg:npm/outer@1.0.0"},
      {"CVE-2024-2003", Status::kFixed, "", "pkg:npm/direct@3.0.0"},
      {"CVE-2024-2004", Status::kFixed, "", "pkg:npm/outer@1.0.0"},
      {"CVE-2024-2005", Status::kUnderInvestigation, "", "nopurl"},
      {"CVE-2024-2006", Status::kNotAffected, "requires_configuration", "pkg:npm/outer@1.0.0"},
      {"CVE-2024-2007", Status::kNotAffected, "requires_dependency", "pkg:npm/outer@1.0.0"},
      {"CVE-2024-2008", Status::kNotAffected, "requires_environment", "pkg:npm/outer@1.0.0"},
      {"CVE-2024-2009", Status::kNotAffected, "protected_by_compiler", "pkg:npm/outer@1.0.0"},
      {"CVE-2024-2010", Status::kNotAffected, "protected_at_runtime", "pkg:npm/outer@1.0.0"},
      {"CVE-2024-2011", Status::kNotAffected, "protected_at_perimeter", "pkg:npm/outer@1.0.0"},
      {"CVE-2024-2012", Status::kNotAffected, "protected_by_mitigating_control", "pkg:npm/outer@1.0.0"},
      {"CVE-2024-2013", Status::kNotAffected, "code_not_present",
       "urn:cdx:11111111-2222-3333-4444-555555555555/1#log4j"},
  };
  for (const Want& w : wants) {
    SCOPED_TRACE(w.vuln);
    const VexStatement* s = Find(d, w.vuln);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, w.status);
    EXPECT_EQ(s->justification, w.justification);
    ASSERT_EQ(s->products.size(), 1u);
    EXPECT_EQ(s->products[0], w.product);
  }
  const VexStatement* log4j = Find(d, "CVE-2021-44228");
  EXPECT_EQ(log4j->aliases, std::vector<std::string>{"GHSA-jfh8-c2jp-5v3q"});
  EXPECT_EQ(log4j->impact_statement, "JNDI lookups disabled");
  EXPECT_EQ(log4j->timestamp, "2026-03-02T00:00:00Z");
  EXPECT_EQ(Find(d, "CVE-2024-2002")->action_statement, "update, workaround_available: upgrade outer to 1.0.1");
  EXPECT_EQ(Find(d, "CVE-2024-2003")->timestamp, "2026-03-01T00:00:00Z");
  EXPECT_TRUE(VexApplies(*log4j, "GHSA-JFH8-C2JP-5V3Q", {}, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"));
  // Unresolvable refs are warned about.
  for (const char* where :
       {"cdx.json:vulnerabilities[5].affects[0].ref", "cdx.json:vulnerabilities[13].affects[0].ref"}) {
    bool found = std::any_of(d.diagnostics.begin(), d.diagnostics.end(), [&](const Diagnostic& x) {
      return x.location == where && x.severity == Diagnostic::Severity::kWarning;
    });
    EXPECT_TRUE(found) << where << "\n" << AllDiagnostics(d);
  }
}

TEST(VexTest, CycloneDxDiagnostics) {
  const std::string text = R"({"bomFormat": "CycloneDX", "specVersion": "1.5",
    "components": [{"bom-ref": "a", "purl": "pkg:npm/a@1"}],
    "vulnerabilities": [
      {"id": "CVE-1", "analysis": {"state": "maybe"}, "affects": [{"ref": "a"}]},
      {"id": "CVE-2", "analysis": {"state": "not_affected", "justification": "because"}, "affects": [{"ref": "a"}]},
      {"id": "CVE-3", "analysis": {"state": "exploitable", "response": ["panic"]}, "affects": [{"ref": "a"}]},
      {"id": "CVE-4", "analysis": {"state": "resolved"}},
      {"id": "CVE-5", "affects": [{"ref": "a"}]},
      {"analysis": {"state": "resolved"}, "affects": [{"ref": "a"}]},
      {"id": "CVE-7", "analysis": "resolved", "affects": [{"ref": "a"}]},
      {"id": "CVE-8", "analysis": {"state": "not_affected"}, "affects": [{}]},
      {"id": "CVE-9", "analysis": {"state": "not_affected"}, "affects": [{"ref": "a"}]}
    ]})";
  VexDocument d = MustParse(text, "c");
  const std::pair<const char*, const char*> wants[] = {
      {"c:vulnerabilities[0].analysis.state", "'maybe' is not a CycloneDX analysis state"},
      {"c:vulnerabilities[1].analysis.justification", "'because' is not a CycloneDX justification"},
      {"c:vulnerabilities[2].analysis.response[0]", "'panic' is not a CycloneDX response"},
      {"c:vulnerabilities[3].affects", "is required"},
      {"c:vulnerabilities[4]", "no analysis"},
      {"c:vulnerabilities[5].id", "is required"},
      {"c:vulnerabilities[6].analysis", "expected an object, found string"},
      {"c:vulnerabilities[7].affects[0].ref", "is required"},
      {"c:vulnerabilities[8].analysis", "not_affected without a justification or detail"},
  };
  for (const auto& [where, part] : wants) {
    bool found = std::any_of(d.diagnostics.begin(), d.diagnostics.end(), [&](const Diagnostic& x) {
      return x.location == where && x.message.find(part) != std::string::npos;
    });
    EXPECT_TRUE(found) << where << ": " << part << "\n" << AllDiagnostics(d);
  }
  ASSERT_EQ(d.statements.size(), 1u) << AllDiagnostics(d);
  EXPECT_EQ(d.statements[0].vulnerability, "CVE-9");
}

// ---- matching tables -------------------------------------------------------------------------

TEST(VexTest, VexAppliesTable) {
  VexStatement s;
  s.vulnerability = "CVE-2024-1";
  s.aliases = {"GHSA-abcd-efgh-ijkl", "https://example/advisory"};
  s.products = {"pkg:oci/app", "pkg:npm/left-pad@1.3.0"};
  s.subcomponents = {"pkg:pypi/urllib3"};
  s.status = Status::kNotAffected;
  struct Case {
    const char* id;
    std::vector<std::string> aliases;
    const char* purl;
    bool want;
    const char* why;
  };
  const Case cases[] = {
      {"CVE-2024-1", {}, "pkg:npm/left-pad@1.3.0", true, "id and product"},
      {"cve-2024-1", {}, "pkg:npm/left-pad@1.3.0", true, "CVE case"},
      {"GHSA-ABCD-EFGH-IJKL", {}, "pkg:npm/left-pad@1.3.0", true, "statement alias"},
      {"PYSEC-1", {"CVE-2024-1"}, "pkg:pypi/urllib3@2.0.0", true, "finding alias, subcomponent"},
      {"CVE-2024-2", {"GHSA-zzzz-zzzz-zzzz"}, "pkg:npm/left-pad@1.3.0", false, "no id in common"},
      {"CVE-2024-1", {}, "pkg:npm/left-pad@1.3.1", false, "version differs"},
      {"CVE-2024-1", {}, "pkg:npm/right-pad@1.3.0", false, "other package"},
      {"CVE-2024-1", {}, "", false, "no purl"},
      {"https://example/advisory", {}, "pkg:pypi/urllib3@1", true, "URL alias exact"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(VexApplies(s, c.id, c.aliases, c.purl), c.want) << c.why;
  }
}

// ---- bad input -------------------------------------------------------------------------------

TEST(VexTest, UnreadableDocumentsAreErrors) {
  struct Case {
    std::string text;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"", ErrorCode::kCorrupt},
      {"{", ErrorCode::kCorrupt},
      {"{\"statements\": [}", ErrorCode::kCorrupt},
      {"\xff\xfe", ErrorCode::kCorrupt},
      {"[]", ErrorCode::kUnsupported},
      {"42", ErrorCode::kUnsupported},
      {"{}", ErrorCode::kUnsupported},
      {R"({"@context": "https://example.com/ns"})", ErrorCode::kUnsupported},
      {R"({"@context": 5})", ErrorCode::kUnsupported},
      {R"({"bomFormat": "SPDX"})", ErrorCode::kUnsupported},
      {R"({"document": {"csaf_version": "2.0", "category": "csaf_informational_advisory"}})", ErrorCode::kUnsupported},
      {std::string(100000, '[') + std::string(100000, ']'), ErrorCode::kCorrupt},  // deep nesting
  };
  for (const Case& c : cases) {
    Result<VexDocument> r = ParseVex(c.text, "x.json");
    ASSERT_FALSE(r.ok()) << c.text.substr(0, 40);
    EXPECT_EQ(r.error().code(), c.code) << c.text.substr(0, 40) << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find("x.json"), std::string::npos) << r.error().message();
  }
}

TEST(VexTest, WrongTypesEverywhereGiveDiagnosticsNotCrashes) {
  // Each value of a valid statement replaced by each JSON type.
  const char* values[] = {"null", "1", "true", "\"s\"", "[]", "[1,[2]]", "{}", "{\"a\":{}}"};
  const char* keys[] = {"vulnerability",    "products",         "status",    "justification",
                        "impact_statement", "action_statement", "timestamp", "subcomponents"};
  for (const char* key : keys) {
    for (const char* value : values) {
      std::string stmt = R"({"vulnerability": {"name": "CVE-1"}, "products": ["pkg:npm/a"], "status": "fixed")";
      stmt += std::string(", \"") + key + "\": " + value + "}";
      // The later duplicate key wins in nlohmann::json.
      for (const std::string& doc :
           {R"({"@context": "https://openvex.dev/ns/v0.2.0", "statements": [)" + stmt + "]}",
            R"({"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "resolved", ")" +
                std::string(key) + "\": " + value + R"(}, "affects": )" + value + "}]}",
            R"({"document": {"csaf_version": "2.0", "category": "csaf_vex"}, "product_tree": {"branches": )" +
                std::string(value) + R"(}, "vulnerabilities": [{"cve": "CVE-1", "product_status": {"fixed": )" + value +
                "}}]}"}) {
        Result<VexDocument> r = ParseVex(doc, "t");
        EXPECT_TRUE(r.ok()) << doc << ": " << r.error().ToString();
      }
    }
  }
}

TEST(VexTest, HugeInputs) {
  // Over the limit: refused before parsing.
  std::string huge(kMaxVexBytes + 1, ' ');
  Result<VexDocument> r = ParseVex(huge, "huge.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);

  // Many statements: read in reasonable time.
  std::string doc = R"({"@context": "https://openvex.dev/ns/v0.2.0", "statements": [)";
  for (int i = 0; i < 20000; ++i) {
    if (i > 0) doc += ",";
    doc += R"({"vulnerability": {"name": "CVE-2024-)" + std::to_string(10000 + i) +
           R"("}, "products": ["pkg:npm/a@1"], "status": "under_investigation"})";
  }
  doc += "]}";
  auto start = std::chrono::steady_clock::now();
  VexDocument d = MustParse(doc, "many.json");
  EXPECT_EQ(d.statements.size(), 20000u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace vigil::match
