// The rpm header blob, as rpm's header format documentation describes it: a big-endian index
// count and data size, 16-byte index entries, then a data store the entries point into.
#include <array>
#include <string>
#include <vector>

#include "catalog/catalogers/rpm.h"
#include "catalog/catalogers/rpm_internal.h"

namespace vigil::catalog {
namespace {

using rpm_internal::Hex;
using rpm_internal::Load32;

enum TagType : uint32_t {
  kNullType = 0,
  kCharType = 1,
  kInt8Type = 2,
  kInt16Type = 3,
  kInt32Type = 4,
  kInt64Type = 5,
  kStringType = 6,
  kBinType = 7,
  kStringArrayType = 8,
  kI18nStringType = 9,
};
constexpr uint32_t kMaxType = kI18nStringType;

std::string TypeName(uint32_t type) {
  static constexpr std::array<const char*, 10> kNames = {"null",  "char",   "int8", "int16",        "int32",
                                                         "int64", "string", "bin",  "string array", "i18n string"};
  return type <= kMaxType ? kNames[type] : "type " + std::to_string(type);
}

// Bytes per element for the fixed-size types; 0 for the NUL-terminated ones, whose extent is only
// known by scanning.
uint64_t ElementSize(uint32_t type) {
  switch (type) {
    case kCharType:
    case kInt8Type:
    case kBinType:
      return 1;
    case kInt16Type:
      return 2;
    case kInt32Type:
      return 4;
    case kInt64Type:
      return 8;
    default:
      return 0;
  }
}

// The tags vigil reads, and a slot for each so one pass over the index finds them all.
enum Slot {
  kName,
  kVersion,
  kRelease,
  kEpoch,
  kSummary,
  kSize,
  kLongSize,
  kLicense,
  kVendor,
  kArch,
  kSourceRpm,
  kModularityLabel,
  kSigMd5,
  kBaseNames,
  kDirNames,
  kDirIndexes,
  kOldFileNames,
  kSlotCount
};
struct TagInfo {
  uint32_t tag;
  const char* name;
};
constexpr std::array<TagInfo, kSlotCount> kTags = {{
    {1000, "NAME"},
    {1001, "VERSION"},
    {1002, "RELEASE"},
    {1003, "EPOCH"},
    {1004, "SUMMARY"},
    {1009, "SIZE"},
    {5009, "LONGSIZE"},
    {1014, "LICENSE"},
    {1011, "VENDOR"},
    {1022, "ARCH"},
    {1044, "SOURCERPM"},
    {5096, "MODULARITYLABEL"},
    {261, "SIGMD5"},
    {1117, "BASENAMES"},
    {1118, "DIRNAMES"},
    {1116, "DIRINDEXES"},
    {1027, "FILENAMES"},
}};

int SlotOf(uint32_t tag) {
  for (int i = 0; i < kSlotCount; ++i) {
    if (kTags[i].tag == tag) return i;
  }
  return -1;
}

struct Entry {
  uint32_t index = 0;  // position in the index, for messages
  uint32_t type = 0;
  uint32_t offset = 0;
  uint32_t count = 0;
};

class HeaderReader {
 public:
  Status Init(std::string_view blob) {
    if (blob.size() < 8) {
      return Corrupt("header blob is " + std::to_string(blob.size()) + " bytes, shorter than its 8-byte preamble");
    }
    uint32_t il = Load32(blob.data(), true);
    uint32_t dl = Load32(blob.data() + 4, true);
    // rpm never writes headers past these limits, so they mean damage, not a large package.
    if (il > kRpmMaxIndexEntries) {
      return Corrupt("header index count " + std::to_string(il) + " exceeds rpm's limit of " +
                     std::to_string(kRpmMaxIndexEntries));
    }
    if (dl > kRpmMaxDataSize) {
      return Corrupt("header data size " + std::to_string(dl) + " exceeds rpm's limit of " +
                     std::to_string(kRpmMaxDataSize));
    }
    uint64_t need = 8 + 16 * uint64_t{il} + dl;
    if (blob.size() != need) {
      return Corrupt("header blob is " + std::to_string(blob.size()) + " bytes but its index count " +
                     std::to_string(il) + " and data size " + std::to_string(dl) + " make " + std::to_string(need));
    }
    data_ = blob.substr(8 + 16 * size_t{il});
    const char* p = blob.data() + 8;
    // Every entry is checked, not only the ones read below, as rpm does on import: a header with
    // any entry pointing outside its data store is damaged as a whole.
    for (uint32_t i = 0; i < il; ++i, p += 16) {
      uint32_t tag = Load32(p, true);
      Entry e{i, Load32(p + 4, true), Load32(p + 8, true), Load32(p + 12, true)};
      if (e.type > kMaxType) {
        return Corrupt("header index entry " + std::to_string(i) + " (tag " + std::to_string(tag) +
                       ") has unknown type " + std::to_string(e.type));
      }
      // Offsets are signed in the format; a negative one reads as huge here and fails too.
      if (e.offset > dl) {
        return Corrupt("header index entry " + std::to_string(i) + " (tag " + std::to_string(tag) +
                       ") points at offset " + Hex(e.offset) + ", outside the " + std::to_string(dl) +
                       "-byte data store");
      }
      uint64_t elem = ElementSize(e.type);
      if (elem != 0 && uint64_t{e.count} * elem > dl - e.offset) {
        return Corrupt("header index entry " + std::to_string(i) + " (tag " + std::to_string(tag) + ") has " +
                       std::to_string(e.count) + " " + TypeName(e.type) + " values at offset " + Hex(e.offset) +
                       ", past the end of the " + std::to_string(dl) + "-byte data store");
      }
      int slot = SlotOf(tag);
      if (slot >= 0) slots_[slot] = e;
    }
    return OkStatus();
  }

