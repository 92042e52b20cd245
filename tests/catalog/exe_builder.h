// Builds small synthetic PE and Mach-O files in memory for the binary cataloger tests (the
// section tables the Go and cargo-auditable readers use, nothing more), so the tests need no
// binary fixtures.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "elf_builder.h"

namespace vigil::testing {

struct ExeTestSection {
  std::string name;     // PE: at most 8 bytes; Mach-O: sectname
  std::string segment;  // Mach-O segname ("__DATA", "__TEXT"); ignored for PE
  bool writable = false;
  std::string data;
};

// A PE32+ file: DOS header ("MZ", e_lfanew = 0x40), "PE\0\0", a COFF header without optional
// header, the section table, then each section's data at a 0x200-aligned offset.
inline std::string BuildPe(const std::vector<ExeTestSection>& sections) {
  std::string out(0x40, '\0');
  out[0] = 'M';
  out[1] = 'Z';
  SetUint(out, 0x3c, 0x40, 4, false);
  out += std::string("PE\0\0", 4);
  PutUint(out, 0x8664, 2, false);           // Machine: x86-64
  PutUint(out, sections.size(), 2, false);  // NumberOfSections
  PutUint(out, 0, 4, false);                // TimeDateStamp
  PutUint(out, 0, 4, false);                // PointerToSymbolTable
  PutUint(out, 0, 4, false);                // NumberOfSymbols
  PutUint(out, 0, 2, false);                // SizeOfOptionalHeader
  PutUint(out, 0x22, 2, false);             // Characteristics
  size_t table = out.size();
  out.resize(table + 40 * sections.size(), '\0');
  for (size_t i = 0; i < sections.size(); ++i) {
    while (out.size() % 0x200 != 0) out.push_back('\0');
    size_t raw = out.size();
    std::string data = sections[i].data;
    while (data.size() % 0x200 != 0) data.push_back('\0');  // padded to the file alignment
    out += data;
    size_t h = table + 40 * i;
    out.replace(h, std::min<size_t>(8, sections[i].name.size()), sections[i].name.substr(0, 8));
    SetUint(out, h + 8, sections[i].data.size(), 4, false);  // VirtualSize
    SetUint(out, h + 12, 0x1000 * (i + 1), 4, false);        // VirtualAddress
    SetUint(out, h + 16, data.size(), 4, false);             // SizeOfRawData
    SetUint(out, h + 20, raw, 4, false);                     // PointerToRawData
    uint32_t ch = sections[i].writable ? 0xC0000040u : 0x60000020u;
    SetUint(out, h + 36, ch, 4, false);
  }
  return out;
}

// A 64-bit little-endian Mach-O executable with one LC_SEGMENT_64 per distinct segment name
// (writable when any of its sections is), each section's data 16-byte aligned.
inline std::string BuildMachO(const std::vector<ExeTestSection>& sections) {
  std::vector<std::string> segs;
  for (const auto& s : sections) {
    bool seen = false;
    for (const auto& g : segs) seen |= g == s.segment;
    if (!seen) segs.push_back(s.segment);
  }
  size_t cmds_size = 0;
  for (const auto& g : segs) {
    size_t n = 0;
    for (const auto& s : sections) n += s.segment == g;
    cmds_size += 72 + 80 * n;
  }
  std::string out;
  PutUint(out, 0xfeedfacf, 4, false);
  PutUint(out, 0x01000007, 4, false);  // CPU_TYPE_X86_64
  PutUint(out, 3, 4, false);
  PutUint(out, 2, 4, false);  // MH_EXECUTE
  PutUint(out, segs.size(), 4, false);
  PutUint(out, cmds_size, 4, false);
  PutUint(out, 0, 4, false);
  PutUint(out, 0, 4, false);
  size_t data_at = 32 + cmds_size;
  while (data_at % 16 != 0) ++data_at;
  std::string blobs;
  for (const auto& g : segs) {
    std::vector<const ExeTestSection*> mine;
    bool writable = false;
    for (const auto& s : sections) {
      if (s.segment == g) {
        mine.push_back(&s);
        writable |= s.writable;
      }
    }
    std::string cmd;
    PutUint(cmd, 0x19, 4, false);
    PutUint(cmd, 72 + 80 * mine.size(), 4, false);
    std::string name = g;
    name.resize(16, '\0');
    cmd += name;
    PutUint(cmd, 0x100000000ull, 8, false);  // vmaddr
    PutUint(cmd, 0x10000, 8, false);         // vmsize
    PutUint(cmd, 0, 8, false);               // fileoff
    PutUint(cmd, 0, 8, false);               // filesize
    PutUint(cmd, 7, 4, false);               // maxprot
    PutUint(cmd, writable ? 3 : 5, 4, false);
    PutUint(cmd, mine.size(), 4, false);
    PutUint(cmd, 0, 4, false);
    for (const auto* s : mine) {
      while ((data_at + blobs.size()) % 16 != 0) blobs.push_back('\0');
      size_t off = data_at + blobs.size();
      blobs += s->data;
      std::string sect = s->name;
      sect.resize(16, '\0');
      std::string segname = g;
      segname.resize(16, '\0');
      cmd += sect + segname;
      PutUint(cmd, 0x100000000ull + off, 8, false);  // addr
      PutUint(cmd, s->data.size(), 8, false);        // size
      PutUint(cmd, off, 4, false);                   // offset
      PutUint(cmd, 4, 4, false);                     // align (2^4)
      PutUint(cmd, 0, 4, false);                     // reloff
      PutUint(cmd, 0, 4, false);                     // nreloc
      PutUint(cmd, 0, 4, false);                     // flags: S_REGULAR
      PutUint(cmd, 0, 4, false);                     // reserved1
      PutUint(cmd, 0, 4, false);                     // reserved2
      PutUint(cmd, 0, 4, false);                     // reserved3
    }
    out += cmd;
  }
  out.resize(data_at, '\0');
  out += blobs;
  return out;
}

// A universal ("fat") Mach-O holding `images` (each a thin Mach-O), 4096-aligned.
inline std::string BuildFatMachO(const std::vector<std::string>& images) {
  std::string out;
  PutUint(out, 0xcafebabe, 4, true);
  PutUint(out, images.size(), 4, true);
  size_t at = 4096;
  std::vector<size_t> offsets;
  for (const auto& img : images) {
    offsets.push_back(at);
    at += (img.size() + 4095) / 4096 * 4096;
  }
  for (size_t i = 0; i < images.size(); ++i) {
    PutUint(out, 0x01000007, 4, true);
    PutUint(out, 3, 4, true);
    PutUint(out, offsets[i], 4, true);
    PutUint(out, images[i].size(), 4, true);
    PutUint(out, 12, 4, true);
  }
  for (size_t i = 0; i < images.size(); ++i) {
    out.resize(offsets[i], '\0');
    out += images[i];
  }
  return out;
}

}  // namespace vigil::testing
