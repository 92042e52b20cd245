// Diagnostics (common/diagnostic.h): text and JSON forms, the collector, counting.
#include "common/diagnostic.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Diagnostic, TextAndJson) {
  Diagnostic d{Diagnostic::Severity::kError, "rules.yaml:3:7", "unknown field 'proc.nme'"};
  EXPECT_EQ(d.ToString(), "rules.yaml:3:7: error: unknown field 'proc.nme'");
  EXPECT_EQ(d.ToJson(), R"({"location":"rules.yaml:3:7","message":"unknown field 'proc.nme'","severity":"error"})");
  d.code = "rules.unknown-field";
  d.file = "rules.yaml";
  d.line = 3;
  d.column = 7;
  d.snippet = "condition: proc.nme = sh";
  EXPECT_EQ(d.ToString(), "rules.yaml:3:7: error: unknown field 'proc.nme'\n  condition: proc.nme = sh");
  EXPECT_EQ(d.ToJson(),
            R"({"code":"rules.unknown-field","column":7,"file":"rules.yaml","line":3,"location":"rules.yaml:3:7",)"
            R"("message":"unknown field 'proc.nme'","severity":"error","snippet":"condition: proc.nme = sh"})");
}

TEST(Diagnostic, Collector) {
  Diagnostics c;
  c.Warning("a.json:$", "old format");
  EXPECT_EQ(c.error_count(), 0u);
  EXPECT_FALSE(HasErrors(c.list()));
  c.Error(FileLocation("a.yaml", 2, 1), "bad");
  c.Error(FileLocation("a.yaml", 0, 0), "unreadable");
  EXPECT_EQ(c.error_count(), 2u);
  std::vector<Diagnostic> all = c.Take();
  EXPECT_TRUE(c.list().empty());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].location, "a.yaml:2:1");
  EXPECT_EQ(all[2].location, "a.yaml");
  EXPECT_EQ(ErrorCount(all), 2u);
  EXPECT_EQ(DiagnosticsToJson({}), "[]");
  EXPECT_EQ(DiagnosticsToJson({all[0]}), R"([{"location":"a.json:$","message":"old format","severity":"warning"}])");
}

TEST(Diagnostic, JsonEscapesBadBytes) {
  Diagnostic d{Diagnostic::Severity::kWarning, "x", std::string("bad \xff byte")};
  EXPECT_NE(d.ToJson().find("bad \xef\xbf\xbd byte"), std::string::npos);  // U+FFFD, not a throw
}

}  // namespace
}  // namespace vigil
