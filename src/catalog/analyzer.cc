#include "catalog/analyzer.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "catalog/catalogers/cataloger.h"
#include "catalog/catalogers/os_release.h"
#include "catalog/internal/layer_analysis.h"
#include "catalog/layer_cache.h"
#include "catalog/purl.h"
#include "common/file.h"
#include "common/path.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "license/license.h"

namespace vigil::catalog {
namespace {

using Catalogers = std::vector<std::unique_ptr<Cataloger>>;

// Bytes of file content the workers together may hold: each file's read waits until its size
// fits. A file larger than the whole budget waits until nothing else is held, then goes alone.
class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t total) : total_(total) {}

  // Blocks until `bytes` can be held; returns what was taken (pass it to Release).
  uint64_t Acquire(uint64_t bytes) {
    if (total_ == 0) return 0;
    std::unique_lock<std::mutex> lock(mu_);
    uint64_t want = std::min(bytes, total_);
    freed_.wait(lock, [&] { return used_ + want <= total_; });
    used_ += want;
    return want;
  }
  void Release(uint64_t taken) {
    if (taken == 0) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      used_ -= taken;
    }
    freed_.notify_all();
  }

 private:
  uint64_t total_;
  uint64_t used_ = 0;
  std::mutex mu_;
  std::condition_variable freed_;
};

Result<LayerAnalysis> AnalyzeLayer(const image::Image& img, size_t index, const Catalogers& cats,
                                   const image::LayerLimits& limits, MemoryBudget& budget) {
  LayerAnalysis a;
  std::vector<std::pair<std::string, std::string>> hardlinks;
  std::vector<const Cataloger*> wanting;
  auto visit = [&](const image::Entry& e, image::EntryContent& content) -> Status {
    if (e.whiteout) {
      a.whiteouts.push_back(e.path);
      return OkStatus();
    }
    if (e.opaque) {
      a.opaques.push_back(e.path);
      return OkStatus();
    }
    switch (e.type) {
      case image::EntryType::kSymlink:
        a.symlinks[e.path] = e.link_target;
        return OkStatus();
      case image::EntryType::kHardlink:
        hardlinks.emplace_back(e.path, e.link_target);
        return OkStatus();
      case image::EntryType::kFile:
        break;
      default:
        return OkStatus();
    }
    FileRef file{e.path, e.mode, e.size};
    wanting.clear();
    uint64_t max = 0;
    const Cataloger* largest = nullptr;
    for (const auto& c : cats) {
      if (c->Wants(file)) {
        wanting.push_back(c.get());
        if (largest == nullptr || c->MaxSize() > max) {
          max = c->MaxSize();
          largest = c.get();
        }
      }
    }
    if (wanting.empty()) return OkStatus();
    if (e.size > max) {
      // Not read, but it is the file this layer holds: it must hide lower layers' versions.
      FileResult unread;
      unread.unread_by = std::string(largest->name());
      unread.unread_reason =
          std::to_string(e.size) + " bytes is more than the " + std::to_string(max) + "-byte limit of the cataloger";
      a.files.emplace_back(e.path, std::move(unread));
      return OkStatus();
    }
    uint64_t held = budget.Acquire(e.size);
    struct Release {
      MemoryBudget& b;
      uint64_t n;
      ~Release() { b.Release(n); }
    } release{budget, held};
    VIGIL_ASSIGN_OR_RETURN(std::string bytes, content.ReadAll(max));
    FileResult result;
    for (const Cataloger* c : wanting) {
      size_t before = result.packages.size();
      size_t warnings_before = result.warnings.size();
      Status st = c->Parse(file, bytes, result);
      for (size_t i = warnings_before; i < result.warnings.size(); ++i) {
        result.warnings[i] = e.path + ": " + std::string(c->name()) + " cataloger: " + result.warnings[i];
      }
      for (size_t i = before; i < result.packages.size(); ++i) {
        Package& p = result.packages[i];
        if (p.found_by.empty()) p.found_by = std::string(c->name());
        if (p.location.empty()) p.location = e.path;
      }
      if (!st.ok()) {
        if (st.error().code() == ErrorCode::kLimitExceeded) {
          // Refused by a limit (YAML aliases, nesting): not read, so its packages are unknown.
          result.unread_by = std::string(c->name());
          result.unread_reason = st.error().message();
        } else if (c->IsPackageDatabase(file)) {
          result.unread_by = std::string(c->name());
          result.unread_reason = "the package database does not parse: " + st.error().message();
        } else {
          a.warnings.push_back(e.path + ": " + std::string(c->name()) + " cataloger: " + st.error().message());
        }
      }
    }
    a.files.emplace_back(e.path, std::move(result));
    return OkStatus();
  };
  VIGIL_ASSIGN_OR_RETURN(a.digests, img.WalkLayer(index, limits, visit));
  // A hard link to a file this layer analysed carries the same content.
  for (const auto& [path, target] : hardlinks) {
    for (size_t i = 0; i < a.files.size(); ++i) {
      if (a.files[i].first != target) continue;
      FileResult copy = a.files[i].second;
      for (Package& p : copy.packages) {
        if (p.location == target) p.location = path;
      }
      a.files.emplace_back(path, std::move(copy));
      break;
    }
  }
  return a;
}

