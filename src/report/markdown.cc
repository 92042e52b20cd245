// A Markdown summary for pull-request comments: counts, the gate's verdict, the findings
// (highest severity first, at most kMaxRows), and the suppressed ones folded away.
#include <fmt/format.h>

#include <algorithm>

#include "common/escape.h"
#include "report/internal/common.h"
#include "report/report.h"

namespace vigil::report {

namespace {

constexpr size_t kMaxRows = 100;

// Identifiers and versions as code spans (no markup, links or @mentions render inside), prose as
// escaped text; both keep table pipes inert (common/escape.h).
std::string Code(const std::string& s) { return MarkdownCode(s, true); }

// Fixed versions as code; the status words ("no fix", "will not fix") are vigil's own.
std::string Fix(const match::Finding& f) {
  return f.fix.empty() && f.fixed_versions.empty() ? FixText(f) : Code(FixText(f));
}

}  // namespace

std::string WriteMarkdown(const ReportInput& in) {
  const match::ScanReport& scan = *in.scan;
  const match::ScanSummary& s = scan.summary;
  std::string out = "### vigil scan: " + MarkdownCode(ImageName(*in.inventory), false) + "\n\n";
  size_t active = s.findings - s.suppressed;
  out += fmt::format(
      "**{} vulnerabilit{}**: {} critical, {} high, {} medium, {} low, {} negligible, {} unknown. "
      "{} fixable, {} in CISA KEV, {} suppressed.",
      active, active == 1 ? "y" : "ies", s.by_rating[5], s.by_rating[4], s.by_rating[3], s.by_rating[2], s.by_rating[1],
      s.by_rating[0], s.fixable, s.kev, s.suppressed);
  if (scan.base.known()) {
    out += fmt::format(" {} come{} from the base image{}.", s.base, s.base == 1 ? "s" : "",
                       scan.base.name.empty() ? "" : " " + MarkdownCode(scan.base.name, false));
  }
  out += "\n\n";
  if (scan.policy.failed) {
    out += "**Policy: failed**\n";
    for (const std::string& r : scan.policy.reasons) out += "- " + MarkdownText(r) + "\n";
  } else {
    out += "**Policy: passed**\n";
  }
  out += "\n";
  std::vector<std::string> not_checked = NotChecked(in);
  if (!not_checked.empty()) {
    out += "**Not checked**\n";
    for (const std::string& line : not_checked) out += "- " + MarkdownText(line) + "\n";
    out += "\n";
  }
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
      if (std::string cve = ShortCveSource(sf); !cve.empty()) sev += " [" + MarkdownText(cve) + "]";
      if (sf.kev) sev += " (KEV)";
      std::string layer = sf.layer < 0 ? "?" : std::to_string(sf.layer);
      if (sf.base) layer += " (base)";
      const catalog::Package& p = PackageOf(in, sf);
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", sev, Code(sf.finding.id), Code(DisplayName(p)),
                         Code(InstalledText(p, sf.finding)), Fix(sf.finding), layer);
    }
    if (rows.size() > kMaxRows) out += fmt::format("\n… and {} more (see the full report).\n", rows.size() - kMaxRows);
    out += "\n";
  }
  if (s.suppressed > 0) {
    out += fmt::format("<details><summary>{} suppressed</summary>\n\n| ID | Package | Why |\n|---|---|---|\n",
                       s.suppressed);
    for (const match::ScanFinding& sf : scan.findings) {
      if (!sf.suppression.suppressed()) continue;
      out += fmt::format(
          "| {} | {} | {} |\n", Code(sf.finding.id), Code(DisplayName(PackageOf(in, sf))),
          MarkdownText(sf.suppression.status + ": " + sf.suppression.reason + " (" + sf.suppression.source + ")"));
    }
    out += "\n</details>\n";
  }
  return out;
}

}  // namespace vigil::report
