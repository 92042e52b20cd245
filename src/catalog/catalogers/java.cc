#include "catalog/catalogers/java.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <optional>

#include "common/path.h"
#include "common/strings.h"
#include "license/license.h"

namespace vigil::catalog {
namespace {

class JavaCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "java"; }
  bool Wants(const FileRef& f) const override { return IsJavaArchiveName(f.path); }
  uint64_t MaxSize() const override { return 512u << 20; }
  Status Parse(const FileRef& f, std::string_view content, FileResult& out) const override {
    return ParseJavaArchive(f.path, content, out.packages, JavaLimits{}, &out.warnings);
  }
};

bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && AsciiLower(s.substr(s.size() - suffix.size())) == suffix;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A Maven-style identifier: no spaces or punctuation that never appears in an artifactId.
bool IsIdentifierLike(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The first word of a manifest version ("1.4 1855 April 22 2006" -> "1.4"), if it starts with a
// digit; other values (e.g. "${project.version}") are no version.
std::string CleanVersion(std::string_view v) {
  v = Trim(v);
  size_t sp = v.find_first_of(" \t");
  if (sp != std::string_view::npos) v = v.substr(0, sp);
  if (v.empty() || !IsDigit(v.front())) return "";
  return std::string(v);
}

// META-INF/LICENSE, LICENSE.txt, LICENSE.md: the archive's own license text (Maven's
// maven-remote-resources-plugin and most build tools put it there).
bool IsLicenseFile(std::string_view name) {
  std::string lower = AsciiLower(name);
  return lower == "meta-inf/license" || lower == "meta-inf/license.txt" || lower == "meta-inf/license.md";
}

// META-INF/maven/<group>/<artifact>/pom.properties -> {group, artifact}.
std::optional<std::pair<std::string, std::string>> PomPropertiesPath(std::string_view name) {
  constexpr std::string_view kPrefix = "META-INF/maven/";
  constexpr std::string_view kSuffix = "/pom.properties";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix) || name.size() < kPrefix.size() + kSuffix.size()) {
    return std::nullopt;
  }
  std::string_view mid = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  size_t slash = mid.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == mid.size() ||
      mid.find('/', slash + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::make_pair(std::string(mid.substr(0, slash)), std::string(mid.substr(slash + 1)));
}

uint32_t Le(std::string_view b, size_t off, size_t size) {
  uint32_t v = 0;
  for (size_t i = size; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[off + i]);
  return v;
}

// What is wrong with the end-of-central-directory record of the zip `b`, or "" when it is
// sound. The JVM reads jars through that record only and refuses a jar without a usable one;
// checking it first gives a clearer error than libarchive's bidding does.
std::string ZipEndProblem(std::string_view b) {
  constexpr size_t kEndSize = 22;
  if (b.size() < kEndSize) return "too short to be a zip archive";
  // The record sits at the very end, followed only by a comment of at most 65535 bytes.
  size_t lowest = b.size() > kEndSize + 0xffff ? b.size() - kEndSize - 0xffff : 0;
  for (size_t i = b.size() - kEndSize + 1; i-- > lowest;) {
    if (b.compare(i, 4, "PK\x05\x06") != 0) continue;
    uint32_t entries = Le(b, i + 10, 2), cd_size = Le(b, i + 12, 4), cd_offset = Le(b, i + 16, 4);
    if (entries == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) return "";  // ZIP64: see its own record
    // A launcher script may precede the zip (executable Spring Boot jars), so the directory may
    // start later than its recorded offset, but it must end before the record.
    if (cd_size > i || cd_offset > i - cd_size) {
      return "the central directory (offset " + std::to_string(cd_offset) + ", " + std::to_string(cd_size) +
             " bytes) does not fit before its end record at " + std::to_string(i);
    }
    return "";
  }
  return "no end of central directory record";
}

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// Walks one outer archive and everything nested in it, sharing the limits' budgets.
class Walker {
 public:
  Walker(const JavaLimits& limits, std::vector<Package>& out, std::vector<std::string>* warnings)
      : limits_(limits), out_(out), warnings_(warnings) {}

  // Catalogs the archive `bytes` at `location`, `depth` levels below the outer file.
  void Walk(const std::string& location, std::string_view bytes, int depth);

  Status status() const { return first_error_ ? Status(*first_error_) : OkStatus(); }

