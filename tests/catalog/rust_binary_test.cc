#include "catalog/catalogers/rust_binary.h"

#include <gtest/gtest.h>
#include <libdeflate.h>

#include "elf_builder.h"
#include "exe_builder.h"

namespace vigil::catalog {
namespace {

using testing::BuildElf;
using testing::ElfOptions;
using testing::SetUint;

// Audit data in the shape cargo-auditable 0.6 writes for a small binary (a root crate with a
// runtime dependency tree, a build-only dependency, a git and a local crate).
const char kAuditJson[] = R"({"format":1,"packages":[
 {"name":"hello","version":"0.1.0","source":"local","dependencies":[1,2,4,5],"root":true},
 {"name":"serde","version":"1.0.193","source":"crates.io","dependencies":[3]},
 {"name":"regex","version":"1.10.2","source":"crates.io"},
 {"name":"serde_derive","version":"1.0.193","source":"crates.io","kind":"build","dependencies":[6]},
 {"name":"fork-of-log","version":"0.4.20","source":"git"},
 {"name":"util","version":"0.2.0","source":"local","kind":"runtime"},
 {"name":"syn","version":"2.0.39","source":"crates.io","kind":"build"},
 {"name":"internal","version":"3.1.0","source":{"Other":"sparse+https://my.registry/index/"}}
]})";

std::string Zlib(std::string_view data, int level = 6) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  std::string out(libdeflate_zlib_compress_bound(c, data.size()), '\0');
  size_t n = libdeflate_zlib_compress(c, data.data(), data.size(), out.data(), out.size());
  libdeflate_free_compressor(c);
  out.resize(n);
  return out;
}

std::string RustBinary(const std::string& dep_v0, const ElfOptions& o = {}) {
  return BuildElf({{".text", 0x401000, false, true, std::string(64, '\x90')},
                   {".rodata", 0x480000, false, false, "rust rodata"},
                   {".dep-v0", 0, false, false, dep_v0}},
                  o);
}

const Package* Find(const std::vector<Package>& pkgs, const std::string& name) {
  for (const auto& p : pkgs) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string Prop(const Package& p, const std::string& key) {
  auto it = p.properties.find(key);
  return it == p.properties.end() ? "" : it->second;
}

void ExpectHello(const std::vector<Package>& pkgs) {
  // Build-only crates (serde_derive, syn) are left out: they do not ship in the binary.
  ASSERT_EQ(pkgs.size(), 6u);
  EXPECT_EQ(Find(pkgs, "serde_derive"), nullptr);
  EXPECT_EQ(Find(pkgs, "syn"), nullptr);
  for (const auto& p : pkgs) EXPECT_EQ(p.type, "cargo");
  const Package* root = Find(pkgs, "hello");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->version, "0.1.0");
  EXPECT_EQ(Prop(*root, "cargo:root"), "true");
  EXPECT_EQ(Prop(*root, "cargo:source"), "local");
  const Package* serde = Find(pkgs, "serde");
  ASSERT_NE(serde, nullptr);
  EXPECT_EQ(serde->version, "1.0.193");
  EXPECT_EQ(serde->name_space, "");
  EXPECT_TRUE(serde->properties.empty());  // crates.io is the default source
  EXPECT_EQ(Find(pkgs, "regex")->version, "1.10.2");
  EXPECT_EQ(Prop(*Find(pkgs, "fork-of-log"), "cargo:source"), "git");
  EXPECT_EQ(Prop(*Find(pkgs, "util"), "cargo:source"), "local");
  EXPECT_EQ(Prop(*Find(pkgs, "internal"), "cargo:source"), "sparse+https://my.registry/index/");
}

TEST(RustBinary, AuditDataSection) {
  for (bool is64 : {true, false}) {
    ElfOptions o;
    o.is64 = is64;
    std::string elf = RustBinary(Zlib(kAuditJson), o);
    auto data = ReadCargoAuditData(elf);
    ASSERT_TRUE(data.ok()) << data.error().ToString();
    EXPECT_EQ(*data, kAuditJson);
    std::vector<Package> pkgs;
    ASSERT_TRUE(ParseRustBinary(elf, pkgs).ok());
    ExpectHello(pkgs);
  }
}

// cargo-auditable names the section .dep-v0 in PE and Mach-O (__DATA) files too.
TEST(RustBinary, AuditDataInPeAndMachO) {
  const std::string z = Zlib(kAuditJson);
  const std::string pe = testing::BuildPe({{".text", "", false, std::string(64, '\x90')}, {".dep-v0", "", false, z}});
  const std::string macho =
      testing::BuildMachO({{"__text", "__TEXT", false, std::string(64, '\x90')}, {".dep-v0", "__DATA", true, z}});
  for (const std::string* file : {&pe, &macho}) {
    auto data = ReadCargoAuditData(*file);
    ASSERT_TRUE(data.ok()) << data.error().ToString();
    EXPECT_EQ(*data, kAuditJson);
    std::vector<Package> pkgs;
    ASSERT_TRUE(ParseRustBinary(*file, pkgs).ok());
    ExpectHello(pkgs);
  }
  std::vector<Package> none;
  EXPECT_TRUE(ParseRustBinary(testing::BuildPe({{".text", "", false, "code"}}), none).ok());
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(ParseRustBinary(testing::BuildPe({{".dep-v0", "", false, "not zlib"}}), none).error().code(),
            ErrorCode::kCorrupt);
}

