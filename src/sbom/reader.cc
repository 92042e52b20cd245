// SBOM reader: CycloneDX 1.2-1.6 JSON and SPDX 2.2/2.3 JSON → catalog::Inventory.
// The property vocabularies of the producers it knows are listed in docs/SBOM-INPUT.md.
#include "sbom/reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "catalog/purl.h"
#include "common/file.h"
#include "common/json.h"
#include "common/strings.h"
#include "license/license.h"

namespace vigil::sbom {
namespace {

using nlohmann::json;

constexpr int kMaxLayers = 4096;      // more than any real image has (the OCI limit is 127)
constexpr size_t kMaxWarnings = 200;  // further warnings are counted, not listed

using Props = std::vector<std::pair<std::string, std::string>>;

// First value of property `name`, or "".
std::string Prop(const Props& props, std::string_view name) {
  for (const auto& [k, v] : props) {
    if (k == name) return v;
  }
  return {};
}

bool IsOsType(std::string_view type) { return type == "deb" || type == "apk" || type == "rpm" || type == "alpm"; }

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Non-negative decimal that fits an int, else -1.
int ParseIndex(std::string_view s) {
  int v = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return -1;
  return v;
}

// "$.components[3]" style paths for messages.
std::string At(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

// Typed access to optional members: absent or null gives the empty value; any other type is
// kCorrupt naming the path.
Result<std::string> GetString(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Corrupt(path + "." + key + ": expected a string");
  return it->get<std::string>();
}

Result<const json*> GetArray(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_array()) return Corrupt(path + "." + key + ": expected an array");
  return &*it;
}

Result<const json*> GetObject(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_object()) return Corrupt(path + "." + key + ": expected an object");
  return &*it;
}

// A whole number in [lo, hi]; absent or null gives `dflt`.
Result<int64_t> GetInt(const json& o, const char* key, const std::string& path, int64_t lo, int64_t hi, int64_t dflt) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return dflt;
  if (!it->is_number_integer()) return Corrupt(path + "." + key + ": expected a whole number");
  int64_t v = it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX
                                                                                                 : it->get<int64_t>();
  if (v < lo || v > hi) {
    return Corrupt(path + "." + key + ": " + std::to_string(v) + " is out of range (" + std::to_string(lo) + " to " +
                   std::to_string(hi) + ")");
  }
  return v;
}

Result<bool> GetBool(const json& o, const char* key, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return false;
  if (!it->is_boolean()) return Corrupt(path + "." + key + ": expected true or false");
  return it->get<bool>();
}

Result<std::vector<std::string>> GetStrings(const json& o, const char* key, const std::string& path) {
  std::vector<std::string> out;
  VIGIL_ASSIGN_OR_RETURN(const json* arr, GetArray(o, key, path));
  if (arr == nullptr) return out;
  for (size_t i = 0; i < arr->size(); ++i) {
    if (!(*arr)[i].is_string()) return Corrupt(At(path + "." + key, i) + ": expected a string");
    out.push_back((*arr)[i].get<std::string>());
  }
  return out;
}

Result<std::map<std::string, std::string>> GetStringMap(const json& o, const char* key, const std::string& path) {
  std::map<std::string, std::string> out;
  VIGIL_ASSIGN_OR_RETURN(const json* obj, GetObject(o, key, path));
  if (obj == nullptr) return out;
  for (auto it = obj->begin(); it != obj->end(); ++it) {
    if (!it->is_string()) return Corrupt(path + "." + key + "." + it.key() + ": expected a string");
    out.emplace(it.key(), it->get<std::string>());
  }
  return out;
}

