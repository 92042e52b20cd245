// A read-only reader for the Berkeley DB hash files rpm keeps its Packages database in (RHEL/CentOS
// up to 8, Amazon Linux 2, older SUSE).
//
// Written here from the published description of the on-disk format rather than using libdb:
// libdb's licence (Sleepycat / AGPL for current releases) is not one vigil can ship under, and
// it only opens files on disk, with locking and environment files beside them, while vigil reads
// databases from memory, out of image layers, and must never write. rpm needs only a small part
// of the format: one hash database of 4-byte keys (the header instance, in the byte order of the
// machine that wrote it) whose values are header blobs, almost always too large for a hash page
// and so stored as "off-page" items on chains of overflow pages.
//
// Layout used here (all numbers in the writer's byte order, told by the magic):
//   page 0, the hash metadata: magic 0x061561 at 12, version at 16, page size at 20, encryption
//     algorithm at 24, page type (8) at 25, metadata flags at 26, last page number at 32,
//     max_bucket at 72, and the 32 "spares" at 96 that map bucket numbers to pages.
//   every other page: a 26-byte header (page number at 8, previous page at 12, next page at 16,
//     entry count at 20, high-free offset at 22, page type at 25). Hash pages (type 2 or 13)
//     follow it with an array of 16-bit item offsets; items pair up as key, value, and each item
//     starts with a type byte: 1 = inline bytes (up to where the previous item starts), 3 =
//     off-page (page number at +4, total length at +8). Overflow pages (type 7) hold that many
//     bytes, given by the high-free field, after the header and chain by the next-page field.
//
// Every page number is checked against the file, every offset against the page, and a bitmap of
// visited pages makes loops and shared chains errors, so the work is linear in the file size.
#include <initializer_list>
#include <vector>

#include "catalog/catalogers/rpm_internal.h"

namespace vigil::catalog::rpm_internal {
namespace {

constexpr uint32_t kHashMagic = 0x061561;
constexpr size_t kPageHeaderSize = 26;
constexpr uint8_t kPageHashUnsorted = 2;
constexpr uint8_t kPageOverflow = 7;
constexpr uint8_t kPageHashMeta = 8;
constexpr uint8_t kPageHash = 13;
constexpr uint8_t kItemKeyData = 1;
constexpr uint8_t kItemDuplicate = 2;
constexpr uint8_t kItemOffPage = 3;
constexpr uint8_t kItemOffDup = 4;
constexpr uint8_t kMetaFlagChecksum = 0x01;
constexpr size_t kSpareCount = 32;

class BdbReader {
 public:
  BdbReader(std::string_view db, const RpmBlobVisitor& visit, ErrorCollector& errors)
      : db_(db), visit_(visit), errors_(errors) {}

  Status Run() {
    VIGIL_RETURN_IF_ERROR(ReadMeta());
    for (uint64_t bucket = 0; bucket <= max_bucket_; ++bucket) ReadBucket(bucket);
    return OkStatus();
  }

 private:
  Status ReadMeta() {
    if (db_.size() < 512) {
      return Corrupt("rpm Berkeley DB: file is " + std::to_string(db_.size()) +
                     " bytes, shorter than the smallest page");
    }
    be_ = Load32(db_.data() + 12, false) != kHashMagic;
    uint32_t version = Meta32(16);
    if (version < 8 || version > 10) {
      return Unsupported("rpm Berkeley DB: hash version " + std::to_string(version) +
                         " (vigil reads versions 8 to 10)");
    }
    page_size_ = Meta32(20);
    if (page_size_ < 512 || page_size_ > 65536 || (page_size_ & (page_size_ - 1)) != 0) {
      return Corrupt("rpm Berkeley DB: page size " + std::to_string(page_size_) +
                     " in the metadata page is not a power of two from 512 to 65536");
    }
    if (db_[24] != 0) return Unsupported("rpm Berkeley DB: the database is encrypted");
    if (static_cast<uint8_t>(db_[25]) != kPageHashMeta) {
      return Corrupt("rpm Berkeley DB: page 0 has type " + std::to_string(static_cast<uint8_t>(db_[25])) +
                     ", not hash metadata (8)");
    }
    if (static_cast<uint8_t>(db_[26]) & kMetaFlagChecksum) {
      return Unsupported("rpm Berkeley DB: pages carry checksums, a layout vigil does not read");
    }
    if (db_.size() % page_size_ != 0) {
      return Corrupt("rpm Berkeley DB: file size " + std::to_string(db_.size()) +
                     " is not a multiple of the page size " + std::to_string(page_size_) +
                     " (truncated, or a wrong page size)");
    }
    uint64_t last = Meta32(32);
    if (last >= db_.size() / page_size_) {
      return Corrupt("rpm Berkeley DB: the metadata names page " + std::to_string(last) +
                     " as the last, but the file holds " + std::to_string(db_.size() / page_size_) +
                     " pages (truncated?)");
    }
    page_count_ = last + 1;
    max_bucket_ = Meta32(72);
    // Each bucket owns at least one page, which bounds the loop in Run().
    if (max_bucket_ >= page_count_) {
      return Corrupt("rpm Berkeley DB: " + std::to_string(uint64_t{max_bucket_} + 1) + " hash buckets in a file of " +
                     std::to_string(page_count_) + " pages");
    }
    for (size_t i = 0; i < kSpareCount; ++i) spares_[i] = Meta32(96 + 4 * i);
    seen_.assign(page_count_, false);
    return OkStatus();
  }

