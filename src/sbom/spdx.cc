// SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/).
#include <cctype>
#include <map>

#include "common/json.h"
#include "license/license.h"
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
  std::map<std::string, json> extracted;
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
    // The SPDX expression; each LicenseRef- in it is defined once in hasExtractedLicensingInfos
    // with the declared text it stands for.
    const std::string expression = LicenseOf(p);
    s["licenseDeclared"] = expression.empty() ? "NOASSERTION" : expression;
    if (!p.licenses.empty()) {
      std::string joined;
      for (const auto& l : p.licenses) joined += (joined.empty() ? "" : "; ") + l;
      auto f = p.properties.find("license:file");
      s["licenseComments"] = "declared: " + joined + (f == p.properties.end() ? "" : " (from " + f->second + ")");
    }
    if (auto e = license::ParseExpression(expression); e.ok()) {
      for (const std::string& lid : license::LicenseIds(*e)) {
        if (lid.rfind("LicenseRef-", 0) != 0 || extracted.count(lid) != 0) continue;
        std::string text;
        for (const auto& l : p.licenses) {
          if (license::NormalizeOne(l) == lid) text = l;
        }
        if (text.empty()) text = lid.substr(11);
        auto f = p.properties.find("license:file");
        extracted[lid] = {
            {"licenseId", lid},
            {"name", text},
            {"extractedText", "declared as '" + text + "'" + (f == p.properties.end() ? "" : " in " + f->second) +
                                  "; not a license on the SPDX License List"}};
      }
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
  if (!extracted.empty()) {
    json infos = json::array();
    for (auto& [lid, info] : extracted) infos.push_back(std::move(info));
    doc["hasExtractedLicensingInfos"] = infos;
  }
  doc["relationships"] = rels;
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace vigil::sbom