 private:
  void Fail(Error e) {
    if (!first_error_) first_error_ = std::move(e);
  }
  // Reads the current entry's data, at most `cap` bytes. kLimitExceeded when it is larger,
  // kCorrupt when it is damaged. `spent` gets the bytes inflated, even on failure.
  static Result<std::string> ReadEntry(struct archive* a, struct archive_entry* e, uint64_t cap,
                                       const std::string& where, uint64_t& spent);
  // `license_file`: the archive's own META-INF/LICENSE[.txt|.md] as {path, text}, when it has one.
  void Emit(const std::string& location, const std::vector<std::pair<std::string, std::string>>& poms,
            const std::optional<std::string>& manifest,
            const std::optional<std::pair<std::string, std::string>>& license_file);

  uint64_t MetadataCap() const { return std::min(limits_.max_metadata_bytes, limits_.max_inflated_bytes - inflated_); }

  const JavaLimits& limits_;
  std::vector<Package>& out_;
  std::vector<std::string>* warnings_;
  uint64_t inflated_ = 0;
  uint64_t entries_ = 0;
  bool entries_exhausted_ = false;
  std::optional<Error> first_error_;
};

Result<std::string> Walker::ReadEntry(struct archive* a, struct archive_entry* e, uint64_t cap,
                                      const std::string& where, uint64_t& spent) {
  spent = 0;
  // A declared size past the cap is refused before inflating anything; a size that lies is
  // caught by counting what really comes out.
  if (archive_entry_size_is_set(e) && archive_entry_size(e) >= 0 &&
      static_cast<uint64_t>(archive_entry_size(e)) > cap) {
    return LimitExceeded(where + ": declared size of " + std::to_string(archive_entry_size(e)) +
                         " bytes is more than the " + std::to_string(cap) + "-byte limit");
  }
  std::string data;
  char buf[64 * 1024];
  while (true) {
    la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      const char* msg = archive_error_string(a);
      return Corrupt(where + ": cannot read: " + std::string(msg ? msg : "unknown error"));
    }
    spent += static_cast<uint64_t>(n);
    if (data.size() + static_cast<uint64_t>(n) > cap) {
      spent = cap;
      return LimitExceeded(where + ": inflates to more than the " + std::to_string(cap) + "-byte limit");
    }
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

void Walker::Walk(const std::string& location, std::string_view bytes, int depth) {
  std::unique_ptr<struct archive, ArchiveDeleter> a(archive_read_new());
  if (!a) {
    Fail(InternalError(location + ": cannot allocate an archive reader"));
    return;
  }
  if (std::string problem = ZipEndProblem(bytes); !problem.empty()) {
    Fail(Corrupt(location + ": damaged zip: " + problem));
    return;
  }
  // Only the central-directory reader: it skips entries by their recorded compressed size. The
  // streaming reader, libarchive's fallback, must inflate an entry of unknown length to skip
  // it, which a crafted archive turns into minutes of CPU per file; and the JVM, which reads
  // jars through the central directory too, could not load what only that reader sees.
  archive_read_support_format_zip_seekable(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a.get());
    Fail(Corrupt(location + ": not a zip archive: " + std::string(msg ? msg : "unrecognised format")));
    return;
  }
  std::vector<std::pair<std::string, std::string>> poms;  // path in the archive, text
  std::optional<std::string> manifest;
  std::optional<std::pair<std::string, std::string>> license_file;
  while (true) {
    struct archive_entry* e = nullptr;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      // The rest of the archive is unreachable; what was found so far is still reported.
      const char* msg = archive_error_string(a.get());
      Fail(Corrupt(location + ": damaged zip: " + std::string(msg ? msg : "unreadable entry header")));
      break;
    }
    if (++entries_ > limits_.max_entries) {
      if (!entries_exhausted_) {
        Fail(LimitExceeded(location + ": more than " + std::to_string(limits_.max_entries) + " archive entries"));
        entries_exhausted_ = true;
      }
      break;
    }
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    const char* raw = archive_entry_pathname(e);
    if (raw == nullptr) raw = archive_entry_pathname_utf8(e);
    if (raw == nullptr) continue;
    std::string name(raw);
    std::string where = location + "!/" + name;
    uint64_t spent = 0;
    if (AsciiLower(name) == "meta-inf/manifest.mf") {
      if (manifest) continue;  // the first one is the one the JVM reads
      Result<std::string> text = ReadEntry(a.get(), e, MetadataCap(), where, spent);
      inflated_ += spent;
      if (!text.ok()) {
        Fail(text.error());
        continue;
      }
      manifest = std::move(*text);
    } else if (!license_file && IsLicenseFile(name)) {
      Result<std::string> text = ReadEntry(a.get(), e, MetadataCap(), where, spent);
      inflated_ += spent;
      // A license file too large to read only costs the license, never the package.
      if (text.ok()) license_file.emplace(name, std::move(*text));
    } else if (PomPropertiesPath(name)) {
      Result<std::string> text = ReadEntry(a.get(), e, MetadataCap(), where, spent);
      inflated_ += spent;
      if (!text.ok()) {
        Fail(text.error());
        continue;
      }
      poms.emplace_back(name, std::move(*text));
    } else if (IsJavaArchiveName(name)) {
      if (depth >= limits_.max_depth) {
        Fail(
            LimitExceeded(where + ": archives nested more than " + std::to_string(limits_.max_depth) + " levels deep"));
        continue;
      }
      Result<std::string> inner = ReadEntry(a.get(), e, limits_.max_inflated_bytes - inflated_, where, spent);
      // What was inflated counts against the budget even when the entry is refused, so a bomb
      // cannot be retried entry after entry.
      inflated_ += spent;
      if (!inner.ok()) {
        Fail(inner.error());
        continue;
      }
      Walk(where, *inner, depth + 1);
    }
  }
  Emit(location, poms, manifest, license_file);
}

