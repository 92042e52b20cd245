#include "catalog/catalogers/go_binary.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "catalog/catalogers/elf.h"
#include "catalog/catalogers/exe_formats.h"
#include "elf_builder.h"
#include "exe_builder.h"

namespace vigil::catalog {
namespace {

using testing::BuildElf;
using testing::ElfOptions;
using testing::PutUint;
using testing::SetUint;
using testing::TestSection;

const std::string kMagic = "\xff Go buildinf:";
// The sentinels cmd/go writes around the module info (hex 3077af0c… and f9324331…).
const std::string kInfoStart("\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6", 16);
const std::string kInfoEnd("\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2", 16);

// The module info of esbuild 0.19.12 (npm @esbuild/linux-x64@0.19.12, bin/esbuild), as
// `go version -m` (go1.19) printed it on 2026-11-29:
//   package/bin/esbuild: go1.20.12
//     path  github.com/evanw/esbuild/cmd/esbuild
//     mod   github.com/evanw/esbuild  (devel)
//     dep   golang.org/x/sys  v0.0.0-20220715151400-c0bba94af5f8  h1:0A+M6Uqn+Eje4kHMK80dtF3JCXC4ykBgQG4Fe06QRhQ=
//     build -buildmode=exe … vcs.revision=d7fd1ad35715cda76eb33343b7c07b275e402a2e …
const char kEsbuildModInfo[] =
    "path\tgithub.com/evanw/esbuild/cmd/esbuild\n"
    "mod\tgithub.com/evanw/esbuild\t(devel)\t\n"
    "dep\tgolang.org/x/sys\tv0.0.0-20220715151400-c0bba94af5f8\th1:0A+M6Uqn+Eje4kHMK80dtF3JCXC4ykBgQG4Fe06QRhQ=\n"
    "build\t-buildmode=exe\n"
    "build\t-compiler=gc\n"
    "build\t-trimpath=true\n"
    "build\tCGO_ENABLED=0\n"
    "build\tGOARCH=amd64\n"
    "build\tGOOS=linux\n"
    "build\tGOAMD64=v1\n"
    "build\tvcs=git\n"
    "build\tvcs.revision=d7fd1ad35715cda76eb33343b7c07b275e402a2e\n"
    "build\tvcs.time=2024-01-23T17:38:57Z\n"
    "build\tvcs.modified=false\n";

std::string Uvarint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

std::string Framed(const std::string& modinfo) { return kInfoStart + modinfo + kInfoEnd; }

// A Go 1.18+ .go.buildinfo section: header, then the two strings inline.
std::string InlineBuildInfo(const std::string& version, const std::string& mod, size_t ptr_size = 8) {
  std::string s = kMagic;
  s.push_back(static_cast<char>(ptr_size));
  s.push_back(0x2);
  s.append(16, '\0');
  s += Uvarint(version.size()) + version + Uvarint(mod.size()) + mod;
  return s;
}

// A Go 1.13-1.17 binary: .go.buildinfo holds two pointers to string headers in .rodata, which
// point at the string bytes further on in .rodata.
std::string PointerBinary(const std::string& version, const std::string& mod, bool is64, bool big) {
  const size_t w = is64 ? 8 : 4;
  const uint64_t rodata = 0x480000;
  const uint64_t hdr_v = rodata, hdr_m = rodata + 2 * w, bytes_v = rodata + 4 * w;
  const uint64_t bytes_m = bytes_v + version.size();
  std::string ro;
  PutUint(ro, bytes_v, w, big);
  PutUint(ro, version.size(), w, big);
  PutUint(ro, bytes_m, w, big);
  PutUint(ro, mod.size(), w, big);
  ro += version + mod;
  std::string bi = kMagic;
  bi.push_back(static_cast<char>(w));
  bi.push_back(big ? 0x1 : 0x0);
  PutUint(bi, hdr_v, w, big);
  PutUint(bi, hdr_m, w, big);
  bi.resize(32, '\0');
  ElfOptions o;
  o.is64 = is64;
  o.big_endian = big;
  return BuildElf({{".text", 0x401000, false, true, std::string(64, '\x90')},
                   {".rodata", rodata, false, false, ro},
                   {".go.buildinfo", 0x500000, true, false, bi},
                   {".data", 0x500100, true, false, std::string(32, '\0')}},
                  o);
}

std::string InlineBinary(const std::string& version, const std::string& mod, const ElfOptions& o = {}) {
  return BuildElf({{".text", 0x401000, false, true, std::string(64, '\x90')},
                   {".go.buildinfo", 0x500000, true, false, InlineBuildInfo(version, mod, o.is64 ? 8 : 4)},
                   {".data", 0x500200, true, false, std::string(32, '\0')}},
                  o);
}

const Package* Find(const std::vector<Package>& pkgs, const std::string& ns, const std::string& name) {
  for (const auto& p : pkgs) {
    if (p.name_space == ns && p.name == name) return &p;
  }
  return nullptr;
}

std::string Prop(const Package& p, const std::string& key) {
  auto it = p.properties.find(key);
  return it == p.properties.end() ? "" : it->second;
}

void ExpectEsbuild(const std::vector<Package>& pkgs) {
  ASSERT_EQ(pkgs.size(), 3u);
  const Package* std = Find(pkgs, "", "stdlib");
  ASSERT_NE(std, nullptr);
  EXPECT_EQ(std->type, "golang");
  EXPECT_EQ(std->version, "v1.20.12");
  EXPECT_EQ(Prop(*std, "go:toolchain"), "go1.20.12");
  EXPECT_EQ(Prop(*std, "go:path"), "github.com/evanw/esbuild/cmd/esbuild");
  const Package* main = Find(pkgs, "github.com/evanw", "esbuild");
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->type, "golang");
  EXPECT_EQ(main->version, "");  // "(devel)" is not a version
  EXPECT_EQ(Prop(*main, "go:main-module"), "true");
  EXPECT_EQ(Prop(*main, "go:module-version"), "(devel)");
  const Package* sys = Find(pkgs, "golang.org/x", "sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->version, "v0.0.0-20220715151400-c0bba94af5f8");
  EXPECT_EQ(Prop(*sys, "go:sum"), "h1:0A+M6Uqn+Eje4kHMK80dtF3JCXC4ykBgQG4Fe06QRhQ=");
  EXPECT_EQ(Prop(*sys, "go:main-module"), "");
}

TEST(GoBuildInfo, Inline64LittleEndian) {
  std::string elf = InlineBinary("go1.20.12", Framed(kEsbuildModInfo));
  auto info = ReadGoBuildInfo(elf);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->go_version, "go1.20.12");
  EXPECT_EQ(info->mod_info, kEsbuildModInfo);
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseGoBinary(elf, pkgs).ok());
  ExpectEsbuild(pkgs);
}

