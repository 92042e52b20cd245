#include "catalog/catalogers/elf.h"

#include <string>

namespace vigil::catalog {
namespace {

// Large enough for any real executable (linkers use extended numbering past 65279 sections, but
// only object files get near that), small enough that a forged count cannot make us allocate
// gigabytes of headers.
constexpr uint64_t kMaxSections = 1u << 18;
constexpr uint64_t kMaxSegments = 1u << 16;
constexpr uint16_t kShnXindex = 0xffff;  // e_shstrndx escape: the real index is in shdr[0]
constexpr uint16_t kPnXnum = 0xffff;     // e_phnum escape: the real count is in shdr[0]
constexpr uint64_t kShfAlloc = 2;

// True when [off, off+len) lies inside a buffer of `size` bytes, without overflowing.
bool InBounds(uint64_t off, uint64_t len, uint64_t size) { return off <= size && len <= size - off; }

std::string Hex(uint64_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v & 15]);
    v >>= 4;
  } while (v != 0);
  return "0x" + out;
}

struct Header {
  uint64_t phoff = 0, shoff = 0;
  uint16_t phentsize = 0, phnum = 0, shentsize = 0, shnum = 0, shstrndx = 0;
};

}  // namespace

bool IsElf(std::string_view file) {
  return file.size() >= 4 && file.substr(0, 4) ==
                                 "\x7f"
                                 "ELF";
}

uint64_t ReadUint(std::string_view data, size_t size, bool big_endian) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    size_t idx = big_endian ? i : size - 1 - i;
    v = (v << 8) | static_cast<unsigned char>(data[idx]);
  }
  return v;
}

Result<ElfFile> ElfFile::Parse(std::string_view file) {
  if (!IsElf(file)) return NotFound("not an ELF file");
  if (file.size() < 16) return Corrupt("ELF: truncated identification");
  ElfFile elf;
  elf.file_ = file;
  unsigned char cls = static_cast<unsigned char>(file[4]);
  unsigned char data = static_cast<unsigned char>(file[5]);
  if (cls != 1 && cls != 2) return Unsupported("ELF: unknown class " + std::to_string(cls));
  if (data != 1 && data != 2) return Unsupported("ELF: unknown byte order " + std::to_string(data));
  elf.is64_ = cls == 2;
  elf.big_endian_ = data == 2;
  const bool be = elf.big_endian_;
  const size_t ehsize = elf.is64_ ? 64 : 52;
  if (file.size() < ehsize) return Corrupt("ELF: truncated header");
  auto u16 = [&](size_t off) { return static_cast<uint16_t>(ReadUint(file.substr(off), 2, be)); };
  auto word = [&](size_t off) { return ReadUint(file.substr(off), elf.is64_ ? 8 : 4, be); };

  Header h;
  if (elf.is64_) {
    h.phoff = word(32);
    h.shoff = word(40);
    h.phentsize = u16(54);
    h.phnum = u16(56);
    h.shentsize = u16(58);
    h.shnum = u16(60);
    h.shstrndx = u16(62);
  } else {
    h.phoff = word(28);
    h.shoff = word(32);
    h.phentsize = u16(42);
    h.phnum = u16(44);
    h.shentsize = u16(46);
    h.shnum = u16(48);
    h.shstrndx = u16(50);
  }
  const size_t min_phent = elf.is64_ ? 56 : 32;
  const size_t min_shent = elf.is64_ ? 64 : 40;

  // Section headers first: with extended numbering, shdr[0] carries the real counts.
  uint64_t shnum = h.shnum;
  uint64_t shstrndx = h.shstrndx;
  uint64_t phnum = h.phnum;
  std::string_view shdrs;
  if (h.shoff != 0) {
    if (h.shentsize < min_shent)
      return Corrupt("ELF: section header entry size " + std::to_string(h.shentsize) + " is too small");
    if (!InBounds(h.shoff, h.shentsize, file.size()))
      return Corrupt("ELF: section header table starts past the end of the file");
    std::string_view first = file.substr(h.shoff, h.shentsize);
    if (shnum == 0) shnum = ReadUint(first.substr(elf.is64_ ? 32 : 20), elf.is64_ ? 8 : 4, be);
    if (shstrndx == kShnXindex) shstrndx = ReadUint(first.substr(elf.is64_ ? 40 : 24), 4, be);
    if (phnum == kPnXnum) phnum = ReadUint(first.substr(elf.is64_ ? 44 : 28), 4, be);
    if (shnum > kMaxSections)
      return LimitExceeded("ELF: " + std::to_string(shnum) + " sections is more than the limit");
    if (!InBounds(h.shoff, shnum * h.shentsize, file.size()))
      return Corrupt("ELF: section header table runs past the end of the file");
    shdrs = file.substr(h.shoff, shnum * h.shentsize);
  }

  if (h.phoff != 0 && phnum != 0) {
    if (h.phentsize < min_phent)
      return Corrupt("ELF: program header entry size " + std::to_string(h.phentsize) + " is too small");
    if (phnum > kMaxSegments)
      return LimitExceeded("ELF: " + std::to_string(phnum) + " program headers is more than the limit");
    if (!InBounds(h.phoff, phnum * h.phentsize, file.size()))
      return Corrupt("ELF: program header table runs past the end of the file");
    elf.segments_.reserve(phnum);
    for (uint64_t i = 0; i < phnum; ++i) {
      std::string_view p = file.substr(h.phoff + i * h.phentsize, h.phentsize);
      ElfSegment s;
      s.type = static_cast<uint32_t>(ReadUint(p, 4, be));
      if (elf.is64_) {
        s.flags = static_cast<uint32_t>(ReadUint(p.substr(4), 4, be));
        s.offset = ReadUint(p.substr(8), 8, be);
        s.vaddr = ReadUint(p.substr(16), 8, be);
        s.filesz = ReadUint(p.substr(32), 8, be);
        s.memsz = ReadUint(p.substr(40), 8, be);
      } else {
        s.offset = ReadUint(p.substr(4), 4, be);
        s.vaddr = ReadUint(p.substr(8), 4, be);
        s.filesz = ReadUint(p.substr(16), 4, be);
        s.memsz = ReadUint(p.substr(20), 4, be);
        s.flags = static_cast<uint32_t>(ReadUint(p.substr(24), 4, be));
      }
      elf.segments_.push_back(s);
    }
  }

  if (!shdrs.empty()) {
    elf.sections_.reserve(shnum);
    std::vector<uint32_t> name_offsets;
    name_offsets.reserve(shnum);
    for (uint64_t i = 0; i < shnum; ++i) {
      std::string_view s = shdrs.substr(i * h.shentsize, h.shentsize);
      ElfSection sec;
      name_offsets.push_back(static_cast<uint32_t>(ReadUint(s, 4, be)));
      sec.type = static_cast<uint32_t>(ReadUint(s.substr(4), 4, be));
      if (elf.is64_) {
        sec.flags = ReadUint(s.substr(8), 8, be);
        sec.addr = ReadUint(s.substr(16), 8, be);
        sec.offset = ReadUint(s.substr(24), 8, be);
        sec.size = ReadUint(s.substr(32), 8, be);
      } else {
        sec.flags = ReadUint(s.substr(8), 4, be);
        sec.addr = ReadUint(s.substr(12), 4, be);
        sec.offset = ReadUint(s.substr(16), 4, be);
        sec.size = ReadUint(s.substr(20), 4, be);
      }
      elf.sections_.push_back(sec);
    }
    // Names: a bad name table leaves the names empty rather than failing, so a binary with a
    // damaged .shstrtab can still be read through its program headers.
    if (shstrndx < elf.sections_.size()) {
      const ElfSection& tab = elf.sections_[shstrndx];
      if (tab.type != kElfShtNobits && InBounds(tab.offset, tab.size, file.size())) {
        std::string_view names = file.substr(tab.offset, tab.size);
        for (size_t i = 0; i < elf.sections_.size(); ++i) {
          uint32_t off = name_offsets[i];
          if (off >= names.size()) continue;
          std::string_view rest = names.substr(off);
          size_t nul = rest.find('\0');
          if (nul == std::string_view::npos) continue;  // unterminated: not a name
          elf.sections_[i].name = rest.substr(0, nul);
        }
      }
    }
  }
  return elf;
}

