// libFuzzer target for `vigil db import` (src/vulndb/importer.h): the input, written as one file
// whose name the first byte picks (.json, .jsonl, .yaml, .zip, .csv), is imported into a fresh
// database. Whatever the bytes, Import must succeed (bad records are reported, not fatal), never
// crash or hang, never write outside the database folder, and leave a database that opens and
// indexes. Seeds: fuzz/corpus/vulndb_import/.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "vulndb/importer.h"
#include "vulndb/index.h"
#include "vulndb/sqlite_store.h"
#include "vulndb/store.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* kNames[] = {"in.json", "in.jsonl", "in.yaml", "in.zip", "in.csv"};
  static std::string dir = fs::temp_directory_path() / ("vigil-import-fuzz-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir + "/in");
  std::string path = dir + "/in/" + kNames[data[0] % 5];
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  auto store = vigil::vulndb::SqliteStore::Open(dir + "/db", vigil::vulndb::Store::Mode::kReadWrite);
  if (!store.ok()) std::abort();
  vigil::vulndb::ImportReport report;
  vigil::Status st = vigil::vulndb::Import(**store, {{path, "", {}}}, {}, &report);
  if (!st.ok()) {
    std::fprintf(stderr, "import failed: %s\n", st.error().ToString().c_str());
    std::abort();
  }
  auto index = vigil::vulndb::Index::Load(**store);
  if (!index.ok()) {
    std::fprintf(stderr, "index failed: %s\n", index.error().ToString().c_str());
    std::abort();
  }
  // Nothing but the input and the database in the folder.
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n != "in" && n != "db") {
      std::fprintf(stderr, "wrote outside the database: %s\n", n.c_str());
      std::abort();
    }
  }
  return 0;
}
