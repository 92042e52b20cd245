// Tests for match/license_policy.h: reading a policy (with every mistake located) and judging
// SPDX expressions with it.
#include "match/license_policy.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::match {
namespace {

LicensePolicy MustParse(const std::string& text) {
  auto p = ParseLicensePolicy(text, "policy.yaml");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().ToString());
  if (!p.ok()) return {};
  for (const auto& d : p->diagnostics) ADD_FAILURE() << d.location << ": " << d.message;
  return *p;
}

using Kind = LicenseVerdict::Kind;

TEST(LicensePolicy, ReadsEveryKey) {
  LicensePolicy p = MustParse(
      "allow: [MIT, apache-2.0, GPL-2.0+]\n"
      "deny: [AGPL-3.0]\n"
      "deny_categories: [strong-copyleft, network-copyleft]\n"
      "unknown: deny\n"
      "exceptions:\n"
      "  - package: pkg:deb/debian/bash\n"
      "    license: GPL-3.0-or-later\n"
      "    reason: the base image's shell\n");
  EXPECT_EQ(p.allow, (std::vector<std::string>{"MIT", "Apache-2.0", "GPL-2.0-or-later"}));
  EXPECT_EQ(p.deny, (std::vector<std::string>{"AGPL-3.0-only"}));
  ASSERT_EQ(p.deny_categories.size(), 2u);
  EXPECT_EQ(p.unknown, LicensePolicy::Unknown::kDeny);
  ASSERT_EQ(p.exceptions.size(), 1u);
  EXPECT_EQ(p.exceptions[0].location, "policy.yaml:6:5");
  // JSON is YAML.
  LicensePolicy j = MustParse(R"({"deny": ["GPL-3.0-only"], "unknown": "allow"})");
  EXPECT_EQ(j.deny, (std::vector<std::string>{"GPL-3.0-only"}));
  EXPECT_EQ(j.unknown, LicensePolicy::Unknown::kAllow);
  // Empty: allow everything, warn on unknown.
  LicensePolicy e = MustParse("");
  EXPECT_TRUE(e.allow.empty());
  EXPECT_EQ(e.unknown, LicensePolicy::Unknown::kWarn);
}

TEST(LicensePolicy, EveryMistakeIsLocated) {
  struct Case {
    const char* text;
    const char* location;
    const char* says;
  } cases[] = {
      {"alow: [MIT]\n", "policy.yaml:1:1", "unknown key 'alow'"},
      {"deny: [Foo-1.0]\n", "policy.yaml:1:8", "not an SPDX license id"},
      {"deny: MIT\n", "policy.yaml:1:7", "must be a list"},
      {"deny: [MIT OR Apache-2.0]\n", "policy.yaml:1:8", "is an expression"},
      {"deny_categories: [copyleft]\n", "policy.yaml:1:19", "not a category"},
      {"unknown: maybe\n", "policy.yaml:1:10", "must be deny, warn or allow"},
      {"exceptions:\n  - package: bash\n    reason: x\n", "policy.yaml:2:5", "'license' is required"},
      {"exceptions:\n  - package: bash\n    license: MIT\n", "policy.yaml:2:5", "'reason' is required"},
      {"exceptions:\n  - package: pkg:nope\n    license: MIT\n    reason: x\n", "policy.yaml:2:14", "is not a purl"},
      {"exceptions:\n  - package: bash\n    licence: MIT\n    reason: x\n", "policy.yaml:3:5", "unknown key 'licence'"},
      {"exceptions: [1]\n", "policy.yaml:1:14", "must be a mapping"},
      {"- MIT\n", "policy.yaml:1:1", "expected a mapping"},
      {"deny: [MIT]\ndeny: [GPL-2.0-only]\n", "policy.yaml:2:1", "duplicate key 'deny'"},
  };
  for (const auto& c : cases) {
    auto p = ParseLicensePolicy(c.text, "policy.yaml");
    ASSERT_TRUE(p.ok()) << c.text;
    bool found = false;
    for (const auto& d : p->diagnostics) {
      if (d.location == c.location && d.message.find(c.says) != std::string::npos) found = true;
    }
    EXPECT_TRUE(found) << c.text
                       << (p->diagnostics.empty()
                               ? " (no diagnostic)"
                               : " got " + p->diagnostics[0].location + ": " + p->diagnostics[0].message);
  }
  auto bad = ParseLicensePolicy("deny: [MIT\n", "policy.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(bad.error().message().find("policy.yaml:"), std::string::npos) << bad.error().message();
  auto big = ParseLicensePolicy(std::string(kMaxLicensePolicyBytes + 1, '#'), "policy.yaml");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), ErrorCode::kLimitExceeded);
  auto bomb = ParseLicensePolicy(
      "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
      "policy.yaml");
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.error().code(), ErrorCode::kLimitExceeded);
}

