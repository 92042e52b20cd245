// Structure of the writers' output on a hand-made inventory. Schema validity against the official
// CycloneDX 1.6 and SPDX 2.3 schemas is checked end to end in tests/e2e with ajv.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "sbom/sbom.h"

namespace vigil::sbom {
namespace {

catalog::Inventory Sample() {
  catalog::Inventory inv;
  inv.image.source = "app.tar";
  inv.image.format = "docker-archive";
  inv.image.tags = {"app:1"};
  inv.image.config_digest = "sha256:" + std::string(64, 'c');
  inv.distro = {"debian", "12", "bookworm", "Debian GNU/Linux", "Debian GNU/Linux 12 (bookworm)", ""};
  for (int i = 0; i < 2; ++i) {
    catalog::LayerReport l;
    l.layer.index = i;
    l.layer.diff_id = "sha256:" + std::string(64, static_cast<char>('0' + i));
    l.layer.created_by = i == 0 ? "ADD rootfs /" : "RUN npm install";
    inv.layers.push_back(l);
  }
  catalog::Package deb;
  deb.type = "deb";
  deb.name = "libc6";
  deb.version = "2.36-9";
  deb.source_name = "glibc";
  deb.arch = "amd64";
  deb.layer = 0;
  deb.location = "var/lib/dpkg/status";
  deb.found_by = "dpkg";
  deb.purl = "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12&upstream=glibc";
  catalog::Package npm;
  npm.type = "npm";
  npm.name_space = "@babel";
  npm.name = "core";
  npm.version = "7.0.0";
  npm.licenses = {"MIT"};
  npm.layer = 1;
  npm.location = "app/node_modules/@babel/core/package.json";
  npm.found_by = "npm";
  npm.purl = "pkg:npm/%40babel/core@7.0.0";
  catalog::Package twin = npm;  // the same purl at another path
  twin.location = "app/other/node_modules/@babel/core/package.json";
  catalog::Package py;
  py.type = "pypi";
  py.name = "PyYAML";
  py.version = "6.0";
  py.licenses = {"BSD License"};  // free text, not an SPDX expression
  py.owner = "deb:python3-yaml";
  py.layer = 0;
  py.purl = "pkg:pypi/pyyaml@6.0";
  inv.packages = {deb, npm, twin, py};
  return inv;
}

TEST(CycloneDx, Structure) {
  auto j = nlohmann::json::parse(WriteCycloneDx(Sample(), WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"}));
  EXPECT_EQ(j["bomFormat"], "CycloneDX");
  EXPECT_EQ(j["specVersion"], "1.6");
  EXPECT_EQ(j["metadata"]["timestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(j["metadata"]["component"]["type"], "container");
  ASSERT_EQ(j["components"].size(), 5u);  // os + 4 packages
  EXPECT_EQ(j["components"][0]["type"], "operating-system");
  std::set<std::string> refs;
  for (const auto& c : j["components"]) EXPECT_TRUE(refs.insert(c["bom-ref"].get<std::string>()).second);
  const auto& npm = j["components"][2];
  EXPECT_EQ(npm["group"], "@babel");
  bool has_layer = false;
  for (const auto& p : npm["properties"]) {
    if (p["name"] == "vigil:layer:created-by") has_layer = p["value"] == "RUN npm install";
  }
  EXPECT_TRUE(has_layer);
  // Same input, same time: same bytes (serial number derived, not random).
  EXPECT_EQ(WriteCycloneDx(Sample(), {"0.1.0", "2026-01-01T00:00:00Z"}),
            WriteCycloneDx(Sample(), {"0.1.0", "2026-01-01T00:00:00Z"}));
}

TEST(Spdx, Structure) {
  auto j = nlohmann::json::parse(WriteSpdx(Sample(), WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"}));
  EXPECT_EQ(j["spdxVersion"], "SPDX-2.3");
  std::set<std::string> ids;
  for (const auto& p : j["packages"]) EXPECT_TRUE(ids.insert(p["SPDXID"].get<std::string>()).second);
  for (const auto& r : j["relationships"]) {
    if (r["spdxElementId"] != "SPDXRef-DOCUMENT") {
      EXPECT_TRUE(ids.count(r["spdxElementId"]));
    }
    EXPECT_TRUE(ids.count(r["relatedSpdxElement"])) << r.dump();
  }
  bool saw_free_text = false;
  for (const auto& p : j["packages"]) {
    if (p["name"] == "PyYAML") {
      // "BSD License" names no SPDX license: a LicenseRef- defined in hasExtractedLicensingInfos.
      EXPECT_EQ(p["licenseDeclared"], "LicenseRef-BSD-License");
      saw_free_text = p["licenseComments"].get<std::string>().find("BSD License") != std::string::npos;
    }
    if (p["name"] == "@babel/core") {
      EXPECT_EQ(p["licenseDeclared"], "MIT");
    }
  }
  EXPECT_TRUE(saw_free_text);
  ASSERT_TRUE(j.contains("hasExtractedLicensingInfos"));
  bool defined = false;
  for (const auto& info : j["hasExtractedLicensingInfos"]) {
    if (info["licenseId"] == "LicenseRef-BSD-License") {
      defined = info["extractedText"].get<std::string>().find("BSD License") != std::string::npos;
    }
  }
  EXPECT_TRUE(defined);
}

TEST(Table, GroupsByLayer) {
  std::string t = WriteTable(Sample());
  EXPECT_NE(t.find("Layer 0"), std::string::npos);
  EXPECT_NE(t.find("ADD rootfs /"), std::string::npos);
  EXPECT_NE(t.find("RUN npm install"), std::string::npos);
  EXPECT_LT(t.find("libc6"), t.find("@babel/core"));
  EXPECT_NE(t.find("4 packages in 2 layers"), std::string::npos);
}

TEST(Table, EscapesWhatTheImageSaysAndLeavesWarningsToStderr) {
  catalog::Inventory inv = Sample();
  inv.image.tags = {"evil\x1b]0;title\x07:1"};
  inv.layers[1].layer.created_by = "RUN \x1b[2J npm install";
  inv.packages[0].name = "libc6\x1b[31m";
  inv.packages[0].version = "2.36\xc2\x9b";
  inv.warnings = {"layer 1: app/package.json: \x1b[1mbad"};
  std::string t = WriteTable(inv);
  for (char c : t) EXPECT_FALSE((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f) << t;
  EXPECT_EQ(t.find("\xc2\x9b"), std::string::npos) << t;
  EXPECT_NE(t.find("evil\\x1b]0;title\\x07:1"), std::string::npos) << t;
  EXPECT_NE(t.find("RUN \\x1b[2J npm install"), std::string::npos) << t;
  EXPECT_NE(t.find("libc6\\x1b[31m"), std::string::npos) << t;
  EXPECT_NE(t.find("2.36\\u009b"), std::string::npos) << t;
  EXPECT_NE(t.find("1 warning (on standard error)"), std::string::npos) << t;
  EXPECT_EQ(t.find("bad"), std::string::npos) << t;
}

TEST(Json, CarriesOwnership) {
  auto j = nlohmann::json::parse(WriteJson(Sample(), {}));
  EXPECT_EQ(j["packages"][3]["owned_by"], "deb:python3-yaml");
  EXPECT_EQ(j["layers"][1]["created_by"], "RUN npm install");
}

TEST(Format, Names) {
  EXPECT_EQ(*ParseFormat("cdx"), Format::kCycloneDx);
  EXPECT_EQ(*ParseFormat("spdx-json"), Format::kSpdx);
  EXPECT_FALSE(ParseFormat("xml").ok());
}

}  // namespace
}  // namespace vigil::sbom
