#include "catalog/internal/layer_analysis.h"
#include "common/json.h"

namespace vigil::catalog {
namespace {

using nlohmann::json;

json PackageToJson(const Package& p) {
  json j = json::object();
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) j[k] = v;
  };
  put("type", p.type);
  put("namespace", p.name_space);
  put("name", p.name);
  put("version", p.version);
  put("epoch", p.epoch);
  put("arch", p.arch);
  put("source_name", p.source_name);
  put("source_version", p.source_version);
  put("location", p.location);
  put("found_by", p.found_by);
  if (!p.licenses.empty()) j["licenses"] = p.licenses;
  if (!p.files.empty()) j["files"] = p.files;
  if (!p.properties.empty()) j["properties"] = p.properties;
  return j;
}

Package PackageFromJson(const json& j) {
  Package p;
  p.type = JsonString(j, "type");
  p.name_space = JsonString(j, "namespace");
  p.name = JsonString(j, "name");
  p.version = JsonString(j, "version");
  p.epoch = JsonString(j, "epoch");
  p.arch = JsonString(j, "arch");
  p.source_name = JsonString(j, "source_name");
  p.source_version = JsonString(j, "source_version");
  p.location = JsonString(j, "location");
  p.found_by = JsonString(j, "found_by");
  if (auto it = j.find("licenses"); it != j.end()) p.licenses = it->get<std::vector<std::string>>();
  if (auto it = j.find("files"); it != j.end()) p.files = it->get<std::vector<std::string>>();
  if (auto it = j.find("properties"); it != j.end()) {
    p.properties = it->get<std::map<std::string, std::string>>();
  }
  return p;
}

}  // namespace

std::string EncodeLayerAnalysis(const LayerAnalysis& a) {
  json j;
  j["version"] = kAnalysisVersion;
  json files = json::array();
  for (const auto& [path, r] : a.files) {
    json f;
    f["path"] = path;
    json pkgs = json::array();
    for (const auto& p : r.packages) pkgs.push_back(PackageToJson(p));
    f["packages"] = std::move(pkgs);
    if (!r.owner_key.empty()) f["owner_key"] = r.owner_key;
    if (!r.owned_files.empty()) f["owned_files"] = r.owned_files;
    if (!r.facts.empty()) f["facts"] = r.facts;
    if (!r.unread_reason.empty()) {
      f["unread_reason"] = r.unread_reason;
      f["unread_by"] = r.unread_by;
    }
    files.push_back(std::move(f));
  }
  j["files"] = std::move(files);
  j["symlinks"] = a.symlinks;
  j["whiteouts"] = a.whiteouts;
  j["opaques"] = a.opaques;
  j["warnings"] = a.warnings;
  j["blob_digest"] = a.digests.blob_digest;
  j["diff_id"] = a.digests.diff_id;
  j["uncompressed_size"] = a.digests.uncompressed_size;
  j["entries"] = a.digests.entries;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<LayerAnalysis> DecodeLayerAnalysis(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(json j, ParseJson(text, "layer cache entry"));
  try {
    if (!j.is_object() || j.value("version", 0) != kAnalysisVersion) {
      return Corrupt("layer cache entry has another analysis version");
    }
    LayerAnalysis a;
    for (const auto& f : j.at("files")) {
      FileResult r;
      for (const auto& p : f.at("packages")) r.packages.push_back(PackageFromJson(p));
      r.owner_key = JsonString(f, "owner_key");
      if (auto it = f.find("owned_files"); it != f.end()) {
        r.owned_files = it->get<std::vector<std::string>>();
      }
      if (auto it = f.find("facts"); it != f.end()) {
        r.facts = it->get<std::map<std::string, std::string>>();
      }
      r.unread_reason = JsonString(f, "unread_reason");
      r.unread_by = JsonString(f, "unread_by");
      a.files.emplace_back(f.at("path").get<std::string>(), std::move(r));
    }
    a.symlinks = j.at("symlinks").get<std::map<std::string, std::string>>();
    a.whiteouts = j.at("whiteouts").get<std::vector<std::string>>();
    a.opaques = j.at("opaques").get<std::vector<std::string>>();
    a.warnings = j.at("warnings").get<std::vector<std::string>>();
    a.digests.blob_digest = j.at("blob_digest").get<std::string>();
    a.digests.diff_id = j.at("diff_id").get<std::string>();
    a.digests.uncompressed_size = j.at("uncompressed_size").get<uint64_t>();
    a.digests.entries = j.at("entries").get<uint64_t>();
    return a;
  } catch (const std::exception& e) {
    return Corrupt(std::string("layer cache entry is malformed: ") + e.what());
  }
}

}  // namespace vigil::catalog
