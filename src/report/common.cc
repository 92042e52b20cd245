#include "report/internal/common.h"

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
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

std::string ShortDigest(const std::string& digest) {
  return digest.starts_with("sha256:") && digest.size() > 19 ? digest.substr(0, 19) : digest;
}

}  // namespace vigil::report