// CycloneDX properties: [{"name": ..., "value": ...}].
Result<Props> GetProps(const json& o, const std::string& path) {
  Props out;
  VIGIL_ASSIGN_OR_RETURN(const json* arr, GetArray(o, "properties", path));
  if (arr == nullptr) return out;
  for (size_t i = 0; i < arr->size(); ++i) {
    const json& p = (*arr)[i];
    std::string ppath = At(path + ".properties", i);
    if (!p.is_object()) return Corrupt(ppath + ": expected an object");
    VIGIL_ASSIGN_OR_RETURN(std::string name, GetString(p, "name", ppath));
    VIGIL_ASSIGN_OR_RETURN(std::string value, GetString(p, "value", ppath));
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

// "name-version-release.src.rpm" → name, "version-release".
void SplitSourceRpm(std::string_view src, std::string& name, std::string& version) {
  for (std::string_view suffix : {".src.rpm", ".nosrc.rpm"}) {
    if (src.size() <= suffix.size() || src.substr(src.size() - suffix.size()) != suffix) continue;
    src.remove_suffix(suffix.size());
    size_t rel = src.rfind('-');
    if (rel == std::string_view::npos || rel == 0) return;
    size_t ver = src.rfind('-', rel - 1);
    if (ver == std::string_view::npos || ver == 0 || ver + 1 >= rel || rel + 1 >= src.size()) return;
    name = std::string(src.substr(0, ver));
    version = std::string(src.substr(ver + 1));
    return;
  }
}

// os-release IDs for the names producers use for a distribution.
std::string NormalizeDistroId(std::string_view raw) {
  std::string id = AsciiLower(Trim(raw));
  if (id == "redhat" || id == "red hat") return "rhel";
  if (id == "amazon") return "amzn";
  if (id == "oracle") return "ol";
  if (id == "none" || id == "unknown") return "";
  return id;
}

// True if $.compositions has an "incomplete" aggregate over vigil's image (what vigil's
// CycloneDX writer says of an incomplete inventory). Other producers' compositions are not read.
bool VigilImageIncomplete(const json& bom) {
  auto comps = bom.find("compositions");
  if (comps == bom.end() || !comps->is_array()) return false;
  for (const json& c : *comps) {
    if (!c.is_object() || JsonString(c, "aggregate") != "incomplete") continue;
    auto assemblies = c.find("assemblies");
    if (assemblies == c.end() || !assemblies->is_array()) continue;
    for (const json& a : *assemblies) {
      if (a.is_string() && a.get<std::string>() == "vigil:image") return true;
    }
  }
  return false;
}

// What a component or package says about itself beyond its purl.
struct Facts {
  std::string source_name, source_version;
  std::string location, found_by, owner;
  int layer_index = -1;
  std::string layer_diff_id, layer_digest, layer_created_by;
  std::map<std::string, std::string> properties;
  std::vector<std::string> licenses;
};

class Reader {
 public:
  Reader(std::string_view what, const ReadLimits& limits) : what_(what), limits_(limits) {}

  Status ReadCycloneDx(const json& bom, const std::string& spec) {
    inv_.image.format = "cyclonedx";
    VIGIL_ASSIGN_OR_RETURN(const json* metadata, GetObject(bom, "metadata", "$"));
    if (metadata != nullptr) {
      VIGIL_ASSIGN_OR_RETURN(const json* mc, GetObject(*metadata, "component", "$.metadata"));
      if (mc != nullptr) VIGIL_RETURN_IF_ERROR(ReadCdxSubject(*mc, "$.metadata.component"));
      // vigil marks an incomplete inventory (files whose packages it could not read) with
      // "vigil:unread" properties: read back, the inventory stays incomplete.
      VIGIL_ASSIGN_OR_RETURN(Props props, GetProps(*metadata, "$.metadata"));
      for (const auto& [k, v] : props) {
        if (k == "vigil:unread")
          inv_.unread.push_back(catalog::UnreadFile{v, -1, "", "not read by the SBOM's producer"});
      }
    }
    VIGIL_ASSIGN_OR_RETURN(const json* comps, GetArray(bom, "components", "$"));
    if (comps != nullptr) VIGIL_RETURN_IF_ERROR(WalkCdx(*comps, "$.components", 1));
    // ... and with a composition "incomplete" of its image: enough on its own.
    if (inv_.unread.empty() && VigilImageIncomplete(bom)) {
      inv_.unread.push_back(
          catalog::UnreadFile{"", -1, "", "the SBOM says its component list is incomplete ($.compositions)"});
    }
    (void)spec;
    return OkStatus();
  }

  Status ReadSpdx(const json& doc) {
    inv_.image.format = "spdx";
    VIGIL_ASSIGN_OR_RETURN(std::string name, GetString(doc, "name", "$"));
    VIGIL_ASSIGN_OR_RETURN(const json* pkgs, GetArray(doc, "packages", "$"));
    if (pkgs == nullptr) return OkStatus();
    // The image and OS packages first: Trivy lists the image's layers there, and packages may
    // come before it (SPDX has no order).
    for (bool subjects : {true, false}) {
      for (size_t i = 0; i < pkgs->size(); ++i) {
        VIGIL_RETURN_IF_ERROR(ReadSpdxPackage((*pkgs)[i], At("$.packages", i), subjects));
      }
    }
    return OkStatus();
  }

  // vigil's own JSON inventory (schema "vigil-inventory/1", sbom/json_writer.cc): everything the
  // inventory model has, read back field by field; file lists are written as a count only.
  Status ReadVigilJson(const json& doc) {
    VIGIL_ASSIGN_OR_RETURN(const json* image, GetObject(doc, "image", "$"));
    if (image != nullptr) {
      auto& im = inv_.image;
      const std::string ipath = "$.image";
      VIGIL_ASSIGN_OR_RETURN(im.tags, GetStrings(*image, "tags", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.manifest_digest, GetString(*image, "manifest_digest", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config_digest, GetString(*image, "config_digest", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config.os, GetString(*image, "os", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config.architecture, GetString(*image, "architecture", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config.variant, GetString(*image, "variant", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config.user, GetString(*image, "user", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config.working_dir, GetString(*image, "working_dir", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config.env, GetStrings(*image, "env", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config.entrypoint, GetStrings(*image, "entrypoint", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config.cmd, GetStrings(*image, "cmd", ipath));
      VIGIL_ASSIGN_OR_RETURN(im.config.labels, GetStringMap(*image, "labels", ipath));
    }
    VIGIL_ASSIGN_OR_RETURN(const json* distro, GetObject(doc, "distro", "$"));
    if (distro != nullptr) {
      VIGIL_ASSIGN_OR_RETURN(inv_.distro.id, GetString(*distro, "id", "$.distro"));
      VIGIL_ASSIGN_OR_RETURN(inv_.distro.version_id, GetString(*distro, "version_id", "$.distro"));
      VIGIL_ASSIGN_OR_RETURN(inv_.distro.version_codename, GetString(*distro, "version_codename", "$.distro"));
      VIGIL_ASSIGN_OR_RETURN(inv_.distro.pretty_name, GetString(*distro, "pretty_name", "$.distro"));
    }
    VIGIL_ASSIGN_OR_RETURN(const json* layers, GetArray(doc, "layers", "$"));
    if (layers != nullptr) {
      if (layers->size() > static_cast<size_t>(kMaxLayers)) {
        return LimitExceeded("$.layers: more than " + std::to_string(kMaxLayers) + " layers");
      }
      for (size_t i = 0; i < layers->size(); ++i) {
        const json& l = (*layers)[i];
        const std::string lpath = At("$.layers", i);
        if (!l.is_object()) return Corrupt(lpath + ": expected an object");
        catalog::LayerReport r;
        VIGIL_ASSIGN_OR_RETURN(int64_t index, GetInt(l, "index", lpath, 0, kMaxLayers, static_cast<int64_t>(i)));
        if (index != static_cast<int64_t>(i)) {
          return Corrupt(lpath + ".index: " + std::to_string(index) + ", expected " + std::to_string(i) +
                         " (layers are listed lowest first)");
        }
        r.layer.index = static_cast<int>(i);
        VIGIL_ASSIGN_OR_RETURN(r.layer.digest, GetString(l, "digest", lpath));
        VIGIL_ASSIGN_OR_RETURN(r.layer.diff_id, GetString(l, "diff_id", lpath));
        VIGIL_ASSIGN_OR_RETURN(r.layer.media_type, GetString(l, "media_type", lpath));
        VIGIL_ASSIGN_OR_RETURN(r.layer.created_by, GetString(l, "created_by", lpath));
        VIGIL_ASSIGN_OR_RETURN(int64_t size, GetInt(l, "size", lpath, 0, INT64_MAX, 0));
        VIGIL_ASSIGN_OR_RETURN(int64_t usize, GetInt(l, "uncompressed_size", lpath, 0, INT64_MAX, 0));
        VIGIL_ASSIGN_OR_RETURN(int64_t entries, GetInt(l, "entries", lpath, 0, INT64_MAX, 0));
        VIGIL_ASSIGN_OR_RETURN(r.from_cache, GetBool(l, "from_cache", lpath));
        r.layer.size = static_cast<uint64_t>(size);
        r.uncompressed_size = static_cast<uint64_t>(usize);
        r.entries = static_cast<uint64_t>(entries);
        inv_.layers.push_back(std::move(r));
      }
    }
    VIGIL_ASSIGN_OR_RETURN(const json* pkgs, GetArray(doc, "packages", "$"));
    if (pkgs != nullptr) {
      for (size_t i = 0; i < pkgs->size(); ++i) {
        const json& o = (*pkgs)[i];
        const std::string path = At("$.packages", i);
        if (!o.is_object()) return Corrupt(path + ": expected an object");
        VIGIL_RETURN_IF_ERROR(Count(path));
        catalog::Package p;
        VIGIL_ASSIGN_OR_RETURN(p.type, GetString(o, "type", path));
        VIGIL_ASSIGN_OR_RETURN(p.name_space, GetString(o, "namespace", path));
        VIGIL_ASSIGN_OR_RETURN(p.name, GetString(o, "name", path));
        VIGIL_ASSIGN_OR_RETURN(p.version, GetString(o, "version", path));
        VIGIL_ASSIGN_OR_RETURN(p.epoch, GetString(o, "epoch", path));
        VIGIL_ASSIGN_OR_RETURN(p.arch, GetString(o, "arch", path));
        VIGIL_ASSIGN_OR_RETURN(p.purl, GetString(o, "purl", path));
        VIGIL_ASSIGN_OR_RETURN(p.location, GetString(o, "location", path));
        VIGIL_ASSIGN_OR_RETURN(p.found_by, GetString(o, "found_by", path));
        VIGIL_ASSIGN_OR_RETURN(p.source_name, GetString(o, "source_name", path));
        VIGIL_ASSIGN_OR_RETURN(p.source_version, GetString(o, "source_version", path));
        VIGIL_ASSIGN_OR_RETURN(p.owner, GetString(o, "owned_by", path));
        VIGIL_ASSIGN_OR_RETURN(p.licenses, GetStrings(o, "licenses", path));
        VIGIL_ASSIGN_OR_RETURN(p.properties, GetStringMap(o, "properties", path));
        VIGIL_ASSIGN_OR_RETURN(int64_t layer, GetInt(o, "layer", path, -1, INT32_MAX, -1));
        if (layer >= static_cast<int64_t>(inv_.layers.size())) {
          Warn(path + ".layer: " + std::to_string(layer) +
               " names no layer of $.layers; the package's layer is unknown");
          layer = -1;
        }
        p.layer = static_cast<int>(layer);
        // As for CycloneDX and SPDX entries: with neither version nor purl there is nothing to
        // match.
        if (p.version.empty() && p.purl.empty()) {
          Warn(path + ": package with neither version nor purl; skipped");
          continue;
        }
        if (p.type.empty()) Warn(path + ": package '" + Clip(p.name, 80) + "' has no type; it cannot be matched");
        p.license = license::Normalize(p.licenses);
        inv_.packages.push_back(std::move(p));
      }
    }
    // Files whose packages the analysis could not read: the inventory stays incomplete, so that a
    // scan of it fails as a scan of the image would (never a clean answer for what was not seen).
    VIGIL_ASSIGN_OR_RETURN(const json* unread, GetArray(doc, "unread", "$"));
    if (unread != nullptr) {
      for (size_t i = 0; i < unread->size(); ++i) {
        const json& u = (*unread)[i];
        const std::string upath = At("$.unread", i);
        if (!u.is_object()) return Corrupt(upath + ": expected an object");
        catalog::UnreadFile f;
        VIGIL_ASSIGN_OR_RETURN(f.path, GetString(u, "path", upath));
        VIGIL_ASSIGN_OR_RETURN(f.cataloger, GetString(u, "cataloger", upath));
        VIGIL_ASSIGN_OR_RETURN(f.reason, GetString(u, "reason", upath));
        VIGIL_ASSIGN_OR_RETURN(int64_t layer, GetInt(u, "layer", upath, -1, INT32_MAX, -1));
        f.layer = layer < static_cast<int64_t>(inv_.layers.size()) ? static_cast<int>(layer) : -1;
        if (f.reason.empty()) f.reason = "not read (the inventory gives no reason)";
        inv_.unread.push_back(std::move(f));
      }
    }
    auto complete = doc.find("complete");
    if (complete != doc.end() && !complete->is_null() && !complete->is_boolean()) {
      return Corrupt("$.complete: expected true or false");
    }
    if (complete != doc.end() && complete->is_boolean() && !complete->get<bool>() && inv_.unread.empty()) {
      inv_.unread.push_back(
          catalog::UnreadFile{"", -1, "", "the inventory says it is incomplete ($.complete is false)"});
    }
    VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> warnings, GetStrings(doc, "warnings", "$"));
    // What the inventory's own analysis could not read stays visible in the scan of it.
    for (std::string& w : warnings) Warn(std::move(w));
    return OkStatus();
  }

  catalog::Inventory Finish() && {
    if (inv_.distro.empty() && !qualifier_distro_.empty()) {
      // "debian-12", "alpine-3.19.1", "opensuse-leap-15.5": the version starts after the last
      // '-' that a digit follows.
      std::string_view d = qualifier_distro_;
      size_t cut = std::string_view::npos;
      for (size_t i = d.size(); i-- > 1;) {
        if (d[i - 1] == '-' && d[i] >= '0' && d[i] <= '9') {
          cut = i - 1;
          break;
        }
      }
      if (cut == std::string_view::npos) {
        SetDistro(d, "", "");
      } else {
        SetDistro(d.substr(0, cut), d.substr(cut + 1), "");
      }
    }
    if (inv_.distro.empty() && !namespace_distro_.empty()) SetDistro(namespace_distro_, "", "");
    std::stable_sort(
        inv_.packages.begin(), inv_.packages.end(), [](const catalog::Package& a, const catalog::Package& b) {
          return std::tie(a.layer, a.type, a.name, a.version) < std::tie(b.layer, b.type, b.name, b.version);
        });
    for (const auto& l : inv_.layers) inv_.image.layers.push_back(l.layer);
    inv_.image.source = std::string(what_);
    if (dropped_warnings_ > 0) {
      inv_.warnings.push_back(std::to_string(dropped_warnings_) + " more warnings not shown");
    }
    return std::move(inv_);
  }

 private:
  void Warn(std::string w) {
    if (inv_.warnings.size() < kMaxWarnings) {
      inv_.warnings.push_back(std::move(w));
    } else {
      ++dropped_warnings_;
    }
  }

  Status Count(const std::string& path) {
    if (++count_ > limits_.max_components) {
      return LimitExceeded(path + ": more than " + std::to_string(limits_.max_components) + " components");
    }
    return OkStatus();
  }

  // The first operating-system component or package names the distro.
  void SetDistro(std::string_view id_raw, std::string_view version, std::string_view pretty) {
    if (!inv_.distro.empty()) return;
    std::string id = NormalizeDistroId(id_raw);
    if (id.empty()) return;
    inv_.distro.id = id;
    std::string v(Trim(version));
    // vigil's own Debian inventories carry os-release's VERSION_ID, the major release; Trivy
    // writes /etc/debian_version ("12.5").
    if (id == "debian") v = v.substr(0, v.find('.'));
    inv_.distro.version_id = v;
    inv_.distro.pretty_name = std::string(pretty);
  }

  // Layer `index`, creating it (and any below it) when new; -1 when out of range.
  int EnsureLayer(int index) {
    if (index < 0 || index >= kMaxLayers) return -1;
    while (inv_.layers.size() <= static_cast<size_t>(index)) {
      catalog::LayerReport r;
      r.layer.index = static_cast<int>(inv_.layers.size());
      inv_.layers.push_back(std::move(r));
    }
    return index;
  }

  // The layer with this diff_id (or blob digest), appended when the SBOM did not list it.
  int LayerBy(const std::string& id, bool digest) {
    if (id.empty()) return -1;
    for (const auto& l : inv_.layers) {
      if ((digest ? l.layer.digest : l.layer.diff_id) == id) return l.layer.index;
    }
    int index = EnsureLayer(static_cast<int>(inv_.layers.size()));
    if (index < 0) return -1;
    (digest ? inv_.layers[index].layer.digest : inv_.layers[index].layer.diff_id) = id;
    return index;
  }

  void SetLayerFacts(int index, const std::string& diff_id, const std::string& digest, const std::string& created_by) {
    if (EnsureLayer(index) < 0) {
      Warn("layer index " + std::to_string(index) + " out of range; ignored");
      return;
    }
    auto& l = inv_.layers[index].layer;
    if (l.diff_id.empty()) l.diff_id = diff_id;
    if (l.digest.empty()) l.digest = digest;
    if (l.created_by.empty()) l.created_by = created_by;
  }

  // metadata.component: the image (or an OS) the SBOM describes.
  Status ReadCdxSubject(const json& c, const std::string& path) {
    VIGIL_ASSIGN_OR_RETURN(std::string type, GetString(c, "type", path));
    VIGIL_ASSIGN_OR_RETURN(std::string name, GetString(c, "name", path));
    VIGIL_ASSIGN_OR_RETURN(std::string version, GetString(c, "version", path));
    VIGIL_ASSIGN_OR_RETURN(Props props, GetProps(c, path));
    if (type == "operating-system") {
      VIGIL_ASSIGN_OR_RETURN(std::string desc, GetString(c, "description", path));
      SetDistro(name, version, desc);
    }
    if (!name.empty()) inv_.image.tags.push_back(name);
    if (StartsWith(version, "sha256:")) inv_.image.config_digest = version;
    for (const auto& [k, v] : props) {
      if (k == "vigil:image:manifest-digest") inv_.image.manifest_digest = v;
      if (k == "vigil:image:os") inv_.image.config.os = v;
      if (k == "vigil:image:architecture") inv_.image.config.architecture = v;
      if (k == "aquasecurity:trivy:ImageID" && inv_.image.config_digest.empty()) {
        inv_.image.config_digest = v;
      }
      if (k == "aquasecurity:trivy:DiffID") {
        // Trivy lists the image's diff_ids in order, comma-separated, in one property (some
        // versions repeat the property instead).
        for (std::string_view d : Split(v, ',')) {
          d = Trim(d);
          if (!d.empty()) LayerBy(std::string(d), false);
        }
      }
      if (StartsWith(k, "vigil:layer:")) {
        std::string_view rest = std::string_view(k).substr(12);
        size_t colon = rest.find(':');
        if (colon == std::string_view::npos) continue;
        int index = ParseIndex(rest.substr(0, colon));
        std::string_view field = rest.substr(colon + 1);
        if (index < 0) continue;
        if (field == "diff-id") SetLayerFacts(index, v, "", "");
        if (field == "digest") SetLayerFacts(index, "", v, "");
        if (field == "created-by") SetLayerFacts(index, "", "", v);
      }
    }
    VIGIL_ASSIGN_OR_RETURN(const json* nested, GetArray(c, "components", path));
    if (nested != nullptr) VIGIL_RETURN_IF_ERROR(WalkCdx(*nested, path + ".components", 2));
    return OkStatus();
  }

  Status WalkCdx(const json& arr, const std::string& path, int depth) {
    if (depth > limits_.max_nesting) {
      return LimitExceeded(path + ": components nested deeper than " + std::to_string(limits_.max_nesting) + " levels");
    }
    for (size_t i = 0; i < arr.size(); ++i) {
      const json& c = arr[i];
      std::string cpath = At(path, i);
      if (!c.is_object()) return Corrupt(cpath + ": expected an object");
      VIGIL_RETURN_IF_ERROR(Count(cpath));
      VIGIL_RETURN_IF_ERROR(ReadCdxComponent(c, cpath));
      VIGIL_ASSIGN_OR_RETURN(const json* nested, GetArray(c, "components", cpath));
      if (nested != nullptr) VIGIL_RETURN_IF_ERROR(WalkCdx(*nested, cpath + ".components", depth + 1));
    }
    return OkStatus();
  }

  Status ReadCdxComponent(const json& c, const std::string& path) {
    VIGIL_ASSIGN_OR_RETURN(std::string type, GetString(c, "type", path));
    VIGIL_ASSIGN_OR_RETURN(std::string name, GetString(c, "name", path));
    VIGIL_ASSIGN_OR_RETURN(std::string group, GetString(c, "group", path));
    VIGIL_ASSIGN_OR_RETURN(std::string version, GetString(c, "version", path));
    VIGIL_ASSIGN_OR_RETURN(std::string purl, GetString(c, "purl", path));
    VIGIL_ASSIGN_OR_RETURN(std::string ref, GetString(c, "bom-ref", path));
    VIGIL_ASSIGN_OR_RETURN(Props props, GetProps(c, path));
    if (type == "operating-system") {
      VIGIL_ASSIGN_OR_RETURN(std::string desc, GetString(c, "description", path));
      SetDistro(name, version, desc);
      return OkStatus();
    }
    if (!ref.empty()) {
      auto [it, fresh] = refs_.emplace(ref, purl);
      if (!fresh) {
        if (it->second == purl) {
          Warn(path + ": bom-ref '" + Clip(ref, 80) + "' repeats an earlier component; skipped");
          return OkStatus();
        }
        Warn(path + ": bom-ref '" + Clip(ref, 80) + "' is not unique; both components kept");
      }
    }
    // A component with neither purl nor version is a grouping (Trivy's per-file application
    // nodes, the image itself, files), not a package anything could be matched against.
    if (purl.empty() && version.empty()) return OkStatus();
    if (purl.empty() && (type == "container" || type == "file")) return OkStatus();

    Facts f;
    for (const auto& [k, v] : props) {
      if (v.empty()) continue;
      if (StartsWith(k, "vigil:")) {
        std::string_view key = std::string_view(k).substr(6);
        if (key == "found-by")
          f.found_by = v;
        else if (key == "location")
          f.location = v;
        else if (key == "layer:index")
          f.layer_index = ParseIndex(v);
        else if (key == "layer:diff-id")
          f.layer_diff_id = v;
        else if (key == "layer:created-by")
          f.layer_created_by = v;
        else if (key == "source-name")
          f.source_name = v;
        else if (key == "source-version")
          f.source_version = v;
        else if (key == "owned-by")
          f.owner = v;
        else if (key != "arch")
          f.properties.emplace(std::string(key), v);
      }
    }
    // Trivy.
    if (f.source_name.empty()) f.source_name = Prop(props, "aquasecurity:trivy:SrcName");
    std::string src_version = Prop(props, "aquasecurity:trivy:SrcVersion");
    if (f.source_version.empty() && !src_version.empty()) {
      std::string release = Prop(props, "aquasecurity:trivy:SrcRelease");
      std::string epoch = Prop(props, "aquasecurity:trivy:SrcEpoch");
      // rpm source versions are "version-release" without the epoch, as the rpm cataloger has them.
      bool is_rpm = StartsWith(purl, "pkg:rpm/");
      f.source_version = (epoch.empty() || epoch == "0" || is_rpm ? "" : epoch + ":") + src_version +
                         (release.empty() ? "" : "-" + release);
    }
    if (f.location.empty()) f.location = Prop(props, "aquasecurity:trivy:FilePath");
    if (f.layer_diff_id.empty()) f.layer_diff_id = Prop(props, "aquasecurity:trivy:LayerDiffID");
    f.layer_digest = Prop(props, "aquasecurity:trivy:LayerDigest");
    // Syft.
    if (f.source_name.empty()) f.source_name = Prop(props, "syft:metadata:source");
    if (f.source_version.empty()) f.source_version = Prop(props, "syft:metadata:sourceVersion");
    if (f.source_name.empty()) f.source_name = Prop(props, "syft:metadata:originPackage");
    if (f.source_name.empty()) {
      SplitSourceRpm(Prop(props, "syft:metadata:sourceRpm"), f.source_name, f.source_version);
    }
    if (f.layer_diff_id.empty()) f.layer_diff_id = Prop(props, "syft:location:0:layerID");
    if (f.location.empty()) {
      std::string p = Prop(props, "syft:location:0:path");
      f.location = p.empty() ? Prop(props, "SrcFile") : p;  // SrcFile: cdxgen
    }
    if (f.found_by.empty()) f.found_by = Prop(props, "syft:package:foundBy");
    if (const auto it = c.find("licenses"); it != c.end() && it->is_array()) {
      for (const json& l : *it) {
        if (!l.is_object()) continue;
        std::string e = JsonString(l, "expression");
        if (!e.empty()) f.licenses.push_back(e);
        auto lic = l.find("license");
        if (lic == l.end() || !lic->is_object()) continue;
        std::string id = JsonString(*lic, "id");
        std::string lname = JsonString(*lic, "name");
        if (!id.empty() || !lname.empty()) f.licenses.push_back(id.empty() ? lname : id);
      }
    }
    AddPackage(path, purl, group, name, version, std::move(f));
    return OkStatus();
  }

  // Reads the image and OS packages when `subjects`, the others otherwise.
  Status ReadSpdxPackage(const json& p, const std::string& path, bool subjects) {
    if (!p.is_object()) return Corrupt(path + ": expected an object");
    if (subjects) VIGIL_RETURN_IF_ERROR(Count(path));
    VIGIL_ASSIGN_OR_RETURN(std::string id, GetString(p, "SPDXID", path));
    VIGIL_ASSIGN_OR_RETURN(std::string name, GetString(p, "name", path));
    VIGIL_ASSIGN_OR_RETURN(std::string version, GetString(p, "versionInfo", path));
    VIGIL_ASSIGN_OR_RETURN(std::string purpose, GetString(p, "primaryPackagePurpose", path));
    VIGIL_ASSIGN_OR_RETURN(std::string source_info, GetString(p, "sourceInfo", path));
    VIGIL_ASSIGN_OR_RETURN(std::string comment, GetString(p, "comment", path));
    VIGIL_ASSIGN_OR_RETURN(std::string declared, GetString(p, "licenseDeclared", path));
    std::vector<std::string> attributions;
    VIGIL_ASSIGN_OR_RETURN(const json* attr, GetArray(p, "attributionTexts", path));
    if (attr != nullptr) {
      for (size_t i = 0; i < attr->size(); ++i) {
        if (!(*attr)[i].is_string()) return Corrupt(At(path + ".attributionTexts", i) + ": expected a string");
        attributions.push_back((*attr)[i].get<std::string>());
      }
    }
    for (char& ch : purpose) {
      if (ch == '-') ch = '_';  // tag-value spells OPERATING-SYSTEM; some JSON writers copy it
    }
    bool subject = purpose == "OPERATING_SYSTEM" || purpose == "CONTAINER";
    if (subject != subjects) return OkStatus();
    if (purpose == "OPERATING_SYSTEM") {
      SetDistro(name, version, "");
      return OkStatus();
    }
    if (purpose == "CONTAINER") {
      if (!name.empty()) inv_.image.tags.push_back(name);
      if (StartsWith(version, "sha256:")) inv_.image.config_digest = version;
      for (const auto& a : attributions) {  // Trivy
        if (StartsWith(a, "DiffID: ")) LayerBy(std::string(Trim(a.substr(8))), false);
        if (StartsWith(a, "ImageID: ") && inv_.image.config_digest.empty()) {
          inv_.image.config_digest = std::string(Trim(a.substr(9)));
        }
      }
      return OkStatus();
    }
    if (!id.empty() && !spdx_ids_.insert(id).second) {
      Warn(path + ": SPDXID '" + Clip(id, 80) + "' repeats an earlier package; skipped");
      return OkStatus();
    }
    std::string purl;
    VIGIL_ASSIGN_OR_RETURN(const json* refs, GetArray(p, "externalRefs", path));
    if (refs != nullptr) {
      for (size_t i = 0; i < refs->size() && purl.empty(); ++i) {
        const json& r = (*refs)[i];
        std::string rpath = At(path + ".externalRefs", i);
        if (!r.is_object()) return Corrupt(rpath + ": expected an object");
        VIGIL_ASSIGN_OR_RETURN(std::string type, GetString(r, "referenceType", rpath));
        VIGIL_ASSIGN_OR_RETURN(std::string locator, GetString(r, "referenceLocator", rpath));
        if (type == "purl") purl = locator;
      }
    }
    if (purl.empty() && version.empty()) return OkStatus();

    Facts f;
    // vigil: "built from source package NAME [VERSION]"; Trivy: "built package from: NAME VERSION".
    for (std::string_view prefix : {"built from source package ", "built package from: "}) {
      if (!StartsWith(source_info, prefix)) continue;
      std::string_view rest = Trim(std::string_view(source_info).substr(prefix.size()));
      size_t sp = rest.find(' ');
      f.source_name = std::string(rest.substr(0, sp));
      if (sp != std::string_view::npos) f.source_version = std::string(Trim(rest.substr(sp + 1)));
    }
    // vigil: "found by CATALOGER in LOCATION (layer N DIFF_ID[: CREATED_BY])".
    if (StartsWith(comment, "found by ")) {
      std::string_view rest = std::string_view(comment).substr(9);
      size_t in = rest.find(" in ");
      f.found_by = std::string(rest.substr(0, in));
      if (in != std::string_view::npos) {
        std::string_view where = rest.substr(in + 4);
        size_t lp = where.rfind(" (layer ");
        if (lp != std::string_view::npos && !where.empty() && where.back() == ')') {
          std::string_view layer = where.substr(lp + 8, where.size() - lp - 9);
          where = where.substr(0, lp);
          size_t sp = layer.find(' ');
          f.layer_index = ParseIndex(layer.substr(0, sp));
          if (sp != std::string_view::npos) {
            std::string_view diff = layer.substr(sp + 1);
            size_t end = diff.find(' ');
            std::string_view created = end == std::string_view::npos ? "" : diff.substr(end + 1);
            diff = diff.substr(0, end);
            if (!diff.empty() && diff.back() == ':') diff.remove_suffix(1);
            f.layer_diff_id = std::string(diff);
            f.layer_created_by = std::string(created);
          }
        }
        f.location = std::string(where);
      }
    }
    for (const auto& a : attributions) {  // Trivy
      if (StartsWith(a, "LayerDiffID: ") && f.layer_diff_id.empty()) f.layer_diff_id = std::string(Trim(a.substr(13)));
      if (StartsWith(a, "LayerDigest: ")) f.layer_digest = std::string(Trim(a.substr(13)));
    }
    if (!declared.empty() && declared != "NOASSERTION" && declared != "NONE") f.licenses.push_back(declared);
    // SPDX names scoped packages "namespace/name"; the purl, when there is one, says which part is which.
    AddPackage(path, purl, "", name, version, std::move(f));
    return OkStatus();
  }

  void AddPackage(const std::string& path, const std::string& purl, const std::string& group, const std::string& name,
                  const std::string& version, Facts f) {
    catalog::Package p;
    p.purl = purl;
    p.name_space = group;
    p.name = name;
    p.version = version;
    std::string upstream;
    if (purl.empty()) {
      Warn(path + ": '" + Clip(name, 80) + "' has no purl; kept without a type (it cannot be matched)");
    } else if (auto pp = catalog::ParsePurl(purl); !pp.ok()) {
      Warn(path + ".purl: " + pp.error().message() + "; kept without a type (it cannot be matched)");
    } else {
      p.type = pp->type;
      p.name = pp->name;
      p.version = pp->version;
      p.name_space = pp->name_space;
      auto q = [&](const char* k) {
        auto it = pp->qualifiers.find(k);
        return it == pp->qualifiers.end() ? std::string() : it->second;
      };
      p.arch = q("arch");
      std::string epoch = q("epoch");
      upstream = q("upstream");
      if (IsOsType(p.type)) {
        // The purl namespace of an OS package is the vendor, which vigil keeps as the distro.
        if (namespace_distro_.empty()) namespace_distro_ = p.name_space;
        p.name_space.clear();
        if (qualifier_distro_.empty()) qualifier_distro_ = q("distro");
      }
      size_t colon = p.version.find(':');
      bool has_epoch =
          colon != std::string::npos && colon > 0 &&
          std::all_of(p.version.begin(), p.version.begin() + colon, [](char c) { return c >= '0' && c <= '9'; });
      if (p.type == "deb") {
        // dpkg writes the epoch into the version; the dpkg cataloger keeps it there.
        if (!has_epoch && !epoch.empty() && epoch != "0") p.version = epoch + ":" + p.version;
      } else if (p.type == "rpm" || p.type == "alpm") {
        if (has_epoch) {
          if (epoch.empty()) epoch = p.version.substr(0, colon);
          p.version = p.version.substr(colon + 1);
        }
        p.epoch = epoch;
      }
    }
    if (!upstream.empty()) {
      std::string un, uv;
      if (p.type == "rpm") {
        SplitSourceRpm(upstream, un, uv);
      } else {
        size_t at = upstream.find('@');  // Syft: "src@version" when the versions differ
        un = upstream.substr(0, at);
        if (at != std::string::npos) uv = upstream.substr(at + 1);
      }
      if (f.source_name.empty()) f.source_name = un;
      if (f.source_version.empty()) f.source_version = uv;
    }
    p.source_name = std::move(f.source_name);
    p.source_version = std::move(f.source_version);
    // As the catalogers fill them: a binary package built from a source of its own name and version.
    if (p.type == "deb" || p.type == "apk") {
      if (p.source_name.empty()) p.source_name = p.name;
      if (p.source_version.empty()) p.source_version = p.version;
    }
    // Syft writes absolute paths; inventories hold paths relative to the image root.
    size_t start = f.location.find_first_not_of('/');
    p.location = start == std::string::npos ? std::string() : f.location.substr(start);
    p.found_by = f.found_by.empty() ? "sbom" : std::move(f.found_by);
    p.owner = std::move(f.owner);
    p.properties = std::move(f.properties);
    p.licenses = std::move(f.licenses);
    p.license = license::Normalize(p.licenses);
    if (f.layer_index >= 0) {
      SetLayerFacts(f.layer_index, f.layer_diff_id, f.layer_digest, f.layer_created_by);
      if (f.layer_index < kMaxLayers) p.layer = f.layer_index;
    } else if (!f.layer_diff_id.empty()) {
      p.layer = LayerBy(f.layer_diff_id, false);
    } else if (!f.layer_digest.empty()) {
      p.layer = LayerBy(f.layer_digest, true);
    }
    inv_.packages.push_back(std::move(p));
  }

  std::string_view what_;
  ReadLimits limits_;
  catalog::Inventory inv_;
  size_t count_ = 0;
  size_t dropped_warnings_ = 0;
  std::map<std::string, std::string> refs_;  // bom-ref → purl
  std::set<std::string> spdx_ids_;
  std::string qualifier_distro_;  // first OS purl's distro qualifier
  std::string namespace_distro_;  // first OS purl's namespace
};

// The encoding of a document that is not UTF-8: "" for UTF-8 (with or without its byte-order
// mark), else e.g. "UTF-16 (LE)" with `iconv_from` set to the name iconv knows it by. JSON
// starts with an ASCII character, so text without a byte-order mark is told by its zero bytes.
std::string ForeignEncoding(std::string_view t, std::string& iconv_from) {
  auto has = [&](std::string_view prefix) { return t.substr(0, prefix.size()) == prefix; };
  using namespace std::string_view_literals;
  if (has("\xFF\xFE\0\0"sv)) return iconv_from = "UTF-32", "UTF-32 (LE, with a byte-order mark)";
  if (has("\0\0\xFE\xFF"sv)) return iconv_from = "UTF-32", "UTF-32 (BE, with a byte-order mark)";
  if (has("\xFF\xFE"sv)) return iconv_from = "UTF-16", "UTF-16 (LE, with a byte-order mark)";
  if (has("\xFE\xFF"sv)) return iconv_from = "UTF-16", "UTF-16 (BE, with a byte-order mark)";
  if (t.size() >= 4 && t[0] != 0 && t[1] == 0 && t[2] == 0 && t[3] == 0) return iconv_from = "UTF-32LE", "UTF-32 (LE)";
  if (t.size() >= 4 && t[0] == 0 && t[1] == 0 && t[2] == 0 && t[3] != 0) return iconv_from = "UTF-32BE", "UTF-32 (BE)";
  if (t.size() >= 2 && t[0] != 0 && t[1] == 0) return iconv_from = "UTF-16LE", "UTF-16 (LE)";
  if (t.size() >= 2 && t[0] == 0 && t[1] != 0) return iconv_from = "UTF-16BE", "UTF-16 (BE)";
  return "";
}

// A pass over the JSON text that builds nothing: counts the entries of every "components" array
// (CycloneDX, nested ones included) and of the top-level "packages" array (SPDX, vigil JSON),
// and measures nesting, so that an SBOM over the limits is refused before its tree (about 1 KB
// of memory per component) is built. Stops at the first limit; malformed JSON is left to the
// parser that follows, which says where.
class Precount final : public nlohmann::json_sax<json> {
 public:
  Precount(size_t max_components, size_t max_depth) : max_components_(max_components), max_depth_(max_depth) {}

  size_t components() const { return count_; }
  bool over_count() const { return over_count_; }
  bool too_deep() const { return too_deep_; }

  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool string(string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }
  bool key(string_t& k) override {
    pending_ = k == "components" ? kComponents : k == "packages" ? kPackages : kOther;
    return true;
  }
  bool start_object(std::size_t) override {
    if (!stack_.empty() && stack_.back() == kCounted && ++count_ > max_components_) {
      over_count_ = true;
      return false;
    }
    return Push(kObject);
  }
  bool start_array(std::size_t) override {
    bool counted = pending_ == kComponents || (pending_ == kPackages && stack_.size() == 1);
    return Push(counted ? kCounted : kArray);
  }
  bool end_object() override { return Pop(); }
  bool end_array() override { return Pop(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  enum Frame : uint8_t { kObject, kArray, kCounted };
  enum Key : uint8_t { kOther, kComponents, kPackages };

  bool Value() {
    pending_ = kOther;
    return true;
  }
  bool Push(Frame f) {
    pending_ = kOther;
    if (stack_.size() >= max_depth_) {
      too_deep_ = true;
      return false;
    }
    stack_.push_back(f);
    return true;
  }
  bool Pop() {
    pending_ = kOther;
    if (!stack_.empty()) stack_.pop_back();
    return true;
  }

  size_t max_components_, max_depth_;
  size_t count_ = 0;
  bool over_count_ = false, too_deep_ = false;
  Key pending_ = kOther;
  std::vector<Frame> stack_;
};

}  // namespace

Result<catalog::Inventory> ReadSbom(std::string_view text, std::string_view what, const ReadLimits& limits) {
  std::string w(what);
  if (text.size() > limits.max_bytes) {
    return LimitExceeded(w + ": SBOM of " + std::to_string(text.size()) + " bytes is larger than the " +
                         std::to_string(limits.max_bytes) + "-byte limit");
  }
  std::string iconv_from;
  if (std::string enc = ForeignEncoding(text, iconv_from); !enc.empty()) {
    return Unsupported(w + ": the SBOM is " + enc + "; vigil reads UTF-8 JSON: convert it with iconv -f " + iconv_from +
                       " -t UTF-8 '" + w + "' > sbom.utf8.json");
  }
  if (StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8's byte-order mark: read past it
  std::string_view head = Trim(text.substr(0, 4096));
  if (StartsWith(head, "<")) {
    return Unsupported(w + ": looks like XML; only JSON SBOMs (CycloneDX or SPDX) are read");
  }
  if (StartsWith(head, "SPDXVersion:") || head.find("\nSPDXVersion:") != std::string_view::npos) {
    return Unsupported(w + ": SPDX tag-value is not read; convert it to SPDX JSON");
  }
  // Each component level costs two JSON levels (object, array); leave room for the rest.
  int json_depth = 2 * std::max(limits.max_nesting, 1) + 32;
  if (StartsWith(head, "{")) {
    Precount pre(limits.max_components, static_cast<size_t>(json_depth));
    try {
      (void)json::sax_parse(text.begin(), text.end(), &pre);
    } catch (const std::exception&) {
      // Malformed input: the parser below says what and where.
    }
    if (pre.over_count()) {
      return LimitExceeded(w + ": the SBOM lists more than " + std::to_string(limits.max_components) +
                           " components (the limit); refused before it is parsed");
    }
    if (pre.too_deep()) {
      return LimitExceeded(w + ": JSON nested deeper than " + std::to_string(json_depth) +
                           " levels; refused before it is parsed");
    }
  }
  auto parsed = ParseJson(text, w, json_depth);
  if (!parsed.ok()) {
    if (parsed.error().message().find("nested deeper than") != std::string::npos) {
      return LimitExceeded(parsed.error().message());
    }
    return parsed.error();
  }
  const json& doc = *parsed;
  if (!doc.is_object()) {
    return Unsupported(w + ": not an SBOM (the top level of a CycloneDX or SPDX JSON document is an object)");
  }
  Reader reader(what, limits);
  if (doc.contains("schema")) {
    auto schema = GetString(doc, "schema", "$");
    if (!schema.ok()) return schema.error().Context(w);
    if (*schema != "vigil-inventory/1") {
      return Unsupported(w + ": $.schema '" + Clip(*schema, 40) +
                         "' is not read (vigil's JSON inventory is \"vigil-inventory/1\")");
    }
    Status s = reader.ReadVigilJson(doc);
    if (!s.ok()) return s.error().Context(w);
    catalog::Inventory inv = std::move(reader).Finish();
    inv.image.format = "vigil-json";
    return inv;
  }
  if (doc.contains("bomFormat")) {
    const json& f = doc["bomFormat"];
    if (!f.is_string() || f.get<std::string>() != "CycloneDX") {
      return Unsupported(w + ": $.bomFormat is not \"CycloneDX\"");
    }
    auto spec = GetString(doc, "specVersion", "$");
    if (!spec.ok()) return spec.error().Context(w);
    static const std::set<std::string> kSpecs = {"1.2", "1.3", "1.4", "1.5", "1.6"};
    if (!kSpecs.contains(*spec)) {
      return Unsupported(w + ": CycloneDX specVersion '" + Clip(*spec, 20) + "' is not read (1.2 to 1.6 are)");
    }
    Status s = reader.ReadCycloneDx(doc, *spec);
    if (!s.ok()) return s.error().Context(w);
  } else if (doc.contains("spdxVersion")) {
    auto v = GetString(doc, "spdxVersion", "$");
    if (!v.ok()) return v.error().Context(w);
    if (*v != "SPDX-2.2" && *v != "SPDX-2.3") {
      return Unsupported(w + ": spdxVersion '" + Clip(*v, 20) + "' is not read (SPDX-2.2 and SPDX-2.3 are)");
    }
    Status s = reader.ReadSpdx(doc);
    if (!s.ok()) return s.error().Context(w);
  } else if (doc.contains("@context") || doc.contains("@graph")) {
    return Unsupported(w + ": JSON-LD (SPDX 3) is not read; SPDX 2.2/2.3 JSON and CycloneDX JSON are");
  } else {
    return Unsupported(w + ": neither CycloneDX (no $.bomFormat) nor SPDX (no $.spdxVersion)");
  }
  return std::move(reader).Finish();
}

Result<catalog::Inventory> ReadSbomFile(const std::string& path, const ReadLimits& limits) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > limits.max_bytes) {
    return LimitExceeded(path + ": the SBOM is " + std::to_string(st.st_size) + " bytes, over the limit of " +
                         std::to_string(limits.max_bytes) + " bytes; refused before it is read");
  }
  VIGIL_ASSIGN_OR_RETURN(std::string text, ReadFile(path, limits.max_bytes));
  return ReadSbom(text, path, limits);
}

}  // namespace vigil::sbom
