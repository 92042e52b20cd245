// CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/).
#include <set>

#include "common/json.h"
#include "license/license.h"
#include "sbom/internal/common.h"
#include "sbom/sbom.h"

namespace vigil::sbom {
namespace {

using nlohmann::json;

// CycloneDX 1.6 licenses of a package: one SPDX id as {"license":{"id"}}, a compound expression
// as {"expression"}, and what has no SPDX name as {"license":{"name"}} with the declared text
// (a LicenseRef- is vigil's name for it, not the package's).
json CycloneDxLicenses(const catalog::Package& p) {
  json ls = json::array();
  const std::string expression = LicenseOf(p);
  if (expression.empty()) return ls;
  auto e = license::ParseExpression(expression);
  if (!e.ok()) {
    for (const auto& l : p.licenses) ls.push_back({{"license", {{"name", l}}}});
    return ls;
  }
  if (e->kind == license::Expression::Kind::kLicense && e->exception.empty() && !e->or_later) {
    if (e->id.rfind("LicenseRef-", 0) == 0 || e->id.rfind("DocumentRef-", 0) == 0) {
      std::string joined;
      for (const auto& l : p.licenses) joined += (joined.empty() ? "" : "; ") + l;
      ls.push_back({{"license", {{"name", joined.empty() ? e->id : joined}}}});
    } else {
      ls.push_back({{"license", {{"id", e->id}}}});
    }
    return ls;
  }
  ls.push_back({{"expression", expression}});
  return ls;
}

void Prop(json& props, const std::string& name, const std::string& value) {
  if (!value.empty()) props.push_back({{"name", name}, {"value", value}});
}

}  // namespace

std::vector<std::string> CycloneDxRefs(const catalog::Inventory& inv) {
  std::vector<std::string> out;
  out.reserve(inv.packages.size());
  std::set<std::string> refs;
  for (const auto& p : inv.packages) {
    std::string ref = p.purl;
    if (!refs.insert(ref).second) {
      ref = p.purl + "#" + p.location;
      for (int k = 2; !refs.insert(ref).second; ++k) ref = p.purl + "#" + p.location + "#" + std::to_string(k);
    }
    out.push_back(std::move(ref));
  }
  return out;
}

std::string WriteCycloneDx(const catalog::Inventory& inv, const WriteOptions& options) {
  std::string time = DocumentTime(options);
  json bom;
  bom["$schema"] = "http://cyclonedx.org/schema/bom-1.6.schema.json";
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.6";
  bom["serialNumber"] = "urn:uuid:" + DerivedUuid(inv, time);
  bom["version"] = 1;

  json image;
  image["type"] = "container";
  image["bom-ref"] = "vigil:image";
  image["name"] = ImageName(inv);
  if (!inv.image.config_digest.empty()) image["version"] = inv.image.config_digest;
  json iprops = json::array();
  Prop(iprops, "vigil:image:format", inv.image.format);
  Prop(iprops, "vigil:image:manifest-digest", inv.image.manifest_digest);
  Prop(iprops, "vigil:image:os", inv.image.config.os);
  Prop(iprops, "vigil:image:architecture", inv.image.config.architecture);
  for (const auto& l : inv.layers) {
    std::string key = "vigil:layer:" + std::to_string(l.layer.index);
    Prop(iprops, key + ":diff-id", l.layer.diff_id);
    Prop(iprops, key + ":digest", l.layer.digest);
    Prop(iprops, key + ":created-by", l.layer.created_by);
  }
  if (!iprops.empty()) image["properties"] = iprops;

  json metadata;
  metadata["timestamp"] = time;
  metadata["tools"]["components"] =
      json::array({{{"type", "application"}, {"name", "vigil"}, {"version", options.tool_version}}});
  metadata["component"] = image;
  bom["metadata"] = metadata;

  json components = json::array();
  json depends = json::array();
  if (!inv.distro.empty()) {
    json os;
    os["type"] = "operating-system";
    os["bom-ref"] = "vigil:os";
    os["name"] = inv.distro.id;
    if (!inv.distro.version_id.empty()) os["version"] = inv.distro.version_id;
    if (!inv.distro.pretty_name.empty()) os["description"] = inv.distro.pretty_name;
    components.push_back(os);
    depends.push_back("vigil:os");
  }
  std::vector<std::string> refs = CycloneDxRefs(inv);
  for (size_t i = 0; i < inv.packages.size(); ++i) {
    const catalog::Package& p = inv.packages[i];
    const std::string& ref = refs[i];
    json c;
    c["type"] = "library";
    c["bom-ref"] = ref;
    if (!p.name_space.empty() && (p.type == "maven" || p.type == "npm" || p.type == "composer" || p.type == "golang")) {
      c["group"] = p.name_space;
    }
    c["name"] = p.name;
    std::string version = p.version;
    if (!p.epoch.empty()) version = p.epoch + ":" + version;
    c["version"] = version;
    c["purl"] = p.purl;
    if (json ls = CycloneDxLicenses(p); !ls.empty()) c["licenses"] = ls;
    json props = json::array();
    Prop(props, "vigil:found-by", p.found_by);
    Prop(props, "vigil:location", p.location);
    if (p.layer >= 0 && static_cast<size_t>(p.layer) < inv.layers.size()) {
      const auto& l = inv.layers[p.layer].layer;
      Prop(props, "vigil:layer:index", std::to_string(p.layer));
      Prop(props, "vigil:layer:diff-id", l.diff_id);
      Prop(props, "vigil:layer:created-by", l.created_by);
    }
    Prop(props, "vigil:arch", p.arch);
    Prop(props, "vigil:source-name", p.source_name);
    Prop(props, "vigil:source-version", p.source_version);
    Prop(props, "vigil:owned-by", p.owner);
    for (const auto& [k, v] : p.properties) Prop(props, "vigil:" + k, v);
    c["properties"] = props;
    components.push_back(c);
    depends.push_back(ref);
  }
  bom["components"] = components;
  bom["dependencies"] = json::array({{{"ref", "vigil:image"}, {"dependsOn", depends}}});
  if (!inv.complete()) {
    // Files that list packages were not read: the component list is known to be incomplete.
    bom["compositions"] = json::array({{{"aggregate", "incomplete"}, {"assemblies", json::array({"vigil:image"})}}});
    json props = bom["metadata"].value("properties", json::array());
    for (const catalog::UnreadFile& u : inv.unread) Prop(props, "vigil:unread", catalog::Describe(u));
    bom["metadata"]["properties"] = props;
  }
  return bom.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace vigil::sbom