// OSGi's Bundle-License: a comma-separated list of license names or URLs, each with optional
// ";link=..." / ";description=..." attributes (OSGi core, 3.2.1.8). "<<EXTERNAL>>" says nothing.
std::vector<std::string> BundleLicenses(std::string_view header) {
  std::vector<std::string> out;
  std::string item;
  bool quoted = false;
  auto flush = [&] {
    std::string_view v = Trim(std::string_view(item).substr(0, item.find(';')));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = Trim(v.substr(1, v.size() - 2));
    if (!v.empty() && v != "<<EXTERNAL>>" && out.size() < 16) out.emplace_back(v);
    item.clear();
  };
  for (char c : header) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      flush();
      continue;
    }
    item += c;
  }
  flush();
  return out;
}

void Walker::Emit(const std::string& location, const std::vector<std::pair<std::string, std::string>>& poms,
                  const std::optional<std::string>& manifest_text,
                  const std::optional<std::pair<std::string, std::string>>& license_file) {
  JarManifest mf;
  if (manifest_text) {
    Status st = ParseJarManifest(*manifest_text, mf);
    if (!st.ok()) Fail(st.error().Context(location + "!/META-INF/MANIFEST.MF"));
  }
  // The manifest's license is the archive's own: it applies to the artifact of the archive (one
  // pom.properties, or none), not to every artifact a fat jar bundles.
  std::vector<std::string> licenses = BundleLicenses(mf.Get("Bundle-License"));
  std::string license_source = licenses.empty() ? "" : "META-INF/MANIFEST.MF Bundle-License";
  if (licenses.empty() && license_file) {
    licenses = license::ClassifyText(license_file->second);
    if (!licenses.empty()) license_source = license_file->first;
  }
  bool any = false;
  for (const auto& [path, text] : poms) {
    auto props = ParseJavaProperties(text);
    auto from_path = PomPropertiesPath(path);
    Package p;
    p.type = "maven";
    p.name_space = props["groupId"].empty() ? from_path->first : props["groupId"];
    p.name = props["artifactId"].empty() ? from_path->second : props["artifactId"];
    p.version = props["version"];
    if (p.version.empty()) {
      Fail(Corrupt(location + "!/" + path + ": no version"));
      continue;
    }
    p.location = location;
    p.properties["java:archive"] = location;
    p.properties["java:pom-properties"] = path;
    if (poms.size() == 1 && !licenses.empty()) {
      p.licenses = licenses;
      p.properties["license:file"] = location + "!/" + license_source;
    }
    out_.push_back(std::move(p));
    any = true;
  }
  if (any) return;

  auto [file_artifact, file_version] = SplitJavaArchiveName(BaseName(location));

  std::string group(Trim(mf.Get("Implementation-Vendor-Id")));
  if (group.empty()) group = std::string(Trim(mf.Get("Group-Id")));  // Jenkins plugins
  std::string bsn(Trim(mf.Get("Bundle-SymbolicName")));
  bsn = std::string(Trim(bsn.substr(0, bsn.find(';'))));  // drop directives (";singleton:=true")

  std::string artifact;
  if (!file_version.empty() || (!file_artifact.empty() && bsn.ends_with("." + file_artifact))) {
    // "<artifact>-<version>.jar", or a bare name the bundle name confirms ("failureaccess.jar"
    // with Bundle-SymbolicName com.google.guava.failureaccess).
    artifact = file_artifact;
  } else if (!bsn.empty() && !group.empty() && bsn.size() > group.size() + 1 && bsn.starts_with(group + ".")) {
    artifact = bsn.substr(group.size() + 1);
  } else {
    for (const char* key : {"Implementation-Title", "Short-Name", "Extension-Name"}) {
      std::string v(Trim(mf.Get(key)));
      if (IsIdentifierLike(v)) {
        artifact = v;
        break;
      }
    }
    // A bare Bundle-SymbolicName is an OSGi name ("com.google.inject" in every Guice extension
    // jar), not an artifactId: the file name is the better guess.
    if (artifact.empty()) artifact = file_artifact;
  }
  if (group.empty() && !bsn.empty() && bsn.size() > artifact.size() + 1 && bsn.ends_with("." + artifact)) {
    group = bsn.substr(0, bsn.size() - artifact.size() - 1);
  }
  // The version: the manifest first, because the build tool wrote it into the jar while the
  // file name is whatever the image's builder renamed it to ("app.jar", "lib-latest.jar").
  // Implementation-Version is the artifact's own version; Bundle-Version (OSGi) usually the same
  // with a qualifier; Plugin-Version (Jenkins) the plugin's; Specification-Version last, since it
  // often names the specification implemented ("3.1" in a servlet container's jar) or only
  // major.minor. Then the file name ("name-1.2.3.jar"). Syft puts the file name first; both agree
  // on every jar whose name the build tool chose.
  std::string version, version_source;
  for (const char* key : {"Implementation-Version", "Bundle-Version", "Plugin-Version", "Specification-Version"}) {
    version = CleanVersion(mf.Get(key));
    if (!version.empty()) {
      version_source = std::string("META-INF/MANIFEST.MF ") + key;
      break;
    }
  }
  if (version.empty() && !file_version.empty()) {
    version = file_version;
    version_source = "file name";
  }
  if (artifact.empty()) return;
  if (version.empty() && warnings_ != nullptr) {
    // Listed all the same (the archive is there); without a version it is never matched.
    warnings_->push_back(location + ": no version found: no pom.properties, " +
                         (manifest_text
                              ? std::string("no Implementation-Version, Bundle-Version, Plugin-Version or "
                                            "Specification-Version starting with a digit in META-INF/MANIFEST.MF")
                              : std::string("no META-INF/MANIFEST.MF")) +
                         ", and no version in the file name; listed as " + (group.empty() ? "" : group + ":") +
                         artifact + " without a version, which no advisory can match");
  }

  Package p;
  p.type = "maven";
  p.name_space = group;
  p.name = artifact;
  p.version = version;
  p.location = location;
  p.properties["java:archive"] = location;
  if (!version_source.empty()) p.properties["java:version-source"] = version_source;
  if (!licenses.empty()) p.properties["license:file"] = location + "!/" + license_source;
  p.licenses = std::move(licenses);
  out_.push_back(std::move(p));
}

}  // namespace