  bool Has(Slot s) const { return slots_[s].has_value(); }

  // The first string of a string-typed tag; "" when the tag is absent.
  Result<std::string> String(Slot s) const {
    if (!slots_[s]) return std::string();
    const Entry& e = *slots_[s];
    if (e.type != kStringType && e.type != kI18nStringType && e.type != kStringArrayType) {
      return WrongType(s, "a string");
    }
    if (e.count == 0) return Corrupt(Where(s) + " has a count of 0");
    size_t end = data_.find('\0', e.offset);
    if (end == std::string_view::npos) return Unterminated(s, e.offset);
    return std::string(data_.substr(e.offset, end - e.offset));
  }

  // All strings of a string-array tag; empty when the tag is absent.
  Result<std::vector<std::string_view>> Strings(Slot s) const {
    std::vector<std::string_view> out;
    if (!slots_[s]) return out;
    const Entry& e = *slots_[s];
    if (e.type != kStringArrayType) return WrongType(s, "a string array");
    // Each string takes at least its NUL, which bounds the count before anything is allocated.
    if (e.count > data_.size() - e.offset) {
      return Corrupt(Where(s) + " claims " + std::to_string(e.count) + " strings at offset " + Hex(e.offset) +
                     ", more than the data store can hold");
    }
    if (e.count > kRpmMaxFilesPerPackage) {
      return LimitExceeded(Where(s) + " holds " + std::to_string(e.count) + " strings, over the cap of " +
                           std::to_string(kRpmMaxFilesPerPackage));
    }
    out.reserve(e.count);
    size_t pos = e.offset;
    for (uint32_t i = 0; i < e.count; ++i) {
      size_t end = data_.find('\0', pos);
      if (end == std::string_view::npos) return Unterminated(s, pos);
      out.push_back(data_.substr(pos, end - pos));
      pos = end + 1;
    }
    return out;
  }

  // The first value of an integer tag of exactly `type`.
  Result<std::optional<uint64_t>> Integer(Slot s, uint32_t type) const {
    if (!slots_[s]) return std::optional<uint64_t>();
    const Entry& e = *slots_[s];
    if (e.type != type) return WrongType(s, TypeName(type));
    if (e.count == 0) return Corrupt(Where(s) + " has a count of 0");
    return std::optional<uint64_t>(ReadInt(e.offset, e.type));
  }

