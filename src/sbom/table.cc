// The default terminal output: packages grouped by the layer that brought them.
#include <fmt/format.h>

#include <algorithm>
#include <map>

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
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
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
  out += fmt::format("Image    {} ({})\n", ImageName(inv), inv.image.format);
  if (!inv.image.config_digest.empty()) out += fmt::format("Id       {}\n", inv.image.config_digest);
  if (!inv.image.config.os.empty()) {
    out += fmt::format("Platform {}/{}\n", inv.image.config.os, inv.image.config.architecture);
  }
  if (!inv.distro.empty()) {
    out +=
        fmt::format("OS       {}\n", inv.distro.pretty_name.empty() ? DistroName(inv.distro) : inv.distro.pretty_name);
  }
  std::map<int, std::vector<const catalog::Package*>> by_layer;
  for (const auto& p : inv.packages) by_layer[p.layer].push_back(&p);
  size_t wn = 4, wv = 7, wt = 4;
  for (const auto& p : inv.packages) {
    wn = std::max(wn, std::min<size_t>(40, (p.name_space.empty() ? 0 : p.name_space.size() + 1) + p.name.size()));
    wv = std::max(wv, std::min<size_t>(32, p.version.size() + (p.epoch.empty() ? 0 : p.epoch.size() + 1)));
    wt = std::max(wt, p.type.size());
  }
  for (const auto& l : inv.layers) {
    int idx = l.layer.index;
    auto it = by_layer.find(idx);
    size_t count = it == by_layer.end() ? 0 : it->second.size();
    out += fmt::format("\nLayer {}  {}  {}{}  {} package{}\n", idx,
                       Short(l.layer.diff_id.empty() ? l.layer.digest : l.layer.diff_id),
                       HumanSize(l.uncompressed_size), l.from_cache ? " (cached)" : "", count, count == 1 ? "" : "s");
    if (!l.layer.created_by.empty()) out += fmt::format("  {}\n", OneLine(l.layer.created_by, 100));
    if (count == 0) continue;
    out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {}\n", "TYPE", wt, "NAME", wn, "VERSION", wv, "LOCATION");
    for (const catalog::Package* p : it->second) {
      std::string name = p->name_space.empty() ? p->name : p->name_space + "/" + p->name;
      std::string version = p->epoch.empty() ? p->version : p->epoch + ":" + p->version;
      out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {}\n", p->type, wt, name, wn, version, wv, p->location);
    }
  }
  out += fmt::format("\n{} packages in {} layers\n", inv.packages.size(), inv.layers.size());
  for (const auto& w : inv.warnings) out += "warning: " + w + "\n";
  for (const auto& u : inv.unread)
    out += "INCOMPLETE: not read, its packages are unknown: " + catalog::Describe(u) + "\n";
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
