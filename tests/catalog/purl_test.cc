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
  auto pkg = [](std::string type, std::string ns, std::string name, std::string version,
                std::string arch = "", std::string epoch = "", std::string src = "") {
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

}  // namespace
}  // namespace vigil::catalog
