// The matcher over hand-made inventories and indexes built from hand-written OSV records (one
// test per matching rule), plus real records from tests/vulndb/testdata/osv.
#include "match/matcher.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../test_util.h"
#include "common/file.h"
#include "vulndb/osv.h"

namespace vigil::match {
namespace {

using nlohmann::json;
using vulndb::FixStatus;

// One affected[] entry: events as {kind, version} pairs ("introduced", "fixed", ...).
json Aff(const std::string& ecosystem, const std::string& name,
         const std::vector<std::pair<std::string, std::string>>& events, const std::string& status = "",
         const std::string& range_type = "ECOSYSTEM") {
  json ev = json::array();
  for (const auto& [k, v] : events) ev.push_back({{k, v}});
  json a = {{"package", {{"ecosystem", ecosystem}, {"name", name}}},
            {"ranges", json::array({{{"type", range_type}, {"events", ev}}})}};
  if (!status.empty()) a["database_specific"] = {{"vigil_fix_status", status}};
  return a;
}

vulndb::Advisory Adv(const std::string& id, const std::vector<std::string>& aliases, const std::vector<json>& affected,
                     const std::string& cvss = "") {
  json j = {{"id", id}, {"modified", "2024-01-01T00:00:00Z"}, {"affected", affected}};
  if (!aliases.empty()) j["aliases"] = aliases;
  if (!cvss.empty()) j["severity"] = json::array({{{"type", "CVSS_V3"}, {"score", cvss}}});
  vulndb::OsvParser parser;
  Result<vulndb::Advisory> a = parser.Parse(j.dump(), id);
  EXPECT_TRUE(a.ok()) << id << ": " << (a.ok() ? "" : a.error().ToString());
  return a.ok() ? *a : vulndb::Advisory{};
}

catalog::Package Pkg(const std::string& type, const std::string& name, const std::string& version) {
  catalog::Package p;
  p.type = type;
  p.name = name;
  p.version = version;
  return p;
}

catalog::Package Deb(const std::string& name, const std::string& version, const std::string& source,
                     const std::string& source_version = "") {
  catalog::Package p = Pkg("deb", name, version);
  p.source_name = source;
  p.source_version = source_version.empty() ? version : source_version;
  return p;
}

catalog::Distro Os(const std::string& id, const std::string& version_id) {
  catalog::Distro d;
  d.id = id;
  d.version_id = version_id;
  return d;
}

struct Outcome {
  std::vector<Finding> findings;
  MatchStats stats;
};

Outcome MatchAll(const catalog::Distro& distro, std::vector<catalog::Package> packages,
                 const std::vector<vulndb::Advisory>& advisories, MatchOptions options = {}) {
  catalog::Inventory inv;
  inv.distro = distro;
  inv.packages = std::move(packages);
  std::unique_ptr<vulndb::Index> index = vulndb::Index::Build(advisories);
  Outcome run;
  Result<std::vector<Finding>> r = Match(inv, *index, options, &run.stats);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
  if (r.ok()) run.findings = std::move(*r);
  return run;
}

// "id@package" of every finding, for compact assertions.
std::vector<std::string> Ids(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const Finding& f : fs) out.push_back(f.id + "@" + std::to_string(f.package));
  return out;
}

using Strings = std::vector<std::string>;

TEST(DistroFor, Table) {
  struct Case {
    std::string id, version_id, family, release;
  } cases[] = {
      {"debian", "12", "Debian", "12"},
      {"debian", "8.11", "Debian", "8"},
      {"debian", "", "Debian", "sid"},
      {"ubuntu", "22.04", "Ubuntu", "22.04"},
      {"alpine", "3.19.1", "Alpine", "v3.19"},
      {"alpine", "3.20", "Alpine", "v3.20"},
      {"alpine", "3.20.0_alpha20240329", "Alpine", "edge"},
      {"almalinux", "9.3", "AlmaLinux", "9"},
      {"rocky", "8.9", "Rocky Linux", "8"},
  };
  for (const Case& c : cases) {
    Result<DistroKey> k = DistroFor(Os(c.id, c.version_id));
    ASSERT_TRUE(k.ok()) << c.id << " " << c.version_id << ": " << k.error().ToString();
    EXPECT_EQ(k->family, c.family) << c.id << " " << c.version_id;
    EXPECT_EQ(k->release, c.release) << c.id << " " << c.version_id;
  }
  Result<DistroKey> arch = DistroFor(Os("arch", ""));
  ASSERT_FALSE(arch.ok());
  EXPECT_EQ(arch.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(arch.error().message().find("arch"), std::string::npos) << arch.error().message();
  EXPECT_EQ(DistroFor(Os("", "")).error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(DistroFor(Os("ubuntu", "")).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(DistroFor(Os("alpine", "three")).error().code(), ErrorCode::kInvalidArgument);
}

TEST(Match, DebianBySourcePackageWithEpoch) {
  Outcome r = MatchAll(
      Os("debian", "12"), {Deb("libssl3", "3.0.11-1~deb12u2", "openssl"), Deb("xxd", "2:9.0.1378-2", "vim")},
      {Adv("DEBIAN-CVE-2024-0001", {},
           {Aff("Debian:12", "openssl", {{"introduced", "0"}, {"fixed", "3.0.13-1~deb12u1"}}, "fixed")}),
       // 2:9.0.1378-2 > 1:8.3.2: the epoch decides.
       Adv("DEBIAN-CVE-2024-0002", {}, {Aff("Debian:12", "vim", {{"introduced", "0"}, {"fixed", "1:8.3.2"}}, "fixed")}),
       Adv("DEBIAN-CVE-2024-0003", {},
           {Aff("Debian:12", "vim", {{"introduced", "0"}, {"fixed", "2:9.1.0-1"}}, "fixed")}),
       // The binary package name is never looked up.
       Adv("DEBIAN-CVE-2024-0004", {}, {Aff("Debian:12", "libssl3", {{"introduced", "0"}})})});
  ASSERT_EQ(Ids(r.findings), (Strings{"DEBIAN-CVE-2024-0001@0", "DEBIAN-CVE-2024-0003@1"}));
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.ecosystem, "Debian:12");
  EXPECT_EQ(f.matched_name, "openssl");
  EXPECT_EQ(f.installed_version, "3.0.11-1~deb12u2");
  EXPECT_EQ(f.fixed_versions, Strings{"3.0.13-1~deb12u1"});
  EXPECT_EQ(f.status, FixStatus::kFixed);
  EXPECT_EQ(r.findings[1].installed_version, "2:9.0.1378-2");
}

TEST(Match, DebianSourceVersionDiffersFromBinary) {
  // A binNMU: binary 1.2-3+b1, source 1.2-3; the source version is what the tracker compares.
  Outcome r = MatchAll(
      Os("debian", "12"), {Deb("libfoo1", "1.2-3+b1", "foo", "1.2-3")},
      {Adv("DEBIAN-CVE-2024-0010", {}, {Aff("Debian:12", "foo", {{"introduced", "0"}, {"fixed", "1.2-3+b1"}})})});
  ASSERT_EQ(Ids(r.findings), Strings{"DEBIAN-CVE-2024-0010@0"});
  EXPECT_EQ(r.findings[0].installed_version, "1.2-3");
}

TEST(Match, DebianEpochKeptApart) {
  // A cataloger that stores the epoch apart gets it back for the comparison.
  catalog::Package p = Deb("vim", "9.0.1378-2", "vim");
  p.epoch = "2";
  Outcome r = MatchAll(
      Os("debian", "12"), {p},
      {Adv("DEBIAN-CVE-2024-0002", {}, {Aff("Debian:12", "vim", {{"introduced", "0"}, {"fixed", "1:8.3.2"}})})});
  EXPECT_TRUE(r.findings.empty()) << ::testing::PrintToString(Ids(r.findings));
}

TEST(Match, OtherReleaseNeverMatched) {
  std::vector<vulndb::Advisory> db = {
      Adv("DEBIAN-CVE-2024-0001", {}, {Aff("Debian:11", "openssl", {{"introduced", "0"}, {"fixed", "9.9"}})}),
      Adv("UBUNTU-CVE-2024-0001", {}, {Aff("Ubuntu:22.04:LTS", "openssl", {{"introduced", "0"}, {"fixed", "9.9"}})}),
  };
  Outcome debian = MatchAll(Os("debian", "12"), {Deb("openssl", "3.0.11-1", "openssl")}, db);
  EXPECT_TRUE(debian.findings.empty()) << ::testing::PrintToString(Ids(debian.findings));
  // The database has nothing for Debian 12: not checked, and said so (never "clean").
  EXPECT_EQ(debian.stats.packages_matched, 0u);
  EXPECT_EQ(debian.stats.unchecked, 1u);
  ASSERT_EQ(debian.stats.unchecked_reasons.size(), 1u);
  EXPECT_NE(debian.stats.unchecked_reasons[0].find("no advisories for Debian 12"), std::string::npos);
  Outcome ubuntu = MatchAll(Os("ubuntu", "22.04"), {Deb("openssl", "3.0.2-0ubuntu1", "openssl")}, db);
  ASSERT_EQ(Ids(ubuntu.findings), Strings{"UBUNTU-CVE-2024-0001@0"});
  EXPECT_EQ(ubuntu.findings[0].ecosystem, "Ubuntu:22.04");
}

TEST(Match, UnfixedStatusesReported) {
  std::vector<vulndb::Advisory> db = {
      Adv("DEBIAN-CVE-2024-0020", {}, {Aff("Debian:12", "curl", {{"introduced", "0"}}, "not-fixed")}),
      Adv("DEBIAN-CVE-2024-0021", {}, {Aff("Debian:12", "curl", {{"introduced", "0"}}, "will-not-fix")}),
      Adv("DEBIAN-CVE-2024-0022", {}, {Aff("Debian:12", "curl", {{"introduced", "0"}}, "not-affected")}),
      Adv("DEBIAN-CVE-2024-0023", {}, {Aff("Debian:12", "curl", {{"introduced", "0"}, {"fixed", "8.0"}}, "fixed")}),
  };
  std::vector<catalog::Package> pkgs = {Deb("curl", "7.88.1-10", "curl")};
  Outcome r = MatchAll(Os("debian", "12"), pkgs, db);
  ASSERT_EQ(Ids(r.findings), (Strings{"DEBIAN-CVE-2024-0020@0", "DEBIAN-CVE-2024-0021@0", "DEBIAN-CVE-2024-0023@0"}));
  EXPECT_EQ(r.findings[0].status, FixStatus::kNotFixed);
  EXPECT_TRUE(r.findings[0].fixed_versions.empty());
  EXPECT_EQ(r.findings[1].status, FixStatus::kWillNotFix);
  EXPECT_EQ(r.findings[2].status, FixStatus::kFixed);
  EXPECT_EQ(r.stats.not_affected_entries, 1u);

  Outcome fixed_only = MatchAll(Os("debian", "12"), pkgs, db, MatchOptions{.include_unfixed = false});
  EXPECT_EQ(Ids(fixed_only.findings), Strings{"DEBIAN-CVE-2024-0023@0"});
  EXPECT_EQ(fixed_only.stats.unfixed_dropped, 2u);
}

TEST(Match, AlpineByOriginAndBranch) {
  catalog::Package libcrypto = Pkg("apk", "libcrypto3", "3.1.4-r1");
  libcrypto.source_name = "openssl";
  Outcome r = MatchAll(
      Os("alpine", "3.19.1"), {libcrypto},
      {Adv("ALPINE-CVE-2024-0001", {}, {Aff("Alpine:v3.19", "openssl", {{"introduced", "0"}, {"fixed", "3.1.4-r5"}})}),
       Adv("ALPINE-CVE-2024-0002", {}, {Aff("Alpine:v3.18", "openssl", {{"introduced", "0"}, {"fixed", "3.1.4-r5"}})}),
       Adv("ALPINE-CVE-2024-0003", {},
           {Aff("Alpine:v3.19", "openssl", {{"introduced", "0"}, {"fixed", "3.1.4-r0"}})})});
  ASSERT_EQ(Ids(r.findings), Strings{"ALPINE-CVE-2024-0001@0"});
  EXPECT_EQ(r.findings[0].ecosystem, "Alpine:v3.19");
  EXPECT_EQ(r.findings[0].matched_name, "openssl");
}

TEST(Match, AlmaLinuxEpoch) {
  catalog::Package with_epoch = Pkg("rpm", "openssl", "3.0.7-24.el9");
  with_epoch.epoch = "1";
  catalog::Package no_epoch = Pkg("rpm", "bash", "5.1.8-6.el9");
  Outcome r = MatchAll(
      Os("almalinux", "9.3"), {with_epoch, no_epoch},
      {Adv("ALSA-2024:0001", {}, {Aff("AlmaLinux:9", "openssl", {{"introduced", "0"}, {"fixed", "1:3.0.7-25.el9"}})}),
       // Epoch 1 beats a fixed version without one.
       Adv("ALSA-2024:0002", {}, {Aff("AlmaLinux:9", "openssl", {{"introduced", "0"}, {"fixed", "3.0.8-1.el9"}})}),
       Adv("ALSA-2024:0003", {}, {Aff("AlmaLinux:9", "bash", {{"introduced", "0"}, {"fixed", "5.1.8-9.el9"}})}),
       Adv("ALSA-2024:0004", {}, {Aff("AlmaLinux:8", "bash", {{"introduced", "0"}, {"fixed", "5.1.8-9.el9"}})})});
  ASSERT_EQ(Ids(r.findings), (Strings{"ALSA-2024:0001@0", "ALSA-2024:0003@1"}));
  EXPECT_EQ(r.findings[0].installed_version, "1:3.0.7-24.el9");
  EXPECT_EQ(r.findings[1].installed_version, "5.1.8-6.el9");
}

TEST(Match, LanguageEcosystems) {
  catalog::Package scoped = Pkg("npm", "traverse", "7.23.0");
  scoped.name_space = "@babel";
  catalog::Package unscoped = Pkg("npm", "traverse", "7.23.0");  // another package entirely
  catalog::Package drf = Pkg("pypi", "Django_REST.framework", "3.14.0");
  catalog::Package stdlib = Pkg("golang", "stdlib", "v1.19.0");
  catalog::Package gomod = Pkg("golang", "net", "v0.1.0");
  gomod.name_space = "golang.org/x";
  catalog::Package log4j = Pkg("maven", "log4j-core", "2.14.1");
  log4j.name_space = "org.apache.logging.log4j";
  catalog::Package crate = Pkg("cargo", "tokio-util", "0.7.0");
  catalog::Package gem = Pkg("gem", "rack", "2.2.6");
  catalog::Package composer = Pkg("composer", "Framework", "10.0.0");
  composer.name_space = "Laravel";
  catalog::Package nuget = Pkg("nuget", "Newtonsoft.Json", "12.0.1");
  Outcome r = MatchAll(
      Os("debian", "12"), {scoped, unscoped, drf, stdlib, gomod, log4j, crate, gem, composer, nuget},
      {Adv("GHSA-0001", {}, {Aff("npm", "@babel/traverse", {{"introduced", "0"}, {"fixed", "7.23.2"}}, "", "SEMVER")}),
       Adv("PYSEC-0002", {}, {Aff("PyPI", "django_rest_framework", {{"introduced", "0"}, {"fixed", "3.15.2"}})}),
       Adv("GO-0003", {}, {Aff("Go", "stdlib", {{"introduced", "0"}, {"fixed", "1.19.1"}}, "", "SEMVER")}),
       Adv("GO-0004", {}, {Aff("Go", "golang.org/x/net", {{"introduced", "0"}, {"fixed", "0.7.0"}}, "", "SEMVER")}),
       Adv("GHSA-0005", {},
           {Aff("Maven", "org.apache.logging.log4j:log4j-core", {{"introduced", "2.0-beta9"}, {"fixed", "2.15.0"}})}),
       Adv("RUSTSEC-0006", {},
           {Aff("crates.io", "tokio_util", {{"introduced", "0"}, {"fixed", "0.7.1"}}, "", "SEMVER")}),
       Adv("GHSA-0007", {}, {Aff("RubyGems", "rack", {{"introduced", "0"}, {"fixed", "2.2.6.3"}})}),
       Adv("GHSA-0008", {}, {Aff("Packagist", "laravel/framework", {{"introduced", "0"}, {"fixed", "10.1.0"}})}),
       Adv("GHSA-0009", {}, {Aff("NuGet", "newtonsoft.json", {{"introduced", "0"}, {"fixed", "13.0.1"}})})});
  EXPECT_EQ(Ids(r.findings), (Strings{"GHSA-0001@0", "PYSEC-0002@2", "GO-0003@3", "GO-0004@4", "GHSA-0005@5",
                                      "RUSTSEC-0006@6", "GHSA-0007@7", "GHSA-0008@8", "GHSA-0009@9"}));
  std::vector<std::pair<std::string, std::string>> seen;
  for (const Finding& f : r.findings) seen.emplace_back(f.ecosystem, f.matched_name);
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, std::string>>{{"npm", "@babel/traverse"},
                                                                    {"PyPI", "django-rest-framework"},
                                                                    {"Go", "stdlib"},
                                                                    {"Go", "golang.org/x/net"},
                                                                    {"Maven", "org.apache.logging.log4j:log4j-core"},
                                                                    {"crates.io", "tokio_util"},
                                                                    {"RubyGems", "rack"},
                                                                    {"Packagist", "laravel/framework"},
                                                                    {"NuGet", "newtonsoft.json"}}));
}

TEST(Match, OsOwnedLanguagePackageSkipped) {
  catalog::Package owned = Pkg("pypi", "requests", "2.25.0");
  owned.owner = "deb:python3-requests";
  catalog::Package pip_installed = Pkg("pypi", "requests", "2.25.0");
  Outcome r =
      MatchAll(Os("debian", "12"), {owned, pip_installed},
               {Adv("PYSEC-2023-74", {}, {Aff("PyPI", "requests", {{"introduced", "0"}, {"fixed", "2.31.0"}})})});
  EXPECT_EQ(Ids(r.findings), Strings{"PYSEC-2023-74@1"});
  EXPECT_EQ(r.stats.skipped_owned, 1u);
}

TEST(Match, AliasesMergedIntoOneFinding) {
  const std::string low = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N";
  const std::string high = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
  Outcome r = MatchAll(
      Os("debian", "12"), {Deb("libssl3", "3.0.11-1~deb12u2", "openssl")},
      {Adv("DSA-5600-1", {"CVE-2024-0001"},
           {Aff("Debian:12", "openssl", {{"introduced", "0"}, {"fixed", "3.0.13-1~deb12u1"}}, "fixed")}, low),
       Adv("DEBIAN-CVE-2024-0001", {"CVE-2024-0001"},
           {Aff("Debian:12", "openssl",
                {{"introduced", "0"}, {"fixed", "3.0.13-1~deb12u1"}, {"introduced", "3.1"}, {"fixed", "3.1.5-1"}},
                "fixed")}),
       Adv("CVE-2024-0001", {}, {Aff("Debian:12", "openssl", {{"introduced", "0"}}, "postponed")}, high),
       Adv("DEBIAN-CVE-2024-0009", {"CVE-2024-0009"},
           {Aff("Debian:12", "openssl", {{"introduced", "0"}}, "not-fixed")})});
  ASSERT_EQ(Ids(r.findings), (Strings{"CVE-2024-0001@0", "CVE-2024-0009@0"}));
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.aliases, (Strings{"DEBIAN-CVE-2024-0001", "DSA-5600-1"}));
  EXPECT_EQ(f.advisories, (Strings{"CVE-2024-0001", "DEBIAN-CVE-2024-0001", "DSA-5600-1"}));
  EXPECT_EQ(f.fixed_versions, (Strings{"3.0.13-1~deb12u1", "3.1.5-1"}));
  EXPECT_EQ(f.status, FixStatus::kFixed);
  EXPECT_DOUBLE_EQ(f.cvss_score, 9.8);
  EXPECT_EQ(f.cvss_vector, high);
  EXPECT_EQ(f.severity, "CRITICAL");
  const Finding& g = r.findings[1];
  EXPECT_EQ(g.aliases, Strings{"DEBIAN-CVE-2024-0009"});
  EXPECT_EQ(g.status, FixStatus::kNotFixed);
  EXPECT_EQ(g.cvss_score, -1);
}

