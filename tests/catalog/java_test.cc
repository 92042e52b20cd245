#include "catalog/catalogers/java.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "../test_util.h"

namespace vigil::catalog {
namespace {

struct ZipEntry {
  std::string name;
  std::string data;
};

// Writes a zip in memory with libarchive, deflated or stored (Spring Boot stores nested jars).
std::string MakeZip(const std::vector<ZipEntry>& entries, bool store = false) {
  size_t total = 4096;
  for (const auto& e : entries) total += e.data.size() + e.name.size() * 2 + 256;
  std::string buf(total, '\0');
  size_t used = 0;
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  if (store) {
    archive_write_zip_set_compression_store(a);
  } else {
    archive_write_zip_set_compression_deflate(a);
  }
  EXPECT_EQ(archive_write_open_memory(a, buf.data(), buf.size(), &used), ARCHIVE_OK);
  for (const auto& e : entries) {
    struct archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.name.c_str());
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_size(ae, static_cast<la_int64_t>(e.data.size()));
    EXPECT_EQ(archive_write_header(a, ae), ARCHIVE_OK) << archive_error_string(a);
    if (!e.data.empty()) {
      EXPECT_EQ(archive_write_data(a, e.data.data(), e.data.size()), static_cast<la_ssize_t>(e.data.size()));
    }
    archive_entry_free(ae);
  }
  EXPECT_EQ(archive_write_close(a), ARCHIVE_OK) << archive_error_string(a);
  archive_write_free(a);
  buf.resize(used);
  return buf;
}

std::string ReadFixture(const std::string& rel) {
  std::ifstream in(vigil::testing::TestData("catalog", "java/" + rel), std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Manifest(const std::string& fixture) { return ReadFixture(fixture); }

const Package* Find(const std::vector<Package>& pkgs, const std::string& name) {
  for (const auto& p : pkgs) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string Prop(const Package& p, const std::string& key) {
  auto it = p.properties.find(key);
  return it == p.properties.end() ? "" : it->second;
}

std::string Coord(const Package& p) { return p.name_space + ":" + p.name + ":" + p.version; }

std::vector<Package> Parse(const std::string& location, const std::string& bytes, Status* status = nullptr,
                           const JavaLimits& limits = {}) {
  std::vector<Package> pkgs;
  Status st = ParseJavaArchive(location, bytes, pkgs, limits);
  if (status != nullptr) {
    *status = st;
  } else {
    EXPECT_TRUE(st.ok()) << location << ": " << st.error().ToString();
  }
  return pkgs;
}

// Jars built from the metadata of real jars (tests/catalog/testdata/java, from Syft's testdata).
std::string OpensamlJar() {
  const std::string dir = "syft/jar-metadata/opensaml-core-3.4.6/";
  return MakeZip({{"META-INF/MANIFEST.MF", Manifest(dir + "META-INF/MANIFEST.MF")},
                  {"META-INF/maven/org.opensaml/opensaml-core/pom.properties",
                   ReadFixture(dir + "META-INF/maven/org.opensaml/opensaml-core/pom.properties")},
                  {"org/opensaml/core/Version.class", std::string(300, '\xca')}});
}

std::string JacksonJar() {
  return MakeZip({{"META-INF/MANIFEST.MF", Manifest("syft/jar-metadata/jackson-core-2.15.2/META-INF/MANIFEST.MF")},
                  {"com/fasterxml/jackson/core/JsonParser.class", std::string(500, 'j')}});
}

TEST(JavaArchive, PomProperties) {
  auto pkgs = Parse("opt/app/lib/opensaml-core-3.4.6.jar", OpensamlJar());
  ASSERT_EQ(pkgs.size(), 1u);
  const Package& p = pkgs[0];
  EXPECT_EQ(p.type, "maven");
  EXPECT_EQ(Coord(p), "org.opensaml:opensaml-core:3.4.6");
  EXPECT_EQ(p.location, "opt/app/lib/opensaml-core-3.4.6.jar");
  EXPECT_EQ(Prop(p, "java:archive"), "opt/app/lib/opensaml-core-3.4.6.jar");
  EXPECT_EQ(Prop(p, "java:pom-properties"), "META-INF/maven/org.opensaml/opensaml-core/pom.properties");
}

TEST(JavaArchive, EveryPomPropertiesIsAPackage) {
  // api-all bundles api-asn1-api (and shaded jars bundle other projects the same way): each
  // pom.properties is its own package.
  const std::string dir = "syft/jar-metadata/api-all-2.0.0-sources/META-INF/";
  std::string jar = MakeZip({{"META-INF/MANIFEST.MF", Manifest(dir + "MANIFEST.MF")},
                             {"META-INF/maven/org.apache.directory.api/api-all/pom.properties",
                              ReadFixture(dir + "maven/org.apache.directory.api/api-all/pom.properties")},
                             {"META-INF/maven/org.apache.directory.api/api-asn1-api/pom.properties",
                              ReadFixture(dir + "maven/org.apache.directory.api/api-asn1-api/pom.properties")}});
  auto pkgs = Parse("api-all-2.0.0-sources.jar", jar);
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(Coord(*Find(pkgs, "api-all")), "org.apache.directory.api:api-all:2.0.0");
  EXPECT_EQ(Coord(*Find(pkgs, "api-asn1-api")), "org.apache.directory.api:api-asn1-api:2.0.0");

  // A shaded uber-jar: its own coordinates and the shaded library's.
  jar = MakeZip({{"META-INF/maven/com.acme/tool/pom.properties", "groupId=com.acme\nartifactId=tool\nversion=1.0\n"},
                 {"META-INF/maven/com.google.guava/guava/pom.properties",
                  "#Generated by Maven\nversion=31.1-jre\ngroupId=com.google.guava\nartifactId=guava\n"}});
  pkgs = Parse("tool-1.0-all.jar", jar);
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(Coord(*Find(pkgs, "tool")), "com.acme:tool:1.0");
  EXPECT_EQ(Coord(*Find(pkgs, "guava")), "com.google.guava:guava:31.1-jre");
}

TEST(JavaArchive, PomPropertiesVariants) {
  auto props = ParseJavaProperties(ReadFixture("syft/pom/colon-delimited.pom.properties"));
  EXPECT_EQ(props["groupId"], "org.anchore");
  EXPECT_EQ(props["artifactId"], "example-java-app-maven");
  EXPECT_EQ(props["version"], "0.1.0");
  props = ParseJavaProperties(ReadFixture("syft/pom/equals-delimited-with-colons.pom.properties"));
  EXPECT_EQ(props["artifactId"], "example-java:app-maven");
  EXPECT_EQ(props["version"], "0.1.0:something");
  props = ParseJavaProperties(ReadFixture("syft/pom/extra.pom.properties"));
  EXPECT_EQ(props["version"], "0.1.0");
  EXPECT_EQ(props["name"], "something-here");
  props = ParseJavaProperties("! comment\n  key\\ one = a\\\n    b \\u0041\\tc\nother value\nempty=\n");
  EXPECT_EQ(props["key one"], "ab A\tc");
  EXPECT_EQ(props["other"], "value");
  EXPECT_EQ(props["empty"], "");
  // Coordinates missing from the file come from its path.
  std::string jar = MakeZip({{"META-INF/maven/org.x/y/pom.properties", "version=2.0\n"}});
  auto pkgs = Parse("y.jar", jar);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(Coord(pkgs[0]), "org.x:y:2.0");
}

TEST(JavaManifest, Parse) {
  JarManifest mf;
  ASSERT_TRUE(ParseJarManifest(Manifest("scalibr/manifest-symbolicname/MANIFEST.MF"), mf).ok());
  EXPECT_EQ(mf.Get("bundle-symbolicname"), "com.google.guava.failureaccess");
  // 72-byte lines continued with one leading space are joined byte for byte (the tool that
  // wrote this manifest dropped the spaces at two breaks: "willnever" is what the JVM reads).
  EXPECT_EQ(mf.Get("Bundle-Description"),
            "Contains    com.google.common.util.concurrent.internal.InternalFutureFailureAccess and    "
            "InternalFutures. Most users willnever need to use this artifact. Its    classes is conceptually a "
            "partof Guava, but they're in this separate    artifact so that Android libraries can use them "
            "without pulling in all of    Guava (just as they can use ListenableFuture by depending on the    "
            "listenablefuture artifact).");
  EXPECT_EQ(mf.Get("Export-Package"), "com.google.common.util.concurrent.internal;version=\"1.0.1\"");
  // CRLF line ends and per-entry sections (opensaml keeps its title in "Name: org/opensaml/core/").
  JarManifest saml;
  ASSERT_TRUE(ParseJarManifest(Manifest("syft/jar-metadata/opensaml-core-3.4.6/META-INF/MANIFEST.MF"), saml).ok());
  EXPECT_EQ(saml.main.count("implementation-title"), 0u);
  ASSERT_EQ(saml.sections.size(), 1u);
  EXPECT_EQ(saml.Get("Implementation-Title"), "opensaml-core");
  EXPECT_EQ(saml.Get("Automatic-Module-Name"), "org.opensaml.core");
}

TEST(JavaArchive, ManifestFallback) {
  struct Case {
    const char* fixture;
    const char* location;
    const char* want;  // group:artifact:version
  };
  const Case cases[] = {
      // Implementation-Vendor-Id is the group; the file name the artifact.
      {"syft/jar-metadata/jackson-core-2.15.2/META-INF/MANIFEST.MF", "jackson-core-2.15.2.jar",
       "com.fasterxml.jackson.core:jackson-core:2.15.2"},
      // Without a version in the file name: Bundle-SymbolicName less the group.
      {"syft/jar-metadata/jackson-core-2.15.2/META-INF/MANIFEST.MF", "jackson.jar",
       "com.fasterxml.jackson.core:jackson-core:2.15.2"},
      // Jenkins plugin: Group-Id, Short-Name, Plugin-Version.
      {"syft/jar-metadata/jenkins-plugins/gradle/2.11/META-INF/MANIFEST.MF", "var/jenkins_home/plugins/gradle.hpi",
       "org.jenkins-ci.plugins:gradle:2.11"},
      // Bundle-SymbolicName confirms a bare file name and gives the group.
      {"scalibr/manifest-symbolicname/MANIFEST.MF", "failureaccess.jar", "com.google.guava:failureaccess:1.0.1"},
      {"scalibr/manifest-symbolicname/MANIFEST.MF", "failureaccess-1.0.1.jar", "com.google.guava:failureaccess:1.0.1"},
      // A bundle name that does not match the file: the file name, not the OSGi name.
      {"scalibr/manifest-symbolicname/MANIFEST.MF", "guava-internal.jar", ":guava-internal:1.0.1"},
      // Implementation-Version wins over Bundle-Version ("2.4.0.final_2014…").
      {"scalibr/combine-manifest-filename/MANIFEST.MF", "ivy-2.4.0.jar", "org.apache:ivy:2.4.0"},
      {"scalibr/combine-manifest-filename/MANIFEST.MF", "ivy.jar", "org.apache:ivy:2.4.0"},
      // A prose Implementation-Title is no artifactId; the version's first word only, from a
      // per-entry section.
      {"scalibr/axis/MANIFEST.MF", "axis.jar", ":axis:1.4"},
      {"scalibr/manifest-implementation-title/MANIFEST.MF", "server-8.14.3.jar", ":server:8.14.3"},
      {"scalibr/known-group-id/MANIFEST.MF", "lib/spring-web-5.3.26.jar", ":spring-web:5.3.26"},
      {"scalibr/known-group-id/MANIFEST.MF", "web.jar", ":spring-web:5.3.26"},
      {"syft/jar-metadata/spring-instrumentation-4.3.0-1.0/META-INF/MANIFEST.MF", "spring-4.3.0.jar", ":spring:1.0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.fixture) + " as " + c.location);
    auto pkgs = Parse(c.location, MakeZip({{"META-INF/MANIFEST.MF", Manifest(c.fixture)}}));
    ASSERT_EQ(pkgs.size(), 1u);
    EXPECT_EQ(Coord(pkgs[0]), c.want);
    EXPECT_EQ(pkgs[0].location, c.location);
    EXPECT_EQ(pkgs[0].properties.count("java:pom-properties"), 0u);
  }
  // No metadata at all: the file name.
  auto pkgs = Parse("usr/share/java/commons-lang3-3.12.0.jar", MakeZip({{"a/B.class", "x"}}));
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(Coord(pkgs[0]), ":commons-lang3:3.12.0");
  pkgs = Parse("app.jar", MakeZip({{"a/B.class", "x"}}));
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(Coord(pkgs[0]), ":app:");
}

// Where a version without pom.properties comes from, and a warning when nothing gives one.
TEST(JavaArchive, VersionFromManifestOrFileNameOrAWarning) {
  struct Case {
    std::string fixture;  // a MANIFEST.MF fixture, "" for a jar without one
    std::string location;
    std::string version;
    std::string source;
  };
  const Case cases[] = {
      {"scalibr/combine-manifest-filename/MANIFEST.MF", "ivy.jar", "2.4.0",
       "META-INF/MANIFEST.MF Implementation-Version"},
      {"scalibr/manifest-symbolicname/MANIFEST.MF", "failureaccess.jar", "1.0.1",
       "META-INF/MANIFEST.MF Bundle-Version"},
      {"syft/jar-metadata/jenkins-plugins/gradle/2.11/META-INF/MANIFEST.MF", "gradle.hpi", "2.11",
       "META-INF/MANIFEST.MF Plugin-Version"},
      // Syft's api-all sources jar: a manifest with nothing but Manifest-Version.
      {"syft/jar-metadata/api-all-2.0.0-sources/META-INF/MANIFEST.MF", "api-all-2.0.0.jar", "2.0.0", "file name"},
      {"", "lib/commons-io-2.11.0.jar", "2.11.0", "file name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.location);
    std::vector<ZipEntry> entries{{"a/B.class", "x"}};
    if (!c.fixture.empty()) entries.push_back({"META-INF/MANIFEST.MF", Manifest(c.fixture)});
    std::vector<Package> pkgs;
    std::vector<std::string> warnings;
    ASSERT_TRUE(ParseJavaArchive(c.location, MakeZip(entries), pkgs, {}, &warnings).ok());
    ASSERT_EQ(pkgs.size(), 1u);
    EXPECT_EQ(pkgs[0].version, c.version);
    EXPECT_EQ(Prop(pkgs[0], "java:version-source"), c.source);
    EXPECT_TRUE(warnings.empty());
  }
  // Nothing gives a version: listed without one, and a warning says why.
  for (bool with_manifest : {true, false}) {
    std::vector<ZipEntry> entries{{"a/B.class", "x"}};
    if (with_manifest) {
      entries.push_back(
          {"META-INF/MANIFEST.MF", Manifest("syft/jar-metadata/api-all-2.0.0-sources/META-INF/MANIFEST.MF")});
    }
    std::vector<Package> pkgs;
    std::vector<std::string> warnings;
    ASSERT_TRUE(ParseJavaArchive("opt/app/api-all.jar", MakeZip(entries), pkgs, {}, &warnings).ok());
    ASSERT_EQ(pkgs.size(), 1u);
    EXPECT_EQ(Coord(pkgs[0]), ":api-all:");
    EXPECT_EQ(pkgs[0].properties.count("java:version-source"), 0u);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_TRUE(warnings[0].starts_with("opt/app/api-all.jar: no version found: no pom.properties, ")) << warnings[0];
    EXPECT_NE(warnings[0].find(with_manifest ? "no Implementation-Version, Bundle-Version" : "no META-INF/MANIFEST.MF"),
              std::string::npos)
        << warnings[0];
    EXPECT_NE(warnings[0].find("listed as api-all without a version"), std::string::npos) << warnings[0];
  }
  // A version that does not start with a digit ("${project.version}") is none.
  std::vector<Package> pkgs;
  std::vector<std::string> warnings;
  ASSERT_TRUE(ParseJavaArchive("x.jar",
                               MakeZip({{"META-INF/MANIFEST.MF",
                                         "Manifest-Version: 1.0\r\nImplementation-Version: ${project.version}\r\n"}}),
                               pkgs, {}, &warnings)
                  .ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].version, "");
  EXPECT_EQ(warnings.size(), 1u);
  // The cataloger passes the warning on.
  FileResult r;
  ASSERT_TRUE(NewJavaCataloger()->Parse(FileRef{"app.jar", 0644, 10}, MakeZip({{"a/B.class", "x"}}), r).ok());
  EXPECT_EQ(r.warnings.size(), 1u);
}

TEST(JavaArchive, FileNames) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(SplitJavaArchiveName("commons-lang3-3.12.0.jar"), P("commons-lang3", "3.12.0"));
  EXPECT_EQ(SplitJavaArchiveName("lib/log4j-1.2-api-2.17.1.jar"), P("log4j-1.2-api", "2.17.1"));
  EXPECT_EQ(SplitJavaArchiveName("guava-31.1-jre.jar"), P("guava", "31.1-jre"));
  EXPECT_EQ(SplitJavaArchiveName("bcprov-jdk15on-1.70.jar"), P("bcprov-jdk15on", "1.70"));
  EXPECT_EQ(SplitJavaArchiveName("App.WAR"), P("App", ""));
  EXPECT_EQ(SplitJavaArchiveName("-1.0.jar"), P("-1.0", ""));
  EXPECT_TRUE(IsJavaArchiveName("a/b/x.jar"));
  EXPECT_TRUE(IsJavaArchiveName("x.EAR"));
  EXPECT_TRUE(IsJavaArchiveName("plugins/git.jpi"));
  EXPECT_TRUE(IsJavaArchiveName("plugins/git.hpi"));
  EXPECT_TRUE(IsJavaArchiveName("ROOT.war"));
  EXPECT_FALSE(IsJavaArchiveName("a/.jar"));
  EXPECT_FALSE(IsJavaArchiveName("a/x.jar.sha1"));
  EXPECT_FALSE(IsJavaArchiveName("a/x.zip"));
}

TEST(JavaArchive, SpringBootNestedJars) {
  std::string boot = MakeZip(
      {{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: org.springframework.boot.loader.JarLauncher\n"},
       {"META-INF/maven/com.acme/shop/pom.properties", "groupId=com.acme\nartifactId=shop\nversion=1.4.2\n"},
       {"BOOT-INF/classes/com/acme/Shop.class", "class"},
       {"BOOT-INF/lib/opensaml-core-3.4.6.jar", OpensamlJar()},
       {"BOOT-INF/lib/jackson-core-2.15.2.jar", JacksonJar()}},
      /*store=*/true);
  auto pkgs = Parse("app/shop.jar", boot);
  ASSERT_EQ(pkgs.size(), 3u);
  const Package* shop = Find(pkgs, "shop");
  ASSERT_NE(shop, nullptr);
  EXPECT_EQ(shop->location, "app/shop.jar");
  const Package* saml = Find(pkgs, "opensaml-core");
  ASSERT_NE(saml, nullptr);
  EXPECT_EQ(Coord(*saml), "org.opensaml:opensaml-core:3.4.6");
  EXPECT_EQ(saml->location, "app/shop.jar!/BOOT-INF/lib/opensaml-core-3.4.6.jar");
  EXPECT_EQ(Prop(*saml, "java:archive"), saml->location);
  const Package* jackson = Find(pkgs, "jackson-core");
  ASSERT_NE(jackson, nullptr);
  EXPECT_EQ(Coord(*jackson), "com.fasterxml.jackson.core:jackson-core:2.15.2");
  EXPECT_EQ(jackson->location, "app/shop.jar!/BOOT-INF/lib/jackson-core-2.15.2.jar");
}

TEST(JavaArchive, ExecutableJarWithLauncherScript) {
  // Spring Boot "fully executable" jars start with a shell script; zip offsets ignore it.
  std::string jar = "#!/bin/bash\nexec java -jar \"$0\" \"$@\"\n" + OpensamlJar();
  auto pkgs = Parse("opt/app.jar", jar);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(Coord(pkgs[0]), "org.opensaml:opensaml-core:3.4.6");
}

TEST(JavaArchive, EarWarJar) {
  std::string war =
      MakeZip({{"WEB-INF/web.xml", "<web-app/>"},
               {"META-INF/maven/com.acme/web/pom.properties", "groupId=com.acme\nartifactId=web\nversion=2\n"},
               {"WEB-INF/lib/jackson-core-2.15.2.jar", JacksonJar()}});
  std::string ear = MakeZip({{"META-INF/application.xml", "<application/>"}, {"web.war", war}});
  auto pkgs = Parse("srv/app.ear", ear);
  ASSERT_EQ(pkgs.size(), 3u);  // the ear itself (from its file name), the war, the jar
  EXPECT_EQ(Find(pkgs, "app")->location, "srv/app.ear");
  EXPECT_EQ(Find(pkgs, "web")->location, "srv/app.ear!/web.war");
  EXPECT_EQ(Find(pkgs, "jackson-core")->location, "srv/app.ear!/web.war!/WEB-INF/lib/jackson-core-2.15.2.jar");
}

// Debian's libcommons-lang3-java (setup.sh --test installs it) is a real Maven-built jar.
TEST(JavaArchive, DebianCommonsLang3) {
  std::ifstream in("/usr/share/java/commons-lang3.jar", std::ios::binary);
  if (!in) GTEST_SKIP() << "/usr/share/java/commons-lang3.jar is not installed (apt-get install libcommons-lang3-java)";
  std::ostringstream ss;
  ss << in.rdbuf();
  auto pkgs = Parse("usr/share/java/commons-lang3.jar", ss.str());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name_space, "org.apache.commons");
  EXPECT_EQ(pkgs[0].name, "commons-lang3");
  EXPECT_TRUE(pkgs[0].version.starts_with("3.")) << pkgs[0].version;
  EXPECT_EQ(Prop(pkgs[0], "java:pom-properties"), "META-INF/maven/org.apache.commons/commons-lang3/pom.properties");
  // No Bundle-License in Debian's build: the license comes from the jar's META-INF/LICENSE.txt.
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"Apache-2.0"});
  EXPECT_EQ(Prop(pkgs[0], "license:file"), "usr/share/java/commons-lang3.jar!/META-INF/LICENSE.txt");
}

TEST(JavaArchive, LicenseFromBundleLicenseOrTheLicenseFile) {
  // OSGi Bundle-License: names or URLs, with attributes; the manifest wins over the license file.
  std::string mf =
      "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.tool\r\nBundle-Version: 1.2.0\r\n"
      "Bundle-License: \"Apache-2.0\";link=\"https://www.apache.org/licenses/LICENSE-2.0.txt\", EPL-2.0\r\n\r\n";
  auto pkgs = Parse("opt/tool-1.2.0.jar", MakeZip({{"META-INF/MANIFEST.MF", mf},
                                                   {"META-INF/LICENSE",
                                                    "Permission is hereby granted, free of "
                                                    "charge, to any person obtaining a copy"}}));
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].licenses, (std::vector<std::string>{"Apache-2.0", "EPL-2.0"}));
  EXPECT_EQ(Prop(pkgs[0], "license:file"), "opt/tool-1.2.0.jar!/META-INF/MANIFEST.MF Bundle-License");
  // No Bundle-License: the license file's text, classified.
  auto mit = Parse("opt/other-2.0.jar", MakeZip({{"META-INF/LICENSE.md",
                                                  "MIT License\n\nPermission is hereby granted, free of charge, to "
                                                  "any person obtaining a copy of this software"}}));
  ASSERT_EQ(mit.size(), 1u);
  EXPECT_EQ(mit[0].licenses, std::vector<std::string>{"MIT"});
  // "<<EXTERNAL>>" says nothing; an unreadable text gives no license, never a wrong one.
  std::string ext = "Manifest-Version: 1.0\r\nBundle-License: <<EXTERNAL>>\r\n\r\n";
  auto none = Parse("opt/x-1.0.jar", MakeZip({{"META-INF/MANIFEST.MF", ext}, {"META-INF/LICENSE", "\x01\x02"}}));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].licenses.empty());
}