TEST(GoBuildInfo, Inline32LittleEndian) {
  ElfOptions o;
  o.is64 = false;
  std::string elf = InlineBinary("go1.20.12", Framed(kEsbuildModInfo), o);
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseGoBinary(elf, pkgs).ok());
  ExpectEsbuild(pkgs);
}

TEST(GoBuildInfo, Inline64BigEndian) {
  ElfOptions o;
  o.big_endian = true;
  std::string elf = InlineBinary("go1.20.12", Framed(kEsbuildModInfo), o);
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseGoBinary(elf, pkgs).ok());
  ExpectEsbuild(pkgs);
}

TEST(GoBuildInfo, PointerLayouts) {
  struct Case {
    bool is64, big;
  };
  for (Case c : {Case{true, false}, Case{false, false}, Case{true, true}, Case{false, true}}) {
    SCOPED_TRACE(std::string(c.is64 ? "64" : "32") + (c.big ? " BE" : " LE"));
    std::string elf = PointerBinary("go1.16.15", Framed(kEsbuildModInfo), c.is64, c.big);
    auto info = ReadGoBuildInfo(elf);
    ASSERT_TRUE(info.ok()) << info.error().ToString();
    EXPECT_EQ(info->go_version, "go1.16.15");
    EXPECT_EQ(info->mod_info, kEsbuildModInfo);
    std::vector<Package> pkgs;
    ASSERT_TRUE(ParseGoBinary(elf, pkgs).ok());
    ASSERT_EQ(pkgs.size(), 3u);
    EXPECT_EQ(Find(pkgs, "", "stdlib")->version, "v1.16.15");
  }
}

