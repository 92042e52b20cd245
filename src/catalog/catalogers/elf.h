// A small, defensive ELF reader for the binary catalogers (Go build info, cargo-auditable data).
//
// It reads only the ELF header, the program headers and the section headers of a file held in
// memory, and never trusts an offset, size or count from the file: every read is checked
// against the buffer. It is internal to the catalog library, not a general ELF library.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::catalog {

// True when `file` starts with the ELF magic "\x7fELF".
bool IsElf(std::string_view file);

// One program header (segment).
struct ElfSegment {
  uint32_t type = 0;   // PT_LOAD = 1, ...
  uint32_t flags = 0;  // PF_X = 1, PF_W = 2, PF_R = 4
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
};

// One section header, with its name resolved through the section-name string table.
struct ElfSection {
  std::string_view name;  // "" when the name table is missing or the offset is bad
  uint32_t type = 0;      // SHT_NOBITS = 8 has no bytes in the file
  uint64_t flags = 0;
  uint64_t addr = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

inline constexpr uint32_t kElfPtLoad = 1;
inline constexpr uint32_t kElfPfX = 1;
inline constexpr uint32_t kElfPfW = 2;
inline constexpr uint32_t kElfShtNobits = 8;

// A parsed view of an ELF file. Holds string_views into the buffer given to Parse(), which must
// outlive it.
class ElfFile {
 public:
  // Parses the headers of `file`. kNotFound when `file` is not ELF at all (no magic), so callers
  // can tell "not a binary" from "a broken binary"; kCorrupt when the magic is there but the
  // identification, the header or a header table lies outside the file or is malformed.
  // kUnsupported for an unknown class or byte order. A file without program or section headers
  // is fine (both lists are then empty).
  static Result<ElfFile> Parse(std::string_view file);

  const std::vector<ElfSegment>& segments() const { return segments_; }
  const std::vector<ElfSection>& sections() const { return sections_; }

  // The first section named `name`, or nullptr.
  const ElfSection* FindSection(std::string_view name) const;
  // The bytes of `s` in the file ("" for SHT_NOBITS). kCorrupt when they lie outside the file.
  Result<std::string_view> SectionData(const ElfSection& s) const;
  // The `len` file bytes that are loaded at virtual address `vaddr`, taken from the one PT_LOAD
  // segment (or, without program headers, the allocated section) that maps the whole range from
  // file contents. kNotFound when no segment maps it; kCorrupt when the mapping points outside
  // the file.
  Result<std::string_view> ReadVirtual(uint64_t vaddr, uint64_t len) const;

 private:
  std::string_view file_;
  bool is64_ = false;
  bool big_endian_ = false;
  std::vector<ElfSegment> segments_;
  std::vector<ElfSection> sections_;
};

// The bytes of the section called `name` in the ELF file `file`. kNotFound when `file` is not
// ELF or has no such section; kCorrupt when the headers or the section lie outside the file.
Result<std::string_view> FindElfSection(std::string_view file, std::string_view name);

// Reads an unsigned integer of `size` bytes (1, 2, 4 or 8) at `data[0]` in the given byte order.
// Precondition: data.size() >= size.
uint64_t ReadUint(std::string_view data, size_t size, bool big_endian);

}  // namespace vigil::catalog
