// SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/).
#include <cctype>

#include "common/json.h"
#include "sbom/internal/common.h"
#include "sbom/sbom.h"

namespace vigil::sbom {
namespace {

using nlohmann::json;

// SPDX ids allow letters, digits, '.' and '-'.
std::string SpdxId(const std::string& s) {
  std::string out;
  for (char c : s) out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '-');
  return out;
}

// True when `s` looks like an SPDX license expression (ids joined by AND/OR/WITH, parentheses).
bool LooksLikeExpression(const std::string& s) {
  if (s.empty() || s.size() > 200) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == ' ' || c == '(' ||
          c == ')' || c == ':')) {
      return false;
    }
  }
  // Free text such as "BSD License" has lower-case words that are not operators.
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    std::string w = s.substr(i, j - i);
    if (!w.empty() && w != "AND" && w != "OR" && w != "WITH") {
      bool has_digit_or_dash = w.find_first_of("0123456789-.") != std::string::npos;
      bool all_alpha_cap = std::isupper(static_cast<unsigned char>(w[0])) != 0;
      if (!has_digit_or_dash && !all_alpha_cap) return false;
      if (j < s.size() && i > 0 && !has_digit_or_dash && w.size() > 1 &&
          std::islower(static_cast<unsigned char>(w[1])) && w != "Apache" && w != "Zlib") {
        return false;
      }
    }
    i = j + 1;
  }
  return s.find(' ') == std::string::npos || s.find(" AND ") != std::string::npos ||
         s.find(" OR ") != std::string::npos || s.find(" WITH ") != std::string::npos;
}

}  // namespace

std::string WriteSpdx(const catalog::Inventory& inv, const WriteOptions& options) {
  std::string time = DocumentTime(options);
  json doc;
  doc["spdxVersion"] = "SPDX-2.3";
  doc["dataLicense"] = "CC0-1.0";
  doc["SPDXID"] = "SPDXRef-DOCUMENT";
  doc["name"] = ImageName(inv);
  doc["documentNamespace"] = "urn:uuid:" + DerivedUuid(inv, "spdx|" + time);
  doc["creationInfo"] = {{"created", time}, {"creators", json::array({"Tool: vigil-" + options.tool_version})}};

  json packages = json::array();
  json rels = json::array();
  json image;
  image["SPDXID"] = "SPDXRef-Image";
  image["name"] = ImageName(inv);
  if (!inv.image.config_digest.empty()) {
    image["versionInfo"] = inv.image.config_digest;
    image["checksums"] = json::array({{{"algorithm", "SHA256"}, {"checksumValue", inv.image.config_digest.substr(7)}}});
  }
  image["downloadLocation"] = "NOASSERTION";
  image["filesAnalyzed"] = false;
  image["primaryPackagePurpose"] = "CONTAINER";
  packages.push_back(image);
  rels.push_back({{"spdxElementId", "SPDXRef-DOCUMENT"},
                  {"relationshipType", "DESCRIBES"},
                  {"relatedSpdxElement", "SPDXRef-Image"}});
  if (!inv.distro.empty()) {
    json os;
    os["SPDXID"] = "SPDXRef-OperatingSystem";
    os["name"] = inv.distro.id;
    if (!inv.distro.version_id.empty()) os["versionInfo"] = inv.distro.version_id;
    os["downloadLocation"] = "NOASSERTION";
    os["filesAnalyzed"] = false;
    os["primaryPackagePurpose"] = "OPERATING_SYSTEM";  // JSON spells it with "_" (tag-value with "-")
    packages.push_back(os);
    rels.push_back({{"spdxElementId", "SPDXRef-Image"},
                    {"relationshipType", "CONTAINS"},
                    {"relatedSpdxElement", "SPDXRef-OperatingSystem"}});
  }
  size_t n = 0;
  for (const auto& p : inv.packages) {
    ++n;
    json s;
    std::string id = "SPDXRef-Package-" + SpdxId(p.type) + "-" + std::to_string(n);
    s["SPDXID"] = id;
    s["name"] = p.name_space.empty() ? p.name : p.name_space + "/" + p.name;
    std::string version = p.version;
    if (!p.epoch.empty()) version = p.epoch + ":" + version;
    s["versionInfo"] = version;
    s["downloadLocation"] = "NOASSERTION";
    s["filesAnalyzed"] = false;
    s["licenseConcluded"] = "NOASSERTION";
    std::string declared;
    if (p.licenses.size() == 1 && LooksLikeExpression(p.licenses[0])) declared = p.licenses[0];
    s["licenseDeclared"] = declared.empty() ? "NOASSERTION" : declared;
    if (declared.empty() && !p.licenses.empty()) {
      std::string joined;
      for (const auto& l : p.licenses) joined += (joined.empty() ? "" : "; ") + l;
      s["licenseComments"] = "declared: " + joined;
    }
    s["copyrightText"] = "NOASSERTION";
    if (!p.source_name.empty() && p.source_name != p.name) {
      s["sourceInfo"] =
          "built from source package " + p.source_name + (p.source_version.empty() ? "" : " " + p.source_version);
    }
    std::string where = p.location;
    if (p.layer >= 0 && static_cast<size_t>(p.layer) < inv.layers.size()) {
      const auto& l = inv.layers[p.layer].layer;
      where += " (layer " + std::to_string(p.layer) + " " + l.diff_id +
               (l.created_by.empty() ? "" : ": " + l.created_by) + ")";
    }
    s["comment"] = "found by " + p.found_by + " in " + where;
    s["externalRefs"] = json::array(
        {{{"referenceCategory", "PACKAGE-MANAGER"}, {"referenceType", "purl"}, {"referenceLocator", p.purl}}});
    s["primaryPackagePurpose"] = "LIBRARY";
    packages.push_back(s);
    rels.push_back({{"spdxElementId", "SPDXRef-Image"}, {"relationshipType", "CONTAINS"}, {"relatedSpdxElement", id}});
  }
  doc["packages"] = packages;
  doc["relationships"] = rels;
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace vigil::sbom
