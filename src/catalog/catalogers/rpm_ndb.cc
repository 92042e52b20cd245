// A reader for rpm's NDB package database (Packages.db, SUSE since SLE 15 SP3), written from the
// format's description in rpm's documentation and checked against real files.
//
// All numbers are little-endian 32-bit words.
//   0:  "RpmP", version (0), generation, number of 4096-byte slot pages, next package index;
//   32: slots of 16 bytes up to the end of the slot pages: "Slot", package index (0 = free),
//       block offset and block count of the package's blob, in 16-byte blocks;
//   a blob: "BlbS", package index, generation, length; the header blob of that length; padding;
//       and in the last 12 bytes of its blocks an Adler-32 checksum of everything before them,
//       the length again, and "BlbE".
#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "catalog/catalogers/rpm_internal.h"
#include "common/strings.h"

namespace vigil::catalog::rpm_internal {
namespace {

constexpr size_t kSlotPageSize = 4096;
constexpr size_t kFileHeaderSize = 32;
constexpr size_t kSlotSize = 16;
constexpr size_t kBlockSize = 16;
constexpr size_t kBlobHeadSize = 16;
constexpr size_t kBlobTailSize = 12;

// Adler-32 (RFC 1950, section 8.2).
uint32_t Adler32(std::string_view data) {
  constexpr uint32_t kMod = 65521;
  // 5552 is the longest run for which the sums cannot overflow 32 bits before reducing.
  constexpr size_t kRun = 5552;
  uint32_t a = 1, b = 0;
  while (!data.empty()) {
    size_t n = std::min(data.size(), kRun);
    for (size_t i = 0; i < n; ++i) {
      a += static_cast<unsigned char>(data[i]);
      b += a;
    }
    a %= kMod;
    b %= kMod;
    data.remove_prefix(n);
  }
  return b << 16 | a;
}

uint32_t Le32(std::string_view s, size_t off) { return Load32(s.data() + off, false); }

}  // namespace

Status ReadNdbBlobs(std::string_view db, const RpmBlobVisitor& visit, ErrorCollector& errors) {
  if (db.size() < kFileHeaderSize) {
    return Corrupt("rpm NDB: file is " + std::to_string(db.size()) + " bytes, shorter than its 32-byte header");
  }
  if (uint32_t version = Le32(db, 4); version != 0) {
    return Unsupported("rpm NDB: format version " + std::to_string(version) + " (vigil reads version 0)");
  }
  uint64_t slot_pages = Le32(db, 12);
  uint64_t slot_area = slot_pages * kSlotPageSize;
  if (slot_pages == 0 || slot_area > db.size()) {
    return Corrupt("rpm NDB: the header announces " + std::to_string(slot_pages) + " slot pages, but the file holds " +
                   std::to_string(db.size()) + " bytes (truncated?)");
  }
  struct Slot {
    uint32_t number, index;
    uint64_t offset, size;
  };
  std::vector<Slot> slots;
  for (size_t off = kFileHeaderSize; off + kSlotSize <= slot_area; off += kSlotSize) {
    auto number = static_cast<uint32_t>((off - kFileHeaderSize) / kSlotSize);
    if (db.substr(off, 4) != "Slot") {
      errors.Add(Corrupt("rpm NDB: slot " + std::to_string(number) + " (offset " + Hex(off) + "): bad slot magic"));
      continue;
    }
    uint32_t index = Le32(db, off + 4);
    if (index == 0) continue;  // a free slot
    if (slots.size() == kRpmMaxPackages) {
      return LimitExceeded("rpm NDB: more than " + std::to_string(kRpmMaxPackages) + " slots in use");
    }
    slots.push_back(
        {number, index, uint64_t{Le32(db, off + 8)} * kBlockSize, uint64_t{Le32(db, off + 12)} * kBlockSize});
  }
  auto where = [](const Slot& s) {
    return "rpm NDB: slot " + std::to_string(s.number) + " (package " + std::to_string(s.index) + ", blob at " +
           Hex(s.offset) + ")";
  };
  // Blobs must not overlap: otherwise slots could make us read the same bytes over and over, and
  // the work would no longer be linear in the file size.
  std::stable_sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.offset < b.offset; });
  uint64_t free_from = slot_area;
  std::unordered_set<uint32_t> seen_indices;
  for (const Slot& s : slots) {
    if (s.offset < free_from || s.size < kBlobHeadSize + kBlobTailSize || s.offset + s.size > db.size()) {
      errors.Add(Corrupt(where(s) + ": the blob's " + std::to_string(s.size) +
                         " bytes do not lie between the slot pages or the previous blob (end " + Hex(free_from) +
                         ") and the end of the file (" + Hex(db.size()) + ")"));
      continue;
    }
    std::string_view blob = db.substr(s.offset, s.size);
    if (blob.substr(0, 4) != "BlbS" || Le32(blob, 4) != s.index) {
      errors.Add(Corrupt(where(s) + ": no blob header for this package there (magic '" + Clip(blob.substr(0, 4), 4) +
                         "', package " + std::to_string(Le32(blob, 4)) + ")"));
      continue;
    }
    uint64_t length = Le32(blob, 12);
    std::string_view tail = blob.substr(blob.size() - kBlobTailSize);
    if (length > blob.size() - kBlobHeadSize - kBlobTailSize || tail.substr(8, 4) != "BlbE" ||
        Le32(tail, 4) != length) {
      errors.Add(Corrupt(where(s) + ": header length " + std::to_string(length) + " does not fit the blob's " +
                         std::to_string(blob.size()) + " bytes or match its tail"));
      continue;
    }
    // Only a blob that looks right claims its space: a damaged slot with a huge extent must not
    // hide the blobs after it. The checks so far cost O(1); the checksum below is what costs.
    free_from = s.offset + s.size;
    uint32_t want = Le32(tail, 0);
    uint32_t got = Adler32(blob.substr(0, blob.size() - kBlobTailSize));
    if (want != got) {
      errors.Add(Corrupt(where(s) + ": checksum " + Hex(got) + " does not match the stored " + Hex(want)));
      continue;
    }
    if (!seen_indices.insert(s.index).second) {
      errors.Add(Corrupt(where(s) + ": a second slot for this package"));
      continue;
    }
    visit(s.index, blob.substr(kBlobHeadSize, length));
  }
  return OkStatus();
}

}  // namespace vigil::catalog::rpm_internal
