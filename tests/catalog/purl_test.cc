#include "catalog/purl.h"

#include <gtest/gtest.h>

namespace vigil::catalog {
namespace {

TEST(Purl, Examples) {
  Distro debian{"debian", "12", "bookworm", "", "", ""};
  Distro alpine{"alpine", "3.19.1", "", "", "", ""};
  struct Case {
    Package p;
    Distro d;
    const char* want;
  };
  auto pkg = [](std::string type, std::string ns, std::string name, std::string version, std::string arch = "",
                std::string epoch = "", std::string src = "") {
    Package p;
    p.type = type;
    p.name_space = ns;
    p.name = name;
    p.version = version;
    p.arch = arch;
    p.epoch = epoch;
    p.source_name = src;
    return p;
  };
  const Case cases[] = {
      {pkg("deb", "", "libc6", "2.36-9+deb12u4", "amd64", "", "glibc"), debian,
       "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"},
      {pkg("deb", "", "attr", "1:2.5.1-4", "amd64", "", "attr"), debian,
       "pkg:deb/debian/attr@1:2.5.1-4?arch=amd64&distro=debian-12"},
      {pkg("apk", "", "musl", "1.2.4-r2", "x86_64"), alpine,
       "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1"},
      {pkg("npm", "@babel", "core", "7.1.0"), Distro{}, "pkg:npm/%40babel/core@7.1.0"},
      {pkg("pypi", "", "PyYAML", "6.0"), Distro{}, "pkg:pypi/pyyaml@6.0"},
      {pkg("pypi", "", "zope.interface", "6.0"), Distro{}, "pkg:pypi/zope-interface@6.0"},
      {pkg("maven", "org.apache.commons", "commons-lang3", "3.12.0"), Distro{},
       "pkg:maven/org.apache.commons/commons-lang3@3.12.0"},
      {pkg("golang", "github.com/evanw", "esbuild", "v0.19.2"), Distro{},
       "pkg:golang/github.com/evanw/esbuild@v0.19.2"},
      {pkg("rpm", "", "bash", "5.1.8-6.el9", "x86_64", "1"), Distro{"rhel", "9.3", "", "", "", ""},
       "pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&distro=rhel-9.3&epoch=1"},
  };
  for (const auto& c : cases) EXPECT_EQ(PackagePurl(c.p, c.d), c.want) << c.p.name;
}

TEST(Purl, EncodesReservedCharacters) {
  EXPECT_EQ(PurlEncode("a b/c?d#e@f"), "a%20b%2Fc%3Fd%23e%40f");
  EXPECT_EQ(PurlEncode("1:2.0", true), "1:2.0");
}

// Moved from tests/match/vex_test.cc with the helper (catalog/purl.h); cases unchanged.
TEST(Purl, MatchesTable) {
  struct Case {
    const char* pattern;
    const char* purl;
    bool want;
  };
  const Case cases[] = {
      {"pkg:npm/lodash", "pkg:npm/lodash@4.17.21", true},  // no version: any
      {"pkg:npm/lodash@4.17.21", "pkg:npm/lodash@4.17.21", true},
      {"pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.21", false},
      {"pkg:npm/lodash@4.17.21", "pkg:npm/lodash", false},               // version given, package has none
      {"pkg:npm/%40scope/pkg", "pkg:npm/@scope/pkg@1.0.0", true},        // percent-decoding
      {"pkg:npm/@Scope/Pkg@1.0.0", "pkg:npm/%40scope/pkg@1.0.0", true},  // npm lower-cased
      {"pkg:NPM/lodash", "pkg:npm/lodash@1", true},                      // type is case-insensitive
      {"PKG:npm/lodash", "pkg:npm/lodash@1", true},                      // so is the scheme
      {"pkg:pypi/Django_REST.framework", "pkg:pypi/django-rest-framework@3.0", true},  // PEP 503
      {"pkg:pypi/django", "pkg:pypi/django-rest-framework@3.0", false},
      {"pkg:deb/debian/curl?arch=amd64", "pkg:deb/debian/curl@7.88.1-10?arch=arm64&distro=debian-12", true},
      {"pkg:deb/debian/curl@7.88.1-10?arch=amd64", "pkg:deb/debian/curl@7.88.1-10", true},  // qualifiers ignored
      {"pkg:deb/ubuntu/curl", "pkg:deb/debian/curl@7.88.1-10", false},                      // namespace differs
      {"pkg:deb/debian/curl", "pkg:rpm/debian/curl@7.88.1-10", false},                      // type differs
      {"pkg:maven/org.acme/Core", "pkg:maven/org.acme/core@1", false},                      // maven is case-sensitive
      {"pkg:maven/org.acme/core", "pkg:maven/org.acme/core@1#sub/path", true},              // subpath ignored
      {"pkg:golang/github.com/Acme/lib", "pkg:golang/github.com/Acme/lib@v1.0.0", true},
      {"pkg:golang/github.com/acme/lib", "pkg:golang/github.com/Acme/lib@v1.0.0", false},  // go: case kept
      {"pkg:github/Acme/Tool", "pkg:github/acme/tool@v2", true},
      {"pkg:nuget/Newtonsoft.Json", "pkg:nuget/newtonsoft.json@13.0.1", true},
      {"pkg:oci/app@sha256%3Aabc", "pkg:oci/app@sha256:abc?repository_url=r.example/app", true},
      {"pkg:rpm/redhat/samba", "pkg:rpm/redhat/samba@4.18.6-1.el9?arch=x86_64&epoch=0", true},
      {"registry.example/app:1.0", "registry.example/app:1.0", false},  // not purls
      {"pkg:npm", "pkg:npm/x", false},
      {"pkg:/lodash", "pkg:npm/lodash", false},
      {"pkg:npm/", "pkg:npm/x", false},
      {"", "", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(PurlMatches(c.pattern, c.purl), c.want) << c.pattern << " vs " << c.purl;
  }
}

}  // namespace
}  // namespace vigil::catalog