std::string JarManifest::Get(std::string_view key) const {
  std::string k = AsciiLower(key);
  if (auto it = main.find(k); it != main.end()) return it->second;
  for (const auto& s : sections) {
    if (auto it = s.find(k); it != s.end()) return it->second;
  }
  return "";
}

Status ParseJarManifest(std::string_view text, JarManifest& out) {
  std::map<std::string, std::string>* section = &out.main;
  std::string* last = nullptr;
  bool in_main = true;
  bool section_open = true;  // false after a blank line, until the next attribute
  std::string first_error;
  size_t line_no = 0;
  ForEachLine(text, [&](std::string_view line) {
    ++line_no;
    if (line.empty()) {
      section_open = false;
      last = nullptr;
      return;
    }
    if (line.front() == ' ') {
      // A continuation: the value goes on, byte for byte, after the one leading space.
      if (last == nullptr) {
        if (first_error.empty()) first_error = "line " + std::to_string(line_no) + " continues nothing";
        return;
      }
      last->append(line.substr(1));
      return;
    }
    size_t colon = line.find(':');
    std::string_view key = colon == std::string_view::npos ? std::string_view() : line.substr(0, colon);
    if (key.empty() || !IsIdentifierLike(key)) {
      if (first_error.empty()) {
        first_error = "line " + std::to_string(line_no) + " is not an attribute: '" + Clip(line, 60) + "'";
      }
      last = nullptr;
      return;
    }
    if (!section_open) {
      if (in_main || !section->empty()) {
        out.sections.emplace_back();
        section = &out.sections.back();
      }
      in_main = false;
      section_open = true;
    }
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    last = &(*section)[AsciiLower(key)];
    *last = std::string(value);
  });
  auto trim_all = [](std::map<std::string, std::string>& m) {
    for (auto& [k, v] : m) v = std::string(Trim(v));
  };
  trim_all(out.main);
  for (auto& s : out.sections) trim_all(s);
  if (!first_error.empty()) return Corrupt("manifest " + first_error);
  return OkStatus();
}

