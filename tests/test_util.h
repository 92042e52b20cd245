// Helpers shared by the unit tests.
#pragma once

#include <string>

namespace vigil::testing {

// The project's source folder (for tests/…/testdata).
inline std::string SourceDir() { return VIGIL_SOURCE_DIR; }
// tests/<part>/testdata/<name>
inline std::string TestData(const std::string& part, const std::string& name) {
  return SourceDir() + "/tests/" + part + "/testdata/" + name;
}

}  // namespace vigil::testing
