// .vigilignore.yaml: entries, diagnostics with line:col, expiry, glob matching (including
// patterns that make backtracking matchers explode), IgnoreApplies, bad input.
#include "match/ignore.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace vigil::match {
namespace {

constexpr std::string_view kToday = "2026-06-15";

IgnoreFile MustParse(std::string_view text, std::string_view today = kToday) {
  Result<IgnoreFile> r = ParseIgnoreFile(text, ".vigilignore.yaml", today);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? std::move(r).value() : IgnoreFile{};
}

std::string AllDiagnostics(const IgnoreFile& f) {
  std::string out;
  for (const Diagnostic& d : f.diagnostics) out += d.ToString() + "\n";
  return out;
}

bool HasDiagnostic(const IgnoreFile& f, std::string_view location, Diagnostic::Severity severity,
                   std::string_view part) {
  return std::any_of(f.diagnostics.begin(), f.diagnostics.end(), [&](const Diagnostic& d) {
    return d.location == location && d.severity == severity && d.message.find(part) != std::string::npos;
  });
}

TEST(IgnoreTest, ReadsEntries) {
  IgnoreFile f = MustParse(R"(# accepted findings
ignore:
  - id: CVE-2023-38545
    package: pkg:deb/debian/curl
    path: usr/lib/**/libcurl*.so*
    expires: 2026-12-31
    reason: SOCKS5 proxies are not used by this image
  - id: GHSA-jfh8-c2jp-5v3q
    package: log4j-core
    reason: "JNDI disabled"
  - id: GO-2023-1234
    reason: tool only
)");
  EXPECT_TRUE(f.diagnostics.empty()) << AllDiagnostics(f);
  ASSERT_EQ(f.entries.size(), 3u);
  const IgnoreEntry& e = f.entries[0];
  EXPECT_EQ(e.id, "CVE-2023-38545");
  EXPECT_EQ(e.package, "pkg:deb/debian/curl");
  EXPECT_EQ(e.path, "usr/lib/**/libcurl*.so*");
  EXPECT_EQ(e.expires, "2026-12-31");
  EXPECT_EQ(e.reason, "SOCKS5 proxies are not used by this image");
  EXPECT_FALSE(e.expired);
  EXPECT_EQ(e.location, ".vigilignore.yaml:3:5");
  EXPECT_EQ(f.entries[1].package, "log4j-core");
  EXPECT_EQ(f.entries[2].id, "GO-2023-1234");
}

TEST(IgnoreTest, EmptyDocuments) {
  for (const char* text : {"", "# nothing\n", "ignore:\n", "ignore: []\n", "---\n"}) {
    IgnoreFile f = MustParse(text);
    EXPECT_TRUE(f.entries.empty()) << text;
    EXPECT_TRUE(f.diagnostics.empty()) << text << AllDiagnostics(f);
  }
}

TEST(IgnoreTest, Expiry) {
  struct Case {
    const char* expires;
    bool expired;
  };
  const Case cases[] = {
      {"2026-06-14", true},   // yesterday
      {"2026-06-15", false},  // applies through its last day
      {"2026-06-16", false}, {"2025-12-31", true}, {"2099-01-01", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expires);
    IgnoreFile f =
        MustParse(std::string("ignore:\n  - id: CVE-2024-0001\n    expires: ") + c.expires + "\n    reason: r\n");
    ASSERT_EQ(f.entries.size(), 1u) << AllDiagnostics(f);
    EXPECT_EQ(f.entries[0].expired, c.expired);
    EXPECT_EQ(HasDiagnostic(f, ".vigilignore.yaml:3:14", Diagnostic::Severity::kWarning, "expired on"), c.expired)
        << AllDiagnostics(f);
    EXPECT_EQ(IgnoreApplies(f.entries[0], "CVE-2024-0001", {}, "x", "", ""), !c.expired);
  }
}

TEST(IgnoreTest, DiagnosticsWithLineAndColumn) {
  IgnoreFile f = MustParse(R"(version: 1
ignore:
  - id: CVE-2024-0001
    pakage: openssl
    reason: typo in a key
  - package: openssl
    reason: no id
  - id: CVE-2024-0003
  - id: CVE-2024-0004
    expires: 2026-02-30
    reason: bad date
  - id: CVE-2024-0005
    path: usr/lib/[a-z]*
    reason: bad glob
  - id: CVE-2024-0006
    path: usr/lib**/x
    reason: bad glob
  - id: CVE-24-1
    reason: bad id
  - id: [CVE-2024-0008]
    reason: list id
  - just a string
  - id: CVE-2024-0010
    reason: one
    reason: two
  - id: CVE-2024-0011
    package: pkg:npm
    reason: bad purl
  - id: GHSA-1234
    reason: short ghsa
  - id: CVE-2024-0013
    reason: fine
)");
  using S = Diagnostic::Severity;
  struct Want {
    const char* location;
    S severity;
    const char* part;
  };
  const Want wants[] = {
      {".vigilignore.yaml:1:1", S::kWarning, "unknown key 'version'"},
      {".vigilignore.yaml:4:5", S::kError, "unknown key 'pakage'"},
      {".vigilignore.yaml:6:5", S::kError, "'id' is required"},
      {".vigilignore.yaml:8:5", S::kError, "'reason' is required"},
      {".vigilignore.yaml:10:14", S::kError, "'2026-02-30' is not a date"},
      {".vigilignore.yaml:13:11", S::kError, "bad path glob: '[' is not supported"},
      {".vigilignore.yaml:16:11", S::kError, "'**' must be a whole path segment"},
      {".vigilignore.yaml:18:9", S::kError, "'CVE-24-1' is not a CVE id"},
      {".vigilignore.yaml:20:9", S::kError, "'id' must be a string, found a list"},
      {".vigilignore.yaml:22:5", S::kError, "an ignore entry must be a mapping"},
      {".vigilignore.yaml:25:5", S::kError, "duplicate key 'reason'"},
      {".vigilignore.yaml:27:14", S::kError, "'pkg:npm' is not a purl"},
      {".vigilignore.yaml:29:9", S::kError, "'GHSA-1234' is not a GHSA id"},
  };
  for (const Want& w : wants) {
    EXPECT_TRUE(HasDiagnostic(f, w.location, w.severity, w.part))
        << "missing " << w.location << ": " << w.part << "\nall:\n"
        << AllDiagnostics(f);
  }
  EXPECT_EQ(f.diagnostics.size(), std::size(wants)) << AllDiagnostics(f);
  // Only the valid entry is kept: a broken entry suppresses nothing.
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].id, "CVE-2024-0013");
}

