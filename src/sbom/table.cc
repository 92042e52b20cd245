// The default terminal output: packages grouped by the layer that brought them.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/escape.h"
#include "sbom/internal/common.h"
#include "sbom/sbom.h"

namespace vigil::sbom {
namespace {

std::string Short(const std::string& digest) {
  if (digest.size() > 19 && digest.rfind("sha256:", 0) == 0) return digest.substr(0, 19);
  return digest;
}

std::string OneLine(std::string s, size_t max) {
  for (char& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  const std::string nop = "/bin/sh -c #(nop) ";
  if (s.rfind(nop, 0) == 0) s = s.substr(nop.size());
  return FitWidth(EscapeControls(s), max);
}

std::string HumanSize(uint64_t n) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace

std::string WriteTable(const catalog::Inventory& inv) {
  std::string out;
  // Every value comes from the image: escaped (common/escape.h), padded by display width.
  auto esc = [](const std::string& v) { return EscapeControls(v); };
  out += fmt::format("Image    {} ({})\n", esc(ImageName(inv)), esc(inv.image.format));
  if (!inv.image.config_digest.empty()) out += fmt::format("Id       {}\n", esc(inv.image.config_digest));
  if (!inv.image.config.os.empty()) {
    out += fmt::format("Platform {}/{}\n", esc(inv.image.config.os), esc(inv.image.config.architecture));
  }
  if (!inv.distro.empty()) {
    out += fmt::format("OS       {}\n",
                       esc(inv.distro.pretty_name.empty() ? DistroName(inv.distro) : inv.distro.pretty_name));
  }
  std::map<int, std::vector<const catalog::Package*>> by_layer;
  for (const auto& p : inv.packages) by_layer[p.layer].push_back(&p);
  size_t wn = 4, wv = 7, wt = 4;
  auto name_of = [&](const catalog::Package& p) {
    return esc(p.name_space.empty() ? p.name : p.name_space + "/" + p.name);
  };
  auto version_of = [&](const catalog::Package& p) {
    return esc(p.epoch.empty() ? p.version : p.epoch + ":" + p.version);
  };
  for (const auto& p : inv.packages) {
    wn = std::max(wn, std::min<size_t>(40, DisplayWidth(name_of(p))));
    wv = std::max(wv, std::min<size_t>(32, DisplayWidth(version_of(p))));
    wt = std::max(wt, DisplayWidth(esc(p.type)));
  }
  for (const auto& l : inv.layers) {
    int idx = l.layer.index;
    auto it = by_layer.find(idx);
    size_t count = it == by_layer.end() ? 0 : it->second.size();
    out += fmt::format("\nLayer {}  {}  {}{}  {} package{}\n", idx,
                       esc(Short(l.layer.diff_id.empty() ? l.layer.digest : l.layer.diff_id)),
                       HumanSize(l.uncompressed_size), l.from_cache ? " (cached)" : "", count, count == 1 ? "" : "s");
    if (!l.layer.created_by.empty()) out += fmt::format("  {}\n", OneLine(l.layer.created_by, 100));
    if (count == 0) continue;
    out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {}\n", "TYPE", wt, "NAME", wn, "VERSION", wv, "LOCATION");
    for (const catalog::Package* p : it->second) {
      out += "  " + PadRight(esc(p->type), wt) + "  " + PadRight(name_of(*p), wn) + "  " +
             PadRight(version_of(*p), wv) + "  " + esc(p->location) + "\n";
    }
  }
  out += fmt::format("\n{} packages in {} layers\n", inv.packages.size(), inv.layers.size());
  // The warnings themselves go to standard error (vigil sbom prints them in every format).
  if (!inv.warnings.empty()) {
    out += fmt::format("{} warning{} (on standard error)\n", inv.warnings.size(), inv.warnings.size() == 1 ? "" : "s");
  }
  for (const auto& u : inv.unread) {
    out += "INCOMPLETE: not read, its packages are unknown: " + EscapeControls(catalog::Describe(u)) + "\n";
  }
  return out;
}

Result<Format> ParseFormat(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "cyclonedx" || name == "cdx" || name == "cyclonedx-json") return Format::kCycloneDx;
  if (name == "spdx" || name == "spdx-json") return Format::kSpdx;
  return InvalidArgument("unknown format '" + std::string(name) + "' (use table, json, cyclonedx or spdx)");
}

std::string Write(Format format, const catalog::Inventory& inv, const WriteOptions& options) {
  switch (format) {
    case Format::kTable:
      return WriteTable(inv);
    case Format::kJson:
      return WriteJson(inv, options);
    case Format::kCycloneDx:
      return WriteCycloneDx(inv, options);
    case Format::kSpdx:
      return WriteSpdx(inv, options);
  }
  return {};
}

}  // namespace vigil::sbom
