// The executable formats other than ELF that the binary catalogers meet in images: PE (Windows
// .exe/.dll, "MZ" + "PE\0\0") and Mach-O (macOS; thin 32/64-bit in either byte order, and fat
// "universal" files). A small, defensive reader of their section tables for the Go build info
// and cargo-auditable readers: every offset, size and count is checked against the buffer.
// Internal to the catalog library.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::catalog {

enum class ExeFormat { kUnknown, kElf, kPe, kMachO, kMachOFat };

// The format `file` starts as: ELF magic; "MZ" with e_lfanew (at 0x3c) pointing inside the file
// at "PE\0\0"; a Mach-O magic (0xfeedface / 0xfeedfacf, either byte order); the fat magic
// 0xcafebabe followed by an architecture count of 1 to 19 (a Java class file starts with the same
// magic, followed by its version, 45 or more). kUnknown otherwise.
ExeFormat DetectExeFormat(std::string_view file);

// "ELF", "PE", "Mach-O", "Mach-O universal", "" for kUnknown.
std::string_view ExeFormatName(ExeFormat f);

// One section of a PE or Mach-O file.
struct ExeSection {
  std::string_view name;     // PE: up to 8 bytes ("/4"-style long names are not resolved); Mach-O: sectname
  std::string_view segment;  // Mach-O segname ("__DATA"); "" for PE
  bool writable = false;     // PE: IMAGE_SCN_MEM_WRITE; Mach-O: the segment's initprot has VM_PROT_WRITE
  std::string_view data;     // the section's bytes in the file ("" when it has none, e.g. zerofill)
};

// The sections of a PE file, or of a Mach-O file (for a fat file: of every architecture, in
// order). kNotFound when `file` is neither; kCorrupt when a header or table lies outside the file
// or a section's bytes do; kLimitExceeded for more than 4096 sections or load commands.
Result<std::vector<ExeSection>> ReadExeSections(std::string_view file);

}  // namespace vigil::catalog