TEST(GoBuildInfo, WithoutModuleInfo) {
  // GOPATH-mode builds (and go1.13-1.17 binaries built outside a module) have no framed module
  // info: only the toolchain is known.
  std::string elf = PointerBinary("go1.15.2", "", true, false);
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseGoBinary(elf, pkgs).ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "stdlib");
  EXPECT_EQ(pkgs[0].version, "v1.15.2");
}

TEST(GoBuildInfo, StrippedSectionHeadersScanWritableSegment) {
  // No section headers: the header is found in the first writable, non-executable segment. A
  // magic in read-only data and an unaligned one in the data segment are decoys.
  std::string decoy = kMagic + std::string(1, 8) + std::string(1, 2) + std::string(16, '\0') + Uvarint(3) + "bad";
  std::string data = "abc" + kMagic;  // unaligned copy at address 0x500003
  data.resize(32, '\0');
  data += InlineBuildInfo("go1.21.3", Framed(kEsbuildModInfo));
  ElfOptions o;
  o.section_headers = false;
  std::string elf = BuildElf({{".rodata", 0x480000, false, false, decoy},
                              {".text", 0x401000, false, true, std::string(64, '\x90')},
                              {".data", 0x500000, true, false, data}},
                             o);
  auto info = ReadGoBuildInfo(elf);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->go_version, "go1.21.3");
  EXPECT_EQ(info->mod_info, kEsbuildModInfo);
}

TEST(GoBuildInfo, NotGo) {
  std::vector<Package> pkgs;
  // A shell script, an ELF without build info, an empty file: no packages, no error.
  EXPECT_TRUE(ParseGoBinary("#!/bin/sh\necho hi\n", pkgs).ok());
  EXPECT_TRUE(ParseGoBinary("", pkgs).ok());
  std::string c_binary = BuildElf({{".text", 0x401000, false, true, std::string(64, '\x90')},
                                   {".data", 0x500000, true, false, std::string(64, 'x')}});
  EXPECT_TRUE(ParseGoBinary(c_binary, pkgs).ok());
  EXPECT_TRUE(pkgs.empty());
  EXPECT_EQ(ReadGoBuildInfo(c_binary).error().code(), ErrorCode::kNotFound);
}

