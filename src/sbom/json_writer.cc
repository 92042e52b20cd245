// vigil's own JSON: everything the inventory knows, for scripts and for `vigil scan --sbom`.
#include "common/json.h"
#include "sbom/internal/common.h"
#include "sbom/sbom.h"

namespace vigil::sbom {

std::string WriteJson(const catalog::Inventory& inv, const WriteOptions& options) {
  using nlohmann::json;
  json j;
  j["schema"] = "vigil-inventory/1";
  j["generated"] = DocumentTime(options);
  j["tool"] = {{"name", "vigil"}, {"version", options.tool_version}};
  const auto& im = inv.image;
  j["image"] = {{"source", im.source},
                {"format", im.format},
                {"tags", im.tags},
                {"manifest_digest", im.manifest_digest},
                {"config_digest", im.config_digest},
                {"os", im.config.os},
                {"architecture", im.config.architecture},
                {"variant", im.config.variant},
                {"user", im.config.user},
                {"working_dir", im.config.working_dir},
                {"env", im.config.env},
                {"entrypoint", im.config.entrypoint},
                {"cmd", im.config.cmd},
                {"labels", im.config.labels}};
  j["distro"] = {{"id", inv.distro.id},
                 {"version_id", inv.distro.version_id},
                 {"version_codename", inv.distro.version_codename},
                 {"pretty_name", inv.distro.pretty_name}};
  json layers = json::array();
  for (const auto& l : inv.layers) {
    layers.push_back({{"index", l.layer.index},
                      {"digest", l.layer.digest},
                      {"diff_id", l.layer.diff_id},
                      {"media_type", l.layer.media_type},
                      {"size", l.layer.size},
                      {"uncompressed_size", l.uncompressed_size},
                      {"entries", l.entries},
                      {"created_by", l.layer.created_by},
                      {"from_cache", l.from_cache}});
  }
  j["layers"] = layers;
  json pkgs = json::array();
  for (const auto& p : inv.packages) {
    json o = {{"type", p.type},         {"name", p.name},   {"version", p.version},  {"purl", p.purl},
              {"location", p.location}, {"layer", p.layer}, {"found_by", p.found_by}};
    if (!p.name_space.empty()) o["namespace"] = p.name_space;
    if (!p.epoch.empty()) o["epoch"] = p.epoch;
    if (!p.arch.empty()) o["arch"] = p.arch;
    if (!p.source_name.empty()) o["source_name"] = p.source_name;
    if (!p.source_version.empty()) o["source_version"] = p.source_version;
    if (!p.licenses.empty()) o["licenses"] = p.licenses;
    if (std::string e = LicenseOf(p); !e.empty()) o["license"] = e;
    if (!p.owner.empty()) o["owned_by"] = p.owner;
    if (!p.properties.empty()) o["properties"] = p.properties;
    if (!p.files.empty()) o["file_count"] = p.files.size();
    pkgs.push_back(o);
  }
  j["packages"] = pkgs;
  j["warnings"] = inv.warnings;
  if (!inv.unread.empty()) {
    json unread = json::array();
    for (const catalog::UnreadFile& u : inv.unread) {
      unread.push_back({{"path", u.path}, {"layer", u.layer}, {"cataloger", u.cataloger}, {"reason", u.reason}});
    }
    j["unread"] = std::move(unread);  // files whose packages are unknown: the inventory is incomplete
  }
  j["complete"] = inv.complete();
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace vigil::sbom