std::string CatalogerSetKey(const Catalogers& cats) {
  std::string names;
  for (const auto& c : cats) {
    names += c->name();
    names.push_back(',');
  }
  return Sha256Digest(names).substr(7, 12);
}

Status MakeDirs(const std::string& path) {
  std::string cur;
  for (std::string_view part : Split(path, '/')) {
    cur += std::string(part);
    if (!cur.empty()) mkdir(cur.c_str(), 0755);
    cur.push_back('/');
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return IoError("cannot create cache folder '" + path + "'");
  }
  return OkStatus();
}

// The overlay of all layers: wanted files and symlinks, as the final filesystem shows them.
struct MergedFs {
  struct Node {
    int layer = 0;
    FileResult result;
  };
  std::map<std::string, Node> files;
  std::map<std::string, std::string> links;

  void EraseUnder(const std::string& dir, bool include_self) {
    if (include_self) {
      files.erase(dir);
      links.erase(dir);
    }
    std::string prefix = dir.empty() ? "" : dir + "/";
    auto erase_range = [&](auto& m) {
      auto it = m.lower_bound(prefix);
      while (it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0) it = m.erase(it);
    };
    erase_range(files);
    erase_range(links);
  }

  void Apply(int layer, LayerAnalysis& a) {
    for (const auto& o : a.opaques) EraseUnder(o, false);
    for (const auto& w : a.whiteouts) EraseUnder(w, true);
    for (auto& [path, result] : a.files) {
      links.erase(path);
      auto prev = files.find(path);
      for (Package& p : result.packages) {
        p.layer = layer;
        if (prev == files.end()) continue;
        for (const Package& old : prev->second.result.packages) {
          if (old.Key() == p.Key()) {
            p.layer = old.layer;
            break;
          }
        }
      }
      files[path] = Node{layer, std::move(result)};
    }
    for (const auto& [path, target] : a.symlinks) {
      links[path] = target;
      files.erase(path);
    }
  }

  // Drops files hidden because an upper layer turned one of their folders into a symlink.
  void DropShadowed() {
    for (auto it = files.begin(); it != files.end();) {
      bool hidden = false;
      std::string_view dir = ParentPath(it->first);
      while (!dir.empty() && !hidden) {
        hidden = links.count(std::string(dir)) > 0;
        dir = ParentPath(dir);
      }
      it = hidden ? files.erase(it) : std::next(it);
    }
  }

  // Follows symlinks (inside the root only) from `path` to a file; nullptr if none.
  const Node* Resolve(std::string path) const {
    for (int hops = 0; hops < 40; ++hops) {
      if (auto f = files.find(path); f != files.end()) return &f->second;
      auto l = links.find(path);
      if (l == links.end()) return nullptr;
      path = ResolveLinkTarget(path, l->second);
    }
    return nullptr;  // a symlink loop
  }
};

