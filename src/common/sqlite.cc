#include "common/sqlite.h"

namespace vigil::sqlite {

Error SqlError(sqlite3* db, std::string_view what) { return IoError(std::string(what) + ": " + sqlite3_errmsg(db)); }

Status Exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return IoError(std::string("sqlite: ") + m);
  }
  return OkStatus();
}

}  // namespace vigil::sqlite