TEST(LicensePolicy, JudgesExpressions) {
  LicensePolicy p = MustParse(
      "deny: [SSPL-1.0]\n"
      "deny_categories: [strong-copyleft, network-copyleft]\n");
  struct Case {
    const char* expression;
    Kind kind;
    const char* offending;
  } cases[] = {
      {"MIT", Kind::kAllowed, ""},
      {"GPL-2.0-only", Kind::kDenied, "GPL-2.0-only"},
      {"GPL-2.0-only OR MIT", Kind::kAllowed, ""},
      {"GPL-2.0-only AND MIT", Kind::kDenied, "GPL-2.0-only"},
      {"SSPL-1.0", Kind::kDenied, "SSPL-1.0"},
      {"AGPL-3.0-or-later", Kind::kDenied, "AGPL-3.0-or-later"},
      {"LGPL-2.1-or-later", Kind::kAllowed, ""},
      {"LicenseRef-custom", Kind::kUnknown, "LicenseRef-custom"},
      {"LicenseRef-custom OR MIT", Kind::kAllowed, ""},
      {"LicenseRef-custom AND MIT", Kind::kUnknown, "LicenseRef-custom"},
      {"LicenseRef-custom AND GPL-3.0-only", Kind::kDenied, "GPL-3.0-only"},
      {"GPL-2.0-only OR LicenseRef-x", Kind::kUnknown, "GPL-2.0-only"},
      {"LicenseRef-public-domain", Kind::kAllowed, ""},
      {"", Kind::kUnknown, ""},
      {"not an expression (", Kind::kUnknown, "not an expression ("},
  };
  for (const auto& c : cases) {
    LicenseVerdict v = EvaluateLicense(p, c.expression, "x", "pkg:npm/x@1.0.0");
    EXPECT_EQ(v.kind, c.kind) << c.expression << ": " << v.reason;
    if (*c.offending != '\0') {
      ASSERT_FALSE(v.offending.empty()) << c.expression;
      EXPECT_EQ(v.offending[0], c.offending) << c.expression;
    }
    if (v.kind != Kind::kAllowed) {
      EXPECT_FALSE(v.reason.empty()) << c.expression;
    }
  }
  EXPECT_EQ(EvaluateLicense(p, "GPL-2.0-only", "x", "").reason,
            "GPL-2.0-only is strong-copyleft, a category the policy denies");
  EXPECT_EQ(EvaluateLicense(p, "", "x", "").reason, "no license found");
}

TEST(LicensePolicy, AllowListDeniesEverythingElse) {
  LicensePolicy p = MustParse("allow: [MIT, Apache-2.0, GPL-2.0-only]\n");
  EXPECT_EQ(EvaluateLicense(p, "MIT", "x", "").kind, Kind::kAllowed);
  EXPECT_EQ(EvaluateLicense(p, "BSD-3-Clause", "x", "").kind, Kind::kDenied);
  EXPECT_EQ(EvaluateLicense(p, "BSD-3-Clause", "x", "").reason, "BSD-3-Clause is not on the allow list");
  EXPECT_EQ(EvaluateLicense(p, "BSD-3-Clause OR Apache-2.0", "x", "").kind, Kind::kAllowed);
  // The bare id on a list covers it with an exception too.
  EXPECT_EQ(EvaluateLicense(p, "GPL-2.0-only WITH Classpath-exception-2.0", "x", "").kind, Kind::kAllowed);
  EXPECT_EQ(EvaluateLicense(p, "LicenseRef-foo", "x", "").kind, Kind::kUnknown);
}

TEST(LicensePolicy, ExceptionsAllowByPackage) {
  LicensePolicy p = MustParse(
      "deny_categories: [strong-copyleft]\n"
      "exceptions:\n"
      "  - package: pkg:deb/debian/bash\n"
      "    license: GPL-3.0-or-later\n"
      "    reason: the base image's shell\n"
      "  - package: readline-common\n"
      "    license: \"*\"\n"
      "    reason: data files only\n");
  LicenseVerdict v = EvaluateLicense(p, "GPL-3.0-or-later", "bash", "pkg:deb/debian/bash@5.2.15-2?arch=amd64");
  EXPECT_EQ(v.kind, Kind::kAllowed);
  EXPECT_EQ(v.exception, "allowed by the exception at policy.yaml:3:5 (the base image's shell)");
  // Only the license it names.
  EXPECT_EQ(EvaluateLicense(p, "GPL-2.0-only", "bash", "pkg:deb/debian/bash@5.2.15-2").kind, Kind::kDenied);
  // Another package, same license: denied.
  EXPECT_EQ(EvaluateLicense(p, "GPL-3.0-or-later", "coreutils", "pkg:deb/debian/coreutils@9.1").kind, Kind::kDenied);
  // "*" by name, even with no license found.
  EXPECT_EQ(EvaluateLicense(p, "GPL-2.0-only", "readline-common", "pkg:deb/debian/readline-common@8").kind,
            Kind::kAllowed);
  EXPECT_EQ(EvaluateLicense(p, "", "readline-common", "").kind, Kind::kAllowed);
}

}  // namespace
}  // namespace vigil::match