// Patches the uncompressed size of every zip header (local and central) naming `entry`.
void PatchDeclaredSize(std::string& zip, const std::string& entry, uint32_t size) {
  auto put32 = [&](size_t off, uint32_t v) {
    for (int i = 0; i < 4; ++i) zip[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  for (size_t at = zip.find("PK\x03\x04"); at != std::string::npos; at = zip.find("PK\x03\x04", at + 4)) {
    if (zip.compare(at + 30, entry.size(), entry) == 0) put32(at + 22, size);
  }
  for (size_t at = zip.find("PK\x01\x02"); at != std::string::npos; at = zip.find("PK\x01\x02", at + 4)) {
    if (zip.compare(at + 46, entry.size(), entry) == 0) put32(at + 24, size);
  }
}

TEST(JavaArchive, ZipBombs) {
  // Nested six levels deep: levels 0-4 are read, the fifth nested archive is refused.
  std::string jar = MakeZip({{"META-INF/maven/g/l6/pom.properties", "version=6\n"}});
  for (int level = 5; level >= 0; --level) {
    std::string name = "l" + std::to_string(level + 1) + ".jar";
    jar = MakeZip(
        {{"META-INF/maven/g/l" + std::to_string(level) + "/pom.properties", "version=" + std::to_string(level) + "\n"},
         {"lib/" + name, jar}});
  }
  Status st;
  auto pkgs = Parse("l0.jar", jar, &st);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(st.error().message().find("nested"), std::string::npos) << st.error().message();
  EXPECT_EQ(pkgs.size(), 5u);
  EXPECT_NE(Find(pkgs, "l4"), nullptr);
  EXPECT_EQ(Find(pkgs, "l5"), nullptr);
  EXPECT_EQ(Find(pkgs, "l4")->location, "l0.jar!/lib/l1.jar!/lib/l2.jar!/lib/l3.jar!/lib/l4.jar");

  // A nested archive that declares 2 GiB: refused without inflating anything; its siblings and
  // the outer jar's own metadata are still reported.
  std::string outer = MakeZip({{"META-INF/maven/g/outer/pom.properties", "version=1\n"},
                               {"BOOT-INF/lib/huge.jar", JacksonJar()},
                               {"BOOT-INF/lib/opensaml-core-3.4.6.jar", OpensamlJar()}});
  PatchDeclaredSize(outer, "BOOT-INF/lib/huge.jar", 0x7fffffff);
  pkgs = Parse("outer.jar", outer, &st);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kLimitExceeded) << st.error().ToString();
  EXPECT_NE(Find(pkgs, "outer"), nullptr);
  EXPECT_NE(Find(pkgs, "opensaml-core"), nullptr);
  EXPECT_EQ(Find(pkgs, "jackson-core"), nullptr);

  // Inflation past the budget, with an honest and with a lying declared size: stops at the cap.
  JavaLimits small;
  small.max_inflated_bytes = 1u << 20;
  std::string filler(8u << 20, '\0');
  std::string bomb_inner = MakeZip({{"META-INF/maven/g/inner/pom.properties", "version=1\n"}, {"pad.bin", filler}},
                                   /*store=*/true);
  std::string bomb = MakeZip({{"META-INF/maven/g/bomb/pom.properties", "version=1\n"}, {"lib/inner.jar", bomb_inner}});
  EXPECT_LT(bomb.size(), 100u << 10);
  pkgs = Parse("bomb.jar", bomb, &st, small);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kLimitExceeded) << st.error().ToString();
  EXPECT_EQ(pkgs.size(), 1u);
  PatchDeclaredSize(bomb, "lib/inner.jar", 1000);
  pkgs = Parse("bomb.jar", bomb, &st, small);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(Find(pkgs, "inner"), nullptr);

  // A huge metadata file.
  std::string big_pom = "version=1\n" + std::string(2u << 20, '#');
  pkgs = Parse("x.jar", MakeZip({{"META-INF/maven/g/x/pom.properties", big_pom}}), &st);
  EXPECT_EQ(st.error().code(), ErrorCode::kLimitExceeded);

  // Too many entries.
  std::vector<ZipEntry> many;
  for (int i = 0; i < 300; ++i) many.push_back({"c/C" + std::to_string(i) + ".class", "x"});
  JavaLimits few;
  few.max_entries = 100;
  pkgs = Parse("many.jar", MakeZip(many), &st, few);
  EXPECT_EQ(st.error().code(), ErrorCode::kLimitExceeded);
}