TEST(Match, AliasMergeWithoutCveKeepsLowestId) {
  Outcome r =
      MatchAll(Os("", ""), {Pkg("npm", "lodash", "4.17.10")},
               {Adv("GHSA-aaaa", {"SNYK-1"}, {Aff("npm", "lodash", {{"introduced", "0"}, {"fixed", "4.17.11"}})}),
                Adv("SNYK-1", {}, {Aff("npm", "lodash", {{"introduced", "0"}, {"fixed", "4.17.12"}})})});
  ASSERT_EQ(Ids(r.findings), Strings{"GHSA-aaaa@0"});
  EXPECT_EQ(r.findings[0].aliases, Strings{"SNYK-1"});
  EXPECT_EQ(r.findings[0].fixed_versions, (Strings{"4.17.11", "4.17.12"}));
}

TEST(Match, UnsupportedDistroStillMatchesLanguagePackages) {
  Outcome r =
      MatchAll(Os("arch", ""), {Pkg("rpm", "bash", "5.1-1"), Pkg("npm", "lodash", "4.17.10")},
               {Adv("ALSA-2024:0003", {}, {Aff("AlmaLinux:9", "bash", {{"introduced", "0"}, {"fixed", "5.2-1"}})}),
                Adv("GHSA-aaaa", {}, {Aff("npm", "lodash", {{"introduced", "0"}, {"fixed", "4.17.11"}})})});
  EXPECT_EQ(Ids(r.findings), Strings{"GHSA-aaaa@1"});
  EXPECT_EQ(r.stats.skipped_os, 1u);
  ASSERT_EQ(r.stats.warnings.size(), 1u);
  EXPECT_NE(r.stats.warnings[0].find("arch"), std::string::npos) << r.stats.warnings[0];
}

