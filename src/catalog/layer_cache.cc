#include "catalog/layer_cache.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

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
    if (!r.warnings.empty()) f["warnings"] = r.warnings;
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
      if (auto it = f.find("warnings"); it != f.end()) {
        r.warnings = it->get<std::vector<std::string>>();
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

// --- the cache on disk ---------------------------------------------------------------------

namespace vigil::catalog {
namespace {

struct EntryFile {
  std::string path;
  uint64_t bytes = 0;
  int64_t used_ns = 0;  // modification time: refreshed on each use
  bool current = false;
};

bool IsEntryName(const char* name) {
  std::string_view n(name);
  return n.size() > 5 && n.substr(n.size() - 5) == ".json" && n.find('-') == 64;
}

// Lists the entries of every layers/v<N> folder (only names that look like entries).
Result<std::vector<EntryFile>> ListEntries(const std::string& cache_dir) {
  std::vector<EntryFile> out;
  std::string layers = cache_dir + "/layers";
  DIR* top = opendir(layers.c_str());
  if (top == nullptr) {
    if (errno == ENOENT) return out;
    return IoError("cannot read the cache folder '" + layers + "': " + std::strerror(errno));
  }
  std::string current = "v" + std::to_string(kAnalysisVersion);
  while (dirent* v = readdir(top)) {
    if (v->d_name[0] != 'v' || std::strspn(v->d_name + 1, "0123456789") != std::strlen(v->d_name + 1)) continue;
    std::string dir = layers + "/" + v->d_name;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) continue;
    while (dirent* e = readdir(d)) {
      if (!IsEntryName(e->d_name)) continue;
      EntryFile f;
      f.path = dir + "/" + e->d_name;
      struct stat st;
      if (lstat(f.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      f.bytes = static_cast<uint64_t>(st.st_size);
      f.used_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
      f.current = current == v->d_name;
      out.push_back(std::move(f));
    }
    closedir(d);
  }
  closedir(top);
  return out;
}

}  // namespace

Result<CacheUsage> MeasureCache(const std::string& cache_dir) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<EntryFile> entries, ListEntries(cache_dir));
  CacheUsage u;
  for (const EntryFile& e : entries) {
    ++u.entries;
    u.bytes += e.bytes;
  }
  return u;
}

Result<CacheUsage> CleanCache(const std::string& cache_dir) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<EntryFile> entries, ListEntries(cache_dir));
  CacheUsage removed;
  for (const EntryFile& e : entries) {
    if (unlink(e.path.c_str()) != 0 && errno != ENOENT) {
      return IoError("cannot remove cache entry '" + e.path + "': " + std::strerror(errno));
    }
    ++removed.entries;
    removed.bytes += e.bytes;
  }
  return removed;
}

Result<CacheUsage> EvictCache(const std::string& cache_dir, uint64_t max_bytes) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<EntryFile> entries, ListEntries(cache_dir));
  // Old analysis versions first, then the least recently used.
  std::sort(entries.begin(), entries.end(), [](const EntryFile& a, const EntryFile& b) {
    if (a.current != b.current) return !a.current;
    return a.used_ns < b.used_ns;
  });
  uint64_t current_bytes = 0;
  for (const EntryFile& e : entries) {
    if (e.current) current_bytes += e.bytes;
  }
  CacheUsage removed;
  for (const EntryFile& e : entries) {
    if (e.current && (max_bytes == 0 || current_bytes <= max_bytes)) break;
    // Another scan may have removed it already: that is fine.
    if (unlink(e.path.c_str()) != 0 && errno != ENOENT) continue;
    ++removed.entries;
    removed.bytes += e.bytes;
    if (e.current) current_bytes -= e.bytes;
  }
  return removed;
}

}  // namespace vigil::catalog