  // All values of an int32 array tag; empty when absent.
  Result<std::vector<uint32_t>> Int32s(Slot s) const {
    std::vector<uint32_t> out;
    if (!slots_[s]) return out;
    const Entry& e = *slots_[s];
    if (e.type != kInt32Type) return WrongType(s, "int32");
    // Init() checked that count * 4 bytes fit in the data store.
    out.reserve(e.count);
    for (uint32_t i = 0; i < e.count; ++i) out.push_back(ReadInt(e.offset + 4 * size_t{i}, e.type));
    return out;
  }

  // A bin tag's bytes as lower-case hex; "" when absent.
  Result<std::string> BinHex(Slot s) const {
    if (!slots_[s]) return std::string();
    const Entry& e = *slots_[s];
    if (e.type != kBinType) return WrongType(s, "bin");
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * size_t{e.count});
    for (uint32_t i = 0; i < e.count; ++i) {
      auto b = static_cast<unsigned char>(data_[e.offset + i]);
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 15]);
    }
    return out;
  }

  std::string Where(Slot s) const {
    return std::string("tag ") + kTags[s].name + " (" + std::to_string(kTags[s].tag) + ", index entry " +
           std::to_string(slots_[s] ? slots_[s]->index : 0) + ")";
  }

 private:
  uint64_t ReadInt(size_t off, uint32_t type) const {
    const char* p = data_.data() + off;
    switch (type) {
      case kInt8Type:
      case kCharType:
        return static_cast<unsigned char>(*p);
      case kInt16Type:
        return rpm_internal::Load16(p, true);
      case kInt32Type:
        return Load32(p, true);
      case kInt64Type:
        return uint64_t{Load32(p, true)} << 32 | Load32(p + 4, true);
      default:
        return 0;
    }
  }
  Error WrongType(Slot s, const std::string& want) const {
    return Corrupt(Where(s) + " has type " + TypeName(slots_[s]->type) + ", expected " + want);
  }
  Error Unterminated(Slot s, size_t pos) const {
    return Corrupt(Where(s) + ": string at offset " + Hex(pos) + " runs past the end of the " +
                   std::to_string(data_.size()) + "-byte data store");
  }

  std::string_view data_;
  std::array<std::optional<Entry>, kSlotCount> slots_;
};

// Rebuilds the file list; sizes are summed before any path is built so a header cannot make us
// allocate more than `max_bytes`.
Status ReadFiles(const HeaderReader& h, size_t max_bytes, std::vector<std::string>& files) {
  std::vector<std::string_view> dirs;
  std::vector<uint32_t> dir_index;
  std::vector<std::string_view> names;
  if (h.Has(kBaseNames)) {
    if (!h.Has(kDirNames) || !h.Has(kDirIndexes)) {
      return Corrupt("header has BASENAMES but no DIRNAMES or DIRINDEXES");
    }
    VIGIL_ASSIGN_OR_RETURN(names, h.Strings(kBaseNames));
    VIGIL_ASSIGN_OR_RETURN(dirs, h.Strings(kDirNames));
    VIGIL_ASSIGN_OR_RETURN(dir_index, h.Int32s(kDirIndexes));
    if (dir_index.size() != names.size()) {
      return Corrupt(h.Where(kDirIndexes) + " has " + std::to_string(dir_index.size()) + " entries but " +
                     h.Where(kBaseNames) + " has " + std::to_string(names.size()));
    }
  } else if (h.Has(kOldFileNames)) {
    VIGIL_ASSIGN_OR_RETURN(names, h.Strings(kOldFileNames));
  } else {
    return OkStatus();
  }
  uint64_t total = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    total += names[i].size();
    if (!dir_index.empty()) {
      // Signed in the format: a negative index reads as huge and fails here as well.
      if (dir_index[i] >= dirs.size()) {
        return Corrupt(h.Where(kDirIndexes) + ": entry " + std::to_string(i) + " is " +
                       std::to_string(static_cast<int32_t>(dir_index[i])) + ", but there are " +
                       std::to_string(dirs.size()) + " directory names");
      }
      total += dirs[dir_index[i]].size();
    }
  }
  if (total > max_bytes) {
    return LimitExceeded("the file list would take " + std::to_string(total) + " bytes of paths, over the cap of " +
                         std::to_string(max_bytes));
  }
  files.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    std::string path;
    if (!dir_index.empty()) path = dirs[dir_index[i]];
    path += names[i];
    size_t lead = path.find_first_not_of('/');
    if (lead == std::string::npos) continue;  // the root itself
    path.erase(0, lead);
    files.push_back(std::move(path));
  }
  return OkStatus();
}

}  // namespace

