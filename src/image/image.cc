#include "image/image.h"

#include <sys/stat.h>
#include <sys/utsname.h>

#include <algorithm>
#include <mutex>

#include "common/file.h"
#include "common/json.h"
#include "common/path.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "image/internal/tar_index.h"

namespace vigil::image {
namespace {

using nlohmann::json;

constexpr int kMaxIndexDepth = 8;
// Documents are parsed whole; these caps apply before parsing. Registries accept manifests up
// to 4 MiB (OCI distribution spec); configs carry history and env, far below 8 MiB in practice.
constexpr uint64_t kMaxManifestBytes = 4u << 20;
constexpr uint64_t kMaxConfigBytes = 8u << 20;

// Parses a manifest, index or config after checking its size.
Result<json> ParseDocument(std::string_view data, const std::string& what, uint64_t max) {
  if (data.size() > max) {
    return LimitExceeded(what + " is " + std::to_string(data.size()) + " bytes, more than the " + std::to_string(max) +
                         "-byte limit for it; not parsed");
  }
  return ParseJson(data, what);
}

// Where the blobs of an image live: members of an archive, or files of a layout folder.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Returns the bytes of `name` (a path inside the archive or layout).
  virtual Result<std::string_view> Get(const std::string& name) const = 0;
};

class ArchiveStore : public BlobStore {
 public:
  ArchiveStore(MappedFile file, TarIndex index) : file_(std::move(file)), index_(std::move(index)) {}
  Result<std::string_view> Get(const std::string& name) const override { return index_.Find(name); }
  bool Contains(const std::string& name) const { return index_.Contains(name); }

 private:
  MappedFile file_;
  TarIndex index_;
};

class FolderStore : public BlobStore {
 public:
  explicit FolderStore(std::string root) : root_(std::move(root)) {}
  Result<std::string_view> Get(const std::string& name) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = maps_.find(name);
    if (it == maps_.end()) {
      auto norm = NormalizeEntryPath(name);
      if (!norm.ok()) return norm.error();
      auto mapped = MappedFile::Open(root_ + "/" + *norm);
      if (!mapped.ok()) return mapped.error();
      it = maps_.emplace(name, std::move(mapped).value()).first;
    }
    return it->second.data();
  }

 private:
  std::string root_;
  mutable std::mutex mu_;
  mutable std::map<std::string, MappedFile> maps_;
};

Result<std::string> BlobPath(const std::string& digest) {
  VIGIL_ASSIGN_OR_RETURN(std::string hex, DigestHex(digest));
  return "blobs/sha256/" + hex;
}

// Reads the blob named by `digest` and checks its sha256.
Result<std::string_view> GetVerified(const BlobStore& store, const std::string& digest, std::string_view what) {
  auto path = BlobPath(digest);
  if (!path.ok()) return path.error().Context(std::string(what));
  auto data = store.Get(*path);
  if (!data.ok()) return NotFound(std::string(what) + " " + digest + " is missing from the image");
  std::string got = Sha256Digest(*data);
  if (got != digest) {
    return IntegrityError(std::string(what) + " blob " + digest + " has sha256 " + got);
  }
  return *data;
}

std::vector<std::string> StringList(const json& j, std::string_view key) {
  std::vector<std::string> out;
  if (!j.is_object()) return out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

Result<ImageConfig> ParseConfig(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(json j, ParseDocument(text, "image config", kMaxConfigBytes));
  if (!j.is_object()) return Corrupt("image config: top level is not a JSON object");
  ImageConfig c;
  c.os = JsonString(j, "os");
  c.architecture = JsonString(j, "architecture");
  c.variant = JsonString(j, "variant");
  c.created = JsonString(j, "created");
  if (auto it = j.find("config"); it != j.end() && it->is_object()) {
    const json& cfg = *it;
    c.user = JsonString(cfg, "User");
    c.working_dir = JsonString(cfg, "WorkingDir");
    c.env = StringList(cfg, "Env");
    c.entrypoint = StringList(cfg, "Entrypoint");
    c.cmd = StringList(cfg, "Cmd");
    if (auto l = cfg.find("Labels"); l != cfg.end() && l->is_object()) {
      for (auto& [k, v] : l->items()) {
        if (v.is_string()) c.labels[k] = v.get<std::string>();
      }
    }
  }
  if (auto it = j.find("history"); it != j.end() && it->is_array()) {
    for (const auto& h : *it) {
      if (!h.is_object()) continue;
      HistoryEntry e;
      e.created = JsonString(h, "created");
      e.created_by = JsonString(h, "created_by");
      e.comment = JsonString(h, "comment");
      if (auto el = h.find("empty_layer"); el != h.end() && el->is_boolean()) e.empty_layer = *el;
      c.history.push_back(std::move(e));
    }
  }
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object()) return Corrupt("image config: no 'rootfs' object");
  c.diff_ids = StringList(*rootfs, "diff_ids");
  for (const auto& d : c.diff_ids) {
    auto hex = DigestHex(d);
    if (!hex.ok()) return hex.error().Context("image config: rootfs.diff_ids");
  }
  return c;
}

