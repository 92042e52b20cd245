// The SBOM reader: round trips through vigil's own writers, the official CycloneDX / SPDX
// examples, real Trivy and cdxgen output (tests/sbom/testdata/peers/README.md says how it was
// made), Syft-shaped documents written by hand, and bad input.
#include "sbom/reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>

#include "catalog/purl.h"
#include "sbom/sbom.h"

namespace vigil::sbom {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const fs::path kTestdata = fs::path(VIGIL_SOURCE_DIR) / "tests/sbom/testdata";

const catalog::Package* Find(const catalog::Inventory& inv, std::string_view type, std::string_view name) {
  for (const auto& p : inv.packages) {
    if (p.type == type && p.name == name) return &p;
  }
  return nullptr;
}

// ---- ParsePurl ----

TEST(ParsePurl, Table) {
  struct Case {
    std::string purl, type, ns, name, version, quals;  // quals: "k=v;k=v"
  };
  const Case cases[] = {
      {"pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12&upstream=glibc", "deb", "debian", "libc6", "2.36-9",
       "arch=amd64;distro=debian-12;upstream=glibc"},
      {"pkg:npm/%40babel/core@7.0.0", "npm", "@babel", "core", "7.0.0", ""},
      {"pkg:npm/@types/node", "npm", "@types", "node", "", ""},
      {"pkg:golang/golang.org/x/net@v0.17.0", "golang", "golang.org/x", "net", "v0.17.0", ""},
      {"pkg:deb/debian/zlib1g@1:1.2.13%2Bdfsg-1", "deb", "debian", "zlib1g", "1:1.2.13+dfsg-1", ""},
      {"PKG:Maven/org.x/y@1?Type=jar&classifier=#sub/../p", "maven", "org.x", "y", "1", "type=jar"},
      {"pkg://pypi/requests@2.31.0", "pypi", "", "requests", "2.31.0", ""},
  };
  for (const auto& c : cases) {
    auto p = catalog::ParsePurl(c.purl);
    ASSERT_TRUE(p.ok()) << c.purl << ": " << p.error().ToString();
    EXPECT_EQ(p->type, c.type) << c.purl;
    EXPECT_EQ(p->name_space, c.ns) << c.purl;
    EXPECT_EQ(p->name, c.name) << c.purl;
    EXPECT_EQ(p->version, c.version) << c.purl;
    std::string quals;
    for (const auto& [k, v] : p->qualifiers) quals += (quals.empty() ? "" : ";") + k + "=" + v;
    EXPECT_EQ(quals, c.quals) << c.purl;
  }
  for (std::string bad : {"", "pkg:", "pkg:foo", "deb/debian/x@1", "pkg:/x", "pkg:npm/x@1%zz", "pkg:npm/%4", "pkg:1x/y",
                          "pkg:npm/x?noequals", "pkg:npm/", "pkg:np m/x"}) {
    EXPECT_FALSE(catalog::ParsePurl(bad).ok()) << "'" << bad << "'";
  }
}

// ---- round trip through vigil's writers ----

catalog::Inventory HandMade() {
  catalog::Inventory inv;
  inv.image.source = "app.tar";
  inv.image.format = "docker-archive";
  inv.image.tags = {"app:1"};
  inv.image.config_digest = "sha256:" + std::string(64, 'c');
  inv.distro = {"debian", "12", "bookworm", "Debian GNU/Linux", "Debian GNU/Linux 12 (bookworm)", ""};
  const char* steps[] = {"ADD rootfs /", "RUN apk add busybox", "RUN npm install && pip install"};
  for (int i = 0; i < 3; ++i) {
    catalog::LayerReport l;
    l.layer.index = i;
    l.layer.diff_id = "sha256:" + std::string(64, static_cast<char>('0' + i));
    l.layer.digest = "sha256:" + std::string(64, static_cast<char>('a' + i));
    l.layer.created_by = steps[i];
    inv.layers.push_back(l);
  }
  auto add = [&](std::string type, std::string ns, std::string name, std::string version, std::string epoch,
                 std::string arch, std::string src, std::string src_version, int layer) {
    catalog::Package p;
    p.type = type;
    p.name_space = ns;
    p.name = name;
    p.version = version;
    p.epoch = epoch;
    p.arch = arch;
    p.source_name = src;
    p.source_version = src_version;
    p.layer = layer;
    p.found_by = type + "-cataloger";
    p.location = "loc/" + name;
    p.purl = catalog::PackagePurl(p, inv.distro);
    inv.packages.push_back(p);
  };
  // deb as the dpkg cataloger has them: the epoch inside the version, source filled in.
  add("deb", "", "libc6", "2.36-9+deb12u4", "", "amd64", "glibc", "2.36-9+deb12u4", 0);
  add("deb", "", "zlib1g", "1:1.2.13.dfsg-1", "", "amd64", "zlib", "1:1.2.13.dfsg-1", 0);
  add("deb", "", "libpq5", "15.5-0+deb12u1", "", "amd64", "postgresql-15", "15.5-0+deb12u1", 0);
  add("apk", "", "busybox-binsh", "1.36.1-r15", "", "x86_64", "busybox", "1.36.1-r15", 1);
  add("rpm", "", "openssl-libs", "3.0.7-24.el9", "1", "x86_64", "openssl", "3.0.7-24.el9", 1);
  add("npm", "@babel", "core", "7.0.0", "", "", "", "", 2);
  add("pypi", "", "requests", "2.31.0", "", "", "", "", 2);
  add("golang", "golang.org/x", "net", "v0.17.0", "", "", "", "", 2);
  add("maven", "org.apache.logging.log4j", "log4j-core", "2.14.1", "", "", "", "", 2);
  inv.packages[6].owner = "deb:python3-requests";
  inv.packages[6].properties["pip:installer"] = "pip";
  return inv;
}

void ExpectSamePackages(const catalog::Inventory& want, const catalog::Inventory& got, std::string_view fmt) {
  ASSERT_EQ(got.packages.size(), want.packages.size()) << fmt;
  EXPECT_EQ(got.distro.id, want.distro.id) << fmt;
  EXPECT_EQ(got.distro.version_id, want.distro.version_id) << fmt;
  ASSERT_EQ(got.layers.size(), want.layers.size()) << fmt;
  for (size_t i = 0; i < want.layers.size(); ++i) {
    EXPECT_EQ(got.layers[i].layer.index, static_cast<int>(i)) << fmt;
    EXPECT_EQ(got.layers[i].layer.diff_id, want.layers[i].layer.diff_id) << fmt << " layer " << i;
    EXPECT_EQ(got.layers[i].layer.created_by, want.layers[i].layer.created_by) << fmt << " layer " << i;
  }
  EXPECT_TRUE(got.warnings.empty()) << fmt << ": " << (got.warnings.empty() ? "" : got.warnings[0]);
  for (const auto& w : want.packages) {
    const catalog::Package* g = Find(got, w.type, w.name);
    ASSERT_NE(g, nullptr) << fmt << ": " << w.type << "/" << w.name;
    std::string ctx = std::string(fmt) + " " + w.purl;
    EXPECT_EQ(g->name_space, w.name_space) << ctx;
    EXPECT_EQ(g->version, w.version) << ctx;
    EXPECT_EQ(g->epoch, w.epoch) << ctx;
    EXPECT_EQ(g->arch, w.arch) << ctx;
    EXPECT_EQ(g->source_name, w.source_name) << ctx;
    EXPECT_EQ(g->source_version, w.source_version) << ctx;
    EXPECT_EQ(g->layer, w.layer) << ctx;
    EXPECT_EQ(g->location, w.location) << ctx;
    EXPECT_EQ(g->found_by, w.found_by) << ctx;
    EXPECT_EQ(g->purl, w.purl) << ctx;
  }
}

TEST(ReadSbom, RoundTripCycloneDx) {
  catalog::Inventory inv = HandMade();
  std::string text = Write(Format::kCycloneDx, inv, WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"});
  auto got = ReadSbom(text, "vigil.cdx.json");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ExpectSamePackages(inv, *got, "cyclonedx");
  for (size_t i = 0; i < inv.layers.size(); ++i) {
    EXPECT_EQ(got->layers[i].layer.digest, inv.layers[i].layer.digest) << i;
  }
  const catalog::Package* py = Find(*got, "pypi", "requests");
  ASSERT_NE(py, nullptr);
  EXPECT_EQ(py->owner, "deb:python3-requests");
  EXPECT_EQ(py->properties.at("pip:installer"), "pip");
  EXPECT_EQ(got->image.config_digest, inv.image.config_digest);
  EXPECT_EQ(got->image.format, "cyclonedx");
}

TEST(ReadSbom, RoundTripSpdx) {
  catalog::Inventory inv = HandMade();
  std::string text = Write(Format::kSpdx, inv, WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"});
  auto got = ReadSbom(text, "vigil.spdx.json");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ExpectSamePackages(inv, *got, "spdx");
  EXPECT_EQ(got->image.format, "spdx");
}

// ---- official examples ----

TEST(ReadSbom, CycloneDxExamplesCopied) {
  auto bom = ReadSbom(Slurp(kTestdata / "cyclonedx-examples/valid-bom-1.6.json"), "valid-bom");
  ASSERT_TRUE(bom.ok()) << bom.error().ToString();
  const catalog::Package* tomcat = Find(*bom, "maven", "tomcat-catalina");
  ASSERT_NE(tomcat, nullptr);
  EXPECT_EQ(tomcat->name_space, "com.acme");
  EXPECT_EQ(tomcat->version, "9.0.14");
  for (const auto& e : fs::directory_iterator(kTestdata / "cyclonedx-examples")) {
    if (e.path().extension() != ".json") continue;
    auto r = ReadSbom(Slurp(e.path()), e.path().filename().string());
    EXPECT_TRUE(r.ok()) << e.path() << ": " << r.error().ToString();
    if (r.ok()) {
      EXPECT_FALSE(r->packages.empty()) << e.path();
    }
  }
}

TEST(ReadSbom, CycloneDxExamplesAll) {
  fs::path dir = fs::path(VIGIL_SOURCE_DIR) / "tests/sbom/testdata/cyclonedx-examples-1.6";
  int read = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    auto r = ReadSbom(Slurp(e.path()), name);  // invalid-* only must not crash
    if (name.starts_with("valid-")) {
      EXPECT_TRUE(r.ok() || r.error().code() == ErrorCode::kUnsupported) << name << ": " << r.error().ToString();
      read += r.ok();
    }
  }
  EXPECT_GT(read, 40);
}

TEST(ReadSbom, SpdxExample) {
  fs::path file = fs::path(VIGIL_SOURCE_DIR) / "tests/sbom/testdata/spdx/SPDXJSONExample-v2.3.spdx.json";
  auto r = ReadSbom(Slurp(file), "SPDXJSONExample");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const catalog::Package* jena = Find(*r, "maven", "apache-jena");
  ASSERT_NE(jena, nullptr);
  EXPECT_EQ(jena->name_space, "org.apache.jena");
  EXPECT_EQ(jena->version, "3.12.0");
}

// ---- peers ----

void ExpectTinyImage(const catalog::Inventory& inv, std::string_view what, bool layers) {
  EXPECT_EQ(inv.distro.id, "debian") << what;
  EXPECT_EQ(inv.distro.version_id, "10") << what;
  const catalog::Package* client = Find(inv, "deb", "postgresql-client-11");
  ASSERT_NE(client, nullptr) << what;
  EXPECT_EQ(client->version, "11.22-0+deb10u2") << what;
  EXPECT_EQ(client->arch, "amd64") << what;
  const catalog::Package* zlib = Find(inv, "deb", "zlib1g");
  ASSERT_NE(zlib, nullptr) << what;
  EXPECT_EQ(zlib->version, "1:1.2.11.dfsg-1+deb10u2") << what;
  EXPECT_EQ(zlib->epoch, "") << what;
  const catalog::Package* scoped = Find(inv, "npm", "pkg");
  ASSERT_NE(scoped, nullptr) << what;
  EXPECT_EQ(scoped->name_space, "@scope") << what;
  ASSERT_NE(Find(inv, "npm", "lodash"), nullptr) << what;
  if (!layers) return;
  EXPECT_EQ(client->source_name, "postgresql-11") << what;
  EXPECT_EQ(client->source_version, "11.22-0+deb10u2") << what;
  EXPECT_EQ(zlib->source_name, "zlib") << what;
  EXPECT_EQ(zlib->source_version, "1:1.2.11.dfsg-1+deb10u2") << what;
  ASSERT_EQ(inv.layers.size(), 2u) << what;
  EXPECT_EQ(inv.layers[0].layer.diff_id, "sha256:b8b349fbaaf958caf16358426edea6f096ae74c4f54b4ae338ed9a8d8fa0fb58")
      << what;
  EXPECT_EQ(client->layer, 0) << what;
  EXPECT_EQ(Find(inv, "npm", "lodash")->layer, 1) << what;
  EXPECT_TRUE(inv.warnings.empty()) << what << ": " << (inv.warnings.empty() ? "" : inv.warnings[0]);
}

TEST(ReadSbom, TrivyCycloneDx) {
  auto r = ReadSbom(Slurp(kTestdata / "peers/trivy-tiny.cdx.json"), "trivy-tiny.cdx.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ExpectTinyImage(*r, "trivy cyclonedx", true);
}

TEST(ReadSbom, TrivySpdx) {
  auto r = ReadSbom(Slurp(kTestdata / "peers/trivy-tiny.spdx.json"), "trivy-tiny.spdx.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ExpectTinyImage(*r, "trivy spdx", true);
}

TEST(ReadSbom, CdxgenCycloneDx) {
  auto r = ReadSbom(Slurp(kTestdata / "peers/cdxgen-tiny.cdx.json"), "cdxgen-tiny.cdx.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  // cdxgen has no layers and no source properties; it lists the source packages as packages.
  ExpectTinyImage(*r, "cdxgen", false);
}

// Written by hand in Syft's property vocabulary (no Syft binary here).
constexpr std::string_view kSyftCdx = R"J({
  "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "metadata": {"tools": {"components": [{"type": "application", "author": "anchore", "name": "syft", "version": "1.0.0"}]},
    "component": {"bom-ref": "2a1f", "type": "container", "name": "app:1", "version": "sha256:1111111111111111111111111111111111111111111111111111111111111111"}},
  "components": [
    {"bom-ref": "pkg:deb/debian/libc6@2.36-9?arch=amd64&upstream=glibc&distro=debian-12&package-id=1", "type": "library",
     "name": "libc6", "version": "2.36-9",
     "purl": "pkg:deb/debian/libc6@2.36-9?arch=amd64&upstream=glibc&distro=debian-12",
     "properties": [{"name": "syft:package:foundBy", "value": "dpkg-db-cataloger"},
                    {"name": "syft:package:type", "value": "deb"},
                    {"name": "syft:location:0:layerID", "value": "sha256:aaaa"},
                    {"name": "syft:location:0:path", "value": "/var/lib/dpkg/status"},
                    {"name": "syft:metadata:source", "value": "glibc"}]},
    {"bom-ref": "b2", "type": "library", "name": "gcc-12-base", "version": "12.2.0-14",
     "purl": "pkg:deb/debian/gcc-12-base@12.2.0-14?arch=amd64&upstream=gcc-12%4012.2.0-14&distro=debian-12",
     "properties": [{"name": "syft:location:0:layerID", "value": "sha256:aaaa"}]},
    {"bom-ref": "b3", "type": "library", "name": "openssl-libs", "version": "1:3.0.7-24.el9",
     "purl": "pkg:rpm/rocky/openssl-libs@3.0.7-24.el9?arch=x86_64&epoch=1&upstream=openssl-3.0.7-24.el9.src.rpm&distro=rocky-9.3",
     "properties": [{"name": "syft:metadata:sourceRpm", "value": "openssl-3.0.7-24.el9.src.rpm"},
                    {"name": "syft:location:0:layerID", "value": "sha256:bbbb"}]},
    {"bom-ref": "b4", "type": "library", "name": "busybox-binsh", "version": "1.36.1-r15",
     "purl": "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&upstream=busybox&distro=alpine-3.19.1",
     "properties": [{"name": "syft:metadata:originPackage", "value": "busybox"}]},
    {"bom-ref": "os:debian@12", "type": "operating-system", "name": "debian", "version": "12",
     "description": "Debian GNU/Linux 12 (bookworm)"}
  ]})J";

TEST(ReadSbom, SyftShapedCycloneDx) {
  auto r = ReadSbom(kSyftCdx, "syft.cdx.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->distro.id, "debian");
  EXPECT_EQ(r->distro.version_id, "12");
  EXPECT_EQ(r->image.config_digest, "sha256:" + std::string(64, '1'));
  const catalog::Package* libc = Find(*r, "deb", "libc6");
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ(libc->source_name, "glibc");
  EXPECT_EQ(libc->location, "var/lib/dpkg/status");
  EXPECT_EQ(libc->found_by, "dpkg-db-cataloger");
  const catalog::Package* gcc = Find(*r, "deb", "gcc-12-base");
  ASSERT_NE(gcc, nullptr);
  EXPECT_EQ(gcc->source_name, "gcc-12");
  EXPECT_EQ(gcc->source_version, "12.2.0-14");
  const catalog::Package* ssl = Find(*r, "rpm", "openssl-libs");
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(ssl->epoch, "1");
  EXPECT_EQ(ssl->version, "3.0.7-24.el9");
  EXPECT_EQ(ssl->source_name, "openssl");
  EXPECT_EQ(ssl->source_version, "3.0.7-24.el9");
  const catalog::Package* bb = Find(*r, "apk", "busybox-binsh");
  ASSERT_NE(bb, nullptr);
  EXPECT_EQ(bb->source_name, "busybox");
  // Layers known only from the packages: in order of first mention.
  ASSERT_EQ(r->layers.size(), 2u);
  EXPECT_EQ(libc->layer, 0);
  EXPECT_EQ(ssl->layer, 1);
  EXPECT_EQ(bb->layer, -1);
}

constexpr std::string_view kSyftSpdx = R"J({
  "spdxVersion": "SPDX-2.2", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "alpine",
  "packages": [
    {"name": "musl", "SPDXID": "SPDXRef-Package-apk-musl-1", "versionInfo": "1.2.4_git20230717-r4",
     "downloadLocation": "NOASSERTION", "sourceInfo": "acquired package info from APK DB: /lib/apk/db/installed",
     "licenseDeclared": "MIT",
     "externalRefs": [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:musl:musl:*"},
                      {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                       "referenceLocator": "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"}]},
    {"name": "alpine", "SPDXID": "SPDXRef-DocumentRoot-Directory-.", "primaryPackagePurpose": "FILE"}
  ]})J";

TEST(ReadSbom, SyftShapedSpdx) {
  auto r = ReadSbom(kSyftSpdx, "syft.spdx.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->distro.id, "alpine");
  EXPECT_EQ(r->distro.version_id, "3.19.1");
  ASSERT_EQ(r->packages.size(), 1u);
  EXPECT_EQ(r->packages[0].source_name, "musl");
  EXPECT_EQ(r->packages[0].licenses, std::vector<std::string>{"MIT"});
  EXPECT_TRUE(r->warnings.empty());
}

// ---- bad input ----

std::string Cdx(std::string_view components) {
  return R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":)" + std::string(components) + "}";
}

TEST(ReadSbom, BadInput) {
  std::string deep_components = "[{\"name\":\"x\",\"version\":\"1\"}]";
  for (int i = 0; i < 70; ++i) deep_components = "[{\"name\":\"n\",\"components\":" + deep_components + "}]";
  struct Case {
    std::string name, text;
    ErrorCode code;
    std::string in_message;
  };
  const Case cases[] = {
      {"not json", "hello", ErrorCode::kCorrupt, "malformed JSON"},
      {"empty", "", ErrorCode::kCorrupt, "malformed JSON"},
      {"truncated", R"({"bomFormat":"CycloneDX","specVersion":"1.6","components":[)", ErrorCode::kCorrupt, "malformed"},
      {"array", "[1,2]", ErrorCode::kUnsupported, "not an SBOM"},
      {"xml", "<?xml version=\"1.0\"?><bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"/>", ErrorCode::kUnsupported,
       "XML"},
      {"tag-value", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", ErrorCode::kUnsupported, "tag-value"},
      {"cdx 1.7", R"({"bomFormat":"CycloneDX","specVersion":"1.7"})", ErrorCode::kUnsupported, "1.7"},
      {"cdx 1.1", R"({"bomFormat":"CycloneDX","specVersion":"1.1"})", ErrorCode::kUnsupported, "1.1"},
      {"other bomFormat", R"({"bomFormat":"Other","specVersion":"1.6"})", ErrorCode::kUnsupported, "bomFormat"},
      {"spec not string", R"({"bomFormat":"CycloneDX","specVersion":1.6})", ErrorCode::kCorrupt, "$.specVersion"},
      {"spdx 2.1", R"({"spdxVersion":"SPDX-2.1"})", ErrorCode::kUnsupported, "SPDX-2.1"},
      {"spdx 3", R"({"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]})",
       ErrorCode::kUnsupported, "SPDX 3"},
      {"unknown", "{}", ErrorCode::kUnsupported, "neither"},
      {"components object", Cdx("{}"), ErrorCode::kCorrupt, "$.components: expected an array"},
      {"component number", Cdx("[1]"), ErrorCode::kCorrupt, "$.components[0]: expected an object"},
      {"purl number", Cdx(R"([{"name":"x","purl":5}])"), ErrorCode::kCorrupt, "$.components[0].purl"},
      {"property name number", Cdx(R"([{"name":"x","properties":[{"name":1}]}])"), ErrorCode::kCorrupt,
       "$.components[0].properties[0].name"},
      {"nested wrong", Cdx(R"([{"name":"x","components":[{"name":"y","components":"z"}]}])"), ErrorCode::kCorrupt,
       "$.components[0].components[0].components"},
      {"metadata wrong", R"({"bomFormat":"CycloneDX","specVersion":"1.6","metadata":[]})", ErrorCode::kCorrupt,
       "$.metadata"},
      {"deep components", Cdx(deep_components), ErrorCode::kLimitExceeded, "nested deeper than 64"},
      {"deep json", std::string(100000, '[') + std::string(100000, ']'), ErrorCode::kLimitExceeded, "nested deeper"},
      {"spdx packages string", R"({"spdxVersion":"SPDX-2.3","packages":"x"})", ErrorCode::kCorrupt, "$.packages"},
      {"spdx ref wrong", R"({"spdxVersion":"SPDX-2.3","packages":[{"name":"a","externalRefs":[7]}]})",
       ErrorCode::kCorrupt, "$.packages[0].externalRefs[0]"},
  };
  for (const auto& c : cases) {
    auto r = ReadSbom(c.text, "doc.json");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find(c.in_message), std::string::npos) << c.name << ": " << r.error().message();
    EXPECT_TRUE(r.error().message().starts_with("doc.json")) << c.name << ": " << r.error().message();
  }
}

