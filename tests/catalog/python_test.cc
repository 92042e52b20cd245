#include "catalog/catalogers/python.h"

#include <gtest/gtest.h>

#include "../test_util.h"
#include "common/file.h"

namespace vigil::catalog {
namespace {

TEST(PythonMetadata, ParsesHeadersAndStopsAtBody) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePythonMetadata("Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\nLicense: MIT\n"
                                  "\nName: NotThis\n",
                                  pkgs)
                  .ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "PyYAML");
  EXPECT_EQ(pkgs[0].version, "6.0.1");
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"MIT"});
}

TEST(PythonMetadata, LicenseFromClassifierOrExpression) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParsePythonMetadata("Name: a\nVersion: 1\nLicense: UNKNOWN\n"
                                  "Classifier: License :: OSI Approved :: BSD License\n",
                                  pkgs)
                  .ok());
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"BSD License"});
  pkgs.clear();
  ASSERT_TRUE(ParsePythonMetadata("Name: a\nVersion: 1\nLicense-Expression: Apache-2.0 OR MIT\n", pkgs).ok());
  EXPECT_EQ(pkgs[0].licenses, std::vector<std::string>{"Apache-2.0 OR MIT"});
}

TEST(PythonMetadata, RealFixtures) {
  // Expected Name/Version taken with grep from each file's headers.
  struct Case {
    const char* file;
    const char* name;
    const char* version;
  };
  const Case cases[] = {
      {"asyncssh-2.14.2.METADATA", "asyncssh", "2.14.2"},
      {"distlib-0.3.1-py3.9.egg-info", "distlib", "0.3.1"},
      {"distlib-0.3.1.METADATA", "distlib", "0.3.1"},
      {"iniconfig-2.0.0.METADATA", "iniconfig", "2.0.0"},
      {"networkx-3.0.METADATA", "networkx", "3.0"},
      {"pyphen-0.14.0.METADATA", "pyphen", "0.14.0"},
      {"setuptools-51.3.3-py3.8.egg-info.PKG-INFO", "setuptools", "51.3.3"},
      {"unidecode-egg-info.PKG-INFO", "Unidecode", "0.4.1"},
      {"zipp-3.12.1.METADATA", "zipp", "3.12.1"},
  };
  for (const auto& c : cases) {
    auto text = ReadFile(testing::TestData("catalog", std::string("python/trivy/") + c.file));
    ASSERT_TRUE(text.ok()) << c.file;
    std::vector<Package> pkgs;
    ASSERT_TRUE(ParsePythonMetadata(*text, pkgs).ok()) << c.file;
    ASSERT_EQ(pkgs.size(), 1u) << c.file;
    EXPECT_EQ(pkgs[0].name, c.name) << c.file;
    EXPECT_EQ(pkgs[0].version, c.version) << c.file;
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
