// Builds small synthetic ELF files in memory for the binary cataloger tests, so the tests need
// no binary fixtures. Layout: ELF header, program headers (one PT_LOAD per section with an
// address), section contents (16-byte aligned), .shstrtab, section headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::testing {

struct TestSection {
  std::string name;
  uint64_t addr = 0;      // 0: not loaded (no PT_LOAD)
  bool writable = false;  // PF_W / SHF_WRITE
  bool executable = false;
  std::string data;
  uint32_t type = 1;  // SHT_PROGBITS
};

struct ElfOptions {
  bool is64 = true;
  bool big_endian = false;
  bool section_headers = true;  // false: as if stripped with sstrip (e_shoff = 0)
  bool program_headers = true;
};

// Appends `v` as a `size`-byte integer in the given byte order.
inline void PutUint(std::string& out, uint64_t v, size_t size, bool big_endian) {
  for (size_t i = 0; i < size; ++i) {
    size_t shift = big_endian ? (size - 1 - i) * 8 : i * 8;
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

// Overwrites `size` bytes at `off`.
inline void SetUint(std::string& out, size_t off, uint64_t v, size_t size, bool big_endian) {
  std::string tmp;
  PutUint(tmp, v, size, big_endian);
  out.replace(off, size, tmp);
}

inline std::string BuildElf(const std::vector<TestSection>& sections, const ElfOptions& o = {}) {
  const bool be = o.big_endian;
  const size_t w = o.is64 ? 8 : 4;
  const size_t ehsize = o.is64 ? 64 : 52;
  const size_t phentsize = o.is64 ? 56 : 32;
  const size_t shentsize = o.is64 ? 64 : 40;
  size_t nload = 0;
  for (const auto& s : sections) nload += s.addr != 0 ? 1 : 0;
  if (!o.program_headers) nload = 0;

  auto align = [](size_t v) { return (v + 15) & ~size_t{15}; };
  size_t off = align(ehsize + nload * phentsize);
  std::vector<size_t> offsets;
  for (const auto& s : sections) {
    offsets.push_back(off);
    off = align(off + s.data.size());
  }
  std::string shstrtab(1, '\0');
  std::vector<size_t> name_offs;
  for (const auto& s : sections) {
    name_offs.push_back(shstrtab.size());
    shstrtab += s.name + '\0';
  }
  size_t shstrtab_name = shstrtab.size();
  shstrtab += std::string(".shstrtab") + '\0';
  size_t shstrtab_off = off;
  off = align(off + shstrtab.size());
  size_t shoff = off;
  size_t shnum = sections.size() + 2;

  std::string f;
  f += "\x7f"
       "ELF";
  f.push_back(o.is64 ? 2 : 1);
  f.push_back(be ? 2 : 1);
  f.push_back(1);  // EI_VERSION
  f.append(9, '\0');
  PutUint(f, 2, 2, be);                              // e_type: EXEC
  PutUint(f, o.is64 ? 62 : 3, 2, be);                // e_machine
  PutUint(f, 1, 4, be);                              // e_version
  PutUint(f, 0x401000, w, be);                       // e_entry
  PutUint(f, nload ? ehsize : 0, w, be);             // e_phoff
  PutUint(f, o.section_headers ? shoff : 0, w, be);  // e_shoff
  PutUint(f, 0, 4, be);                              // e_flags
  PutUint(f, ehsize, 2, be);
  PutUint(f, phentsize, 2, be);
  PutUint(f, nload, 2, be);
  PutUint(f, shentsize, 2, be);
  PutUint(f, o.section_headers ? shnum : 0, 2, be);
  PutUint(f, o.section_headers ? shnum - 1 : 0, 2, be);  // e_shstrndx

  if (o.program_headers) {
    for (size_t i = 0; i < sections.size(); ++i) {
      const auto& s = sections[i];
      if (s.addr == 0) continue;
      uint32_t flags = 4 | (s.writable ? 2 : 0) | (s.executable ? 1 : 0);
      PutUint(f, 1, 4, be);  // PT_LOAD
      if (o.is64) {
        PutUint(f, flags, 4, be);
        PutUint(f, offsets[i], 8, be);
        PutUint(f, s.addr, 8, be);
        PutUint(f, s.addr, 8, be);
        PutUint(f, s.data.size(), 8, be);
        PutUint(f, s.data.size(), 8, be);
        PutUint(f, 16, 8, be);
      } else {
        PutUint(f, offsets[i], 4, be);
        PutUint(f, s.addr, 4, be);
        PutUint(f, s.addr, 4, be);
        PutUint(f, s.data.size(), 4, be);
        PutUint(f, s.data.size(), 4, be);
        PutUint(f, flags, 4, be);
        PutUint(f, 16, 4, be);
      }
    }
  }
  for (size_t i = 0; i < sections.size(); ++i) {
    f.resize(offsets[i], '\0');
    f += sections[i].data;
  }
  f.resize(shstrtab_off, '\0');
  f += shstrtab;
  f.resize(shoff, '\0');
  if (!o.section_headers) return f;

  auto shdr = [&](uint32_t name, uint32_t type, uint64_t flags, uint64_t addr, uint64_t offset, uint64_t size) {
    PutUint(f, name, 4, be);
    PutUint(f, type, 4, be);
    PutUint(f, flags, w, be);
    PutUint(f, addr, w, be);
    PutUint(f, offset, w, be);
    PutUint(f, size, w, be);
    PutUint(f, 0, 4, be);  // sh_link
    PutUint(f, 0, 4, be);  // sh_info
    PutUint(f, 16, w, be);
    PutUint(f, 0, w, be);
  };
  shdr(0, 0, 0, 0, 0, 0);
  for (size_t i = 0; i < sections.size(); ++i) {
    const auto& s = sections[i];
    uint64_t flags = (s.addr ? 2 : 0) | (s.writable ? 1 : 0) | (s.executable ? 4 : 0);
    shdr(static_cast<uint32_t>(name_offs[i]), s.type, flags, s.addr, offsets[i], s.data.size());
  }
  shdr(static_cast<uint32_t>(shstrtab_name), 3, 0, 0, shstrtab_off, shstrtab.size());
  return f;
}

// Offset of the section header table (e_shoff) of a file BuildElf made.
inline uint64_t SectionHeaderOffset(const std::string& elf, bool is64 = true, bool big_endian = false) {
  uint64_t v = 0;
  size_t off = is64 ? 40 : 32, size = is64 ? 8 : 4;
  for (size_t i = 0; i < size; ++i) {
    size_t idx = big_endian ? i : size - 1 - i;
    v = (v << 8) | static_cast<unsigned char>(elf[off + idx]);
  }
  return v;
}

}  // namespace vigil::testing