TEST(Match, OsPackageOfAnotherFamilySkipped) {
  // An apk database inside a Debian image: not looked up as Debian.
  Outcome r = MatchAll(Os("debian", "12"), {Pkg("apk", "openssl", "3.1.4-r1")},
                       {Adv("DEBIAN-CVE-2024-0001", {}, {Aff("Debian:12", "openssl", {{"introduced", "0"}})})});
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.stats.skipped_os, 1u);
}

TEST(Match, UnevaluableEntriesAndInvalidVersionsCounted) {
  Outcome r =
      MatchAll(Os("debian", "12"), {Deb("openssl", "not a version!", "openssl"), Pkg("npm", "x", "1.0.0")},
               {Adv("DEBIAN-CVE-2024-0001", {}, {Aff("Debian:12", "openssl", {{"introduced", "0"}, {"fixed", "3.0"}})}),
                // A version the scheme refuses: the index keeps the entry without ranges.
                Adv("GHSA-bad", {}, {Aff("npm", "x", {{"introduced", "0"}, {"fixed", "not-semver!"}}, "", "SEMVER")})});
  EXPECT_TRUE(r.findings.empty()) << ::testing::PrintToString(Ids(r.findings));
  EXPECT_EQ(r.stats.invalid_versions, 1u);
  EXPECT_EQ(r.stats.unevaluable_entries, 1u);
  ASSERT_EQ(r.stats.warnings.size(), 1u);
  EXPECT_NE(r.stats.warnings[0].find("openssl"), std::string::npos) << r.stats.warnings[0];
}