std::map<std::string, std::string> ParseJavaProperties(std::string_view text) {
  std::map<std::string, std::string> out;
  // Join logical lines first: a line ending in an odd number of backslashes continues, and the
  // continuation's leading white space is dropped.
  std::vector<std::string> lines;
  std::string cur;
  bool continuing = false;
  ForEachLine(text, [&](std::string_view line) {
    if (continuing) {
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '\f'))
        line.remove_prefix(1);
    } else {
      std::string_view t = line;
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t' || t.front() == '\f')) t.remove_prefix(1);
      if (t.empty() || t.front() == '#' || t.front() == '!') return;
      line = t;
    }
    size_t backslashes = 0;
    while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 1) {
      cur.append(line.substr(0, line.size() - 1));
      continuing = true;
      return;
    }
    cur.append(line);
    lines.push_back(std::move(cur));
    cur.clear();
    continuing = false;
  });
  if (continuing) lines.push_back(std::move(cur));

  auto unescape = [](std::string_view s) {
    std::string r;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\' || i + 1 == s.size()) {
        r.push_back(s[i]);
        continue;
      }
      char c = s[++i];
      switch (c) {
        case 't':
          r.push_back('\t');
          break;
        case 'n':
          r.push_back('\n');
          break;
        case 'r':
          r.push_back('\r');
          break;
        case 'f':
          r.push_back('\f');
          break;
        case 'u': {
          // \uXXXX: only ASCII matters for coordinates; others become '?'.
          unsigned v = 0;
          size_t j = 0;
          for (; j < 4 && i + 1 + j < s.size(); ++j) {
            char h = s[i + 1 + j];
            int d = IsDigit(h)               ? h - '0'
                    : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                    : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                             : -1;
            if (d < 0) break;
            v = v * 16 + static_cast<unsigned>(d);
          }
          i += j;
          r.push_back(v < 0x80 ? static_cast<char>(v) : '?');
          break;
        }
        default:
          r.push_back(c);
      }
    }
    return r;
  };

  for (const std::string& l : lines) {
    size_t i = 0;
    while (i < l.size()) {
      char c = l[i];
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f') break;
      ++i;
    }
    i = std::min(i, l.size());
    std::string key = unescape(std::string_view(l).substr(0, i));
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t' || l[i] == '\f')) ++i;
    if (i < l.size() && (l[i] == '=' || l[i] == ':')) ++i;
    std::string value = unescape(std::string_view(l).substr(i));
    out[key] = std::string(Trim(value));
  }
  return out;
}

std::pair<std::string, std::string> SplitJavaArchiveName(std::string_view file_name) {
  std::string_view base = BaseName(file_name);
  for (std::string_view ext : {".jar", ".war", ".ear", ".jpi", ".hpi"}) {
    if (EndsWithNoCase(base, ext)) {
      base.remove_suffix(ext.size());
      break;
    }
  }
  for (size_t i = base.size(); i-- > 1;) {
    if (base[i - 1] == '-' && IsDigit(base[i]) && i - 1 > 0) {
      return {std::string(base.substr(0, i - 1)), std::string(base.substr(i))};
    }
  }
  return {std::string(base), ""};
}

bool IsJavaArchiveName(std::string_view path) {
  std::string_view base = BaseName(path);
  for (std::string_view ext : {".jar", ".war", ".ear", ".jpi", ".hpi"}) {
    if (base.size() > ext.size() && EndsWithNoCase(base, ext)) return true;
  }
  return false;
}

Status ParseJavaArchive(std::string_view location, std::string_view bytes, std::vector<Package>& out,
                        const JavaLimits& limits, std::vector<std::string>* warnings) {
  Walker w(limits, out, warnings);
  w.Walk(std::string(location), bytes, 0);
  return w.status();
}

std::unique_ptr<Cataloger> NewJavaCataloger() { return std::make_unique<JavaCataloger>(); }

}  // namespace vigil::catalog