const ElfSection* ElfFile::FindSection(std::string_view name) const {
  for (const ElfSection& s : sections_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<std::string_view> ElfFile::SectionData(const ElfSection& s) const {
  if (s.type == kElfShtNobits) return std::string_view();
  if (!InBounds(s.offset, s.size, file_.size())) {
    return Corrupt("ELF: section '" + std::string(s.name) + "' (offset " + std::to_string(s.offset) + ", size " +
                   std::to_string(s.size) + ") lies outside the " + std::to_string(file_.size()) + "-byte file");
  }
  return file_.substr(s.offset, s.size);
}

Result<std::string_view> ElfFile::ReadVirtual(uint64_t vaddr, uint64_t len) const {
  auto read = [&](uint64_t base, uint64_t size, uint64_t offset) -> Result<std::string_view> {
    uint64_t rel = vaddr - base;
    if (!InBounds(offset, size, file_.size()) || !InBounds(offset + rel, len, file_.size())) {
      return Corrupt("ELF: the bytes at address " + Hex(vaddr) + " map outside the file");
    }
    return file_.substr(offset + rel, len);
  };
  for (const ElfSegment& s : segments_) {
    if (s.type != kElfPtLoad) continue;
    if (vaddr >= s.vaddr && InBounds(vaddr - s.vaddr, len, s.filesz)) return read(s.vaddr, s.filesz, s.offset);
  }
  if (segments_.empty()) {
    for (const ElfSection& s : sections_) {
      if ((s.flags & kShfAlloc) == 0 || s.type == kElfShtNobits) continue;
      if (vaddr >= s.addr && InBounds(vaddr - s.addr, len, s.size)) return read(s.addr, s.size, s.offset);
    }
  }
  return NotFound("ELF: no segment maps " + std::to_string(len) + " bytes at address " + Hex(vaddr));
}

Result<std::string_view> FindElfSection(std::string_view file, std::string_view name) {
  VIGIL_ASSIGN_OR_RETURN(ElfFile elf, ElfFile::Parse(file));
  const ElfSection* s = elf.FindSection(name);
  if (s == nullptr) return NotFound("ELF: no section " + std::string(name));
  return elf.SectionData(*s);
}

}  // namespace vigil::catalog