// OSV YAML (PyPA) to JSON, every scalar a string (all OSV fields the test needs are strings).
json YamlToJson(const YAML::Node& n) {
  if (n.IsMap()) {
    json o = json::object();
    for (const auto& kv : n) o[kv.first.as<std::string>()] = YamlToJson(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    json a = json::array();
    for (const auto& e : n) a.push_back(YamlToJson(e));
    return a;
  }
  if (n.IsScalar()) return n.as<std::string>();
  return nullptr;
}

vulndb::Advisory LoadOsv(const std::string& name) {
  Result<std::string> text = ReadFile(vigil::testing::TestData("vulndb", "osv/" + name));
  EXPECT_TRUE(text.ok()) << name;
  if (!text.ok()) return {};
  std::string json_text = *text;
  if (name.ends_with(".yaml")) json_text = YamlToJson(YAML::Load(*text)).dump();
  vulndb::OsvParser parser;
  Result<vulndb::Advisory> a = parser.Parse(json_text, name);
  EXPECT_TRUE(a.ok()) << name << ": " << (a.ok() ? "" : a.error().ToString());
  return a.ok() ? *a : vulndb::Advisory{};
}

TEST(Match, RealRecords) {
  std::vector<vulndb::Advisory> db = {LoadOsv("ALSA-2023:0946.json"), LoadOsv("GO-2022-0969.json"),
                                      LoadOsv("PYSEC-2021-66.yaml")};
  catalog::Package libs_old = Pkg("rpm", "openssl-libs", "3.0.1-43.el9_0");
  libs_old.epoch = "1";
  catalog::Package openssl_new = Pkg("rpm", "openssl", "3.0.1-47.el9_1");
  openssl_new.epoch = "1";
  catalog::Package xnet = Pkg("golang", "net", "v0.0.0-20220722155237-a158d28d115b");
  xnet.name_space = "golang.org/x";
  Outcome r = MatchAll(Os("almalinux", "9.1"),
                       {libs_old, openssl_new, Pkg("golang", "stdlib", "v1.19.0"), Pkg("golang", "stdlib", "v1.19.1"),
                        xnet, Pkg("pypi", "Jinja2", "2.11.2"), Pkg("pypi", "jinja2", "2.11.3")},
                       db);
  ASSERT_EQ(Ids(r.findings), (Strings{"ALSA-2023:0946@0", "CVE-2022-27664@2", "CVE-2022-27664@4", "CVE-2020-28493@5"}));
  EXPECT_EQ(r.findings[0].fixed_versions, Strings{"1:3.0.1-47.el9_1"});
  EXPECT_EQ(r.findings[0].ecosystem, "AlmaLinux:9");
  EXPECT_EQ(r.findings[0].status, FixStatus::kFixed);
  EXPECT_EQ(r.findings[1].aliases, (Strings{"GHSA-69cg-p879-7622", "GO-2022-0969"}));
  EXPECT_EQ(r.findings[1].advisories, Strings{"GO-2022-0969"});
  EXPECT_EQ(r.findings[1].fixed_versions, (Strings{"1.18.6", "1.19.1"}));
  EXPECT_EQ(r.findings[3].matched_name, "jinja2");
  EXPECT_EQ(r.findings[3].advisories, Strings{"PYSEC-2021-66"});
  EXPECT_EQ(r.findings[3].fixed_versions, Strings{"2.11.3"});
}

}  // namespace
}  // namespace vigil::match
