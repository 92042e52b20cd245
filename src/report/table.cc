// The terminal report: findings grouped by the layer that brought the package (base-image
// layers marked) or by severity, then the suppressed findings, then the policy verdict.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/internal/common.h"
#include "report/report.h"

namespace vigil::report {

namespace {

struct Widths {
  size_t id = 2, pkg = 7, installed = 9, fixed = 5;
};

std::string Cut(const std::string& s, size_t max) { return s.size() > max ? s.substr(0, max - 3) + "..." : s; }

Widths Measure(const ReportInput& in) {
  Widths w;
  for (const match::ScanFinding& sf : in.scan->findings) {
    w.id = std::max(w.id, std::min<size_t>(24, sf.finding.id.size()));
    w.pkg = std::max(w.pkg, std::min<size_t>(32, DisplayName(PackageOf(in, sf)).size()));
    w.installed = std::max(w.installed, std::min<size_t>(28, sf.finding.installed_version.size()));
    w.fixed = std::max(w.fixed, std::min<size_t>(28, FixText(sf.finding).size()));
  }
  return w;
}

std::string Marks(const match::ScanFinding& sf) {
  std::string m;
  if (sf.kev) m += " KEV";
  if (sf.epss >= 0) m += fmt::format(" EPSS {:.1f}%", sf.epss * 100);
  for (const std::string& n : sf.vex_notes) m += " [VEX " + n.substr(0, n.find(' ')) + "]";
  return m;
}

std::string Row(const ReportInput& in, const match::ScanFinding& sf, const Widths& w, bool with_layer) {
  std::string row =
      fmt::format("  {:<10} {:<{}} {:<{}} {:<{}} {:<{}}", vulndb::RatingName(sf.rating), Cut(sf.finding.id, 24), w.id,
                  Cut(DisplayName(PackageOf(in, sf)), 32), w.pkg, Cut(sf.finding.installed_version, 28), w.installed,
                  Cut(FixText(sf.finding), 28), w.fixed);
  if (with_layer) row += fmt::format(" {:>5}{}", sf.layer, sf.base ? " base" : "");
  row += Marks(sf);
  while (!row.empty() && row.back() == ' ') row.pop_back();
  return row + "\n";
}

std::string Header(const Widths& w, bool with_layer) {
  std::string h = fmt::format("  {:<10} {:<{}} {:<{}} {:<{}} {:<{}}", "SEVERITY", "ID", w.id, "PACKAGE", w.pkg,
                              "INSTALLED", w.installed, "FIXED IN", w.fixed);
  if (with_layer) h += " LAYER";
  while (!h.empty() && h.back() == ' ') h.pop_back();
  return h + "\n";
}

}  // namespace

std::string WriteTable(const ReportInput& in) {
  const catalog::Inventory& inv = *in.inventory;
  const match::ScanReport& scan = *in.scan;
  std::string out;
  out += fmt::format("Image     {} ({})\n", ImageName(inv), inv.image.format);
  if (!inv.distro.empty()) {
    out += fmt::format("OS        {}\n", inv.distro.pretty_name.empty() ? inv.distro.id + " " + inv.distro.version_id
                                                                        : inv.distro.pretty_name);
  }
  if (scan.base.known()) {
    out += fmt::format("Base      {} layer{}{} ({})\n", scan.base.layers, scan.base.layers == 1 ? "" : "s",
                       scan.base.name.empty() ? "" : " of " + scan.base.name, scan.base.how);
  } else {
    out += "Base      unknown (give --base IMAGE to separate base-image findings)\n";
  }
  out +=
      fmt::format("Database  {} records{}\n", in.db.records, in.db.built_at.empty() ? "" : ", built " + in.db.built_at);
  const match::ScanSummary& s = scan.summary;
  size_t active = s.findings - s.suppressed;
  out += fmt::format(
      "Findings  {} ({} critical, {} high, {} medium, {} low, {} negligible, {} unknown); {} fixable, "
      "{} in KEV, {} from the base image, {} suppressed\n\n",
      active, s.by_rating[5], s.by_rating[4], s.by_rating[3], s.by_rating[2], s.by_rating[1], s.by_rating[0], s.fixable,
      s.kev, s.base, s.suppressed);
  Widths w = Measure(in);
  std::vector<const match::ScanFinding*> active_list, suppressed;
  for (const match::ScanFinding& sf : scan.findings) {
    (sf.suppression.suppressed() ? suppressed : active_list).push_back(&sf);
  }
  if (in.group == GroupBy::kLayer) {
    std::map<int, std::vector<const match::ScanFinding*>> by_layer;
    for (const match::ScanFinding* sf : active_list) by_layer[sf->layer].push_back(sf);
    for (const auto& [layer, list] : by_layer) {
      std::string digest;
      if (layer >= 0 && static_cast<size_t>(layer) < inv.layers.size()) {
        digest = ShortDigest(inv.layers[static_cast<size_t>(layer)].layer.diff_id);
      }
      out += fmt::format("Layer {}{}  {}  {}  ({} finding{})\n", layer < 0 ? std::string("?") : std::to_string(layer),
                         scan.base.IsBaseLayer(layer) ? " [base]" : "", digest, StepText(inv, layer, 80), list.size(),
                         list.size() == 1 ? "" : "s");
      out += Header(w, false);
      for (const match::ScanFinding* sf : list) out += Row(in, *sf, w, false);
      out += "\n";
    }
  } else {
    for (int r = 5; r >= 0; --r) {
      std::vector<const match::ScanFinding*> list;
      for (const match::ScanFinding* sf : active_list) {
        if (static_cast<int>(sf->rating) == r) list.push_back(sf);
      }
      if (list.empty()) continue;
      std::stable_sort(list.begin(), list.end(), [&](const auto* a, const auto* b) { return a->base < b->base; });
      out += fmt::format("{} ({})\n", vulndb::RatingName(static_cast<vulndb::Rating>(r)), list.size());
      out += Header(w, true);
      for (const match::ScanFinding* sf : list) out += Row(in, *sf, w, true);
      out += "\n";
    }
  }
  if (active_list.empty()) out += "No vulnerabilities found.\n\n";
  if (!suppressed.empty()) {
    out += fmt::format("Suppressed ({})\n", suppressed.size());
    for (const match::ScanFinding* sf : suppressed) {
      out += fmt::format("  {:<{}} {:<{}} {}: {} ({})\n", Cut(sf->finding.id, 24), w.id,
                         Cut(DisplayName(PackageOf(in, *sf)), 32), w.pkg, sf->suppression.status,
                         sf->suppression.reason.empty() ? "no reason given" : sf->suppression.reason,
                         sf->suppression.source);
    }
    out += "\n";
  }
  if (s.excluded_base > 0) out += fmt::format("{} base-image findings left out (--exclude-base).\n", s.excluded_base);
  if (scan.policy.failed) {
    out += "Policy    FAILED\n";
    for (const std::string& r : scan.policy.reasons) out += "  " + r + "\n";
  } else {
    out += "Policy    passed\n";
  }
  return out;
}

}  // namespace vigil::report