// Pairs the layers with the history entries that made them (empty_layer entries are skipped).
void AttachHistory(ImageInfo& info) {
  size_t li = 0;
  for (const auto& h : info.config.history) {
    if (h.empty_layer) continue;
    if (li >= info.layers.size()) break;
    info.layers[li].created_by = h.created_by;
    info.layers[li].created = h.created;
    info.layers[li].comment = h.comment;
    ++li;
  }
}

bool PlatformMatches(const json& p, const std::string& want) {
  if (!p.is_object()) return false;
  auto parts = Split(want, '/');
  std::string os = JsonString(p, "os"), arch = JsonString(p, "architecture");
  std::string variant = JsonString(p, "variant");
  if (parts.size() < 2 || parts[0] != os || parts[1] != arch) return false;
  if (parts.size() >= 3 && !variant.empty() && parts[2] != variant) return false;
  return true;
}

std::string PlatformName(const json& p) {
  if (!p.is_object()) return "unknown";
  std::string s = JsonString(p, "os") + "/" + JsonString(p, "architecture");
  if (std::string v = JsonString(p, "variant"); !v.empty()) s += "/" + v;
  return s;
}

// An explicit --platform must name the platform the chosen image is for: a single-platform
// image does not silently stand in for another.
Status CheckPlatform(const ImageConfig& c, const std::string& platform) {
  if (platform.empty()) return OkStatus();
  json p = {{"os", c.os}, {"architecture", c.architecture}};
  if (!c.variant.empty()) p["variant"] = c.variant;
  if (PlatformMatches(p, platform)) return OkStatus();
  return InvalidArgument("--platform " + platform + ": the image is " + PlatformName(p) + ", the only platform it has");
}

// The name of a top-level index entry (what `oci:DIR:NAME` selects), "" if it has none.
std::string RefName(const json& m) {
  auto ann = m.find("annotations");
  if (ann == m.end() || !ann->is_object()) return "";
  std::string name = JsonString(*ann, "org.opencontainers.image.ref.name");
  if (name.empty()) name = JsonString(*ann, "io.containerd.image.name");
  return name;
}

// "docker.io/library/nginx:1" and "nginx:1" name the same image.
std::string ShortName(std::string name) {
  for (const char* p : {"docker.io/library/", "docker.io/", "localhost/"}) {
    if (name.rfind(p, 0) == 0) return name.substr(std::string(p).size());
  }
  return name;
}

bool NamesMatch(const std::string& a, const std::string& b) { return a == b || ShortName(a) == ShortName(b); }

// Picks the image `selector` names ("" = the only one) among `names` (one list of names per
// image of the archive): "@N" by position, else by one of its names.
Result<size_t> SelectImage(const std::vector<std::vector<std::string>>& names, const std::string& selector,
                           const std::string& path) {
  auto choices = [&]() {
    std::string list;
    for (size_t i = 0; i < names.size(); ++i) {
      list += (i ? "; " : "") + ("@" + std::to_string(i));
      for (const auto& n : names[i]) list += " " + n;
    }
    return list;
  };
  if (selector.empty()) {
    if (names.size() == 1) return size_t{0};
    return InvalidArgument("'" + path + "' holds " + std::to_string(names.size()) + " images (" + choices() +
                           "); name one as " + path + ":NAME or " + path + ":@INDEX");
  }
  if (selector[0] == '@') {
    std::string digits = selector.substr(1);
    if (!digits.empty() && digits.size() < 6 && digits.find_first_not_of("0123456789") == std::string::npos) {
      size_t i = std::stoul(digits);
      if (i < names.size()) return i;
    }
    return InvalidArgument("'" + path + "' has no image " + selector + " (" + choices() + ")");
  }
  for (size_t i = 0; i < names.size(); ++i) {
    for (const auto& n : names[i]) {
      if (NamesMatch(n, selector)) return i;
    }
  }
  return InvalidArgument("'" + path + "' has no image named '" + selector + "' (" + choices() + ")");
}

