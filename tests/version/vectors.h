// Readers for the published version test vectors in tests/version/testdata (see the README
// there for their origin and format).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "common/strings.h"
#include "version/version.h"
#include "version_test_util.h"

namespace vigil::version::testing {

inline std::string ReadVectors(const std::string& name) {
  std::ifstream in(vigil::testing::TestData("version", name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test data " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One comparison from a vector file: a <op> b, op being "<", "=" or ">" (or an int -1/0/1).
struct Comparison {
  std::string a, b;
  int expected = 0;   // -1, 0, 1
  std::string where;  // "file:line"
};

inline const char* OpName(int c) { return c < 0 ? "<" : (c > 0 ? ">" : "="); }

// Tab-separated "a<TAB>b<TAB>expected" lines (expected -1/0/1); '#' lines are comments.
inline std::vector<Comparison> ReadTsv(const std::string& name) {
  std::vector<Comparison> out;
  size_t line_no = 0;
  ForEachLine(ReadVectors(name), [&](std::string_view line) {
    ++line_no;
    if (line.empty() || line[0] == '#') return;
    auto f = Split(line, '\t');
    if (f.size() < 3) {
      ADD_FAILURE() << name << ":" << line_no << ": malformed line";
      return;
    }
    out.push_back(
        {std::string(f[0]), std::string(f[1]), std::stoi(std::string(f[2])), name + ":" + std::to_string(line_no)});
  });
  return out;
}

// osv-scalibr "a <op> b" lines; blank lines and lines starting "# " or "// " are skipped.
inline std::vector<Comparison> ReadScalibr(const std::string& name) {
  std::vector<Comparison> out;
  size_t line_no = 0;
  ForEachLine(ReadVectors(name), [&](std::string_view line) {
    ++line_no;
    if (Trim(line).empty() || line.substr(0, 2) == "# " || line.substr(0, 3) == "// ") return;
    auto f = Split(line, ' ');
    if (f.size() != 3 || (f[1] != "<" && f[1] != "=" && f[1] != ">")) {
      ADD_FAILURE() << name << ":" << line_no << ": malformed line '" << line << "'";
      return;
    }
    int e = f[1] == "<" ? -1 : (f[1] == ">" ? 1 : 0);
    out.push_back({std::string(f[0]), std::string(f[2]), e, name + ":" + std::to_string(line_no)});
  });
  return out;
}

// Checks every comparison: where both sides parse, the scheme must give the expected order
// (and the reverse order when swapped); the texts that do not parse are collected in
// `*rejected` for the caller to check against the documented list.
inline void CheckComparisons(const Scheme& scheme, const std::vector<Comparison>& cases,
                             std::set<std::string>* rejected, size_t* compared = nullptr) {
  size_t n = 0;
  for (const auto& c : cases) {
    auto a = scheme.Parse(c.a);
    auto b = scheme.Parse(c.b);
    if (!a.ok()) rejected->insert(c.a);
    if (!b.ok()) rejected->insert(c.b);
    if (!a.ok() || !b.ok()) continue;
    ++n;
    EXPECT_EQ(Sign(scheme.Compare(*a, *b)), c.expected)
        << c.where << ": " << c.a << " " << OpName(c.expected) << " " << c.b;
    EXPECT_EQ(Sign(scheme.Compare(*b, *a)), -c.expected) << c.where << " (swapped)";
  }
  if (compared != nullptr) *compared = n;
}

inline std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += "  \"" + x + "\"\n";
  return out;
}

}  // namespace vigil::version::testing
