#include "catalog/catalogers/go_binary.h"

#include <map>
#include <optional>
#include <set>

#include "catalog/catalogers/elf.h"
#include "catalog/catalogers/exe_formats.h"
#include "common/strings.h"

namespace vigil::catalog {
namespace {

constexpr std::string_view kMagic = "\xff Go buildinf:";
constexpr size_t kHeaderSize = 32;   // magic, pointer size, flags, then two pointers or padding
constexpr size_t kHeaderAlign = 16;  // the linker aligns the header; an unaligned hit is data
constexpr uint8_t kFlagBigEndian = 0x1;
constexpr uint8_t kFlagInline = 0x2;  // Go 1.18+: strings follow the header
constexpr uint64_t kMaxVersionLen = 256;
constexpr uint64_t kMaxModInfoLen = 8u << 20;
constexpr uint64_t kMinModInfoFramed = 33;  // two 16-byte sentinels around at least a newline

class GoBinaryCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "go-binary"; }
  bool Wants(const FileRef& f) const override { return (f.mode & 0111) != 0 && f.size >= 1024; }
  uint64_t MaxSize() const override { return 512u << 20; }
  Status Parse(const FileRef&, std::string_view content, FileResult& out) const override {
    return ParseGoBinary(content, out.packages);
  }
};

// The offset of the first build-info header in `data`, whose first byte is loaded at `addr`.
std::optional<size_t> FindHeader(std::string_view data, uint64_t addr) {
  size_t from = 0;
  while (true) {
    size_t i = data.find(kMagic, from);
    if (i == std::string_view::npos || data.size() - i < kHeaderSize) return std::nullopt;
    if ((addr + i) % kHeaderAlign == 0) return i;
    from = i + 1;
  }
}

// Reads a Go 1.18+ string: an unsigned LEB128 length, then the bytes. Advances `data`.
Result<std::string> ReadVarString(std::string_view& data, uint64_t max, std::string_view what) {
  uint64_t len = 0;
  size_t i = 0;
  for (int shift = 0;; shift += 7) {
    if (i >= data.size())
      return Corrupt("Go build info: " + std::string(what) + " length runs past the end of the file");
    if (shift > 63) return Corrupt("Go build info: " + std::string(what) + " length is not a valid varint");
    uint8_t b = static_cast<uint8_t>(data[i++]);
    len |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  if (len > max) {
    return LimitExceeded("Go build info: " + std::string(what) + " length " + std::to_string(len) +
                         " is more than the " + std::to_string(max) + "-byte limit");
  }
  if (len > data.size() - i) {
    return Corrupt("Go build info: " + std::string(what) + " (" + std::to_string(len) +
                   " bytes) runs past the end of the file");
  }
  std::string s(data.substr(i, len));
  data.remove_prefix(i + len);
  return s;
}

// Reads a pre-1.18 string: `addr` points at a Go string header {data pointer, length}.
Result<std::string> ReadPointedString(const ElfFile& elf, uint64_t addr, size_t ptr_size, bool big, uint64_t max,
                                      std::string_view what) {
  auto hdr = elf.ReadVirtual(addr, 2 * ptr_size);
  if (!hdr.ok()) return Corrupt("Go build info: " + std::string(what) + " string header: " + hdr.error().message());
  uint64_t data_addr = ReadUint(*hdr, ptr_size, big);
  uint64_t len = ReadUint(hdr->substr(ptr_size), ptr_size, big);
  if (len > max) {
    return LimitExceeded("Go build info: " + std::string(what) + " length " + std::to_string(len) +
                         " is more than the " + std::to_string(max) + "-byte limit");
  }
  if (len == 0) return std::string();
  auto bytes = elf.ReadVirtual(data_addr, len);
  if (!bytes.ok()) return Corrupt("Go build info: " + std::string(what) + ": " + bytes.error().message());
  return std::string(*bytes);
}

struct Module {
  std::string path, version, sum;
};

struct Dep {
  Module mod;
  std::optional<Module> replace;
};

Module ModuleFromFields(std::string_view rest) {
  std::vector<std::string_view> f = Split(rest, '\t');
  Module m;
  m.path = std::string(f[0]);
  if (f.size() > 1) m.version = std::string(f[1]);
  if (f.size() > 2) m.sum = std::string(f[2]);
  return m;
}

void SplitModulePath(std::string_view path, Package& p) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    p.name = std::string(path);
  } else {
    p.name_space = std::string(path.substr(0, slash));
    p.name = std::string(path.substr(slash + 1));
  }
}

