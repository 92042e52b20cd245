#include "catalog/catalogers/exe_formats.h"

#include <string>

#include "catalog/catalogers/elf.h"

namespace vigil::catalog {
namespace {

constexpr size_t kMaxSections = 4096;
constexpr int kMaxFatArches = 19;

bool InBounds(uint64_t off, uint64_t len, uint64_t size) { return off <= size && len <= size - off; }

uint64_t Le(std::string_view d, size_t off, size_t n) { return ReadUint(d.substr(off), n, false); }

// The name in a fixed-size, NUL-padded field.
std::string_view FixedName(std::string_view field) {
  size_t nul = field.find('\0');
  return nul == std::string_view::npos ? field : field.substr(0, nul);
}

Status ReadPe(std::string_view file, std::vector<ExeSection>& out) {
  if (file.size() < 0x40) return Corrupt("PE: truncated DOS header");
  uint64_t pe = Le(file, 0x3c, 4);
  if (!InBounds(pe, 24, file.size())) return Corrupt("PE: the COFF header lies outside the file");
  uint64_t nsections = Le(file, pe + 6, 2);
  uint64_t opt_size = Le(file, pe + 20, 2);
  uint64_t table = pe + 24 + opt_size;
  if (nsections > kMaxSections) return LimitExceeded("PE: more than " + std::to_string(kMaxSections) + " sections");
  if (!InBounds(table, nsections * 40, file.size())) return Corrupt("PE: the section table lies outside the file");
  for (uint64_t i = 0; i < nsections; ++i) {
    std::string_view h = file.substr(table + i * 40, 40);
    ExeSection s;
    s.name = FixedName(h.substr(0, 8));
    uint64_t raw_size = Le(h, 16, 4);
    uint64_t raw_ptr = Le(h, 20, 4);
    uint64_t characteristics = Le(h, 36, 4);
    s.writable = (characteristics & 0x80000000u) != 0;
    if (raw_size != 0) {
      if (!InBounds(raw_ptr, raw_size, file.size())) {
        return Corrupt("PE: section " + std::to_string(i) + " lies outside the file");
      }
      s.data = file.substr(raw_ptr, raw_size);
    }
    out.push_back(s);
  }
  return OkStatus();
}

// One thin Mach-O image (the whole file, or one architecture of a fat file).
Status ReadMachO(std::string_view image, std::vector<ExeSection>& out) {
  if (image.size() < 28) return Corrupt("Mach-O: truncated header");
  uint32_t magic = static_cast<uint32_t>(Le(image, 0, 4));
  bool big = magic == 0xcefaedfe || magic == 0xcffaedfe;  // read little-endian, so swapped magics mean big
  bool is64 = magic == 0xfeedfacf || magic == 0xcffaedfe;
  if (!is64 && magic != 0xfeedface && magic != 0xcefaedfe) return Corrupt("Mach-O: bad magic");
  auto u32 = [&](std::string_view d, size_t off) { return ReadUint(d.substr(off), 4, big); };
  auto u64 = [&](std::string_view d, size_t off) { return ReadUint(d.substr(off), 8, big); };
  uint64_t ncmds = u32(image, 16);
  uint64_t header = is64 ? 32 : 28;
  if (ncmds > kMaxSections)
    return LimitExceeded("Mach-O: more than " + std::to_string(kMaxSections) + " load commands");
  uint64_t at = header;
  size_t sections = 0;
  for (uint64_t c = 0; c < ncmds; ++c) {
    if (!InBounds(at, 8, image.size()))
      return Corrupt("Mach-O: load command " + std::to_string(c) + " lies outside the file");
    uint64_t cmd = u32(image, at);
    uint64_t size = u32(image, at + 4);
    if (size < 8 || !InBounds(at, size, image.size())) {
      return Corrupt("Mach-O: load command " + std::to_string(c) + " has a bad size");
    }
    std::string_view lc = image.substr(at, size);
    bool seg64 = cmd == 0x19, seg32 = cmd == 0x1;
    if (seg64 || seg32) {
      size_t seg_header = seg64 ? 72 : 56, sect_size = seg64 ? 80 : 68;
      if (lc.size() < seg_header) return Corrupt("Mach-O: truncated segment command");
      uint64_t initprot = u32(lc, seg64 ? 60 : 44);
      uint64_t nsects = u32(lc, seg64 ? 64 : 48);
      if (nsects > kMaxSections || sections + nsects > kMaxSections) {
        return LimitExceeded("Mach-O: more than " + std::to_string(kMaxSections) + " sections");
      }
      if (!InBounds(seg_header, nsects * sect_size, lc.size())) {
        return Corrupt("Mach-O: the sections of a segment lie outside its load command");
      }
      for (uint64_t i = 0; i < nsects; ++i) {
        std::string_view h = lc.substr(seg_header + i * sect_size, sect_size);
        ExeSection s;
        s.name = FixedName(h.substr(0, 16));
        s.segment = FixedName(h.substr(16, 16));
        s.writable = (initprot & 2) != 0;
        uint64_t sz = seg64 ? u64(h, 40) : u32(h, 36);
        uint64_t off = u32(h, seg64 ? 48 : 40);
        uint64_t type = u32(h, seg64 ? 64 : 56) & 0xff;
        bool zerofill =
            type == 1 || type == 0x0c || type == 0x12;  // S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL
        if (!zerofill && sz != 0) {
          if (!InBounds(off, sz, image.size())) {
            return Corrupt("Mach-O: section " + std::string(s.segment) + "," + std::string(s.name) +
                           " lies outside the file");
          }
          s.data = image.substr(off, sz);
        }
        out.push_back(s);
        ++sections;
      }
    }
    at += size;
  }
  return OkStatus();
}

}  // namespace

ExeFormat DetectExeFormat(std::string_view file) {
  if (IsElf(file)) return ExeFormat::kElf;
  if (file.size() >= 0x40 && file[0] == 'M' && file[1] == 'Z') {
    uint64_t pe = Le(file, 0x3c, 4);
    if (InBounds(pe, 4, file.size()) && file.substr(pe, 4) == std::string_view("PE\0\0", 4)) return ExeFormat::kPe;
    return ExeFormat::kUnknown;
  }
  if (file.size() < 8) return ExeFormat::kUnknown;
  uint32_t magic = static_cast<uint32_t>(Le(file, 0, 4));
  if (magic == 0xfeedface || magic == 0xfeedfacf || magic == 0xcefaedfe || magic == 0xcffaedfe) {
    return ExeFormat::kMachO;
  }
  if (magic == 0xbebafeca) {  // 0xcafebabe, big-endian on disk
    uint64_t n = ReadUint(file.substr(4), 4, true);
    if (n >= 1 && n <= kMaxFatArches) return ExeFormat::kMachOFat;
  }
  return ExeFormat::kUnknown;
}

std::string_view ExeFormatName(ExeFormat f) {
  switch (f) {
    case ExeFormat::kElf:
      return "ELF";
    case ExeFormat::kPe:
      return "PE";
    case ExeFormat::kMachO:
      return "Mach-O";
    case ExeFormat::kMachOFat:
      return "Mach-O universal";
    case ExeFormat::kUnknown:
      break;
  }
  return "";
}

Result<std::vector<ExeSection>> ReadExeSections(std::string_view file) {
  std::vector<ExeSection> out;
  switch (DetectExeFormat(file)) {
    case ExeFormat::kPe:
      VIGIL_RETURN_IF_ERROR(ReadPe(file, out));
      return out;
    case ExeFormat::kMachO:
      VIGIL_RETURN_IF_ERROR(ReadMachO(file, out));
      return out;
    case ExeFormat::kMachOFat: {
      uint64_t n = ReadUint(file.substr(4), 4, true);
      if (!InBounds(8, n * 20, file.size()))
        return Corrupt("Mach-O universal: the architecture table lies outside the file");
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t off = ReadUint(file.substr(8 + i * 20 + 8), 4, true);
        uint64_t size = ReadUint(file.substr(8 + i * 20 + 12), 4, true);
        if (!InBounds(off, size, file.size())) {
          return Corrupt("Mach-O universal: architecture " + std::to_string(i) + " lies outside the file");
        }
        std::string_view image = file.substr(off, size);
        if (DetectExeFormat(image) != ExeFormat::kMachO) {
          return Corrupt("Mach-O universal: architecture " + std::to_string(i) + " is not a Mach-O image");
        }
        VIGIL_RETURN_IF_ERROR(ReadMachO(image, out));
      }
      return out;
    }
    default:
      return NotFound("neither a PE nor a Mach-O file");
  }
}

}  // namespace vigil::catalog
