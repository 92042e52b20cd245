// NormalizeName: one row per rule of each ecosystem (src/version/names.h).
#include "version/names.h"

#include <gtest/gtest.h>

namespace vigil::version {
namespace {

struct Row {
  const char* ecosystem;
  const char* name;
  const char* want;
};

constexpr Row kRows[] = {
    // PyPI, PEP 503 (examples from the PEP and packaging's canonicalize_name tests).
    {"PyPI", "Django", "django"},
    {"PyPI", "Friendly-Bard", "friendly-bard"},
    {"PyPI", "FRIENDLY_BARD", "friendly-bard"},
    {"PyPI", "friendly.bard", "friendly-bard"},
    {"PyPI", "FrIeNdLy-._.-bArD", "friendly-bard"},
    {"PyPI", "zope.interface", "zope-interface"},
    {"PyPI", "a__b..c--d", "a-b-c-d"},
    {"PyPI", "_leading.", "-leading-"},
    {"PyPI", "  requests \n", "requests"},
    {"pypi:extra", "Pillow", "pillow"},
    {"pep440", "Pillow", "pillow"},
    // Maven: groupId:artifactId, case kept.
    {"Maven", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-core"},
    {"Maven", "com.fasterxml.jackson.core:jackson-databind:2.9.8", "com.fasterxml.jackson.core:jackson-databind"},
    {"Maven", "g:a:jar:1.0", "g:a"},
    {"Maven", " org.example : Thing ", "org.example:Thing"},
    {"Maven:https://maven.google.com", "androidx.core:core", "androidx.core:core"},
    {"Maven", "no-colon", "no-colon"},
    // npm: case kept, scopes, the encoded scope separator.
    {"npm", "lodash", "lodash"},
    {"npm", "JSONStream", "JSONStream"},
    {"npm", "@babel/core", "@babel/core"},
    {"npm", "@babel%2fcore", "@babel/core"},
    {"npm", "@types%2Fnode", "@types/node"},
    {"npm", "a%2fb", "a%2fb"},
    // Go: case kept, proxy escapes decoded.
    {"Go", "github.com/Azure/go-autorest", "github.com/Azure/go-autorest"},
    {"Go", "github.com/!azure/go-autorest", "github.com/Azure/go-autorest"},
    {"Go", "github.com/!burnt!sushi/toml", "github.com/BurntSushi/toml"},
    {"Go", "example.com/!", "example.com/!"},
    {"Go", "example.com/!1", "example.com/!1"},
    {"Go", "golang.org/x/net", "golang.org/x/net"},
    // NuGet and Packagist: case-insensitive.
    {"NuGet", "Newtonsoft.Json", "newtonsoft.json"},
    {"nuget", "System.Text.Json", "system.text.json"},
    {"Packagist", "Symfony/HTTP-Kernel", "symfony/http-kernel"},
    {"Packagist:https://packages.drupal.org/8", "drupal/Core", "drupal/core"},
    // RubyGems: case-sensitive.
    {"RubyGems", "RedCloth", "RedCloth"},
    {"RubyGems", "rack_session", "rack_session"},
    // crates.io: '-' and '_' equivalent, case-insensitive.
    {"crates.io", "serde_json", "serde_json"},
    {"crates.io", "Serde-JSON", "serde_json"},
    // Others: unchanged but trimmed.
    {"Debian:12", "libssl3", "libssl3"},
    {"Alpine", "py3-Pillow", "py3-Pillow"},
    {"unknown", " Foo_Bar ", "Foo_Bar"},
};

TEST(NormalizeName, Table) {
  for (const Row& r : kRows) {
    EXPECT_EQ(NormalizeName(r.ecosystem, r.name), r.want) << r.ecosystem << " " << r.name;
  }
}

TEST(NormalizeName, Idempotent) {
  for (const Row& r : kRows) {
    std::string once = NormalizeName(r.ecosystem, r.name);
    EXPECT_EQ(NormalizeName(r.ecosystem, once), once) << r.ecosystem << " " << r.name;
  }
}

TEST(NormalizeName, OddInput) {
  EXPECT_EQ(NormalizeName("PyPI", ""), "");
  EXPECT_EQ(NormalizeName("Maven", ":"), ":");
  EXPECT_EQ(NormalizeName("", "x"), "x");
  std::string big(10 * 1024, 'A');
  EXPECT_EQ(NormalizeName("NuGet", big), std::string(10 * 1024, 'a'));
  EXPECT_EQ(NormalizeName("PyPI", "\xc3\x89t\xc3\xa9"), "\xc3\x89t\xc3\xa9");  // non-ASCII kept
}

}  // namespace
}  // namespace vigil::version