// A replacement by a directory ("../fork", "/src/x") rather than by a module: go.mod allows
// only those forms without a version.
bool IsLocalReplacement(const Module& m) {
  return m.version.empty() || m.path.starts_with("./") || m.path.starts_with("../") || m.path.starts_with("/");
}

// Undoes strconv.Quote for the build settings the toolchain quotes (values with spaces or
// quotes). Unknown escapes are kept as written: only a readable value is needed.
std::string UnquoteGo(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  s = s.substr(1, s.size() - 2);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '"':
        out.push_back('"');
        break;
      default:
        out.push_back('\\');
        out.push_back(c);
    }
  }
  return out;
}

// Splits a flag string into words as a POSIX shell would (quotes and backslashes), which is how
// `go build -ldflags` reads its value.
std::vector<std::string> ShellWords(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < s.size()) {
        cur.push_back(s[++i]);
      } else {
        cur.push_back(c);
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur.push_back(s[++i]);
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(cur));
  return words;
}

// "1.2.3", "v1.2", "v2.0.0-rc.1+meta": digits, a dot, digits, and then anything semver allows.
bool LooksLikeSemver(std::string_view v) {
  if (!v.empty() && v.front() == 'v') v.remove_prefix(1);
  size_t i = 0;
  auto digits = [&]() {
    size_t start = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
    return i > start;
  };
  if (!digits() || i >= v.size() || v[i] != '.') return false;
  ++i;
  if (!digits()) return false;
  for (; i < v.size(); ++i) {
    char c = v[i];
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

namespace {

// Decodes the build info whose header starts `region` (which runs to the end of its section or
// segment). `elf` resolves the pointers of the Go 1.13-1.17 layout; without it (PE, Mach-O) only
// the Go 1.18+ inline layout is read.
Result<GoBuildInfo> DecodeBuildInfo(std::string_view region, const ElfFile* elf, std::string_view format) {
  const uint8_t ptr_size = static_cast<uint8_t>(region[14]);
  const uint8_t flags = static_cast<uint8_t>(region[15]);
  GoBuildInfo info;
  std::string mod;
  if (flags & kFlagInline) {
    std::string_view rest = region.substr(kHeaderSize);
    VIGIL_ASSIGN_OR_RETURN(info.go_version, ReadVarString(rest, kMaxVersionLen, "Go version"));
    VIGIL_ASSIGN_OR_RETURN(mod, ReadVarString(rest, kMaxModInfoLen, "module info"));
  } else {
    if (elf == nullptr) {
      return Unsupported("Go build info: this " + std::string(format) +
                         " binary has the pointer layout of Go 1.13-1.17, which vigil reads from ELF files only; "
                         "its modules are not listed");
    }
    if (ptr_size != 4 && ptr_size != 8) {
      return Corrupt("Go build info: pointer size " + std::to_string(ptr_size) + " is neither 4 nor 8");
    }
    const bool big = flags & kFlagBigEndian;
    uint64_t version_addr = ReadUint(region.substr(16), ptr_size, big);
    uint64_t mod_addr = ReadUint(region.substr(16 + ptr_size), ptr_size, big);
    VIGIL_ASSIGN_OR_RETURN(info.go_version,
                           ReadPointedString(*elf, version_addr, ptr_size, big, kMaxVersionLen, "Go version"));
    VIGIL_ASSIGN_OR_RETURN(mod, ReadPointedString(*elf, mod_addr, ptr_size, big, kMaxModInfoLen, "module info"));
  }
  if (info.go_version.empty()) return Corrupt("Go build info: empty Go version");
  // The module info is framed by two 16-byte sentinels so that tools can find it in memory;
  // without the frame (a binary built outside module mode) it carries nothing usable.
  if (mod.size() >= kMinModInfoFramed && mod[mod.size() - 17] == '\n') {
    info.mod_info = mod.substr(16, mod.size() - 32);
  }
  return info;
}

// PE and Mach-O: the Go linker puts the build info first in the writable data (PE .data; Mach-O
// __DATA,__go_buildinfo in Go 1.18+, __DATA,__data before), 16-byte aligned from the section's
// start. The sections are searched in that order: __go_buildinfo, then every writable section.
Result<GoBuildInfo> ReadGoBuildInfoNonElf(std::string_view file, ExeFormat format) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<ExeSection> sections, ReadExeSections(file));
  std::vector<const ExeSection*> order;
  for (const ExeSection& s : sections) {
    if (s.name == "__go_buildinfo") order.push_back(&s);
  }
  for (const ExeSection& s : sections) {
    if (s.writable && s.name != "__go_buildinfo") order.push_back(&s);
  }
  for (const ExeSection* s : order) {
    std::optional<size_t> at = FindHeader(s->data, 0);
    if (at) return DecodeBuildInfo(s->data.substr(*at), nullptr, ExeFormatName(format));
  }
  return NotFound("not a Go binary: no build info");
}

}  // namespace

