// A Markdown summary for pull-request comments: counts, the gate's verdict, the findings
// (highest severity first, at most kMaxRows), and the suppressed ones folded away.
#include <fmt/format.h>

#include <algorithm>

#include "report/internal/common.h"
#include "report/report.h"

namespace vigil::report {

namespace {

constexpr size_t kMaxRows = 100;

// Table cells: no line breaks, pipes and backticks escaped, HTML left inert.
std::string Cell(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '|':
        out += "\\|";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '`':
        out += "\\`";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string WriteMarkdown(const ReportInput& in) {
  const match::ScanReport& scan = *in.scan;
  const match::ScanSummary& s = scan.summary;
  std::string out = fmt::format("### vigil scan: `{}`\n\n", Cell(ImageName(*in.inventory)));
  size_t active = s.findings - s.suppressed;
  out += fmt::format(
      "**{} vulnerabilit{}**: {} critical, {} high, {} medium, {} low, {} negligible, {} unknown. "
      "{} fixable, {} in CISA KEV, {} suppressed.",
      active, active == 1 ? "y" : "ies", s.by_rating[5], s.by_rating[4], s.by_rating[3], s.by_rating[2], s.by_rating[1],
      s.by_rating[0], s.fixable, s.kev, s.suppressed);
  if (scan.base.known()) {
    out += fmt::format(" {} come{} from the base image{}.", s.base, s.base == 1 ? "s" : "",
                       scan.base.name.empty() ? "" : " `" + Cell(scan.base.name) + "`");
  }
  out += "\n\n";
  if (scan.policy.failed) {
    out += "**Policy: failed**\n";
    for (const std::string& r : scan.policy.reasons) out += "- " + Cell(r) + "\n";
  } else {
    out += "**Policy: passed**\n";
  }
  out += "\n";
  std::vector<const match::ScanFinding*> rows;
  for (const match::ScanFinding& sf : scan.findings) {
    if (!sf.suppression.suppressed()) rows.push_back(&sf);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    if (a->kev != b->kev) return a->kev;
    return a->rating > b->rating;
  });
  if (!rows.empty()) {
    out += "| Severity | ID | Package | Installed | Fixed in | Layer |\n|---|---|---|---|---|---|\n";
    for (size_t i = 0; i < rows.size() && i < kMaxRows; ++i) {
      const match::ScanFinding& sf = *rows[i];
      std::string sev = std::string(vulndb::RatingName(sf.rating));
      if (sf.kev) sev += " (KEV)";
      std::string layer = sf.layer < 0 ? "?" : std::to_string(sf.layer);
      if (sf.base) layer += " (base)";
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", sev, Cell(sf.finding.id),
                         Cell(DisplayName(PackageOf(in, sf))), Cell(sf.finding.installed_version),
                         Cell(FixText(sf.finding)), layer);
    }
    if (rows.size() > kMaxRows) out += fmt::format("\n… and {} more (see the full report).\n", rows.size() - kMaxRows);
    out += "\n";
  }
  if (s.suppressed > 0) {
    out += fmt::format("<details><summary>{} suppressed</summary>\n\n| ID | Package | Why |\n|---|---|---|\n",
                       s.suppressed);
    for (const match::ScanFinding& sf : scan.findings) {
      if (!sf.suppression.suppressed()) continue;
      out +=
          fmt::format("| {} | {} | {} |\n", Cell(sf.finding.id), Cell(DisplayName(PackageOf(in, sf))),
                      Cell(sf.suppression.status + ": " + sf.suppression.reason + " (" + sf.suppression.source + ")"));
    }
    out += "\n</details>\n";
  }
  return out;
}

}  // namespace vigil::report
