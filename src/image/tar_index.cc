#include "image/internal/tar_index.h"

#include <cstdint>
#include <cstring>

#include "common/path.h"
#include "common/strings.h"

namespace vigil::image {
namespace {

constexpr size_t kBlock = 512;

// Parses a tar numeric field: octal text, or base-256 when the high bit of the first byte is set.
bool ParseNumber(std::string_view field, uint64_t& out) {
  out = 0;
  if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80)) {
    for (size_t i = 0; i < field.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(field[i]);
      if (i == 0) c &= 0x7f;
      if (out > (UINT64_MAX >> 8)) return false;
      out = (out << 8) | c;
    }
    return true;
  }
  size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  bool any = false;
  for (; i < field.size(); ++i) {
    char c = field[i];
    if (c == '\0' || c == ' ') break;
    if (c < '0' || c > '7') return false;
    if (out > (UINT64_MAX >> 3)) return false;
    out = out * 8 + static_cast<uint64_t>(c - '0');
    any = true;
  }
  return any || field[0] == '\0' || field[0] == ' ';
}

std::string_view CString(std::string_view field) {
  size_t n = field.find('\0');
  return n == std::string_view::npos ? field : field.substr(0, n);
}

bool ChecksumOk(std::string_view h) {
  uint64_t want = 0;
  if (!ParseNumber(h.substr(148, 8), want)) return false;
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  }
  return sum == want;
}

// Reads "len key=value\n" records of a PAX extended header.
Status ParsePax(std::string_view body, std::string& path, std::string& linkpath, uint64_t& size, bool& has_size) {
  while (!body.empty()) {
    size_t sp = body.find(' ');
    if (sp == std::string_view::npos) return Corrupt("PAX record without a length");
    uint64_t len = 0;
    for (char c : body.substr(0, sp)) {
      if (c < '0' || c > '9') return Corrupt("PAX record length is not a number");
      len = len * 10 + static_cast<uint64_t>(c - '0');
      if (len > body.size()) return Corrupt("PAX record runs past its header");
    }
    if (len <= sp + 1 || len > body.size()) return Corrupt("PAX record length is out of range");
    std::string_view rec = body.substr(sp + 1, len - sp - 1);
    if (!rec.empty() && rec.back() == '\n') rec.remove_suffix(1);
    size_t eq = rec.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = rec.substr(0, eq), value = rec.substr(eq + 1);
      if (key == "path") path = std::string(value);
      if (key == "linkpath") linkpath = std::string(value);
      if (key == "size") {
        size = 0;
        for (char c : value) {
          if (c < '0' || c > '9') return Corrupt("PAX size is not a number");
          size = size * 10 + static_cast<uint64_t>(c - '0');
        }
        has_size = true;
      }
    }
    body.remove_prefix(len);
  }
  return OkStatus();
}

}  // namespace

Result<TarIndex> TarIndex::Build(std::string_view data) {
  TarIndex index;
  size_t pos = 0;
  std::string long_name, long_link, pax_path, pax_link;
  uint64_t pax_size = 0;
  bool pax_has_size = false;
  while (pos + kBlock <= data.size()) {
    std::string_view h = data.substr(pos, kBlock);
    if (h.find_first_not_of('\0') == std::string_view::npos) break;  // end marker
    std::string where = "archive header at byte " + std::to_string(pos);
    if (!ChecksumOk(h)) return Corrupt(where + ": checksum mismatch (not a tar archive, or damaged)");
    uint64_t size = 0;
    if (!ParseNumber(h.substr(124, 12), size)) return Corrupt(where + ": size field is not a number");
    char type = h[156];
    if (pax_has_size) size = pax_size;
    uint64_t padded = (size + kBlock - 1) / kBlock * kBlock;
    if (size > data.size() || pos + kBlock + padded > data.size() + kBlock) {
      return Corrupt(where + ": member of " + std::to_string(size) + " bytes runs past the end");
    }
    size_t body_at = pos + kBlock;
    std::string_view body = data.substr(body_at, std::min<uint64_t>(size, data.size() - body_at));
    if (body.size() < size) return Corrupt(where + ": member is truncated");
    pos = body_at + padded;

    if (type == 'x') {
      Status ps = ParsePax(body, pax_path, pax_link, pax_size, pax_has_size);
      if (!ps.ok()) return ps.error().Context(where);
      continue;
    }
    if (type == 'g') continue;
    if (type == 'L') {
      long_name = std::string(CString(body));
      continue;
    }
    if (type == 'K') {
      long_link = std::string(CString(body));
      continue;
    }

    std::string name;
    if (!pax_path.empty()) {
      name = pax_path;
    } else if (!long_name.empty()) {
      name = long_name;
    } else {
      std::string_view prefix = CString(h.substr(345, 155));
      std::string_view magic = h.substr(257, 6);
      name = std::string(CString(h.substr(0, 100)));
      if (magic == std::string_view("ustar\0", 6) && !prefix.empty()) {
        name = std::string(prefix) + "/" + name;
      }
    }
    std::string link = !pax_link.empty()    ? pax_link
                       : !long_link.empty() ? long_link
                                            : std::string(CString(h.substr(157, 100)));
    pax_path.clear();
    pax_link.clear();
    long_name.clear();
    long_link.clear();
    pax_has_size = false;

    auto norm = NormalizeEntryPath(name);
    if (!norm.ok()) return norm.error().Context(where);
    if (type == '0' || type == '\0' || type == '7') {
      index.files_[*norm] = body;
    } else if (type == '1') {
      auto target = NormalizeEntryPath(link);
      if (!target.ok()) return target.error().Context(where);
      index.links_[*norm] = *target;
    } else if (type == '2') {
      index.links_[*norm] = ResolveLinkTarget(*norm, link);
    }
  }
  return index;
}

Result<std::string_view> TarIndex::Find(std::string_view name) const {
  std::string current(name);
  for (int hops = 0; hops <= 16; ++hops) {
    auto f = files_.find(current);
    if (f != files_.end()) return f->second;
    auto l = links_.find(current);
    if (l == links_.end()) break;
    current = l->second;
  }
  return NotFound("archive has no member '" + Clip(name) + "'");
}

bool TarIndex::Contains(std::string_view name) const { return Find(name).ok(); }

}  // namespace vigil::image