Result<GoBuildInfo> ReadGoBuildInfo(std::string_view file) {
  ExeFormat format = DetectExeFormat(file);
  if (format == ExeFormat::kPe || format == ExeFormat::kMachO || format == ExeFormat::kMachOFat) {
    return ReadGoBuildInfoNonElf(file, format);
  }
  VIGIL_ASSIGN_OR_RETURN(ElfFile elf, ElfFile::Parse(file));
  std::string_view region;  // the header and what follows it, up to the end of its section/segment
  if (const ElfSection* sec = elf.FindSection(".go.buildinfo")) {
    VIGIL_ASSIGN_OR_RETURN(std::string_view data, elf.SectionData(*sec));
    std::optional<size_t> at = FindHeader(data, sec->addr);
    if (!at) return Corrupt("Go build info: the .go.buildinfo section holds no build info header");
    region = data.substr(*at);
  } else {
    // Without section headers the Go tools themselves look in the first writable, non-executable
    // segment, where the linker puts .go.buildinfo first; so do we.
    for (const ElfSegment& s : elf.segments()) {
      if (s.type != kElfPtLoad || (s.flags & (kElfPfW | kElfPfX)) != kElfPfW) continue;
      if (s.offset > file.size() || s.filesz > file.size() - s.offset) {
        return Corrupt("Go build info: the writable segment lies outside the file");
      }
      std::string_view data = file.substr(s.offset, s.filesz);
      std::optional<size_t> at = FindHeader(data, s.vaddr);
      if (at) region = data.substr(*at);
      break;
    }
    if (region.empty()) return NotFound("not a Go binary: no build info");
  }
  return DecodeBuildInfo(region, &elf, "ELF");
}

std::string GoStdlibVersion(std::string_view go_version) {
  if (!go_version.starts_with("go")) return "";
  std::string_view v = go_version.substr(2);
  size_t sp = v.find_first_of(" \t");
  if (sp != std::string_view::npos) v = v.substr(0, sp);
  if (v.empty() || v.front() < '0' || v.front() > '9') return "";
  return "v" + std::string(v);
}

std::string GoVersionFromLdflags(std::string_view main_path, std::string_view ldflags) {
  std::vector<std::string> words = ShellWords(ldflags);
  // rank 0: a package of the main module; 1: package main; 2: anything else.
  std::set<std::string> found[3];
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i];
    std::string_view assignment;
    if (w == "-X" || w == "--X") {
      if (i + 1 >= words.size()) break;
      assignment = words[++i];
    } else if (w.starts_with("-X=")) {
      assignment = w.substr(3);
    } else if (w.starts_with("--X=")) {
      assignment = w.substr(4);
    } else {
      continue;
    }
    size_t eq = assignment.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = assignment.substr(0, eq);
    std::string_view value = assignment.substr(eq + 1);
    std::string lower = AsciiLower(key);
    if (!lower.ends_with(".version") && !lower.ends_with(".ver")) continue;
    if (!LooksLikeSemver(value)) continue;
    std::string_view pkg = key.substr(0, key.rfind('.'));
    int rank = 2;
    if (!main_path.empty() && (pkg == main_path || pkg.starts_with(std::string(main_path) + "/"))) {
      rank = 0;
    } else if (pkg == "main") {
      rank = 1;
    }
    found[rank].insert(std::string(value));
  }
  for (const auto& versions : found) {
    if (versions.empty()) continue;
    // Two different versions at the same rank: guessing would be worse than saying nothing.
    return versions.size() == 1 ? *versions.begin() : "";
  }
  return "";
}