// Layers streamed from blobs in a store (archives and layout folders).
class StoredImage : public Image {
 public:
  StoredImage(std::unique_ptr<BlobStore> store, std::vector<std::string> layer_names)
      : store_(std::move(store)), layer_names_(std::move(layer_names)) {}

  ImageInfo& mutable_info() { return info_; }

  Result<std::string> StoredDigest(size_t index) const override {
    const Layer& layer = info_.layers.at(index);
    auto blob = store_->Get(layer_names_.at(index));
    if (!blob.ok()) {
      return NotFound("layer " + std::to_string(index) + ": blob '" + layer_names_[index] +
                      "' is missing from the image");
    }
    std::string digest = Sha256Digest(*blob);
    if (!layer.digest.empty() && digest != layer.digest) {
      return IntegrityError("layer " + std::to_string(index) + ": the manifest names blob " + layer.digest +
                            " but the stored bytes have " + digest);
    }
    return digest;
  }

  Result<LayerDigests> WalkLayer(size_t index, const LayerLimits& limits, const EntryVisitor& visit) const override {
    const Layer& layer = info_.layers.at(index);
    std::string where =
        "layer " + std::to_string(index) + " (" + (layer.diff_id.empty() ? layer.digest : layer.diff_id) + ")";
    auto blob = store_->Get(layer_names_.at(index));
    if (!blob.ok()) {
      return NotFound(where + ": blob '" + layer_names_[index] + "' is missing from the image");
    }
    auto r = WalkLayerBlob(*blob, layer.digest, layer.diff_id, limits, visit,
                           /*blob_is_file_mapping=*/true);
    if (!r.ok()) return r.error().Context(where);
    return r;
  }

 private:
  std::unique_ptr<BlobStore> store_;
  std::vector<std::string> layer_names_;
};

class RootfsImage : public Image {
 public:
  explicit RootfsImage(std::string root) : root_(std::move(root)) {}
  ImageInfo& mutable_info() { return info_; }
  Result<std::string> StoredDigest(size_t) const override {
    return Unsupported("a root folder has no stored layer bytes");
  }
  Result<LayerDigests> WalkLayer(size_t index, const LayerLimits& limits, const EntryVisitor& visit) const override {
    if (index != 0) return InvalidArgument("a root folder has one layer");
    VIGIL_RETURN_IF_ERROR(WalkDirectory(root_, limits, visit));
    return LayerDigests{};
  }

 private:
  std::string root_;
};

// Resolves an OCI index (or a manifest) down to one image manifest for `platform`.
Result<std::pair<std::string, json>> ResolveManifest(const BlobStore& store, const json& index,
                                                     const std::string& platform, int depth) {
  if (depth > kMaxIndexDepth) return Corrupt("image index nesting is deeper than 8 levels");
  auto it = index.find("manifests");
  if (it == index.end() || !it->is_array() || it->empty()) {
    return Corrupt("image index has no 'manifests' list");
  }
  std::vector<const json*> candidates;
  std::vector<std::string> seen;
  for (const auto& m : *it) {
    if (!m.is_object()) return Corrupt("image index: a 'manifests' entry is not an object");
    auto p = m.find("platform");
    if (p == m.end()) {
      candidates.push_back(&m);  // single-image archives carry no platform
      continue;
    }
    std::string name = PlatformName(*p);
    if (name == "unknown/unknown") continue;  // attestation manifests of buildx
    seen.push_back(name);
    if (PlatformMatches(*p, platform)) candidates.insert(candidates.begin(), &m);
  }
  if (candidates.empty()) {
    std::string list;
    for (const auto& s : seen) list += (list.empty() ? "" : ", ") + s;
    return InvalidArgument("no manifest for platform " + platform + " (the index has: " + list +
                           "); choose one with --platform");
  }
  const json& chosen = *candidates.front();
  std::string digest = JsonString(chosen, "digest");
  if (digest.empty()) return Corrupt("image index: manifest entry has no 'digest'");
  VIGIL_ASSIGN_OR_RETURN(std::string_view data, GetVerified(store, digest, "manifest"));
  VIGIL_ASSIGN_OR_RETURN(json m, ParseDocument(data, "manifest " + digest, kMaxManifestBytes));
  if (!m.is_object()) return Corrupt("manifest " + digest + ": top level is not an object");
  // podman writes manifests without mediaType: decide by shape.
  if (m.contains("manifests")) return ResolveManifest(store, m, platform, depth + 1);
  return std::make_pair(digest, std::move(m));
}

