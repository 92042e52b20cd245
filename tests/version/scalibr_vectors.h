// Reader for the osv-scalibr "semantic" comparison vectors (tests/version/testdata/osv-scalibr/):
// one "A <op> B" per line with op one of <, =, >; blank lines and lines starting with "#" or
// "//" are skipped. Shared by the scheme tests that check them.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "version_test_util.h"

namespace vigil::version::testing {

struct ComparisonCase {
  std::string a;
  std::string b;
  int expected;  // -1, 0, 1
  int line;
};

// Reads tests/version/testdata/osv-scalibr/<name>; an unreadable file or a malformed line gives
// an empty result (the caller asserts it is not empty).
inline std::vector<ComparisonCase> ReadComparisonVectors(const std::string& name) {
  std::ifstream in(vigil::testing::TestData("version", "osv-scalibr/" + name));
  std::vector<ComparisonCase> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#' || line.rfind("//", 0) == 0) continue;
    // The op is surrounded by single spaces; versions never contain " < ".
    size_t p = std::string::npos;
    int expected = 0;
    for (const char* op : {" < ", " = ", " > "}) {
      size_t q = line.find(op);
      if (q != std::string::npos) {
        p = q;
        expected = op[1] == '<' ? -1 : (op[1] == '=' ? 0 : 1);
        break;
      }
    }
    if (p == std::string::npos) return {};
    out.push_back({line.substr(0, p), line.substr(p + 3), expected, n});
  }
  return out;
}

}  // namespace vigil::version::testing