TEST(JavaArchive, BadInput) {
  Status st;
  // Not a zip at all, and an empty file.
  auto pkgs = Parse("x.jar", "this is not a zip file, just text in a .jar", &st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(pkgs.empty());
  pkgs = Parse("x.jar", "", &st);
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(pkgs.empty());

  // A malformed manifest is reported; the file name still names the package.
  pkgs = Parse("lib-1.0.jar",
               MakeZip({{"META-INF/MANIFEST.MF",
                         "Manifest-Version: 1.0\n continued\nthis line has no colon\n"
                         "Implementation-Version: 1.0.7\n"}}),
               &st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(st.error().message().find("line 3"), std::string::npos) << st.error().message();
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(Coord(pkgs[0]), ":lib:1.0.7");
  JarManifest mf;
  EXPECT_FALSE(ParseJarManifest(" starts with a continuation\n", mf).ok());
  EXPECT_FALSE(ParseJarManifest(": no name\n", mf).ok());
  EXPECT_FALSE(ParseJarManifest("Bad Name: x\n", mf).ok());

  // A pom.properties without a version is reported and skipped.
  pkgs = Parse("y.jar", MakeZip({{"META-INF/maven/g/y/pom.properties", "groupId=g\nartifactId=y\n"}}), &st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);

  // A damaged central directory, a truncated archive, a garbage nested jar.
  std::string good = MakeZip({{"META-INF/maven/org.opensaml/opensaml-core/pom.properties",
                               "groupId=org.opensaml\nartifactId=opensaml-core\nversion=3.4.6\n"},
                              {"lib/inner.jar", OpensamlJar()}});
  std::string bad_cd = good;
  size_t cd = bad_cd.rfind("PK\x01\x02");
  ASSERT_NE(cd, std::string::npos);
  for (size_t i = cd; i < cd + 40; ++i) bad_cd[i] = '\x5a';
  pkgs = Parse("cd.jar", bad_cd, &st);
  EXPECT_FALSE(st.ok());
  std::string bad_eocd = good;
  size_t eocd = bad_eocd.rfind("PK\x05\x06");
  ASSERT_NE(eocd, std::string::npos);
  bad_eocd[eocd + 16] = '\x7f';  // central directory offset: far past the end
  bad_eocd[eocd + 19] = '\x7f';
  pkgs = Parse("eocd.jar", bad_eocd, &st);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(st.error().message().find("central directory"), std::string::npos) << st.error().message();
  // Not read through the local headers either: the JVM could not load this jar, and skipping
  // entries of unknown length there would mean inflating them.
  EXPECT_TRUE(pkgs.empty());
  pkgs = Parse("half.jar", good.substr(0, good.size() / 2), &st);
  EXPECT_FALSE(st.ok());
  pkgs = Parse("outer.jar", MakeZip({{"lib/garbage.jar", "not a zip"}}), &st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(st.error().message().find("outer.jar!/lib/garbage.jar"), std::string::npos) << st.error().message();

  // Every truncation and many byte corruptions of a jar with a nested jar: no crash, no hang.
  auto start = std::chrono::steady_clock::now();
  for (size_t n = 0; n < good.size(); n += 7) {
    std::vector<Package> out;
    (void)ParseJavaArchive("t.jar", std::string_view(good).substr(0, n), out);
  }
  for (size_t i = 0; i < good.size(); i += 3) {
    std::string b = good;
    b[i] = static_cast<char>(b[i] ^ 0xa5);
    std::vector<Package> out;
    (void)ParseJavaArchive("c.jar", b, out);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(JavaCataloger, Wants) {
  auto c = NewJavaCataloger();
  EXPECT_EQ(c->name(), "java");
  EXPECT_TRUE(c->Wants({"opt/app/app.jar", 0644, 100}));
  EXPECT_TRUE(c->Wants({"usr/local/tomcat/webapps/ROOT.war", 0644, 100}));
  EXPECT_FALSE(c->Wants({"opt/app/app.jar.sha1", 0644, 100}));
  EXPECT_EQ(c->MaxSize(), 512u << 20);
  FileResult out;
  std::string jar = OpensamlJar();
  ASSERT_TRUE(c->Parse({"opt/x.jar", 0644, jar.size()}, jar, out).ok());
  ASSERT_EQ(out.packages.size(), 1u);
  EXPECT_EQ(out.packages[0].location, "opt/x.jar");
}

}  // namespace
}  // namespace vigil::catalog