Result<std::unique_ptr<Image>> OpenOci(std::unique_ptr<BlobStore> store, const std::string& format,
                                       const std::string& ref, const std::string& path, const std::string& selector,
                                       const OpenOptions& options) {
  auto index_data = store->Get("index.json");
  if (!index_data.ok()) return NotFound("OCI image has no index.json");
  VIGIL_ASSIGN_OR_RETURN(json index, ParseDocument(*index_data, "index.json", kMaxManifestBytes));
  if (!index.is_object()) return Corrupt("index.json: top level is not an object");
  std::string platform = options.platform.empty() ? HostPlatform() : options.platform;
  std::vector<std::string> tags;
  if (auto ms = index.find("manifests"); ms != index.end() && ms->is_array()) {
    for (const auto& m : *ms) {
      if (!m.is_object()) continue;
      auto ann = m.find("annotations");
      if (ann != m.end() && ann->is_object()) {
        std::string name = JsonString(*ann, "org.opencontainers.image.ref.name");
        if (name.empty()) name = JsonString(*ann, "io.containerd.image.name");
        if (!name.empty()) tags.push_back(name);
      }
    }
  }
  // Several named images in one layout or archive: one must be chosen, never the first silently.
  if (auto ms = index.find("manifests"); ms != index.end() && ms->is_array()) {
    std::vector<std::string> order;  // distinct names, first seen first
    std::vector<std::vector<std::string>> names;
    for (const auto& m : *ms) {
      std::string n = m.is_object() ? RefName(m) : "";
      if (std::find(order.begin(), order.end(), n) == order.end()) order.push_back(n);
    }
    for (const auto& n : order) names.push_back(n.empty() ? std::vector<std::string>{} : std::vector<std::string>{n});
    if (order.size() > 1 || !selector.empty()) {
      VIGIL_ASSIGN_OR_RETURN(size_t chosen, SelectImage(names, selector, path));
      json kept = json::array();
      for (const auto& m : *ms) {
        if ((m.is_object() ? RefName(m) : "") == order[chosen]) kept.push_back(m);
      }
      (*ms) = std::move(kept);
      tags.clear();
      if (!order[chosen].empty()) tags.push_back(order[chosen]);
    }
  }
  auto resolved = ResolveManifest(*store, index, platform, 0);
  if (!resolved.ok()) return resolved.error().Context("index.json");
  auto& [manifest_digest, manifest] = *resolved;
  std::string where = "manifest " + manifest_digest;
  auto cfg = manifest.find("config");
  if (cfg == manifest.end() || !cfg->is_object()) return Corrupt(where + ": no 'config' object");
  std::string config_digest = JsonString(*cfg, "digest");
  auto config_data = GetVerified(*store, config_digest, "config");
  if (!config_data.ok()) return config_data.error().Context(where);
  auto config = ParseConfig(*config_data);
  if (!config.ok()) return config.error().Context("config " + config_digest);
  VIGIL_RETURN_IF_ERROR(CheckPlatform(*config, options.platform));
  auto layers = manifest.find("layers");
  if (layers == manifest.end() || !layers->is_array()) return Corrupt(where + ": no 'layers' list");
  if (layers->size() != config->diff_ids.size()) {
    return Corrupt(where + ": " + std::to_string(layers->size()) + " layers but the config lists " +
                   std::to_string(config->diff_ids.size()) + " diff_ids");
  }
  std::vector<std::string> names;
  ImageInfo info;
  for (size_t i = 0; i < layers->size(); ++i) {
    const json& l = (*layers)[i];
    Layer layer;
    layer.index = static_cast<int>(i);
    layer.digest = JsonString(l, "digest");
    layer.media_type = JsonString(l, "mediaType");
    if (auto s = l.find("size"); s != l.end() && s->is_number_unsigned()) layer.size = *s;
    layer.diff_id = config->diff_ids[i];
    auto path = BlobPath(layer.digest);
    if (!path.ok()) return path.error().Context(where + ": layer " + std::to_string(i));
    names.push_back(*path);
    info.layers.push_back(std::move(layer));
  }
  auto image = std::make_unique<StoredImage>(std::move(store), std::move(names));
  info.source = ref;
  info.format = format;
  info.tags = std::move(tags);
  info.manifest_digest = manifest_digest;
  info.config_digest = config_digest;
  info.config = std::move(config).value();
  AttachHistory(info);
  image->mutable_info() = std::move(info);
  return std::unique_ptr<Image>(std::move(image));
}