// Go 1.18+ build info in Windows (PE) and macOS (Mach-O) executables: found in the writable data
// (PE .data, Mach-O __DATA,__go_buildinfo), after a decoy copy of the magic in read-only data
// (binaries that import debug/buildinfo carry the string as a literal).
TEST(GoBuildInfo, PeAndMachO) {
  using testing::ExeTestSection;
  const std::string info = InlineBuildInfo("go1.20.12", Framed(kEsbuildModInfo));
  const std::string decoy = kMagic + std::string("\x08\x00 not build info, a string literal");
  const std::string pe = testing::BuildPe({{".text", "", false, std::string(512, '\x90')},
                                           {".rdata", "", false, decoy},
                                           {".data", "", true, info + std::string(64, '\0')}});
  const std::string macho = testing::BuildMachO({{"__text", "__TEXT", false, std::string(64, '\x90')},
                                                 {"__rodata", "__TEXT", false, decoy},
                                                 {"__go_buildinfo", "__DATA", true, info},
                                                 {"__data", "__DATA", true, std::string(64, 'd')}});
  const std::string fat = testing::BuildFatMachO({macho});
  EXPECT_EQ(DetectExeFormat(pe), ExeFormat::kPe);
  EXPECT_EQ(DetectExeFormat(macho), ExeFormat::kMachO);
  EXPECT_EQ(DetectExeFormat(fat), ExeFormat::kMachOFat);
  for (const std::string* file : {&pe, &macho, &fat}) {
    SCOPED_TRACE(std::string(ExeFormatName(DetectExeFormat(*file))));
    auto got = ReadGoBuildInfo(*file);
    ASSERT_TRUE(got.ok()) << got.error().ToString();
    EXPECT_EQ(got->go_version, "go1.20.12");
    EXPECT_EQ(got->mod_info, kEsbuildModInfo);
    std::vector<Package> pkgs;
    ASSERT_TRUE(ParseGoBinary(*file, pkgs).ok());
    ExpectEsbuild(pkgs);
  }
  // A PE without build info (a C program): no packages, no error.
  std::vector<Package> none;
  EXPECT_TRUE(ParseGoBinary(testing::BuildPe({{".text", "", false, "code"}, {".data", "", true, "data"}}), none).ok());
  EXPECT_TRUE(none.empty());
  // The Go 1.13-1.17 pointer layout is read from ELF only: a PE or Mach-O one is an error the
  // analyzer turns into a warning naming the file, never a silent nothing.
  std::string old = kMagic;
  old.push_back(8);
  old.push_back(0);  // not inline
  old.append(16, '\x01');
  for (const std::string& file :
       {testing::BuildPe({{".data", "", true, old}}), testing::BuildMachO({{"__data", "__DATA", true, old}})}) {
    Status st = ParseGoBinary(file, none);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), ErrorCode::kUnsupported);
    EXPECT_NE(st.error().message().find("pointer layout of Go 1.13-1.17, which vigil reads from ELF files only"),
              std::string::npos)
        << st.error().message();
  }
}

TEST(ExeFormats, DetectionAndBadInput) {
  EXPECT_EQ(DetectExeFormat("MZ"), ExeFormat::kUnknown);
  std::string dos(0x80, '\0');
  dos[0] = 'M';
  dos[1] = 'Z';
  EXPECT_EQ(DetectExeFormat(dos), ExeFormat::kUnknown);  // a DOS program: no "PE\0\0"
  dos[0x3c] = '\x7f';
  dos[0x3d] = '\x7f';  // e_lfanew far outside the file
  EXPECT_EQ(DetectExeFormat(dos), ExeFormat::kUnknown);
  // A Java class file starts with 0xcafebabe too, followed by its version (52 = Java 8).
  EXPECT_EQ(DetectExeFormat(std::string("\xca\xfe\xba\xbe\x00\x00\x00\x34", 8) + "rest"), ExeFormat::kUnknown);
  EXPECT_EQ(DetectExeFormat("#!/bin/sh\n"), ExeFormat::kUnknown);
  EXPECT_EQ(ReadExeSections("#!/bin/sh\n").error().code(), ErrorCode::kNotFound);
  // Tables and sections outside the file, absurd counts: kCorrupt / kLimitExceeded, no crash.
  std::string pe = testing::BuildPe({{".data", "", true, "x"}});
  std::string many = pe;
  testing::SetUint(many, 0x40 + 6, 0xffff, 2, false);
  EXPECT_EQ(ReadExeSections(many).error().code(), ErrorCode::kLimitExceeded);
  std::string outside = pe;
  testing::SetUint(outside, 0x40 + 24 + 20, 0x7fffffff, 4, false);  // PointerToRawData
  EXPECT_EQ(ReadExeSections(outside).error().code(), ErrorCode::kCorrupt);
  std::string macho = testing::BuildMachO({{"__data", "__DATA", true, "x"}});
  for (size_t cut = 1; cut < macho.size(); cut += 7) {
    auto r = ReadExeSections(macho.substr(0, cut));
    if (cut >= 8) {
      EXPECT_FALSE(r.ok()) << cut;
    }
  }
  std::string ncmds = macho;
  testing::SetUint(ncmds, 16, 0xffffffff, 4, false);
  EXPECT_EQ(ReadExeSections(ncmds).error().code(), ErrorCode::kLimitExceeded);
  std::string fat = testing::BuildFatMachO({macho});
  testing::SetUint(fat, 8 + 8, 0x7fffffff, 4, true);  // the architecture's offset
  EXPECT_EQ(ReadExeSections(fat).error().code(), ErrorCode::kCorrupt);
  for (const std::string& in : {std::string(), std::string(4096, '\xff'), std::string(100, '\0'), macho.substr(0, 40),
                                std::string("\xcf\xfa\xed\xfe", 4) + std::string(60, '\xff')}) {
    (void)ReadExeSections(in);
    std::vector<Package> pkgs;
    (void)ParseGoBinary(in, pkgs);
    (void)ParseGoBinary("MZ" + in, pkgs);
  }
}