  void ReadBucket(uint64_t bucket) {
    // Buckets are laid out in doubling groups; spares[k] is the page offset of the group holding
    // buckets 2^(k-1) .. 2^k - 1, k being ceil(log2(bucket + 1)).
    size_t group = 0;
    while ((uint64_t{1} << group) < bucket + 1) ++group;
    uint64_t pgno = bucket + (group < kSpareCount ? spares_[group] : page_count_);
    if (pgno == 0 || pgno >= page_count_) {
      errors_.Add(Corrupt("rpm Berkeley DB: hash bucket " + std::to_string(bucket) + " maps to page " +
                          std::to_string(pgno) + ", outside the file's " + std::to_string(page_count_) + " pages"));
      return;
    }
    while (pgno != 0) {
      if (pgno >= page_count_) {
        errors_.Add(Corrupt("rpm Berkeley DB: the chain of hash bucket " + std::to_string(bucket) + " leads to page " +
                            std::to_string(pgno) + ", outside the file"));
        return;
      }
      if (!Claim(pgno, "hash bucket " + std::to_string(bucket))) return;
      std::string_view page = Page(pgno);
      if (!CheckPage(page, pgno, {kPageHash, kPageHashUnsorted}, "hash")) return;
      ReadHashPage(page, pgno);
      pgno = Load32(page.data() + 16, be_);
    }
  }

  void ReadHashPage(std::string_view page, uint64_t pgno) {
    std::string where = "rpm Berkeley DB: hash page " + std::to_string(pgno);
    uint32_t entries = Load16(page.data() + 20, be_);
    size_t items_start = kPageHeaderSize + 2 * size_t{entries};
    if (items_start > page.size()) {
      errors_.Add(Corrupt(where + ": " + std::to_string(entries) + " item offsets do not fit in the page"));
      return;
    }
    if (entries % 2 != 0) {
      errors_.Add(Corrupt(where + ": odd item count " + std::to_string(entries) + "; items come in key/value pairs"));
    }
    // Items are packed from the end of the page down, so item i ends where item i-1 begins.
    auto item = [&](uint32_t i, std::string_view& out) -> bool {
      size_t off = Load16(page.data() + kPageHeaderSize + 2 * i, be_);
      size_t end = i == 0 ? page.size() : Load16(page.data() + kPageHeaderSize + 2 * (i - 1), be_);
      if (off < items_start || off >= end || end > page.size()) {
        errors_.Add(Corrupt(where + ": item " + std::to_string(i) + " at offset " + Hex(off) + " (ending at " +
                            Hex(end) + ") lies outside the item area " + Hex(items_start) + ".." + Hex(page.size())));
        return false;
      }
      out = page.substr(off, end - off);
      return true;
    };
    for (uint32_t i = 0; i + 1 < entries; i += 2) {
      std::string_view key, value;
      if (!item(i, key) || !item(i + 1, value)) return;  // later offsets cannot be trusted
      std::string at = where + ", item " + std::to_string(i + 1);
      if (static_cast<uint8_t>(key[0]) != kItemKeyData || key.size() != 5) {
        errors_.Add(Corrupt(at + ": key is not a 4-byte inline header number (type " +
                            std::to_string(static_cast<uint8_t>(key[0])) + ", " + std::to_string(key.size() - 1) +
                            " bytes)"));
        continue;
      }
      uint32_t instance = Load32(key.data() + 1, be_);
      if (instance == 0) continue;  // rpm's record of the next free instance number
      switch (static_cast<uint8_t>(value[0])) {
        case kItemKeyData:
          visit_(instance, value.substr(1));
          break;
        case kItemOffPage: {
          if (value.size() < 12) {
            errors_.Add(Corrupt(at + ": off-page item is " + std::to_string(value.size()) + " bytes, shorter than 12"));
            break;
          }
          uint32_t first = Load32(value.data() + 4, be_);
          uint32_t length = Load32(value.data() + 8, be_);
          Result<std::string> blob = ReadOverflow(first, length, at);
          if (!blob.ok()) {
            errors_.Add(blob.error());
            break;
          }
          visit_(instance, *blob);
          break;
        }
        case kItemDuplicate:
        case kItemOffDup:
          errors_.Add(Corrupt(at + ": duplicate-key item; rpm's Packages has one value per key"));
          break;
        default:
          errors_.Add(Corrupt(at + ": unknown item type " + std::to_string(static_cast<uint8_t>(value[0]))));
      }
    }
  }