TEST(IgnoreTest, WrongShapes) {
  struct Case {
    const char* text;
    const char* location;
    const char* part;
  };
  const Case cases[] = {
      {"- id: CVE-2024-0001\n", ".vigilignore.yaml:1:1", "expected a mapping with an 'ignore' list"},
      {"just text\n", ".vigilignore.yaml:1:1", "expected a mapping"},
      {"ignore: CVE-2024-0001\n", ".vigilignore.yaml:1:9", "'ignore' must be a list"},
      {"ignore:\n  id: CVE-2024-0001\n", ".vigilignore.yaml:2:3", "'ignore' must be a list"},
      {"ignore: []\nignore: []\n", ".vigilignore.yaml:2:1", "duplicate key 'ignore'"},
      {"ignore:\n  - id: CVE-2024-0001\n    reason: {a: b}\n", ".vigilignore.yaml:3:13",
       "'reason' must be a string, found a mapping"},
  };
  for (const Case& c : cases) {
    IgnoreFile f = MustParse(c.text);
    EXPECT_TRUE(HasDiagnostic(f, c.location, Diagnostic::Severity::kError, c.part)) << c.text << "\n"
                                                                                    << AllDiagnostics(f);
    EXPECT_TRUE(f.entries.empty());
  }
}

TEST(IgnoreTest, UnreadableInputIsAnError) {
  struct Case {
    std::string text;
    std::string_view today;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"ignore: [\n", kToday, ErrorCode::kCorrupt},
      {"ignore: {a: [}\n", kToday, ErrorCode::kCorrupt},
      {"a: b\n c: d\n  - e\n", kToday, ErrorCode::kCorrupt},
      {std::string(5000, '[') + std::string(5000, ']'), kToday, ErrorCode::kLimitExceeded},  // the YAML guard's depth
      {"ignore: []", "2026-13-01", ErrorCode::kInvalidArgument},
      {"ignore: []", "today", ErrorCode::kInvalidArgument},
      {std::string(kMaxIgnoreFileBytes + 1, '#'), kToday, ErrorCode::kLimitExceeded},
  };
  for (const Case& c : cases) {
    Result<IgnoreFile> r = ParseIgnoreFile(c.text, "f.yaml", c.today);
    ASSERT_FALSE(r.ok()) << c.text.substr(0, 40);
    EXPECT_EQ(r.error().code(), c.code) << c.text.substr(0, 40) << ": " << r.error().ToString();
  }
  Result<IgnoreFile> r = ParseIgnoreFile("ignore: [\n", "f.yaml", kToday);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().message().starts_with("f.yaml:")) << r.error().message();
}

