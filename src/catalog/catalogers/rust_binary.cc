#include "catalog/catalogers/rust_binary.h"

#include <libdeflate.h>

#include <algorithm>

#include "catalog/catalogers/elf.h"
#include "catalog/catalogers/exe_formats.h"
#include "common/json.h"

namespace vigil::catalog {
namespace {

constexpr size_t kMaxAuditData = 8u << 20;

class RustBinaryCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "rust-binary"; }
  bool Wants(const FileRef& f) const override { return (f.mode & 0111) != 0 && f.size >= 1024; }
  uint64_t MaxSize() const override { return 512u << 20; }
  Status Parse(const FileRef&, std::string_view content, FileResult& out) const override {
    return ParseRustBinary(content, out.packages);
  }
};

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// The source as cargo-auditable writes it: a string ("crates.io", "git", ...) or, for sources it
// has no name for, {"Other": "..."}.
std::string SourceOf(const nlohmann::json& pkg) {
  auto it = pkg.find("source");
  if (it == pkg.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) return JsonString(*it, "Other");
  return "";
}

// The .dep-v0 section of an ELF, PE or Mach-O file (cargo-auditable names it so in all three;
// in Mach-O it sits in the __DATA segment). A PE section's bytes are padded to the file
// alignment; zlib data ends by itself, so the padding is harmless.
Result<std::string_view> FindAuditSection(std::string_view file) {
  ExeFormat format = DetectExeFormat(file);
  if (format != ExeFormat::kPe && format != ExeFormat::kMachO && format != ExeFormat::kMachOFat) {
    return FindElfSection(file, ".dep-v0");
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<ExeSection> sections, ReadExeSections(file));
  for (const ExeSection& s : sections) {
    if (s.name == ".dep-v0") return s.data;
  }
  return NotFound("no .dep-v0 section");
}

}  // namespace

Result<std::string> ReadCargoAuditData(std::string_view file, size_t max_size) {
  VIGIL_ASSIGN_OR_RETURN(std::string_view compressed, FindAuditSection(file));
  std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> d(libdeflate_alloc_decompressor());
  if (!d) return InternalError("rust audit data: cannot allocate a decompressor");
  // libdeflate inflates whole buffers only; start near the usual ratio and double on
  // LIBDEFLATE_INSUFFICIENT_SPACE, so a zlib bomb costs at most `max_size` bytes.
  size_t cap = std::min(max_size, std::max<size_t>(64u << 10, compressed.size() * 8));
  while (true) {
    std::string out(cap, '\0');
    size_t in_used = 0, out_len = 0;
    libdeflate_result r = libdeflate_zlib_decompress_ex(d.get(), compressed.data(), compressed.size(), out.data(),
                                                        out.size(), &in_used, &out_len);
    if (r == LIBDEFLATE_SUCCESS) {
      out.resize(out_len);
      return out;
    }
    if (r != LIBDEFLATE_INSUFFICIENT_SPACE) {
      return Corrupt("rust audit data: section .dep-v0 (" + std::to_string(compressed.size()) +
                     " bytes) is not valid zlib data");
    }
    if (cap >= max_size) {
      return LimitExceeded("rust audit data: section .dep-v0 inflates to more than " + std::to_string(max_size) +
                           " bytes");
    }
    cap = std::min(max_size, cap * 2);
  }
}

Status ParseCargoAuditJson(std::string_view json, std::vector<Package>& out) {
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(json, "rust audit data"));
  if (!j.is_object()) return Corrupt("rust audit data: top level is not an object");
  auto pkgs = j.find("packages");
  if (pkgs == j.end() || !pkgs->is_array()) return Corrupt("rust audit data: no \"packages\" array");
  size_t bad = 0;
  for (const auto& e : *pkgs) {
    if (!e.is_object()) {
      ++bad;
      continue;
    }
    std::string name = JsonString(e, "name");
    std::string version = JsonString(e, "version");
    if (name.empty() || version.empty()) {
      ++bad;
      continue;
    }
    if (JsonString(e, "kind") == "build") continue;  // not linked into the binary
    Package p;
    p.type = "cargo";
    p.name = std::move(name);
    p.version = std::move(version);
    std::string source = SourceOf(e);
    if (!source.empty() && source != "crates.io") p.properties["cargo:source"] = source;
    if (auto r = e.find("root"); r != e.end() && r->is_boolean() && r->get<bool>()) {
      p.properties["cargo:root"] = "true";
    }
    out.push_back(std::move(p));
  }
  if (bad != 0) {
    return Corrupt("rust audit data: " + std::to_string(bad) + " package entries without a name or version");
  }
  return OkStatus();
}

Status ParseRustBinary(std::string_view file, std::vector<Package>& out) {
  Result<std::string> data = ReadCargoAuditData(file, kMaxAuditData);
  if (!data.ok()) {
    // Executables without audit data (nearly all of them) are not an error.
    if (data.error().code() == ErrorCode::kNotFound) return OkStatus();
    return data.status();
  }
  return ParseCargoAuditJson(*data, out);
}

std::unique_ptr<Cataloger> NewRustBinaryCataloger() { return std::make_unique<RustBinaryCataloger>(); }

}  // namespace vigil::catalog