Result<std::unique_ptr<Image>> OpenDockerArchive(std::unique_ptr<ArchiveStore> store, const std::string& ref,
                                                 const std::string& path, const std::string& selector,
                                                 const OpenOptions& options) {
  VIGIL_ASSIGN_OR_RETURN(std::string_view mdata, store->Get("manifest.json"));
  VIGIL_ASSIGN_OR_RETURN(json manifest, ParseDocument(mdata, "manifest.json", kMaxManifestBytes));
  if (!manifest.is_array() || manifest.empty() || !manifest[0].is_object()) {
    return Corrupt("manifest.json: expected a non-empty list of image objects");
  }
  std::vector<std::vector<std::string>> image_names;
  for (const auto& entry : manifest) image_names.push_back(StringList(entry, "RepoTags"));
  VIGIL_ASSIGN_OR_RETURN(size_t chosen, SelectImage(image_names, selector, path));
  const json& m = manifest[chosen];
  if (!m.is_object()) return Corrupt("manifest.json: image " + std::to_string(chosen) + " is not an object");
  std::string config_name = JsonString(m, "Config");
  if (config_name.empty()) return Corrupt("manifest.json: image has no 'Config'");
  auto config_data = store->Get(config_name);
  if (!config_data.ok()) return NotFound("manifest.json names config '" + config_name + "', which is missing");
  std::string config_digest = Sha256Digest(*config_data);
  // The config's name carries its digest ("<hex>.json" or "blobs/sha256/<hex>").
  std::string base(BaseName(config_name));
  if (base.size() >= 64) {
    std::string hex = base.substr(0, 64);
    if (DigestHex("sha256:" + hex).ok() && config_digest != "sha256:" + hex) {
      return IntegrityError("config '" + config_name + "' has sha256 " + config_digest);
    }
  }
  auto config = ParseConfig(*config_data);
  if (!config.ok()) return config.error().Context("config '" + config_name + "'");
  VIGIL_RETURN_IF_ERROR(CheckPlatform(*config, options.platform));
  std::vector<std::string> names = StringList(m, "Layers");
  if (names.size() != config->diff_ids.size()) {
    return Corrupt("manifest.json lists " + std::to_string(names.size()) + " layers but the config lists " +
                   std::to_string(config->diff_ids.size()) + " diff_ids");
  }
  ImageInfo info;
  for (size_t i = 0; i < names.size(); ++i) {
    Layer layer;
    layer.index = static_cast<int>(i);
    layer.diff_id = config->diff_ids[i];
    if (!store->Contains(names[i])) {
      return NotFound("manifest.json names layer '" + Clip(names[i]) + "', which is missing");
    }
    // "blobs/sha256/<hex>" names the stored bytes' digest; other names carry no digest.
    if (names[i].rfind("blobs/sha256/", 0) == 0) layer.digest = "sha256:" + names[i].substr(13);
    auto blob = store->Get(names[i]);
    if (blob.ok()) layer.size = blob->size();
    info.layers.push_back(std::move(layer));
  }
  info.source = ref;
  info.format = "docker-archive";
  info.tags = StringList(m, "RepoTags");
  if (!selector.empty() && selector[0] != '@') {
    // The name the user chose first: reports call the image by it.
    auto it =
        std::find_if(info.tags.begin(), info.tags.end(), [&](const std::string& t) { return NamesMatch(t, selector); });
    if (it != info.tags.end()) std::rotate(info.tags.begin(), it, it + 1);
  }
  info.config_digest = config_digest;
  info.config = std::move(config).value();
  AttachHistory(info);
  auto image = std::make_unique<StoredImage>(std::move(store), std::move(names));
  image->mutable_info() = std::move(info);
  return std::unique_ptr<Image>(std::move(image));
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

std::string HostPlatform() {
  struct utsname u;
  std::string arch = "amd64";
  if (uname(&u) == 0) {
    std::string m = u.machine;
    if (m == "x86_64")
      arch = "amd64";
    else if (m == "aarch64")
      arch = "arm64";
    else if (m == "i686" || m == "i386")
      arch = "386";
    else if (m.rfind("armv7", 0) == 0)
      arch = "arm/v7";
    else if (m == "ppc64le")
      arch = "ppc64le";
    else if (m == "s390x")
      arch = "s390x";
    else if (m == "riscv64")
      arch = "riscv64";
    else
      arch = m;
  }
  return "linux/" + arch;
}

Result<std::unique_ptr<Image>> Image::Open(const std::string& ref, const OpenOptions& options) {
  std::string kind, path = ref;
  for (const char* prefix : {"docker-archive:", "oci-archive:", "oci:", "dir:"}) {
    std::string p(prefix);
    if (ref.rfind(p, 0) == 0) {
      kind = p.substr(0, p.size() - 1);
      path = ref.substr(p.size());
    }
  }
  // "archive.tar:nginx:1.25" or "archive.tar:@1" (as skopeo writes them) names one image of an
  // archive or layout that holds several.
  std::string selector;
  if (!Exists(path)) {
    for (size_t c = path.find(':'); c != std::string::npos; c = path.find(':', c + 1)) {
      if (c > 0 && Exists(path.substr(0, c))) {
        selector = path.substr(c + 1);
        path = path.substr(0, c);
        break;
      }
    }
  }
  if (!Exists(path)) return NotFound("image '" + path + "' does not exist");
  if (IsDirectory(path)) {
    bool layout = Exists(path + "/oci-layout") && Exists(path + "/index.json");
    if (kind == "oci" || (kind.empty() && layout)) {
      if (!layout) return NotFound("'" + path + "' is not an OCI layout (no oci-layout/index.json)");
      return OpenOci(std::make_unique<FolderStore>(path), "oci-layout", ref, path, selector, options);
    }
    if (!kind.empty() && kind != "dir") {
      return InvalidArgument("'" + path + "' is a folder, not a " + kind);
    }
    if (!selector.empty())
      return InvalidArgument("'" + path + "' is a root folder: it holds one image, no '" + selector + "'");
    auto image = std::make_unique<RootfsImage>(path);
    ImageInfo& info = image->mutable_info();
    info.source = ref;
    info.format = "rootfs";
    Layer layer;
    layer.created_by = "root filesystem " + path;
    info.layers.push_back(layer);
    return std::unique_ptr<Image>(std::move(image));
  }
  if (kind == "dir") return InvalidArgument("dir: names a root folder, but '" + path + "' is a file");
  VIGIL_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  std::string_view data = file.data();
  if (data.substr(0, 2) == "\x1f\x8b" || data.substr(0, 4) == "\x28\xb5\x2f\xfd") {
    return Unsupported("'" + path + "' is a compressed archive; decompress it first (e.g. gunzip)");
  }
  auto index = TarIndex::Build(data);
  if (index.ok() && index->empty()) index = Corrupt("no tar member found");
  if (!index.ok()) {
    if (kind == "oci") {
      return InvalidArgument("oci: names an OCI layout folder, but '" + path + "' is a file and not a tar archive");
    }
    return index.error().Context("'" + path + "' is not an image archive (a tar from docker save, podman save or an " +
                                 "OCI archive)");
  }
  auto store = std::make_unique<ArchiveStore>(std::move(file), std::move(index).value());
  bool docker = store->Contains("manifest.json");
  bool oci = store->Contains("index.json");
  if (kind == "oci") {
    std::string is = docker ? "a docker-archive (use docker-archive: or no prefix)"
                            : (oci ? "an OCI archive (use oci-archive: or no prefix)"
                                   : "a tar archive with neither manifest.json nor index.json, not an image");
    return InvalidArgument("oci: names an OCI layout folder, but '" + path + "' is a file: " + is);
  }
  if (kind == "docker-archive" || (kind.empty() && docker)) {
    if (!docker) return NotFound("'" + path + "' has no manifest.json (not a docker-archive)");
    return OpenDockerArchive(std::move(store), ref, path, selector, options);
  }
  if (kind == "oci-archive" || (kind.empty() && oci)) {
    if (!oci) return NotFound("'" + path + "' has no index.json (not an OCI archive)");
    return OpenOci(std::move(store), "oci-archive", ref, path, selector, options);
  }
  return Unsupported("'" + path + "' is a tar archive with neither manifest.json nor index.json");
}

}  // namespace vigil::image
