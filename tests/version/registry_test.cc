// The registry: scheme and OSV ecosystem names, releases stripped, and the errors for names
// that are unknown.
#include <gtest/gtest.h>

#include "version/version.h"

namespace vigil::version {
namespace {

TEST(RegistryTest, FindsSchemesByNameAndEcosystem) {
  struct Case {
    const char* name;
    const char* scheme;
  } cases[] = {
      {"dpkg", "dpkg"},
      {"Debian", "dpkg"},
      {"Debian:12", "dpkg"},
      {"Ubuntu:22.04:LTS", "dpkg"},
      {"Ubuntu:Pro:18.04:LTS", "dpkg"},
      {"Alpine:v3.19", "apk"},
      {"apk", "apk"},
      {"Wolfi", "apk"},
      {"Red Hat", "rpm"},
      {"Red Hat:enterprise_linux:9::appstream", "rpm"},
      {"AlmaLinux:9", "rpm"},
      {"Rocky Linux", "rpm"},
      {"openSUSE:Leap 15.5", "rpm"},
      {"SUSE", "rpm"},
      {"rpm", "rpm"},
      {"npm", "semver"},
      {"crates.io", "semver"},
      {"semver", "semver"},
      {"Go", "go"},
      {"go", "go"},
      {"debian", "dpkg"},
      {"NPM", "semver"},
      {"PyPI", "pep440"},
      {"pep440", "pep440"},
      {"PyPI:whatever", "pep440"},
      {"Maven", "maven"},
      {"Maven:https://maven.google.com", "maven"},
      {"maven", "maven"},
      {"RubyGems", "gem"},
      {"gem", "gem"},
      {"NuGet", "nuget"},
      {"nuget", "nuget"},
      {"Packagist", "composer"},
      {"Packagist:https://packages.drupal.org/8", "composer"},
      {"composer", "composer"},
  };
  for (const auto& c : cases) {
    const Scheme* s = FindScheme(c.name);
    ASSERT_NE(s, nullptr) << c.name;
    EXPECT_EQ(s->name(), c.scheme) << c.name;
    auto r = LookupScheme(c.name);
    ASSERT_TRUE(r.ok()) << c.name;
    EXPECT_EQ(*r, s);
  }
  EXPECT_EQ(SchemeNames(), (std::vector<std::string_view>{"dpkg", "rpm", "apk", "semver", "go", "pep440", "maven",
                                                          "gem", "nuget", "composer"}));
}

// Every known scheme is implemented now, so only unknown names miss (the kUnsupported answer
// for a known but unimplemented scheme has no name left to show it).
TEST(RegistryTest, ExplainsMisses) {
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
