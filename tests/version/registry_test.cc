// The registry: scheme and OSV ecosystem names, releases stripped, and the errors for names
// that are unknown or not implemented yet.
#include <gtest/gtest.h>

#include "version/version.h"

namespace vigil::version {
namespace {

TEST(RegistryTest, FindsSchemesByNameAndEcosystem) {
  struct Case {
    const char* name;
    const char* scheme;
  } cases[] = {
      {"dpkg", "dpkg"},       {"Debian", "dpkg"},          {"Debian:12", "dpkg"},
      {"Ubuntu:22.04:LTS", "dpkg"}, {"Ubuntu:Pro:18.04:LTS", "dpkg"}, {"Alpine:v3.19", "apk"},
      {"apk", "apk"},         {"Wolfi", "apk"},            {"Red Hat", "rpm"},
      {"Red Hat:enterprise_linux:9::appstream", "rpm"},    {"AlmaLinux:9", "rpm"},
      {"Rocky Linux", "rpm"}, {"openSUSE:Leap 15.5", "rpm"}, {"SUSE", "rpm"},
      {"rpm", "rpm"},         {"npm", "semver"},           {"crates.io", "semver"},
      {"semver", "semver"},   {"Go", "go"},                {"go", "go"},
      {"debian", "dpkg"},     {"NPM", "semver"},
  };
  for (const auto& c : cases) {
    const Scheme* s = FindScheme(c.name);
    ASSERT_NE(s, nullptr) << c.name;
    EXPECT_EQ(s->name(), c.scheme) << c.name;
    auto r = LookupScheme(c.name);
    ASSERT_TRUE(r.ok()) << c.name;
    EXPECT_EQ(*r, s);
  }
  EXPECT_EQ(SchemeNames(), (std::vector<std::string_view>{"dpkg", "rpm", "apk", "semver", "go"}));
}

TEST(RegistryTest, ExplainsMisses) {
  for (const char* name : {"PyPI", "Maven", "RubyGems", "NuGet", "Packagist", "pep440", "maven", "gem",
                           "nuget", "composer", "PyPI:whatever"}) {
    EXPECT_EQ(FindScheme(name), nullptr) << name;
    auto r = LookupScheme(name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported) << name;
    EXPECT_NE(r.error().message().find("is not implemented yet"), std::string::npos);
  }
  EXPECT_EQ(LookupScheme("PyPI").error().message(),
            "version scheme 'pep440' (for 'PyPI') is not implemented yet");
  for (const char* name : {"", "foo", "dpkg:12", "Debianx", ":"}) {
    EXPECT_EQ(FindScheme(name), nullptr) << name;
    auto r = LookupScheme(name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << name;
    EXPECT_NE(r.error().message().find("unknown version scheme or ecosystem"), std::string::npos);
  }
}

TEST(RegistryTest, CompareTextReportsTheFirstError) {
  auto r = FindScheme("dpkg")->CompareText("1:", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "invalid dpkg version '1:': nothing after colon in version number");
}

}  // namespace
}  // namespace vigil::version