TEST(GoStdlibVersion, Forms) {
  EXPECT_EQ(GoStdlibVersion("go1.21.3"), "v1.21.3");
  EXPECT_EQ(GoStdlibVersion("go1.22.3 X:boringcrypto"), "v1.22.3");
  EXPECT_EQ(GoStdlibVersion("go1.20"), "v1.20");
  EXPECT_EQ(GoStdlibVersion("go1.21rc2"), "v1.21rc2");
  EXPECT_EQ(GoStdlibVersion("devel go1.23-abcdef Tue"), "");
  EXPECT_EQ(GoStdlibVersion(""), "");
}

TEST(GoModInfo, Replacements) {
  const char mod[] =
      "path\texample.com/app\n"
      "mod\texample.com/app\tv1.4.0\th1:main=\n"
      "dep\tgithub.com/old/lib\tv1.0.0\th1:old=\n"
      "=>\tgithub.com/fork/lib\tv1.0.1-fix\th1:fork=\n"
      "dep\tgolang.org/x/net\tv0.17.0\n"
      "=>\t../net\t\t\n"
      "dep\tgopkg.in/yaml.v3\tv3.0.1\th1:y=\n"
      "dep\tsingle\tv0.1.0\n";
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseGoModInfo("go1.21.3 X:boringcrypto", mod, pkgs).ok());
  ASSERT_EQ(pkgs.size(), 6u);
  EXPECT_EQ(Prop(*Find(pkgs, "", "stdlib"), "go:experiments"), "boringcrypto");
  const Package* app = Find(pkgs, "example.com", "app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->version, "v1.4.0");
  EXPECT_EQ(Prop(*app, "go:main-module"), "true");
  EXPECT_EQ(Prop(*app, "go:module-version"), "");
  // Replaced by another module: that module and version are what is built in.
  EXPECT_EQ(Find(pkgs, "github.com/old", "lib"), nullptr);
  const Package* fork = Find(pkgs, "github.com/fork", "lib");
  ASSERT_NE(fork, nullptr);
  EXPECT_EQ(fork->version, "v1.0.1-fix");
  EXPECT_EQ(Prop(*fork, "go:replaces"), "github.com/old/lib@v1.0.0");
  EXPECT_EQ(Prop(*fork, "go:sum"), "h1:fork=");
  // Replaced by a local folder: original name, no version, the folder recorded.
  const Package* net = Find(pkgs, "golang.org/x", "net");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->version, "");
  EXPECT_EQ(Prop(*net, "go:replaces"), "golang.org/x/net@v0.17.0");
  EXPECT_EQ(Prop(*net, "go:replacement-dir"), "../net");
  EXPECT_EQ(Find(pkgs, "gopkg.in", "yaml.v3")->version, "v3.0.1");
  EXPECT_EQ(Find(pkgs, "", "single")->version, "v0.1.0");
}

