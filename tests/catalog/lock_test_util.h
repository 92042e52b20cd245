// Helpers for the lock-file cataloger tests: fixtures and their *.expected.tsv listings.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "../test_util.h"
#include "catalog/package.h"
#include "common/file.h"
#include "common/strings.h"

namespace vigil::catalog::testing {

// The bytes of tests/catalog/testdata/<rel>.
inline std::string Fixture(const std::string& rel) {
  auto r = ReadFile(vigil::testing::TestData("catalog", rel));
  EXPECT_TRUE(r.ok()) << rel;
  return r.ok() ? *r : "";
}

// "<name>\t<version>" lines of tests/catalog/testdata/<rel>.expected.tsv, written by
// testdata/derive-expected.sh with tools other than vigil ('#' lines are comments).
inline std::multiset<std::string> Expected(const std::string& rel) {
  std::multiset<std::string> out;
  std::string text = Fixture(rel + ".expected.tsv");
  ForEachLine(text, [&](std::string_view line) {
    if (!line.empty() && line.front() != '#') out.emplace(line);
  });
  EXPECT_FALSE(out.empty()) << rel;
  return out;
}

// "<namespace>/<name>\t<version>" (or "<name>\t<version>") for every package, duplicates kept
// so that a test sees a package reported twice.
inline std::multiset<std::string> Pairs(const std::vector<Package>& pkgs) {
  std::multiset<std::string> out;
  for (const Package& p : pkgs) {
    out.insert((p.name_space.empty() ? "" : p.name_space + "/") + p.name + "\t" + p.version);
  }
  return out;
}

// Every package has `type`, a name and a version, and (for lock files) the "lockfile" property.
inline void ExpectWellFormed(const std::vector<Package>& pkgs, const std::string& type, bool lockfile) {
  for (const Package& p : pkgs) {
    EXPECT_EQ(p.type, type) << p.name;
    EXPECT_FALSE(p.name.empty());
    EXPECT_FALSE(p.version.empty()) << p.name;
    EXPECT_TRUE(p.location.empty()) << p.name;
    EXPECT_EQ(p.properties.count("lockfile"), lockfile ? 1u : 0u) << p.name;
  }
}

// A Package with the given name (and version, when not empty), or nullptr.
inline const Package* Find(const std::vector<Package>& pkgs, const std::string& name, const std::string& version = "") {
  for (const Package& p : pkgs) {
    if (p.name == name && (version.empty() || p.version == version)) return &p;
  }
  return nullptr;
}

// Inputs every parser must survive: an error Status or some packages, never a crash or hang.
inline std::vector<std::string> HostileInputs() {
  std::vector<std::string> v = {
      "",
      " ",
      "\n\n\n",
      std::string("\0\0\0\0", 4),
      "\xff\xfe\xfd\x00\x01garbage\x80\x81",
      "{",
      "[",
      "}",
      "{\"a\":",
      "null",
      "42",
      "\"str\"",
      "[1,2,3]",
      "- a\n- b\n",
      "a: [1, 2\n",
      "key: 'unterminated\n",
      "[[package]]\nname = 1\nversion = [2]\n",
      "[[package]\n",
      "name = \"x\"\nname = \"y\"\n",
      "\t\t\tindented: before: everything\n",
      "a:\n  b:\n    c: &x [*x]\n",
      "*undefined_alias\n",
  };
  v.push_back(std::string(100000, '['));
  v.push_back(std::string(100000, '{'));
  std::string deep_json;
  for (int i = 0; i < 5000; ++i) deep_json += "{\"dependencies\":{\"a\":";
  v.push_back(deep_json);
  std::string deep_yaml;
  for (int i = 0; i < 3000; ++i) deep_yaml += std::string(i % 200, ' ') + "k:\n";
  v.push_back(deep_yaml);
  std::string dashes;
  for (int i = 0; i < 5000; ++i) dashes += "- ";
  v.push_back(dashes + "x\n");
  std::string flow;
  for (int i = 0; i < 5000; ++i) flow += "{a: ";
  v.push_back("packages: " + flow);
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes.push_back(static_cast<char>((i * 7919 + 13) & 0xff));
  v.push_back(bytes);
  return v;
}

}  // namespace vigil::catalog::testing
