#include "catalog/python.h"

#include <gtest/gtest.h>

#include "common/file.h"

namespace vigil::catalog {
namespace {

TEST(PythonMetadata, ParsesHeadersAndStopsAtBody) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePythonMetadata("Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\nLicense: MIT\n"
                                  "\nName: NotThis\n", pkgs).ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "PyYAML");
  EXPECT_EQ(pkgs[0].version, "6.0.1");
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"MIT"});
}

TEST(PythonMetadata, LicenseFromClassifierOrExpression) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePythonMetadata("Name: a\nVersion: 1\nLicense: UNKNOWN\n"
                                  "Classifier: License :: OSI Approved :: BSD License\n", pkgs).ok());
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"BSD License"});
  pkgs.clear();
  ASSERT_TRUE(ParsePythonMetadata("Name: a\nVersion: 1\nLicense-Expression: Apache-2.0 OR MIT\n", pkgs).ok());
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"Apache-2.0 OR MIT"});
}

TEST(PythonMetadata, RealFixtures) {
  const std::string dir = "/work/shared/data/pkgdb/python/trivy/";
  for (const char* f : {"networkx.METADATA", "zipp.METADATA", "setuptools.PKG-INFO"}) {
    auto text = ReadFile(dir + f);
    if (!text.ok()) continue;  // shared data is optional outside this workplace
    std::vector<Package> pkgs;
    EXPECT_TRUE(ParsePythonMetadata(*text, pkgs).ok()) << f;
  }
}

TEST(PythonMetadata, BadInput) {
  std::vector<Package> pkgs;
  EXPECT_FALSE(ParsePythonMetadata("", pkgs).ok());
  EXPECT_FALSE(ParsePythonMetadata("Name: a\n", pkgs).ok());
  EXPECT_FALSE(ParsePythonMetadata("\n\nName: a\nVersion: 1\n", pkgs).ok());
  EXPECT_TRUE(pkgs.empty());
}

}  // namespace
}  // namespace vigil::catalog
