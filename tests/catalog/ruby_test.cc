#include "catalog/catalogers/ruby.h"

#include <gtest/gtest.h>

#include "lock_test_util.h"

namespace vigil::catalog {
namespace {

using testing::Expected;
using testing::Find;
using testing::Fixture;
using testing::Pairs;

TEST(Ruby, Paths) {
  EXPECT_TRUE(IsInstalledGemspec("usr/local/bundle/specifications/rake-13.0.3.gemspec"));
  EXPECT_TRUE(IsInstalledGemspec("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"));
  EXPECT_FALSE(IsInstalledGemspec("app/rake.gemspec"));
  EXPECT_FALSE(IsInstalledGemspec("usr/lib/ruby/gems/3.1.0/gems/rake-13.0.3/rake.gemspec"));
  EXPECT_TRUE(IsGemfileLock("app/Gemfile.lock"));
  EXPECT_TRUE(IsGemfileLock("gems.locked"));
  EXPECT_FALSE(IsGemfileLock("app/Gemfile"));
  auto c = NewRubyCataloger();
  EXPECT_TRUE(c->Wants(FileRef{"var/lib/gems/3.1.0/specifications/x-1.gemspec", 0644, 1}));
  EXPECT_TRUE(c->Wants(FileRef{"srv/Gemfile.lock", 0644, 1}));
}

TEST(Gemspec, FixturesMatchIndependentListings) {
  for (const char* rel : {"ruby/trivy/normal00.gemspec", "ruby/trivy/multiple_licenses.gemspec",
                          "ruby/syft/bundler.gemspec", "ruby/syft/formatador.gemspec"}) {
    SCOPED_TRACE(rel);
    std::vector<Package> pkgs;
    Status st = ParseGemspec(Fixture(rel), pkgs);
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(Pairs(pkgs), Expected(rel));
    testing::ExpectWellFormed(pkgs, "gem", false);
  }
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseGemspec(Fixture("ruby/trivy/multiple_licenses.gemspec"), pkgs).ok());
  EXPECT_EQ(pkgs[0].licenses, (std::vector<std::string>{"Ruby", "BSDL", "PSFL"}));
  pkgs.clear();
  ASSERT_TRUE(ParseGemspec(Fixture("ruby/syft/formatador.gemspec"), pkgs).ok());
  EXPECT_EQ(pkgs[0].version, "1.1.0");  // "1.1.0".freeze
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"MIT"});
}

TEST(Gemspec, LiteralsAndVariableNames) {
  struct Case {
    const char* text;
    const char* name;
    const char* version;
    std::vector<std::string> licenses;
  };
  const Case cases[] = {
      {"Gem::Specification.new do |spec|\n  spec.name = 'a'\n  spec.version = '1.0'\nend\n", "a", "1.0", {}},
      {"Gem::Specification.new { |g|\n g.name = %q{b}\n g.version = Gem::Version.new(\"2.0\")\n"
       " g.license = %q<Apache-2.0>.freeze\n}\n",
       "b",
       "2.0",
       {"Apache-2.0"}},
      // A comparison and another receiver are not assignments; the first assignment wins.
      {"Gem::Specification.new do |s|\n if s.name == \"no\" then end\n t.name = \"no\"\n"
       "  s.name = \"c\".freeze # \"comment\"\n  s.name = \"later\"\n  s.version = \"3\"\n"
       "  s.licenses = [\"MIT\".freeze,\n    \"GPL-2.0\".freeze]\nend\n",
       "c",
       "3",
       {"MIT", "GPL-2.0"}},
      {"Gem::Specification.new do |s|\r\n  s.name = \"d\\\"q\"\r\n  s.version = \"4.0.0.pre\"\r\nend\r\n",
       "d\"q",
       "4.0.0.pre",
       {}},
  };
  for (const auto& c : cases) {
    std::vector<Package> pkgs;
    Status st = ParseGemspec(c.text, pkgs);
    ASSERT_TRUE(st.ok()) << c.text << st.error().message();
    ASSERT_EQ(pkgs.size(), 1u);
    EXPECT_EQ(pkgs[0].name, c.name);
    EXPECT_EQ(pkgs[0].version, c.version);
    EXPECT_EQ(pkgs[0].licenses, c.licenses);
  }
}