TEST(IgnoreTest, BillionLaughsIsRefusedByTheYamlGuard) {
  // Nine levels of ten aliases: 10^9 nodes once expanded. The YAML guard (common/yaml.h) refuses
  // the file before a tree is built, at the alias that makes it too large.
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? ", *" : "*") + static_cast<char>(c - 1);
    text += "]\n";
  }
  text += "ignore:\n  - id: CVE-2024-0001\n    reason: *j\n";
  Result<IgnoreFile> r = ParseIgnoreFile(text, ".vigilignore.yaml", kToday);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(r.error().message().starts_with(".vigilignore.yaml:5:36: alias *d makes the document expand"))
      << r.error().message();
  // Anchors used as people use them are fine.
  IgnoreFile ok = MustParse(
      "ignore:\n  - id: CVE-2024-0001\n    reason: &why not reachable from the service\n"
      "  - id: CVE-2024-0002\n    reason: *why\n");
  ASSERT_EQ(ok.entries.size(), 2u);
  EXPECT_EQ(ok.entries[1].reason, "not reachable from the service");
}

TEST(IgnoreTest, DatesTable) {
  struct Case {
    const char* date;
    bool valid;
  };
  const Case cases[] = {
      {"2026-01-01", true},     {"2024-02-29", true},  {"2023-02-29", false}, {"1900-02-29", false},
      {"2000-02-29", true},     {"2026-04-31", false}, {"2026-12-31", true},  {"2026-00-10", false},
      {"2026-01-00", false},    {"0000-01-01", false}, {"2026-1-01", false},  {"2026/01/01", false},
      {"2026-01-01T00", false}, {"", false},           {"abcd-ef-gh", false},
  };
  for (const Case& c : cases) EXPECT_EQ(IsValidDate(c.date), c.valid) << c.date;
}

TEST(IgnoreTest, GlobTable) {
  struct Case {
    const char* glob;
    const char* path;
    bool want;
  };
  const Case cases[] = {
      {"usr/lib/libc.so.6", "usr/lib/libc.so.6", true},
      {"usr/lib/libc.so.6", "/usr/lib/libc.so.6", true},  // leading '/' ignored
      {"/usr/lib/*", "usr//lib/./x", true},               // repeated '/' and '.' ignored
      {"usr/lib/*", "usr/lib/x/y", false},                // '*' stays in its segment
      {"usr/lib/*.so*", "usr/lib/libcurl.so.4", true},
      {"usr/lib/*.so*", "usr/lib/libcurl.a", false},
      {"usr/lib/lib?.so", "usr/lib/libc.so", true},
      {"usr/lib/lib?.so", "usr/lib/lib.so", false},
      {"usr/lib/lib?.so", "usr/lib/libcc.so", false},
      {"usr/**/x.jar", "usr/x.jar", true},  // '**' matches zero segments
      {"usr/**/x.jar", "usr/a/b/c/x.jar", true},
      {"usr/**/x.jar", "opt/a/x.jar", false},
      {"**/node_modules/lodash/**", "app/node_modules/lodash/package.json", true},
      {"**/node_modules/lodash/**", "node_modules/lodash", true},
      {"**/node_modules/lodash/**", "app/node_modules/lodash-es/package.json", false},
      {"**", "anything/at/all", true},
      {"**/*.jar", "a/b/c.jar", true},
      {"**/*.jar", "c.jar", true},
      {"a/**/b/**/c", "a/x/b/y/b/z/c", true},
      {"a/**/b/**/c", "a/x/b/y/z", false},
      {"*", "", false},  // an empty path has no segment for '*' to match
      {"a*b", "ab", true},
      {"a*b", "axxbxxb", true},
      {"a*b", "axxbxxc", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(GlobMatches(c.glob, c.path), c.want) << c.glob << " vs " << c.path;
  }
}

TEST(IgnoreTest, GlobErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty glob"},
      {"/", "empty glob"},
      {"a/[bc]", "'[' is not supported"},
      {"a/{b,c}", "'{' is not supported"},
      {"a\\*", "'\\' is not supported"},
      {"a/***/b", "'***'"},
      {"a**", "'**' must be a whole path segment"},
      {"**b/c", "'**' must be a whole path segment"},
  };
  for (const auto& [glob, part] : cases) {
    EXPECT_NE(GlobError(glob).find(part), std::string::npos) << glob << ": " << GlobError(glob);
  }
  for (const char* ok : {"*", "**", "a/**/b", "?", "usr/lib/*.so.*", "**/x"}) {
    EXPECT_EQ(GlobError(ok), "") << ok;
  }
}

