// Helpers shared by the unit tests.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace vigil::testing {

// The project's source folder (for tests/…/testdata).
inline std::string SourceDir() { return VIGIL_SOURCE_DIR; }
// tests/<part>/testdata/<name>
inline std::string TestData(const std::string& part, const std::string& name) {
  return SourceDir() + "/tests/" + part + "/testdata/" + name;
}

// The lines of `text`, split at '\n' (a last line without one included).
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// A fresh folder under the system's temporary folder, removed with everything in it when the
// object goes. `prefix` names it ("vigil-<prefix>-XXXXXX") so a left-over one says whose it is.
class ScopedTempDir {
 public:
  explicit ScopedTempDir(const std::string& prefix = "test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / ("vigil-" + prefix + "-XXXXXX")).string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
    str_ = tmpl;
  }
  ~ScopedTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  const std::string& str() const { return str_; }

 private:
  std::filesystem::path path_;
  std::string str_;
};

}  // namespace vigil::testing