TEST(GemfileLock, FixtureMatchesIndependentListing) {
  std::vector<Package> pkgs;
  const std::string rel = "ruby/syft/Gemfile.lock";
  ASSERT_TRUE(ParseGemfileLock(Fixture(rel), pkgs).ok());
  EXPECT_EQ(pkgs.size(), 52u);  // 50 GEM + 1 GIT + 1 PATH; BAD-SECTION ignored
  EXPECT_EQ(Pairs(pkgs), Expected(rel));
  testing::ExpectWellFormed(pkgs, "gem", true);
  EXPECT_EQ(Find(pkgs, "bad-entry"), nullptr);
  ASSERT_NE(Find(pkgs, "turbolinks", "3.0.0"), nullptr);
  EXPECT_EQ(Find(pkgs, "turbolinks")->properties.count("gem:git"), 1u);
  ASSERT_NE(Find(pkgs, "google-cloud-errors", "1.3.0"), nullptr);
  EXPECT_EQ(Find(pkgs, "google-cloud-errors")->properties.count("gem:local"), 1u);
  EXPECT_EQ(Find(pkgs, "rails")->properties.count("gem:local"), 0u);
}

TEST(GemfileLock, PlatformsAndErrors) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseGemfileLock("GEM\n  remote: https://rubygems.org/\n  specs:\n"
                               "    nokogiri (1.13.6-x86_64-linux)\n      racc (~> 1.4)\n"
                               "    nokogiri (1.13.6-aarch64-linux)\n    racc (1.6.0)\n\n"
                               "PLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n",
                               pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].version, "1.13.6");
  EXPECT_EQ(pkgs[0].properties.at("gem:platform"), "x86_64-linux");
  pkgs.clear();
  Status st = ParseGemfileLock("GEM\n  specs:\n    a (1.0)\n    broken line\n    b (2.0)\n", pkgs);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(pkgs.size(), 1u);
  pkgs.clear();
  EXPECT_FALSE(ParseGemfileLock("GEM\n  specs:\n    a ()\n", pkgs).ok());
  EXPECT_FALSE(ParseGemfileLock("GEM\n  specs:\n    a (-linux)\n", pkgs).ok());
  EXPECT_TRUE(pkgs.empty());
}

TEST(Ruby, BadInput) {
  for (const std::string& in : testing::HostileInputs()) {
    std::vector<Package> pkgs;
    (void)ParseGemspec(in, pkgs);
    (void)ParseGemfileLock(in, pkgs);
    for (const Package& p : pkgs) EXPECT_FALSE(p.version.empty());
  }
  std::vector<Package> pkgs;
  EXPECT_FALSE(ParseGemspec("", pkgs).ok());
  EXPECT_FALSE(ParseGemspec("Gem::Specification.new do |s|\n s.name = \"a\"\nend\n", pkgs).ok());
  EXPECT_FALSE(ParseGemspec("Gem::Specification.new do |s|\n s.name = 1\n s.version = [2]\nend\n", pkgs).ok());
  EXPECT_FALSE(
      ParseGemspec("Gem::Specification.new do |s|\n s.name = \"unterminated\n s.version = \"1\"\n", pkgs).ok());
  EXPECT_FALSE(ParseGemspec("Gem::Specification.new do |s s|\n", pkgs).ok());
  EXPECT_FALSE(ParseGemspec("Gem::Specification.new do |", pkgs).ok());
  EXPECT_TRUE(ParseGemspec("Gem::Specification.new do |s|\n s.name = %q\n s.name = %q{x\n s.name = %q{a{b}c}\n"
                           " s.version = '1'\n s.licenses = [\"[\", %w[x]]]\n",
                           pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "a{b}c");
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"["});
  std::string many_brackets = "Gem::Specification.new do |s|\n s.name = 'n'\n s.version = '1'\n s.licenses = [" +
                              std::string(100000, '[') + "\n";
  pkgs.clear();
  EXPECT_TRUE(ParseGemspec(many_brackets, pkgs).ok());
  EXPECT_TRUE(ParseGemfileLock("", pkgs).ok());
}

}  // namespace
}  // namespace vigil::catalog