TEST(GoModInfo, DevelVersionFromLdflags) {
  auto parse = [](const std::string& ldflags_line) {
    std::string mod = "path\tgithub.com/acme/tool/cmd/tool\nmod\tgithub.com/acme/tool\t(devel)\t\n" + ldflags_line;
    std::vector<Package> pkgs;
    EXPECT_TRUE(ParseGoModInfo("go1.22.1", mod, pkgs).ok());
    const Package* p = Find(pkgs, "github.com/acme", "tool");
    return p == nullptr ? std::string("<none>") : p->version + "|" + Prop(*p, "go:version-source");
  };
  EXPECT_EQ(parse("build\t-ldflags=\"-s -w -X main.version=1.2.3\"\n"), "1.2.3|ldflags");
  EXPECT_EQ(parse("build\t-ldflags=\"-X=main.Version=v2.0.0-rc.1 -s\"\n"), "v2.0.0-rc.1|ldflags");
  EXPECT_EQ(
      parse("build\t-ldflags=\"-X 'github.com/acme/tool/internal/version.Version=0.9.1' -X main.version=5.0.0\"\n"),
      "0.9.1|ldflags");  // the main module's own package wins over package main
  EXPECT_EQ(parse("build\t-ldflags=\"-X main.version=1.0.0 -X main.Version=2.0.0\"\n"), "|");  // ambiguous
  EXPECT_EQ(parse("build\t-ldflags=\"-X main.version=dev -X main.commit=abc\"\n"), "|");       // not a version
  EXPECT_EQ(parse("build\t-ldflags=-s\n"), "|");
  EXPECT_EQ(parse(""), "|");
  EXPECT_EQ(GoVersionFromLdflags("x", "-X github.com/prometheus/common/version.Version=0.47.0"), "0.47.0");
}

TEST(GoModInfo, MalformedLines) {
  std::vector<Package> pkgs;
  Status st = ParseGoModInfo("go1.21.0", "=>\tgithub.com/x/y\tv1.0.0\t\ndep\tgithub.com/a/b\tv1.0.0\t\n", pkgs);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(st.error().message().find("line 1"), std::string::npos) << st.error().message();
  // The good line still counts.
  EXPECT_NE(Find(pkgs, "github.com/a", "b"), nullptr);
  pkgs.clear();
  EXPECT_FALSE(ParseGoModInfo("go1.21.0", "mod\t\tv1\n", pkgs).ok());
  // A path-less "dep" line is a quirk of old toolchains, skipped without complaint.
  pkgs.clear();
  EXPECT_TRUE(ParseGoModInfo("go1.21.0", "dep\t\t(devel)\t\ndep\tgithub.com/a/b\tv1.0.0\t\n", pkgs).ok());
  EXPECT_EQ(pkgs.size(), 2u);  // stdlib and github.com/a/b
  pkgs.clear();
  EXPECT_FALSE(ParseGoModInfo("go1.21.0", "no tab here\n", pkgs).ok());
  pkgs.clear();
  EXPECT_FALSE(ParseGoModInfo("go1.21.0", "build\t\"unterminated=1\n", pkgs).ok());
  pkgs.clear();
  EXPECT_TRUE(ParseGoModInfo("go1.21.0", "future\tsomething new\n", pkgs).ok());  // unknown kinds skipped
}