  // Joins the overflow chain starting at `pgno` into a `length`-byte value. The chain must hold
  // exactly that many bytes; every page is claimed, so a loop or a chain two items share stops
  // at the first repeated page.
  Result<std::string> ReadOverflow(uint64_t pgno, uint32_t length, const std::string& at) {
    if (length > db_.size()) {
      return Corrupt(at + ": off-page value of " + std::to_string(length) + " bytes is larger than the whole file");
    }
    std::string out;
    out.reserve(length);
    const size_t capacity = page_size_ - kPageHeaderSize;
    while (out.size() < length) {
      std::string progress = " after " + std::to_string(out.size()) + " of " + std::to_string(length) + " bytes";
      if (pgno == 0 || pgno >= page_count_) {
        return Corrupt(at + ": overflow chain " + (pgno == 0 ? "ends" : "leads outside the file") + " at page " +
                       std::to_string(pgno) + progress);
      }
      if (!Claim(pgno, "")) {
        return Corrupt(at + ": overflow chain reaches page " + std::to_string(pgno) + " a second time" + progress +
                       " (a loop, or a page used twice)");
      }
      std::string_view page = Page(pgno);
      if (page[25] != static_cast<char>(kPageOverflow) || Load32(page.data() + 8, be_) != pgno) {
        return Corrupt(at + ": overflow chain page " + std::to_string(pgno) + " has type " +
                       std::to_string(static_cast<uint8_t>(page[25])) + " and number " +
                       std::to_string(Load32(page.data() + 8, be_)) + ", not an overflow page numbered " +
                       std::to_string(pgno) + progress);
      }
      size_t used = Load16(page.data() + 22, be_);
      if (used == 0 || used > capacity || used > length - out.size()) {
        return Corrupt(at + ": overflow page " + std::to_string(pgno) + " says it holds " + std::to_string(used) +
                       " bytes; it can hold 1 to " + std::to_string(capacity) + " and " +
                       std::to_string(length - out.size()) + " remain" + progress);
      }
      out.append(page.substr(kPageHeaderSize, used));
      pgno = Load32(page.data() + 16, be_);
    }
    if (pgno != 0) {
      return Corrupt(at + ": overflow chain goes on to page " + std::to_string(pgno) + " after all " +
                     std::to_string(length) + " bytes were read");
    }
    return out;
  }

  // Marks a page as used. A page reached twice means a loop (or damage); reported for hash
  // chains here, for overflow chains by the caller.
  bool Claim(uint64_t pgno, const std::string& chain) {
    if (seen_[pgno]) {
      if (!chain.empty()) {
        errors_.Add(Corrupt("rpm Berkeley DB: " + chain + " reaches page " + std::to_string(pgno) +
                            " a second time (a loop, or a page used twice)"));
      }
      return false;
    }
    seen_[pgno] = true;
    return true;
  }

  bool CheckPage(std::string_view page, uint64_t pgno, std::initializer_list<uint8_t> types, const char* kind) {
    auto type = static_cast<uint8_t>(page[25]);
    uint32_t number = Load32(page.data() + 8, be_);
    bool type_ok = false;
    for (uint8_t t : types) type_ok |= t == type;
    if (!type_ok || number != pgno) {
      errors_.Add(Corrupt("rpm Berkeley DB: page " + std::to_string(pgno) + " should be a " + kind + " page numbered " +
                          std::to_string(pgno) + " but has type " + std::to_string(type) + " and number " +
                          std::to_string(number) + " (damage, or a wrong page size)"));
      return false;
    }
    return true;
  }

  std::string_view Page(uint64_t pgno) const { return db_.substr(static_cast<size_t>(pgno * page_size_), page_size_); }
  uint32_t Meta32(size_t off) const { return Load32(db_.data() + off, be_); }

  std::string_view db_;
  const RpmBlobVisitor& visit_;
  ErrorCollector& errors_;
  bool be_ = false;
  uint32_t page_size_ = 0;
  uint64_t page_count_ = 0;
  uint32_t max_bucket_ = 0;
  uint32_t spares_[kSpareCount] = {};
  std::vector<bool> seen_;
};

}  // namespace

Status ReadBerkeleyDbBlobs(std::string_view db, const RpmBlobVisitor& visit, ErrorCollector& errors) {
  return BdbReader(db, visit, errors).Run();
}

}  // namespace vigil::catalog::rpm_internal
