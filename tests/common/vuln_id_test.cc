// Vulnerability id helpers (common/vuln_id.h). The SameVulnerabilityId table moved here from
// tests/match/vex_test.cc with the helper; cases unchanged.
#include "common/vuln_id.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(VulnId, SameVulnerabilityIdTable) {
  struct Case {
    const char* a;
    const char* b;
    bool want;
  };
  const Case cases[] = {
      {"CVE-2023-38545", "CVE-2023-38545", true},
      {"cve-2023-38545", "CVE-2023-38545", true},
      {"GHSA-jfh8-c2jp-5v3q", "ghsa-JFH8-C2JP-5V3Q", true},
      {"CVE-2023-38545", "CVE-2023-38546", false},
      {"GO-2023-1234", "go-2023-1234", false},  // other ids: exact
      {"GO-2023-1234", "GO-2023-1234", true},
      {"", "", false},
      {"CVE-2023-38545", "CVE-2023-385450", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SameVulnerabilityId(c.a, c.b), c.want) << c.a << " vs " << c.b;
  }
}

TEST(VulnId, IsCveId) {
  EXPECT_TRUE(IsCveId("CVE-2024-3094"));
  EXPECT_TRUE(IsCveId("CVE-2021-1234567890123456789"));
  EXPECT_FALSE(IsCveId("CVE-2021-12345678901234567890"));  // twenty digits
  EXPECT_FALSE(IsCveId("cve-2024-3094"));                  // case-sensitive
  EXPECT_FALSE(IsCveId("CVE-24-3094"));
  EXPECT_FALSE(IsCveId("CVE-2024-309"));
  EXPECT_FALSE(IsCveId("GHSA-jfh8-c2jp-5v3q"));
  EXPECT_FALSE(IsCveId(""));
}

}  // namespace
}  // namespace vigil