Result<RpmHeader> ParseRpmHeader(std::string_view blob, size_t max_file_bytes) {
  HeaderReader h;
  VIGIL_RETURN_IF_ERROR(h.Init(blob));
  RpmHeader out;
  VIGIL_ASSIGN_OR_RETURN(out.name, h.String(kName));
  VIGIL_ASSIGN_OR_RETURN(out.version, h.String(kVersion));
  if (out.name.empty()) return Corrupt("header has no NAME");
  if (out.version.empty()) return Corrupt("header of '" + out.name + "' has no VERSION");
  VIGIL_ASSIGN_OR_RETURN(out.release, h.String(kRelease));
  VIGIL_ASSIGN_OR_RETURN(out.summary, h.String(kSummary));
  VIGIL_ASSIGN_OR_RETURN(out.license, h.String(kLicense));
  VIGIL_ASSIGN_OR_RETURN(out.vendor, h.String(kVendor));
  VIGIL_ASSIGN_OR_RETURN(out.arch, h.String(kArch));
  VIGIL_ASSIGN_OR_RETURN(out.source_rpm, h.String(kSourceRpm));
  VIGIL_ASSIGN_OR_RETURN(out.modularity_label, h.String(kModularityLabel));
  VIGIL_ASSIGN_OR_RETURN(out.sigmd5, h.BinHex(kSigMd5));
  VIGIL_ASSIGN_OR_RETURN(std::optional<uint64_t> epoch, h.Integer(kEpoch, kInt32Type));
  if (epoch) out.epoch = static_cast<uint32_t>(*epoch);
  VIGIL_ASSIGN_OR_RETURN(out.size, h.Integer(kLongSize, kInt64Type));
  if (!out.size) {
    VIGIL_ASSIGN_OR_RETURN(out.size, h.Integer(kSize, kInt32Type));
  }
  if (max_file_bytes > 0) {
    Status st = ReadFiles(h, max_file_bytes, out.files);
    if (!st.ok()) return std::move(st.error().Context("package '" + out.name + "'"));
  }
  return out;
}

Package RpmHeaderToPackage(RpmHeader h) {
  Package p;
  p.type = "rpm";
  p.name = std::move(h.name);
  p.version = h.release.empty() ? std::move(h.version) : h.version + "-" + h.release;
  if (h.epoch) p.epoch = std::to_string(*h.epoch);
  p.arch = std::move(h.arch);
  // "<name>-<version>-<release>.src.rpm": the name may hold dashes, version and release may not.
  std::string_view src = h.source_rpm;
  for (std::string_view suffix : {".src.rpm", ".nosrc.rpm"}) {
    if (src.size() > suffix.size() && src.substr(src.size() - suffix.size()) == suffix) {
      src.remove_suffix(suffix.size());
      size_t rel = src.rfind('-');
      size_t ver = rel == std::string_view::npos || rel == 0 ? std::string_view::npos : src.rfind('-', rel - 1);
      if (ver != std::string_view::npos && ver > 0 && rel + 1 < src.size() && ver + 1 < rel) {
        p.source_name = std::string(src.substr(0, ver));
        p.source_version = std::string(src.substr(ver + 1));
      }
      break;
    }
  }
  if (!h.license.empty()) p.licenses.push_back(std::move(h.license));
  if (!h.vendor.empty()) p.properties["rpm:vendor"] = std::move(h.vendor);
  if (!h.modularity_label.empty()) {
    p.properties["rpm:modularitylabel"] = std::move(h.modularity_label);
  }
  p.files = std::move(h.files);
  return p;
}

}  // namespace vigil::catalog