TEST(ReadSbom, WarningsNotErrors) {
  struct Case {
    std::string name, components, warning;
    size_t packages;
  };
  const Case cases[] = {
      {"missing purl", R"([{"type":"library","name":"x","version":"1"}])", "has no purl", 1},
      {"bad escape", R"([{"name":"x","version":"1","purl":"pkg:npm/x@1%zz"}])", "percent-encoding", 1},
      {"no type", R"([{"name":"x","version":"1","purl":"pkg:x"}])", "no type", 1},
      {"not a purl", R"([{"name":"x","version":"1","purl":"npm/x@1"}])", "no 'pkg:'", 1},
      {"duplicate ref", R"([{"bom-ref":"a","name":"x","version":"1","purl":"pkg:npm/x@1"},
                            {"bom-ref":"a","name":"x","version":"1","purl":"pkg:npm/x@1"}])",
       "repeats", 1},
      {"clashing ref", R"([{"bom-ref":"a","name":"x","version":"1","purl":"pkg:npm/x@1"},
                           {"bom-ref":"a","name":"y","version":"1","purl":"pkg:npm/y@1"}])",
       "not unique", 2},
      {"huge layer index",
       R"([{"name":"x","purl":"pkg:npm/x@1","properties":[{"name":"vigil:layer:index","value":"99999999"}]}])",
       "out of range", 1},
  };
  for (const auto& c : cases) {
    auto r = ReadSbom(Cdx(c.components), "doc.json");
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.error().ToString();
    EXPECT_EQ(r->packages.size(), c.packages) << c.name;
    ASSERT_FALSE(r->warnings.empty()) << c.name;
    EXPECT_NE(r->warnings[0].find(c.warning), std::string::npos) << c.name << ": " << r->warnings[0];
    for (const auto& p : r->packages) EXPECT_LT(p.layer, static_cast<int>(r->layers.size()) + 0) << c.name;
  }
  auto r = ReadSbom(Cdx(R"([{"type":"library","name":"x","version":"1"}])"), "doc.json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packages[0].type, "");
}

