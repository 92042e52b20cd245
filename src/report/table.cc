// The terminal report: findings grouped by the layer that brought the package (base-image
// layers marked) or by severity, then the suppressed findings, what could not be checked, then
// the policy verdict. Every value from the image or a feed is escaped; with a width, the columns
// shrink (widest first) and long values end in "…"; the full values are in the JSON report.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "common/escape.h"
#include "report/internal/common.h"
#include "report/report.h"

namespace vigil::report {

namespace {

constexpr size_t kSeverityWidth = 10;
// "  " + SEVERITY + " ": what comes before the ID column.
constexpr size_t kLead = 2 + kSeverityWidth + 1;
// " " + layer number (5) + " base".
constexpr size_t kLayerWidth = 11;

const char* kReset = "\x1b[0m";

const char* SeverityColor(vulndb::Rating r) {
  switch (r) {
    case vulndb::Rating::kCritical:
      return "\x1b[1;31m";
    case vulndb::Rating::kHigh:
      return "\x1b[31m";
    case vulndb::Rating::kMedium:
      return "\x1b[33m";
    case vulndb::Rating::kLow:
      return "\x1b[34m";
    case vulndb::Rating::kNegligible:
      return "\x1b[2m";
    default:
      return "\x1b[35m";
  }
}

std::string Paint(const ReportInput& in, const char* color, const std::string& s) {
  return in.color ? color + s + kReset : s;
}

// The four variable columns of a finding row, escaped.
struct Cells {
  std::array<std::string, 4> text;  // ID, PACKAGE, INSTALLED, FIXED IN
};

Cells CellsOf(const ReportInput& in, const match::ScanFinding& sf) {
  const catalog::Package& p = PackageOf(in, sf);
  return {{EscapeControls(sf.finding.id), EscapeControls(DisplayName(p)), EscapeControls(InstalledText(p, sf.finding)),
           EscapeControls(FixText(sf.finding))}};
}

using Widths = std::array<size_t, 4>;
constexpr std::array<const char*, 4> kHeaders = {"ID", "PACKAGE", "INSTALLED", "FIXED IN"};

// Each column as wide as its widest cell; with a width limit, the widest column above its
// minimum loses a column at a time until the row fits (an ID keeps at least 16 columns, others 8
// or their header).
Widths Measure(const ReportInput& in, const std::vector<Cells>& rows, bool with_layer) {
  Widths w;
  for (size_t i = 0; i < 4; ++i) w[i] = DisplayWidth(kHeaders[i]);
  for (const Cells& c : rows) {
    for (size_t i = 0; i < 4; ++i) w[i] = std::max(w[i], DisplayWidth(c.text[i]));
  }
  if (in.width == 0) return w;
  size_t fixed = kLead + 3 + (with_layer ? kLayerWidth : 0);  // three spaces between four columns
  size_t budget = in.width > fixed ? in.width - fixed : 0;
  Widths min;
  for (size_t i = 0; i < 4; ++i) min[i] = std::min(w[i], std::max<size_t>(i == 0 ? 16 : 8, DisplayWidth(kHeaders[i])));
  while (w[0] + w[1] + w[2] + w[3] > budget) {
    size_t pick = 4;
    for (size_t i = 0; i < 4; ++i) {
      if (w[i] > min[i] && (pick == 4 || w[i] > w[pick])) pick = i;
    }
    if (pick == 4) break;
    --w[pick];
  }
  return w;
}

std::string Marks(const match::ScanFinding& sf) {
  std::string m;
  // A rating taken from the CVE records, not from the advisory: say whose it is.
  if (std::string cve = ShortCveSource(sf); !cve.empty()) m += " [" + EscapeControls(cve) + "]";
  if (sf.kev) m += " KEV";
  if (sf.epss >= 0) m += fmt::format(" EPSS {:.1f}%", sf.epss * 100);
  for (const std::string& n : sf.vex_notes) m += " [VEX " + EscapeControls(n.substr(0, n.find(' '))) + "]";
  return m;
}

std::string TrimRight(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// A line of plain text cut to the width (when there is one).
std::string Line(const ReportInput& in, const std::string& s) {
  return (in.width == 0 ? s : FitWidth(s, in.width)) + "\n";
}

// "  SEVERITY   " painted, then the rest cut so that the row fits.
std::string Row(const ReportInput& in, vulndb::Rating rating, const std::string& severity_text,
                const std::string& rest) {
  std::string tail = TrimRight(rest);
  if (in.width > kLead) tail = FitWidth(tail, in.width - kLead);
  std::string pad(kSeverityWidth > severity_text.size() ? kSeverityWidth - severity_text.size() : 0, ' ');
  std::string sev = (in.color ? SeverityColor(rating) + severity_text + kReset : severity_text) + pad;
  return TrimRight("  " + sev + " " + tail) + "\n";
}

std::string Columns(const Cells& c, const Widths& w) {
  std::string s;
  for (size_t i = 0; i < 4; ++i) s += PadRight(FitWidth(c.text[i], w[i]), w[i]) + " ";
  s.pop_back();
  return s;
}

std::string FindingRow(const ReportInput& in, const match::ScanFinding& sf, const Cells& c, const Widths& w,
                       bool with_layer) {
  std::string rest = Columns(c, w);
  if (with_layer) rest += fmt::format(" {:>5}{}", sf.layer, sf.base ? " base" : "     ");
  rest += Marks(sf);
  return Row(in, sf.rating, std::string(vulndb::RatingName(sf.rating)), rest);
}

std::string Header(const ReportInput& in, const Widths& w, bool with_layer) {
  Cells h{{kHeaders[0], kHeaders[1], kHeaders[2], kHeaders[3]}};
  std::string rest = Columns(h, w);
  if (with_layer) rest += " LAYER";
  std::string line = TrimRight("  " + PadRight("SEVERITY", kSeverityWidth) + " " + rest);
  return Line(in, line);
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string WriteTable(const ReportInput& in) {
  const catalog::Inventory& inv = *in.inventory;
  const match::ScanReport& scan = *in.scan;
  std::string out;
  out += Line(in, fmt::format("Image     {} ({})", EscapeControls(ImageName(inv)), EscapeControls(inv.image.format)));
  if (!inv.distro.empty()) {
    out += Line(
        in, "OS        " + EscapeControls(inv.distro.pretty_name.empty() ? inv.distro.id + " " + inv.distro.version_id
                                                                         : inv.distro.pretty_name));
  }
  if (scan.base.known()) {
    out += Line(in, fmt::format("Base      {} layer{}{} ({})", scan.base.layers, scan.base.layers == 1 ? "" : "s",
                                scan.base.name.empty() ? "" : " of " + EscapeControls(scan.base.name),
                                EscapeControls(scan.base.how)));
  } else {
    out += Line(in, "Base      unknown (give --base IMAGE to separate base-image findings)");
  }
  out += Line(in, fmt::format("Database  {} records{}", in.db.records,
                              in.db.built_at.empty() ? "" : ", built " + EscapeControls(in.db.built_at)));
  const match::ScanSummary& s = scan.summary;
  size_t active = s.findings - s.suppressed;
  out += Line(
      in, fmt::format("Findings  {} ({} critical, {} high, {} medium, {} low, {} negligible, {} unknown)", active,
                      s.by_rating[5], s.by_rating[4], s.by_rating[3], s.by_rating[2], s.by_rating[1], s.by_rating[0]));
  out += Line(in, fmt::format("          {} fixable, {} in KEV, {} from the base image, {} suppressed", s.fixable,
                              s.kev, s.base, s.suppressed));
  out += "\n";

  std::vector<const match::ScanFinding*> active_list, suppressed;
  for (const match::ScanFinding& sf : scan.findings) {
    (sf.suppression.suppressed() ? suppressed : active_list).push_back(&sf);
  }
  std::map<const match::ScanFinding*, Cells> cells;
  std::vector<Cells> all;
  for (const match::ScanFinding* sf : active_list) all.push_back(cells[sf] = CellsOf(in, *sf));
  bool with_layer = in.group == GroupBy::kSeverity;
  Widths w = Measure(in, all, with_layer);

  if (in.group == GroupBy::kLayer) {
    std::map<int, std::vector<const match::ScanFinding*>> by_layer;
    for (const match::ScanFinding* sf : active_list) by_layer[sf->layer].push_back(sf);
    for (const auto& [layer, list] : by_layer) {
      std::string digest;
      if (layer >= 0 && static_cast<size_t>(layer) < inv.layers.size()) {
        digest = EscapeControls(ShortDigest(inv.layers[static_cast<size_t>(layer)].layer.diff_id));
      }
      out += Line(in, fmt::format("Layer {}{}  {}  {}  ({})", layer < 0 ? std::string("?") : std::to_string(layer),
                                  scan.base.IsBaseLayer(layer) ? " [base]" : "", digest, StepText(inv, layer, 80),
                                  Plural(list.size(), "finding", "findings")));
      out += Header(in, w, false);
      for (const match::ScanFinding* sf : list) out += FindingRow(in, *sf, cells[sf], w, false);
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
      auto rating = static_cast<vulndb::Rating>(r);
      out += Paint(in, SeverityColor(rating), fmt::format("{} ({})", vulndb::RatingName(rating), list.size())) + "\n";
      out += Header(in, w, true);
      for (const match::ScanFinding* sf : list) out += FindingRow(in, *sf, cells[sf], w, true);
      out += "\n";
    }
  }

  std::vector<std::string> not_checked = NotChecked(in);
  if (active_list.empty()) {
    out += not_checked.empty() ? "No vulnerabilities found.\n\n"
                               : "No vulnerabilities found in what could be checked (see \"Not checked\").\n\n";
  }
  if (!suppressed.empty()) {
    out += fmt::format("Suppressed ({})\n", suppressed.size());
    for (const match::ScanFinding* sf : suppressed) {
      Cells c = CellsOf(in, *sf);
      std::string why = sf->suppression.reason.empty() ? "no reason given" : sf->suppression.reason;
      out += Line(
          in, TrimRight(fmt::format("  {} {} {}: {} ({})", PadRight(FitWidth(c.text[0], w[0]), w[0]),
                                    PadRight(FitWidth(c.text[1], w[1]), w[1]), EscapeControls(sf->suppression.status),
                                    EscapeControls(why), EscapeControls(sf->suppression.source))));
    }
    out += "\n";
  }
  if (s.excluded_base > 0) out += fmt::format("{} base-image findings left out (--exclude-base).\n", s.excluded_base);
  if (s.severity_filtered > 0) {
    out += fmt::format("{} of other severities left out (--severity).\n",
                       Plural(s.severity_filtered, "finding", "findings"));
  }
  if (scan.license_policy_given) {
    if (scan.licenses.empty()) {
      out += fmt::format("Licenses: all {} components allowed by the license policy.\n\n", scan.license_checked);
    } else {
      out += Paint(in, "\x1b[1m",
                   fmt::format("Licenses ({} of {} components)", scan.licenses.size(), scan.license_checked)) +
             "\n";
      for (const match::LicenseFinding& lf : scan.licenses) {
        const catalog::Package& p = in.inventory->packages[lf.package];
        std::string what = lf.license.empty() ? std::string("no license found") : lf.license;
        std::string tail = lf.license.empty() ? std::string() : " (" + lf.reason + ")";
        std::string layer = lf.layer >= 0 ? fmt::format(" [layer {}{}]", lf.layer, lf.base ? ", base" : "") : "";
        out += Line(in, EscapeControls(fmt::format("  {:<5} {} {}: {}{}{}", lf.action == "deny" ? "DENY" : "warn",
                                                   DisplayName(p), p.version, what, tail, layer)));
      }
      out += "\n";
    }
  }
  if (!not_checked.empty()) {
    out += Paint(in, "\x1b[33m", "Not checked") + "\n";
    for (const std::string& line : not_checked) out += Line(in, "  " + line);
    out += "\n";
  }
  if (scan.policy.failed) {
    out += "Policy    " + Paint(in, "\x1b[1;31m", "FAILED") + "\n";
    for (const std::string& r : scan.policy.reasons) out += Line(in, "  " + EscapeControls(r));
  } else {
    out += "Policy    " + Paint(in, "\x1b[32m", "passed") + "\n";
  }
  return out;
}

}  // namespace vigil::report