Status ParseGoModInfo(std::string_view go_version, std::string_view mod_info, std::vector<Package>& out) {
  std::string main_path;  // the "path" line: the main package
  std::optional<Module> main_mod;
  std::vector<Dep> deps;
  std::map<std::string, std::string> settings;
  std::string first_error;
  bool last_is_dep = false;  // what a "=>" line would replace
  size_t line_no = 0;
  ForEachLine(mod_info, [&](std::string_view line) {
    ++line_no;
    auto fail = [&](std::string_view why) {
      if (first_error.empty()) {
        first_error =
            "Go module info line " + std::to_string(line_no) + " " + std::string(why) + ": '" + Clip(line, 80) + "'";
      }
    };
    if (line.empty()) return;
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) return fail("has no tab");
    std::string_view kind = line.substr(0, tab);
    std::string_view rest = line.substr(tab + 1);
    if (kind == "path") {
      main_path = std::string(rest);
      last_is_dep = false;
    } else if (kind == "mod" || kind == "dep") {
      Module m = ModuleFromFields(rest);
      if (m.path.empty()) {
        // Old toolchains wrote a "dep" line with no path (and version "(devel)") for some
        // binaries: a known quirk, not damage. Skip it, and any replacement of it.
        last_is_dep = false;
        if (kind == "dep") return;
        return fail("names no module");
      }
      if (kind == "mod") {
        main_mod = std::move(m);
        last_is_dep = false;
      } else {
        deps.push_back(Dep{std::move(m), std::nullopt});
        last_is_dep = true;
      }
    } else if (kind == "=>") {
      Module m = ModuleFromFields(rest);
      if (!last_is_dep) return fail("replaces nothing");
      if (m.path.empty()) return fail("names no replacement");
      deps.back().replace = std::move(m);
      last_is_dep = false;  // a module is replaced at most once
    } else if (kind == "build") {
      // key=value; either side may be quoted by the toolchain when it holds spaces or quotes.
      std::string_view kv = rest;
      std::string key, value;
      if (kv.starts_with("\"")) {
        size_t close = 1;
        while (close < kv.size() && (kv[close] != '"' || kv[close - 1] == '\\')) ++close;
        if (close >= kv.size()) return fail("has an unterminated quoted key");
        key = UnquoteGo(kv.substr(0, close + 1));
        kv.remove_prefix(close + 1);
        if (!kv.starts_with("=")) return fail("has no '=' after the key");
        value = UnquoteGo(kv.substr(1));
      } else {
        size_t eq = kv.find('=');
        if (eq == std::string_view::npos) return fail("has no '='");
        key = std::string(kv.substr(0, eq));
        value = UnquoteGo(kv.substr(eq + 1));
      }
      settings[key] = value;
      last_is_dep = false;
    }
    // Other line kinds ("go" in old toolchains, future additions) carry no packages.
  });

  Package stdlib;
  stdlib.type = "golang";
  stdlib.name = "stdlib";
  stdlib.version = GoStdlibVersion(go_version);
  stdlib.properties["go:toolchain"] = std::string(go_version);
  if (size_t x = go_version.find(" X:"); x != std::string_view::npos) {
    stdlib.properties["go:experiments"] = std::string(Trim(go_version.substr(x + 3)));
  }
  if (!main_path.empty()) stdlib.properties["go:path"] = main_path;
  out.push_back(std::move(stdlib));

  if (main_mod) {
    Package p;
    p.type = "golang";
    SplitModulePath(main_mod->path, p);
    p.properties["go:main-module"] = "true";
    if (main_mod->version.empty() || main_mod->version == "(devel)") {
      if (!main_mod->version.empty()) p.properties["go:module-version"] = main_mod->version;
      if (auto it = settings.find("-ldflags"); it != settings.end()) {
        p.version = GoVersionFromLdflags(main_mod->path, it->second);
        if (!p.version.empty()) p.properties["go:version-source"] = "ldflags";
      }
    } else {
      p.version = main_mod->version;
    }
    if (!main_mod->sum.empty()) p.properties["go:sum"] = main_mod->sum;
    out.push_back(std::move(p));
  }

  for (const Dep& d : deps) {
    Package p;
    p.type = "golang";
    const Module* built = &d.mod;
    if (d.replace) {
      p.properties["go:replaces"] = d.mod.path + (d.mod.version.empty() ? "" : "@" + d.mod.version);
      if (IsLocalReplacement(*d.replace)) {
        // Local source: no module version describes it, and the directory is no module name.
        p.properties["go:replacement-dir"] = d.replace->path;
        SplitModulePath(d.mod.path, p);
        out.push_back(std::move(p));
        continue;
      }
      built = &*d.replace;
    }
    SplitModulePath(built->path, p);
    p.version = built->version;
    if (!built->sum.empty()) p.properties["go:sum"] = built->sum;
    out.push_back(std::move(p));
  }
  if (!first_error.empty()) return Corrupt(first_error);
  return OkStatus();
}

Status ParseGoBinary(std::string_view file, std::vector<Package>& out) {
  Result<GoBuildInfo> info = ReadGoBuildInfo(file);
  if (!info.ok()) {
    // Most executables in an image are not Go programs (or not ELF at all): that is no error.
    if (info.error().code() == ErrorCode::kNotFound) return OkStatus();
    return info.status();
  }
  return ParseGoModInfo(info->go_version, info->mod_info, out);
}

std::unique_ptr<Cataloger> NewGoBinaryCataloger() { return std::make_unique<GoBinaryCataloger>(); }

}  // namespace vigil::catalog