TEST(GoBuildInfo, BadInput) {
  const std::string good = InlineBinary("go1.21.3", Framed(kEsbuildModInfo));

  // Truncated: inside the header, inside the program headers, before the section headers.
  for (size_t n : {size_t{5}, size_t{20}, size_t{70}, size_t{200}, good.size() - 10}) {
    Result<GoBuildInfo> r = ReadGoBuildInfo(std::string_view(good).substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << n << ": " << r.error().ToString();
  }

  // The .go.buildinfo section's offset points past the end of the file.
  {
    std::string bad = good;
    uint64_t shoff = testing::SectionHeaderOffset(bad);
    SetUint(bad, shoff + 2 * 64 + 24, 1u << 30, 8, false);  // section 2 is .go.buildinfo
    auto r = ReadGoBuildInfo(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << r.error().ToString();
  }
  // The section header table itself lies past the end.
  {
    std::string bad = good;
    SetUint(bad, 40, bad.size() + 100, 8, false);
    EXPECT_EQ(ReadGoBuildInfo(bad).error().code(), ErrorCode::kCorrupt);
  }
  // A forged section count through extended numbering (e_shnum = 0, count in shdr[0]).
  {
    std::string bad = good;
    uint64_t shoff = testing::SectionHeaderOffset(bad);
    SetUint(bad, 60, 0, 2, false);
    SetUint(bad, shoff + 32, uint64_t{1} << 40, 8, false);
    auto r = ReadGoBuildInfo(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  }
  // Section entry size too small to hold a header.
  {
    std::string bad = good;
    SetUint(bad, 58, 8, 2, false);
    EXPECT_EQ(ReadGoBuildInfo(bad).error().code(), ErrorCode::kCorrupt);
  }
  // Huge varint lengths: the version, then the module info.
  {
    std::string bi =
        kMagic + std::string(1, 8) + std::string(1, 2) + std::string(16, '\0') + Uvarint(~uint64_t{0}) + "go1.21";
    std::string elf = BuildElf({{".go.buildinfo", 0x500000, true, false, bi}});
    auto r = ReadGoBuildInfo(elf);
    EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
    bi = kMagic + std::string(1, 8) + std::string(1, 2) + std::string(16, '\0') + Uvarint(6) + "go1.21" +
         Uvarint(uint64_t{1} << 40);
    elf = BuildElf({{".go.buildinfo", 0x500000, true, false, bi}});
    EXPECT_EQ(ReadGoBuildInfo(elf).error().code(), ErrorCode::kLimitExceeded);
    // Within the cap, but longer than the section.
    bi = kMagic + std::string(1, 8) + std::string(1, 2) + std::string(16, '\0') + Uvarint(6) + "go1.21" +
         Uvarint(5000) + "short";
    elf = BuildElf({{".go.buildinfo", 0x500000, true, false, bi}});
    EXPECT_EQ(ReadGoBuildInfo(elf).error().code(), ErrorCode::kCorrupt);
    // A varint that never ends.
    bi = kMagic + std::string(1, 8) + std::string(1, 2) + std::string(16, '\0') + std::string(12, '\x80');
    elf = BuildElf({{".go.buildinfo", 0x500000, true, false, bi}});
    EXPECT_EQ(ReadGoBuildInfo(elf).error().code(), ErrorCode::kCorrupt);
  }
  // Pointer layout: bad pointer size, unmapped pointer, huge length.
  {
    std::string elf = PointerBinary("go1.16.1", Framed("path\tx\n"), true, false);
    std::string bad = elf;
    size_t at = bad.find(kMagic);
    bad[at + 14] = 3;
    EXPECT_EQ(ReadGoBuildInfo(bad).error().code(), ErrorCode::kCorrupt);
    bad = elf;
    SetUint(bad, at + 16, 0x7fff0000, 8, false);  // version header pointer: nothing maps it
    EXPECT_EQ(ReadGoBuildInfo(bad).error().code(), ErrorCode::kCorrupt);
    bad = elf;
    size_t rodata = bad.find(std::string("go1.16.1")) - 32;  // the two string headers precede it
    SetUint(bad, rodata + 8, uint64_t{1} << 40, 8, false);   // version length
    EXPECT_EQ(ReadGoBuildInfo(bad).error().code(), ErrorCode::kLimitExceeded);
    bad = elf;
    SetUint(bad, rodata + 16, 0x7fff0000, 8, false);  // module info data pointer
    EXPECT_EQ(ReadGoBuildInfo(bad).error().code(), ErrorCode::kCorrupt);
  }
  // A .go.buildinfo section with no header in it; an empty version.
  {
    std::string elf = BuildElf({{".go.buildinfo", 0x500000, true, false, std::string(64, 'z')}});
    EXPECT_EQ(ReadGoBuildInfo(elf).error().code(), ErrorCode::kCorrupt);
    elf = BuildElf({{".go.buildinfo", 0x500000, true, false, InlineBuildInfo("", "")}});
    EXPECT_EQ(ReadGoBuildInfo(elf).error().code(), ErrorCode::kCorrupt);
  }
  // Every truncation and every single-byte corruption of a small binary: errors or packages,
  // never a crash (run under VIGIL_SANITIZE to check memory safety too).
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<Package> pkgs;
    (void)ParseGoBinary(std::string_view(good).substr(0, n), pkgs);
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (char v : {'\0', '\xff', '\x80'}) {
      std::string bad = good;
      bad[i] = v;
      std::vector<Package> pkgs;
      (void)ParseGoBinary(bad, pkgs);
    }
  }
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Debian's runc (setup.sh --test installs it) is built in GOPATH mode: build info with the
// toolchain and the main package path but no modules. Checked on Debian 12 with runc
// 1.1.5+ds1-1+deb12u1: `go version -m /usr/sbin/runc` says go1.19.8, path
// github.com/opencontainers/runc, and only build settings.
TEST(GoBinaryReal, DebianRunc) {
  std::string bytes = ReadFileOrEmpty("/usr/sbin/runc");
  if (bytes.empty()) GTEST_SKIP() << "/usr/sbin/runc is not installed";
  auto info = ReadGoBuildInfo(bytes);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_TRUE(info->go_version.starts_with("go1.")) << info->go_version;
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseGoBinary(bytes, pkgs).ok());
  const Package* std = Find(pkgs, "", "stdlib");
  ASSERT_NE(std, nullptr);
  EXPECT_EQ(std->version, "v" + info->go_version.substr(2));
  EXPECT_EQ(Prop(*std, "go:path"), "github.com/opencontainers/runc");
}

// esbuild 0.19.12 from npm carries full module info (see kEsbuildModInfo). tests/tools installs
// it (scripts/setup.sh --test runs npm ci there); VIGIL_TEST_ESBUILD may point elsewhere.
TEST(GoBinaryReal, Esbuild) {
  const char* env = std::getenv("VIGIL_TEST_ESBUILD");
  std::string path =
      env != nullptr ? env : std::string(VIGIL_SOURCE_DIR) + "/tests/tools/node_modules/@esbuild/linux-x64/bin/esbuild";
  std::string bytes = ReadFileOrEmpty(path);
  ASSERT_FALSE(bytes.empty()) << path;
  auto info = ReadGoBuildInfo(bytes);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->go_version, "go1.20.12");
  EXPECT_EQ(info->mod_info, kEsbuildModInfo);
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseGoBinary(bytes, pkgs).ok());
  ExpectEsbuild(pkgs);
}

TEST(GoBinaryCataloger, Wants) {
  auto c = NewGoBinaryCataloger();
  EXPECT_EQ(c->name(), "go-binary");
  EXPECT_TRUE(c->Wants({"usr/bin/runc", 0755, 8u << 20}));
  EXPECT_TRUE(c->Wants({"app/server", 0100, 2048}));
  EXPECT_FALSE(c->Wants({"usr/bin/runc", 0644, 8u << 20}));  // not executable
  EXPECT_FALSE(c->Wants({"usr/bin/true", 0755, 512}));       // too small to be a Go binary
  EXPECT_EQ(c->MaxSize(), 512u << 20);
  FileResult out;
  std::string elf = InlineBinary("go1.20.12", Framed(kEsbuildModInfo));
  ASSERT_TRUE(c->Parse({"usr/bin/esbuild", 0755, elf.size()}, elf, out).ok());
  ExpectEsbuild(out.packages);
}

}  // namespace
}  // namespace vigil::catalog