TEST(IgnoreTest, PathologicalGlobsFinishFast) {
  // Patterns that take exponential time in a recursive backtracking matcher.
  const std::string long_a(20000, 'a');
  std::string deep_path;
  for (int i = 0; i < 2000; ++i) deep_path += "a/";
  deep_path += "c";
  std::string deep_glob;
  for (int i = 0; i < 20; ++i) deep_glob += "**/a/";
  deep_glob += "b";
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatches("a*a*a*a*a*a*a*a*a*a*b", long_a));
  EXPECT_TRUE(GlobMatches("a*a*a*a*a*a*a*a*a*a*", long_a));
  EXPECT_FALSE(GlobMatches("*?*?*?*?*?*?*?*?*?*?b", long_a));
  EXPECT_FALSE(GlobMatches(deep_glob, deep_path));
  EXPECT_FALSE(GlobMatches("**/**/**/**/**/**/**/**/b", deep_path));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(IgnoreTest, IgnoreAppliesTable) {
  IgnoreFile f = MustParse(R"(ignore:
  - id: CVE-2024-0001
    reason: any package anywhere
  - id: cve-2024-0002
    package: openssl
    reason: by name
  - id: GHSA-abcd-efgh-ijkl
    package: pkg:pypi/Foo_Bar
    reason: by purl, any version
  - id: CVE-2024-0004
    package: pkg:npm/left-pad@1.3.0
    path: "**/node_modules/left-pad/**"
    reason: by purl with version, under a path
  - id: CVE-2024-0005
    expires: 2020-01-01
    reason: expired
)");
  ASSERT_EQ(f.entries.size(), 5u) << AllDiagnostics(f);
  struct Case {
    size_t entry;
    const char* id;
    std::vector<std::string> aliases;
    const char* name;
    const char* purl;
    const char* path;
    bool want;
    const char* why;
  };
  const Case cases[] = {
      {0, "CVE-2024-0001", {}, "x", "pkg:npm/x@1", "a/b", true, "id only"},
      {0, "GHSA-zzzz-zzzz-zzzz", {"CVE-2024-0001"}, "x", "", "", true, "via alias"},
      {0, "CVE-2024-0009", {}, "x", "", "", false, "other id"},
      {1, "CVE-2024-0002", {}, "openssl", "pkg:deb/debian/openssl@3", "", true, "id case, name"},
      {1, "CVE-2024-0002", {}, "libssl3", "pkg:deb/debian/libssl3@3", "", false, "other name"},
      {2, "GHSA-ABCD-EFGH-IJKL", {}, "foo-bar", "pkg:pypi/foo-bar@2.0", "", true, "normalised purl"},
      {2, "GHSA-ABCD-EFGH-IJKL", {}, "foo-bar", "", "", false, "purl entry, package without purl"},
      {3,
       "CVE-2024-0004",
       {},
       "left-pad",
       "pkg:npm/left-pad@1.3.0",
       "app/node_modules/left-pad/package.json",
       true,
       "purl and path"},
      {3,
       "CVE-2024-0004",
       {},
       "left-pad",
       "pkg:npm/left-pad@1.3.0",
       "app/vendor/left-pad/package.json",
       false,
       "path outside"},
      {3, "CVE-2024-0004", {}, "left-pad", "pkg:npm/left-pad@1.3.0", "", false, "no path known"},
      {3,
       "CVE-2024-0004",
       {},
       "left-pad",
       "pkg:npm/left-pad@1.3.1",
       "app/node_modules/left-pad/package.json",
       false,
       "other version"},
      {4, "CVE-2024-0005", {}, "x", "", "", false, "expired"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IgnoreApplies(f.entries[c.entry], c.id, c.aliases, c.name, c.purl, c.path), c.want) << c.why;
  }
}

}  // namespace
}  // namespace vigil::match
