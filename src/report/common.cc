#include "report/internal/common.h"

#include "common/escape.h"
#include "common/strings.h"
#include "vulndb/advisory.h"

namespace vigil::report {

const catalog::Package& PackageOf(const ReportInput& in, const match::ScanFinding& f) {
  return in.inventory->packages[f.finding.package];
}

std::string DisplayName(const catalog::Package& p) {
  if (p.name_space.empty()) return p.name;
  if (p.type == "maven") return p.name_space + ":" + p.name;
  if (p.type == "npm" && p.name_space.front() != '@') return "@" + p.name_space + "/" + p.name;
  return p.name_space + "/" + p.name;
}

std::string FixText(const match::Finding& f) {
  if (!f.fix.empty()) return f.fix;
  if (!f.fixed_versions.empty()) {
    std::string out;
    for (const std::string& v : f.fixed_versions) {
      if (!out.empty()) out += ", ";
      out += v;
    }
    return out;
  }
  switch (f.status) {
    case vulndb::FixStatus::kWillNotFix:
      return "will not fix";
    case vulndb::FixStatus::kEndOfLife:
      return "end of life";
    case vulndb::FixStatus::kPostponed:
      return "postponed";
    case vulndb::FixStatus::kUndetermined:
      return "undetermined";
    default:
      return "no fix";
  }
}

std::string ShortCveSource(const match::ScanFinding& sf) {
  if (sf.enrichment_source.empty() || sf.rating_source != sf.enrichment_source) return {};
  const std::string& source = sf.enrichment_source;
  std::string provider = source.substr(0, source.find(' '));
  size_t cvss = source.rfind(" CVSS ");
  return provider + (cvss == std::string::npos ? "" : " " + source.substr(cvss + 6));
}

std::string RatingLower(vulndb::Rating r) { return AsciiLower(vulndb::RatingName(r)); }

std::string StepText(const catalog::Inventory& inv, int layer, size_t max) {
  if (layer < 0 || static_cast<size_t>(layer) >= inv.layers.size()) return {};
  std::string s = inv.layers[static_cast<size_t>(layer)].layer.created_by;
  for (char& c : s) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  for (std::string_view prefix : {"/bin/sh -c #(nop) ", "/bin/sh -c "}) {
    if (s.starts_with(prefix)) {
      s.erase(0, prefix.size());
      break;
    }
  }
  s = EscapeControls(s);
  return max == 0 ? s : FitWidth(s, max);
}

std::string InstalledText(const catalog::Package& p, const match::Finding& f) {
  if (p.type != "deb") return f.installed_version;
  std::string own = p.epoch.empty() || p.version.find(':') != std::string::npos ? p.version : p.epoch + ":" + p.version;
  if (p.source_version.empty() || p.source_version == p.version || p.source_version == own) return own;
  return own + " (source " + p.source_version + ")";
}

std::vector<std::string> NotChecked(const ReportInput& in) {
  const match::MatchStats& st = in.scan->stats;
  const catalog::Inventory& inv = *in.inventory;
  auto plural = [](uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::vector<std::string> out;
  // The matcher's own account (unsupported distribution, ecosystems without advisories); a
  // report made without it (older callers, tests) still names the skipped OS packages.
  for (const std::string& why : st.unchecked_reasons) out.push_back(EscapeControls(why));
  if (st.unchecked_reasons.empty() && st.skipped_os > 0) {
    std::string distro = inv.distro.empty() ? "no /etc/os-release found"
                         : !inv.distro.pretty_name.empty()
                             ? inv.distro.pretty_name
                             : inv.distro.id + (inv.distro.version_id.empty() ? "" : " " + inv.distro.version_id);
    out.push_back(plural(st.skipped_os, "OS package", "OS packages") +
                  ": vigil has no advisory source for this distribution (" + EscapeControls(distro) + ")");
  }
  if (!inv.unread.empty()) {
    out.push_back(plural(inv.unread.size(), "file that lists packages", "files that list packages") +
                  " could not be read: " + EscapeControls(catalog::Describe(inv.unread.front())) +
                  (inv.unread.size() > 1 ? ", ..." : ""));
  }
  if (st.skipped_type > 0) {
    out.push_back(plural(st.skipped_type, "package", "packages") + " of types no advisory source covers");
  }
  if (st.invalid_versions > 0) {
    out.push_back(plural(st.invalid_versions, "installed version", "installed versions") +
                  " that could not be parsed (not compared with their advisories)");
  }
  if (!inv.warnings.empty()) {
    out.push_back(plural(inv.warnings.size(), "problem", "problems") +
                  " reading the image (files skipped or unreadable; printed on standard error)");
  }
  return out;
}

std::string ShortDigest(const std::string& digest) {
  return digest.starts_with("sha256:") && digest.size() > 19 ? digest.substr(0, 19) : digest;
}

}  // namespace vigil::report