bool PackageLess(const Package& a, const Package& b) {
  return std::tie(a.layer, a.type, a.name_space, a.name, a.version, a.arch, a.location) <
         std::tie(b.layer, b.type, b.name_space, b.name, b.version, b.arch, b.location);
}

// One package database that an image may hold at two paths, the path the package manager opens
// first. apk opens lib/apk/db/installed; usr-merged images (Wolfi, Alpine with apk-tools 3) keep
// the database at usr/lib/apk/db/installed and make lib a symlink to usr/lib, so that the same
// open reaches it. When both are regular files, the one apk opens wins and the other is dropped
// with a warning (never both: every package would be listed twice).
constexpr std::pair<const char*, const char*> kSameDatabase[] = {
    {"lib/apk/db/installed", "usr/lib/apk/db/installed"},
};

// A Debian package's licenses from usr/share/doc/<package>/copyright (the dpkg cataloger's
// "deb-copyright" fact); the doc folder may be a symlink to another package's (Debian policy
// 12.5 allows it within a source package), and a binary package without one is looked up under
// its source package's name. Records the file in the property "license:file".
void DebianLicenses(const MergedFs& fs, Package& p) {
  for (const std::string& name : {p.name, p.source_name}) {
    if (name.empty()) continue;
    std::string dir = "usr/share/doc/" + name;
    std::string path = dir + "/copyright";
    const MergedFs::Node* node = fs.Resolve(path);
    if (node == nullptr) {
      auto link = fs.links.find(dir);
      if (link != fs.links.end()) {
        path = ResolveLinkTarget(dir, link->second) + "/copyright";
        node = fs.Resolve(path);
      }
    }
    if (node == nullptr) continue;
    auto it = node->result.facts.find("deb-copyright");
    if (it == node->result.facts.end()) continue;
    p.properties["license:file"] = path;
    std::string_view rest = it->second;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view one = rest.substr(0, nl);
      if (!one.empty()) p.licenses.emplace_back(one);
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    return;
  }
}

void Finalize(MergedFs& fs, Inventory& inv) {
  fs.DropShadowed();
  for (const auto& [preferred, other] : kSameDatabase) {
    if (fs.files.count(preferred) == 0) continue;
    auto it = fs.files.find(other);
    if (it == fs.files.end()) continue;
    inv.warnings.push_back("layer " + std::to_string(it->second.layer) + ": " + other +
                           ": not read: the image also has " + preferred +
                           ", the database the package manager opens; its packages are taken from there");
    fs.files.erase(it);
  }
  for (const char* p : {"etc/os-release", "usr/lib/os-release"}) {
    const MergedFs::Node* node = fs.Resolve(p);
    if (node == nullptr) continue;
    auto it = node->result.facts.find("os-release");
    if (it == node->result.facts.end()) continue;
    inv.distro = ParseOsRelease(it->second);
    break;
  }
  // File lists (dpkg info/*.list) by owner key.
  std::map<std::string, const std::vector<std::string>*> owned;
  for (const auto& [path, node] : fs.files) {
    if (!node.result.owner_key.empty()) owned[node.result.owner_key] = &node.result.owned_files;
  }
  std::vector<Package> pkgs;
  for (auto& [path, node] : fs.files) {
    for (Package& p : node.result.packages) pkgs.push_back(p);
    for (const std::string& w : node.result.warnings) {
      inv.warnings.push_back("layer " + std::to_string(node.layer) + ": " + w);
    }
    if (!node.result.unread_reason.empty()) {
      inv.unread.push_back(UnreadFile{path, node.layer, node.result.unread_by, node.result.unread_reason});
    }
  }
  std::map<std::string, std::string> file_owner;
  for (Package& p : pkgs) {
    if (p.type == "deb" && p.files.empty()) {
      auto it = owned.find("deb:" + p.name + ":" + p.arch);
      if (it == owned.end()) it = owned.find("deb:" + p.name);
      if (it != owned.end()) p.files = *it->second;
    }
    if (p.type == "deb" || p.type == "apk" || p.type == "rpm") {
      for (const auto& f : p.files) file_owner.emplace(f, p.type + ":" + p.name);
    }
  }
  // Installed language packages win over lock files in the same project folder.
  std::set<std::string> installed_dirs;
  for (const Package& p : pkgs) {
    if (p.properties.count("lockfile") == 0 && !p.location.empty()) {
      installed_dirs.insert(p.type + "\n" + std::string(ParentPath(p.location)));
    }
  }
  std::vector<Package> kept;
  for (Package& p : pkgs) {
    if (p.properties.count("lockfile") != 0) {
      std::string dir(ParentPath(p.location));
      // Folders under `dir` sort among those that start with its name, but so do siblings
      // such as "web-old" for "web": look at every entry with the prefix, not just the first.
      std::string prefix = p.type + "\n" + dir;
      bool shadowed = false;
      for (auto it = installed_dirs.lower_bound(prefix);
           it != installed_dirs.end() && it->compare(0, prefix.size(), prefix) == 0; ++it) {
        if (IsUnder(std::string_view(*it).substr(p.type.size() + 1), dir)) {
          shadowed = true;
          break;
        }
      }
      if (shadowed) continue;
    }
    if (p.type != "deb" && p.type != "apk" && p.type != "rpm") {
      auto o = file_owner.find(p.location);
      if (o != file_owner.end()) p.owner = o->second;
    }
    if (p.type == "deb" && p.licenses.empty()) DebianLicenses(fs, p);
    p.license = license::Normalize(p.licenses);
    p.purl = PackagePurl(p, inv.distro);
    kept.push_back(std::move(p));
  }
  std::sort(kept.begin(), kept.end(), PackageLess);
  inv.packages = std::move(kept);
}

}  // namespace