TEST(ReadSbom, Limits) {
  std::string three = Cdx(R"([{"name":"a","purl":"pkg:npm/a@1"},{"name":"b","purl":"pkg:npm/b@1"},
                              {"name":"c","purl":"pkg:npm/c@1","components":[{"name":"d","purl":"pkg:npm/d@1"}]}])");
  ReadLimits limits;
  limits.max_components = 3;
  auto r = ReadSbom(three, "doc.json", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  limits.max_components = 4;
  r = ReadSbom(three, "doc.json", limits);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->packages.size(), 4u);  // nested components are walked
  limits.max_bytes = 10;
  r = ReadSbom(three, "doc.json", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
}

// vigil's own JSON inventory (`vigil sbom -f json`), the form `vigil scan --sbom` reads back
// without losing what the inventory model has.
TEST(ReadSbom, RoundTripVigilJson) {
  catalog::Inventory inv = HandMade();
  inv.packages[0].licenses = {"LGPL-2.1-or-later", "GPL-2.0-only"};
  inv.packages[3].properties["apk:origin"] = "busybox";
  inv.layers[1].from_cache = true;
  inv.layers[1].entries = 42;
  inv.layers[1].uncompressed_size = 1234567;
  inv.layers[2].layer.size = 999;
  inv.image.manifest_digest = "sha256:" + std::string(64, 'm');
  inv.image.config.os = "linux";
  inv.image.config.architecture = "arm64";
  inv.image.config.env = {"PATH=/usr/bin"};
  inv.image.config.labels = {{"org.opencontainers.image.source", "https://example.com/app"}};
  std::string text = Write(Format::kJson, inv, WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"});
  auto got = ReadSbom(text, "inventory.json");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ExpectSamePackages(inv, *got, "vigil-json");
  EXPECT_EQ(got->image.format, "vigil-json");
  EXPECT_EQ(got->image.source, "inventory.json");
  EXPECT_EQ(got->image.tags, inv.image.tags);
  EXPECT_EQ(got->image.config_digest, inv.image.config_digest);
  EXPECT_EQ(got->image.manifest_digest, inv.image.manifest_digest);
  EXPECT_EQ(got->image.config.architecture, "arm64");
  EXPECT_EQ(got->image.config.env, inv.image.config.env);
  EXPECT_EQ(got->image.config.labels, inv.image.config.labels);
  EXPECT_EQ(got->distro.version_codename, "bookworm");
  EXPECT_EQ(got->distro.pretty_name, inv.distro.pretty_name);
  ASSERT_EQ(got->image.layers.size(), 3u);
  for (size_t i = 0; i < inv.layers.size(); ++i) {
    EXPECT_EQ(got->layers[i].layer.digest, inv.layers[i].layer.digest) << i;
    EXPECT_EQ(got->layers[i].layer.size, inv.layers[i].layer.size) << i;
    EXPECT_EQ(got->layers[i].from_cache, inv.layers[i].from_cache) << i;
    EXPECT_EQ(got->layers[i].entries, inv.layers[i].entries) << i;
    EXPECT_EQ(got->layers[i].uncompressed_size, inv.layers[i].uncompressed_size) << i;
    EXPECT_EQ(got->image.layers[i].diff_id, inv.layers[i].layer.diff_id) << i;
  }
  for (const auto& w : inv.packages) {
    const catalog::Package* g = Find(*got, w.type, w.name);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->owner, w.owner) << w.purl;
    EXPECT_EQ(g->properties, w.properties) << w.purl;
    EXPECT_EQ(g->licenses, w.licenses) << w.purl;
  }
  // Written again, the same document (but for source and format, and in the analyzer's order).
  catalog::Inventory again = inv;
  again.image.source = "inventory.json";
  again.image.format = "vigil-json";
  std::stable_sort(again.packages.begin(), again.packages.end(), [](const auto& a, const auto& b) {
    return std::tie(a.layer, a.type, a.name, a.version) < std::tie(b.layer, b.type, b.name, b.version);
  });
  EXPECT_EQ(Write(Format::kJson, *got, WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"}),
            Write(Format::kJson, again, WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"}));

  // The analysis's own warnings stay visible; a UTF-8 byte-order mark is read past.
  inv.warnings = {"layer 2: usr/lib/x: npm cataloger: malformed JSON"};
  text = "\xEF\xBB\xBF" + Write(Format::kJson, inv, WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"});
  got = ReadSbom(text, "inventory.json");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->warnings, inv.warnings);
  EXPECT_EQ(got->packages.size(), inv.packages.size());
}

// An incomplete inventory (files whose packages could not be read) stays incomplete when read
// back, so that `vigil scan --sbom` of it fails as the scan of the image does.
TEST(ReadSbom, VigilJsonKeepsAnIncompleteInventoryIncomplete) {
  catalog::Inventory inv = HandMade();
  inv.unread.push_back(catalog::UnreadFile{"var/lib/dpkg/status", 2, "dpkg", "the package database does not parse"});
  inv.unread.push_back(
      catalog::UnreadFile{"app/package-lock.json", 1, "npm-lock", "80000000 bytes is more than the limit"});
  std::string text = Write(Format::kJson, inv, WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"});
  auto got = ReadSbom(text, "inventory.json");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_FALSE(got->complete());
  ASSERT_EQ(got->unread.size(), 2u);
  EXPECT_EQ(got->unread[0].path, "var/lib/dpkg/status");
  EXPECT_EQ(got->unread[0].layer, 2);
  EXPECT_EQ(got->unread[0].cataloger, "dpkg");
  EXPECT_EQ(got->unread[0].reason, "the package database does not parse");
  EXPECT_EQ(got->unread[1].layer, 1);
  // "complete": false without the list (edited by hand, or a later writer) is still incomplete;
  // a layer the document does not list becomes unknown.
  auto bare = ReadSbom(R"({"schema":"vigil-inventory/1","complete":false})", "inv.json");
  ASSERT_TRUE(bare.ok()) << bare.error().ToString();
  EXPECT_FALSE(bare->complete());
  auto far = ReadSbom(
      R"({"schema":"vigil-inventory/1","unread":[{"path":"x","layer":7,"reason":"r"}],"complete":true})", "inv.json");
  ASSERT_TRUE(far.ok()) << far.error().ToString();
  ASSERT_EQ(far->unread.size(), 1u);
  EXPECT_EQ(far->unread[0].layer, -1);
  auto bad = ReadSbom(R"({"schema":"vigil-inventory/1","complete":"no"})", "inv.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "inv.json: $.complete: expected true or false");
  // A complete inventory says so.
  auto whole = ReadSbom(Write(Format::kJson, HandMade(), WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"}), "inv.json");
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(whole->complete());
}

// vigil's CycloneDX of an incomplete inventory reads back incomplete too.
TEST(ReadSbom, CycloneDxOfAnIncompleteInventoryStaysIncomplete) {
  catalog::Inventory inv = HandMade();
  inv.unread.push_back(catalog::UnreadFile{"var/lib/dpkg/status", 0, "dpkg", "the package database does not parse"});
  auto got = ReadSbom(Write(Format::kCycloneDx, inv, WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"}), "bom.json");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_EQ(got->unread.size(), 1u);
  EXPECT_EQ(
      catalog::Describe(got->unread[0]),
      "layer 0: var/lib/dpkg/status (dpkg): the package database does not parse: not read by the SBOM's producer");
  // The composition alone is enough; other producers' compositions are not read.
  std::string only = R"({"bomFormat":"CycloneDX","specVersion":"1.6","components":[],
      "compositions":[{"aggregate":"incomplete","assemblies":["vigil:image"]}]})";
  auto r = ReadSbom(only, "bom.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE(r->complete());
  std::string other = R"({"bomFormat":"CycloneDX","specVersion":"1.6","components":[],
      "compositions":[{"aggregate":"incomplete_first_party_only","assemblies":["x"]}]})";
  r = ReadSbom(other, "bom.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->complete());
  auto whole =
      ReadSbom(Write(Format::kCycloneDx, HandMade(), WriteOptions{"0.1.0", "2026-01-01T00:00:00Z"}), "bom.json");
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(whole->complete());
}

TEST(ReadSbom, VigilJsonBadInput) {
  struct Case {
    std::string name, text;
    ErrorCode code;
    std::string in_message;
  };
  const Case cases[] = {
      {"other schema", R"({"schema":"vigil-inventory/2"})", ErrorCode::kUnsupported, "vigil-inventory/2"},
      {"scan report", R"({"schema":"vigil-scan/1"})", ErrorCode::kUnsupported, "vigil-scan/1"},
      {"schema number", R"({"schema":1})", ErrorCode::kCorrupt, "$.schema"},
      {"packages object", R"({"schema":"vigil-inventory/1","packages":{}})", ErrorCode::kCorrupt, "$.packages"},
      {"layer string", R"({"schema":"vigil-inventory/1","packages":[{"name":"a","layer":"0"}]})", ErrorCode::kCorrupt,
       "$.packages[0].layer: expected a whole number"},
      {"layer below -1", R"({"schema":"vigil-inventory/1","packages":[{"name":"a","layer":-2}]})", ErrorCode::kCorrupt,
       "$.packages[0].layer: -2 is out of range"},
      {"properties array", R"({"schema":"vigil-inventory/1","packages":[{"name":"a","properties":[]}]})",
       ErrorCode::kCorrupt, "$.packages[0].properties"},
      {"property number", R"({"schema":"vigil-inventory/1","packages":[{"name":"a","properties":{"k":1}}]})",
       ErrorCode::kCorrupt, "$.packages[0].properties.k"},
      {"layers out of order", R"({"schema":"vigil-inventory/1","layers":[{"index":0},{"index":2}]})",
       ErrorCode::kCorrupt, "$.layers[1].index: 2, expected 1"},
      {"tags string", R"({"schema":"vigil-inventory/1","image":{"tags":"x"}})", ErrorCode::kCorrupt, "$.image.tags"},
      {"warning number", R"({"schema":"vigil-inventory/1","warnings":[1]})", ErrorCode::kCorrupt, "$.warnings[0]"},
  };
  for (const auto& c : cases) {
    auto r = ReadSbom(c.text, "inv.json");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find(c.in_message), std::string::npos) << c.name << ": " << r.error().message();
    EXPECT_TRUE(r.error().message().starts_with("inv.json: ")) << c.name << ": " << r.error().message();
  }
  // A layer the document does not list, and a package without a type: warnings, not errors.
  auto r = ReadSbom(R"({"schema":"vigil-inventory/1","layers":[{"index":0}],
                       "packages":[{"type":"npm","name":"a","version":"1","layer":3},{"name":"b","version":"2"},
                                   {"type":"npm","name":"c"}]})",
                    "inv.json");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->packages.size(), 2u);
  EXPECT_EQ(Find(*r, "npm", "a")->layer, -1);
  ASSERT_EQ(r->warnings.size(), 3u);
  EXPECT_NE(r->warnings[0].find("$.packages[0].layer: 3 names no layer"), std::string::npos) << r->warnings[0];
  EXPECT_NE(r->warnings[1].find("has no type"), std::string::npos) << r->warnings[1];
  EXPECT_NE(r->warnings[2].find("$.packages[2]: package with neither version nor purl; skipped"), std::string::npos)
      << r->warnings[2];
}

// UTF-16 and UTF-32 SBOMs (PowerShell's `>` writes UTF-16 LE) get a message that says what to
// do, not a parser error; UTF-8 with its byte-order mark is read.
TEST(ReadSbom, EncodingsOtherThanUtf8AreNamed) {
  std::string json = Cdx(R"([{"name":"a","purl":"pkg:npm/a@1"}])");
  auto utf16 = [&](bool le) {
    std::string out;
    for (char c : json) out += le ? std::string{c, '\0'} : std::string{'\0', c};
    return out;
  };
  auto utf32 = [&](bool le) {
    std::string out;
    for (char c : json) out += le ? std::string{c, '\0', '\0', '\0'} : std::string{'\0', '\0', '\0', c};
    return out;
  };
  struct Case {
    std::string name, text, encoding, iconv;
  };
  const Case cases[] = {
      {"UTF-16 LE with BOM", "\xFF\xFE" + utf16(true), "UTF-16 (LE, with a byte-order mark)",
       "iconv -f UTF-16 -t UTF-8"},
      {"UTF-16 BE with BOM", "\xFE\xFF" + utf16(false), "UTF-16 (BE, with a byte-order mark)",
       "iconv -f UTF-16 -t UTF-8"},
      {"UTF-32 LE with BOM", std::string("\xFF\xFE\0\0", 4) + utf32(true), "UTF-32 (LE, with a byte-order mark)",
       "iconv -f UTF-32 -t UTF-8"},
      {"UTF-32 BE with BOM", std::string("\0\0\xFE\xFF", 4) + utf32(false), "UTF-32 (BE, with a byte-order mark)",
       "iconv -f UTF-32 -t UTF-8"},
      {"UTF-16 LE", utf16(true), "UTF-16 (LE)", "iconv -f UTF-16LE -t UTF-8"},
      {"UTF-16 BE", utf16(false), "UTF-16 (BE)", "iconv -f UTF-16BE -t UTF-8"},
      {"UTF-32 LE", utf32(true), "UTF-32 (LE)", "iconv -f UTF-32LE -t UTF-8"},
  };
  for (const Case& c : cases) {
    auto r = ReadSbom(c.text, "sbom.json");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported) << c.name;
    EXPECT_EQ(r.error().message(), "sbom.json: the SBOM is " + c.encoding +
                                       "; vigil reads UTF-8 JSON: convert it with " + c.iconv +
                                       " 'sbom.json' > sbom.utf8.json")
        << c.name;
  }
  auto bom8 = ReadSbom("\xEF\xBB\xBF" + json, "sbom.json");
  ASSERT_TRUE(bom8.ok()) << bom8.error().ToString();
  EXPECT_EQ(bom8->packages.size(), 1u);
}

// The component count and the nesting are found by a pass that builds nothing, before the
// document's tree: a document over the count is refused even where it is malformed further on.
TEST(ReadSbom, ComponentCountIsCheckedBeforeParsing) {
  std::string comps = "[";
  for (int i = 0; i < 5; ++i)
    comps += std::string(i ? "," : "") + R"({"name":"a","purl":"pkg:npm/a@)" + std::to_string(i) + "\"}";
  ReadLimits limits;
  limits.max_components = 4;
  std::string cdx = R"({"bomFormat":"CycloneDX","specVersion":"1.6","components":)" + comps;
  auto r = ReadSbom(cdx + "], this is not JSON", "big.json", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(r.error().message(),
            "big.json: the SBOM lists more than 4 components (the limit); refused before it is parsed");
  // Within the count, the malformed tail is what is reported.
  limits.max_components = 5;
  r = ReadSbom(cdx + "], this is not JSON", "big.json", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  // SPDX packages and vigil JSON packages count the same way; arrays named otherwise do not.
  limits.max_components = 4;
  for (const std::string& doc : {R"({"spdxVersion":"SPDX-2.3","packages":)" + comps + "]}",
                                 R"({"schema":"vigil-inventory/1","packages":)" + comps + "]}"}) {
    r = ReadSbom(doc, "big.json", limits);
    ASSERT_FALSE(r.ok()) << doc;
    EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  }
  r = ReadSbom(R"({"bomFormat":"CycloneDX","specVersion":"1.6","dependencies":)" + comps + "]}", "ok.json", limits);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  // Deep JSON inside an object is refused by the same pass.
  r = ReadSbom("{\"x\":" + std::string(100000, '['), "deep.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(r.error().message().find("nested deeper than 160 levels"), std::string::npos) << r.error().message();
}

TEST(ReadSbomFile, SizeIsCheckedBeforeReading) {
  std::string path = ::testing::TempDir() + "sbom-size-" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path, std::ios::binary);
    out << Cdx(R"([{"name":"a","purl":"pkg:npm/a@1"}])");
  }
  ReadLimits limits;
  auto ok = ReadSbomFile(path, limits);
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->image.source, path);
  limits.max_bytes = 10;
  auto r = ReadSbomFile(path, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(r.error().message(), path + ": the SBOM is " + std::to_string(fs::file_size(path)) +
                                     " bytes, over the limit of 10 bytes; refused before it is read");
  fs::remove(path);
  auto missing = ReadSbomFile(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace vigil::sbom
