// Test support: the throwaway PostgreSQL server of the ctest fixture vigil_pg (docs/POSTGRES.md).
// For tests declared with vigil_test(... NEEDS_PG): ctest sets VIGIL_TEST_PG_URL_FILE to the file
// tests/support/pg_cluster.sh wrote (<cluster dir>/url). A missing server is a failure, never a
// skip.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/status.h"

namespace vigil::testing {

inline constexpr const char kPgHowTo[] =
    "run the test through ctest, whose fixture pg_cluster_start starts a throwaway server "
    "(PostgreSQL's server programs are needed: scripts/setup.sh --test installs them), or start one "
    "by hand: tests/support/pg_cluster.sh start DIR and VIGIL_TEST_PG_URL_FILE=DIR/url";

// The file named by VIGIL_TEST_PG_URL_FILE; kNotFound (saying how to get a server) when unset.
inline Result<std::string> TestPgUrlFile() {
  const char* file = std::getenv("VIGIL_TEST_PG_URL_FILE");
  if (!file || !*file) return NotFound(std::string("VIGIL_TEST_PG_URL_FILE is not set; ") + kPgHowTo);
  return std::string(file);
}

// The URL of the test server (first line of the URL file); kNotFound when there is none.
inline Result<std::string> TestPgUrl() {
  VIGIL_ASSIGN_OR_RETURN(std::string file, TestPgUrlFile());
  std::ifstream in(file);
  std::string url;
  if (!in || !std::getline(in, url) || url.empty()) {
    return NotFound("no PostgreSQL URL in " + file + " (did pg_cluster_start fail? see its output); " + kPgHowTo);
  }
  return url;
}

// The folder of the test server (the URL file's folder), as pg_cluster.sh takes it.
inline Result<std::string> TestPgClusterDir() {
  VIGIL_ASSIGN_OR_RETURN(std::string file, TestPgUrlFile());
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? std::string(".") : file.substr(0, slash);
}

// Runs tests/support/pg_cluster.sh `command` (start, restart, stop) on the test server's folder.
// Needs VIGIL_SOURCE_DIR (vigil_test defines it). kIo when the script fails (its output went to
// standard error).
inline Status RunPgCluster(const std::string& command) {
  VIGIL_ASSIGN_OR_RETURN(std::string dir, TestPgClusterDir());
  std::string cmd = std::string("bash '") + VIGIL_SOURCE_DIR + "/tests/support/pg_cluster.sh' " + command + " '" + dir +
                    "' >/dev/null";
  if (std::system(cmd.c_str()) != 0) return IoError("pg_cluster.sh " + command + " " + dir + " failed");
  return OkStatus();
}

}  // namespace vigil::testing