Result<Inventory> AnalyzeImage(const AnalyzeImageRequest& request) {
  image::OpenOptions open;
  open.platform = request.platform;
  VIGIL_ASSIGN_OR_RETURN(auto img, image::Image::Open(request.ref, open));
  return Analyze(*img, request.options);
}

std::string DefaultCacheDir() {
  if (const char* v = std::getenv("VIGIL_CACHE_DIR"); v != nullptr && *v) return v;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x) return std::string(x) + "/vigil";
  if (const char* h = std::getenv("HOME"); h != nullptr && *h) return std::string(h) + "/.cache/vigil";
  return "/tmp/vigil-cache";
}

Result<Inventory> Analyze(const image::Image& img, const AnalyzeOptions& options) {
  Catalogers cats = DefaultCatalogers();
  const auto& info = img.info();
  size_t n = info.layers.size();
  std::string cache_root;
  if (!options.cache_dir.empty()) {
    cache_root = options.cache_dir + "/layers/v" + std::to_string(kAnalysisVersion);
    VIGIL_RETURN_IF_ERROR(MakeDirs(cache_root));
  }
  std::string set_key = CatalogerSetKey(cats);
  std::vector<std::optional<Result<LayerAnalysis>>> results(n);
  std::vector<bool> cached(n, false);
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  MemoryBudget budget(options.memory_budget);
  std::mutex progress_mu;
  // Progress: stored bytes read (or taken from the cache) of the image's total, and layers done.
  uint64_t total_bytes = 0;
  for (const image::Layer& l : info.layers) total_bytes += l.size;
  std::atomic<uint64_t> read_bytes{0};
  auto last_print = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto report = [&](const std::string& suffix, bool force) {
    std::lock_guard<std::mutex> lock(progress_mu);
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_print < std::chrono::milliseconds(200)) return;
    last_print = now;
    auto mib = [](uint64_t b) { return std::to_string((b + (1u << 19)) >> 20); };
    std::string line = "layer " + std::to_string(done.load()) + "/" + std::to_string(n) + " done";
    if (total_bytes > 0) line += ", " + mib(std::min(read_bytes.load(), total_bytes)) + "/" + mib(total_bytes) + " MiB";
    options.progress(line + suffix);
  };
  auto worker = [&]() {
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      const image::Layer& layer = info.layers[i];
      // The cache is keyed by the bytes actually stored: an entry is looked up under the digest
      // the image claims (the manifest's blob digest, else the diff_id) and used only once the
      // stored bytes, hashed now, are what it was made from — so a config that claims another
      // layer's diff_id cannot select that layer's analysis. Without an entry nothing is hashed
      // here: the walk hashes and verifies as it streams.
      bool caching = !cache_root.empty() && !layer.diff_id.empty();
      if (caching) {
        auto hex = DigestHex(!layer.digest.empty() ? layer.digest : layer.diff_id);
        std::string cache_file = hex.ok() ? cache_root + "/" + *hex + "-" + set_key + ".json" : "";
        if (auto text = cache_file.empty() ? Result<std::string>(NotFound("")) : ReadFile(cache_file); text.ok()) {
          auto decoded = DecodeLayerAnalysis(*text);
          auto stored = decoded.ok() ? img.StoredDigest(i) : Result<std::string>(NotFound(""));
          if (decoded.ok() && !stored.ok()) {
            results[i] = stored.error();  // the manifest's digest does not match the bytes
          } else if (decoded.ok()) {
            // An entry is filed under the stored bytes' digest and, as the walk verified it, the
            // diff_id: an uncompressed blob (stored digest == diff_id) finds the entry a
            // compressed copy of the same tar left, and its hash just now verified that diff_id.
            bool same_bytes = decoded->digests.blob_digest == *stored || decoded->digests.diff_id == *stored;
            if (same_bytes && decoded->digests.diff_id == layer.diff_id) {
              results[i] = std::move(decoded);
              cached[i] = true;
              utimensat(AT_FDCWD, cache_file.c_str(), nullptr, 0);  // used now: evicted last
            }
          }
        }
      }
      if (!results[i]) {
        image::LayerLimits limits = options.limits;
        if (options.progress) {
          limits.progress = [&, last = uint64_t{0}](uint64_t read, uint64_t) mutable {
            read_bytes += read - last;
            last = read;
            report("", false);
          };
        }
        results[i] = AnalyzeLayer(img, i, cats, limits, budget);
        if (results[i]->ok() && caching && results[i]->value().digests.blob_digest.size() == 71) {
          // The walk verified these bytes and their diff_id; key the entry by what it measured.
          const image::LayerDigests& d = results[i]->value().digests;
          std::string entry = EncodeLayerAnalysis(results[i]->value());
          for (const std::string* key : {&d.blob_digest, &d.diff_id}) {
            auto hex = DigestHex(*key);
            // A cache that cannot be written only costs time on the next scan.
            if (hex.ok()) (void)WriteFileAtomic(cache_root + "/" + *hex + "-" + set_key + ".json", entry);
            if (d.diff_id == d.blob_digest) break;
          }
        }
      }
      ++done;
      if (cached[i]) read_bytes += layer.size;
      if (options.progress) report(cached[i] ? " (cached)" : "", true);
    }
  };
  unsigned threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(n, 1)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  // Kept after every use, as the bound may have changed; a bound that cannot be kept only costs
  // disk space.
  if (!cache_root.empty()) (void)EvictCache(options.cache_dir, options.cache_max_bytes);

  Inventory inv;
  inv.image = info;
  MergedFs fs;
  for (size_t i = 0; i < n; ++i) {
    if (!results[i]->ok()) return results[i]->error();
    LayerAnalysis& a = results[i]->value();
    LayerReport report;
    report.layer = info.layers[i];
    report.from_cache = cached[i];
    report.entries = a.digests.entries;
    report.uncompressed_size = a.digests.uncompressed_size;
    if (report.layer.digest.empty() && !a.digests.blob_digest.empty() && info.format != "docker-archive") {
      report.layer.digest = a.digests.blob_digest;
    }
    inv.layers.push_back(report);
    for (const auto& w : a.warnings) {
      inv.warnings.push_back("layer " + std::to_string(i) + ": " + w);
    }
    fs.Apply(static_cast<int>(i), a);
  }
  Finalize(fs, inv);
  return inv;
}

}  // namespace vigil::catalog