TEST(RustBinary, GrowsOutputBufferUpToTheCap) {
  // Highly compressible JSON: the first output guess is far too small and must grow.
  std::string json = R"({"packages":[)";
  for (int i = 0; i < 20000; ++i) {
    if (i) json += ",";
    json += R"({"name":"crate)" + std::to_string(i) + R"(","version":"1.0.0","source":"crates.io"})";
  }
  json += "]}";
  std::string elf = RustBinary(Zlib(json));
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseRustBinary(elf, pkgs).ok());
  EXPECT_EQ(pkgs.size(), 20000u);
  // The same data under a smaller cap is refused.
  auto small = ReadCargoAuditData(elf, 64u << 10);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().code(), ErrorCode::kLimitExceeded);
}

TEST(RustBinary, NotAudited) {
  std::vector<Package> pkgs;
  EXPECT_TRUE(ParseRustBinary("#!/bin/sh\n", pkgs).ok());
  EXPECT_TRUE(ParseRustBinary(BuildElf({{".text", 0x401000, false, true, "code"}}), pkgs).ok());
  EXPECT_TRUE(pkgs.empty());
}

TEST(RustBinary, BadInput) {
  std::vector<Package> pkgs;
  // Not zlib at all; zlib with a broken checksum; a truncated stream; an empty section.
  EXPECT_EQ(ParseRustBinary(RustBinary("this is not zlib"), pkgs).error().code(), ErrorCode::kCorrupt);
  std::string z = Zlib(kAuditJson);
  std::string bad_sum = z;
  bad_sum.back() ^= 0x55;
  EXPECT_EQ(ParseRustBinary(RustBinary(bad_sum), pkgs).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ParseRustBinary(RustBinary(z.substr(0, z.size() / 2)), pkgs).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ParseRustBinary(RustBinary(""), pkgs).error().code(), ErrorCode::kCorrupt);
  // A zlib bomb: 32 MiB of spaces in a few dozen KiB stops at the 8 MiB cap.
  std::string bomb = Zlib(std::string(32u << 20, ' '), 1);
  EXPECT_LT(bomb.size(), 256u << 10);
  EXPECT_EQ(ParseRustBinary(RustBinary(bomb), pkgs).error().code(), ErrorCode::kLimitExceeded);
  // The .dep-v0 section points past the end of the file.
  std::string elf = RustBinary(z);
  uint64_t shoff = testing::SectionHeaderOffset(elf);
  std::string past = elf;
  SetUint(past, shoff + 3 * 64 + 32, 1u << 30, 8, false);  // section 3 is .dep-v0: sh_size
  EXPECT_EQ(ParseRustBinary(past, pkgs).error().code(), ErrorCode::kCorrupt);
  // Truncated ELF.
  EXPECT_EQ(ParseRustBinary(elf.substr(0, 40), pkgs).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ParseRustBinary(elf.substr(0, elf.size() - 1), pkgs).error().code(), ErrorCode::kCorrupt);
  // Valid zlib, bad JSON or the wrong shape.
  for (const char* json : {"{", "[]", R"({"packages":{}})", R"({"nothing":1})"}) {
    EXPECT_EQ(ParseRustBinary(RustBinary(Zlib(json)), pkgs).error().code(), ErrorCode::kCorrupt) << json;
  }
  EXPECT_TRUE(pkgs.empty());
  // Entries without a name or version are reported; the good ones are kept.
  Status st = ParseCargoAuditJson(
      R"({"packages":[{"name":"ok","version":"1.0.0","source":"crates.io"},{"name":"x"},7,{"version":"1"}]})", pkgs);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "ok");
  // Every truncation and byte corruption of a small binary: no crash.
  for (size_t n = 0; n < elf.size(); ++n) {
    std::vector<Package> out;
    (void)ParseRustBinary(std::string_view(elf).substr(0, n), out);
  }
  for (size_t i = 0; i < elf.size(); ++i) {
    std::string b = elf;
    b[i] ^= 0xff;
    std::vector<Package> out;
    (void)ParseRustBinary(b, out);
  }
}

TEST(RustBinaryCataloger, Wants) {
  auto c = NewRustBinaryCataloger();
  EXPECT_EQ(c->name(), "rust-binary");
  EXPECT_TRUE(c->Wants({"usr/local/bin/rg", 0755, 4u << 20}));
  EXPECT_FALSE(c->Wants({"usr/local/bin/rg", 0644, 4u << 20}));
  EXPECT_FALSE(c->Wants({"usr/local/bin/tiny", 0755, 100}));
  FileResult out;
  std::string elf = RustBinary(Zlib(kAuditJson));
  ASSERT_TRUE(c->Parse({"usr/local/bin/hello", 0755, elf.size()}, elf, out).ok());
  ExpectHello(out.packages);
}

}  // namespace
}  // namespace vigil::catalog
