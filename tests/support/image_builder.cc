#include "image_builder.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/sha256.h"

namespace vigil::testing {
namespace {

la_ssize_t Append(struct archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Blob(const std::string& dir, const std::string& bytes) {
  std::string d = Digest(bytes);
  WriteFileBytes(dir + "/blobs/sha256/" + d.substr(7), bytes);
  return d;
}

}  // namespace

std::string Digest(const std::string& bytes) { return Sha256Digest(bytes); }

std::string MakeTar(const std::vector<TarEntry>& entries, Compress compress) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (compress == Compress::kGzip) archive_write_add_filter_gzip(a);
  if (compress == Compress::kZstd) archive_write_add_filter_zstd(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(a, &out, nullptr, Append, nullptr);
  for (const auto& e : entries) {
    struct archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.path.c_str());
    archive_entry_set_perm(ae, e.mode);
    archive_entry_set_mtime(ae, 1700000000, 0);
    switch (e.kind) {
      case TarEntry::kFile:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_size(ae, static_cast<la_int64_t>(e.content.size()));
        break;
      case TarEntry::kDir:
        archive_entry_set_filetype(ae, AE_IFDIR);
        break;
      case TarEntry::kSymlink:
        archive_entry_set_filetype(ae, AE_IFLNK);
        archive_entry_set_symlink(ae, e.content.c_str());
        break;
      case TarEntry::kHardlink:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_hardlink(ae, e.content.c_str());
        break;
      case TarEntry::kFifo:
        archive_entry_set_filetype(ae, AE_IFIFO);
        break;
    }
    if (archive_write_header(a, ae) != ARCHIVE_OK) {
      throw std::runtime_error(std::string("test tar: ") + archive_error_string(a));
    }
    if (e.kind == TarEntry::kFile && !e.content.empty()) {
      archive_write_data(a, e.content.data(), e.content.size());
    }
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string root = base != nullptr ? base : "/tmp";
  std::string templ = root + "/vigil-" + name + "-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return buf.data();
}

std::string WriteOciLayout(const std::string& dir, const std::vector<TestLayer>& layers, const std::string& os_arch) {
  using nlohmann::json;
  mkdir(dir.c_str(), 0755);
  mkdir((dir + "/blobs").c_str(), 0755);
  mkdir((dir + "/blobs/sha256").c_str(), 0755);
  WriteFileBytes(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  json history = json::array();
  history.push_back({{"created_by", "/bin/sh -c #(nop)  LABEL x=y"}, {"empty_layer", true}});
  json diff_ids = json::array();
  json manifest_layers = json::array();
  for (const auto& l : layers) {
    std::string raw = MakeTar(l.entries, Compress::kNone);
    std::string stored = l.compress == Compress::kNone ? raw : MakeTar(l.entries, l.compress);
    diff_ids.push_back(l.claimed_diff_id.empty() ? Digest(raw) : l.claimed_diff_id);
    std::string d = Blob(dir, stored);
    std::string mt = "application/vnd.oci.image.layer.v1.tar";
    if (l.compress == Compress::kGzip) mt += "+gzip";
    if (l.compress == Compress::kZstd) mt += "+zstd";
    manifest_layers.push_back({{"mediaType", mt}, {"digest", d}, {"size", stored.size()}});
    history.push_back({{"created_by", l.created_by}});
  }
  auto slash = os_arch.find('/');
  json config = {{"os", os_arch.substr(0, slash)},
                 {"architecture", os_arch.substr(slash + 1)},
                 {"config", {{"Env", {"PATH=/usr/bin"}}, {"WorkingDir", "/app"}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
                 {"history", history}};
  std::string config_bytes = config.dump();
  std::string config_digest = Blob(dir, config_bytes);
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", config_digest},
                     {"size", config_bytes.size()}}},
                   {"layers", manifest_layers}};
  std::string manifest_bytes = manifest.dump();
  std::string manifest_digest = Blob(dir, manifest_bytes);
  json index = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"digest", manifest_digest},
                   {"size", manifest_bytes.size()},
                   {"annotations", {{"org.opencontainers.image.ref.name", "test:latest"}}}}}}};
  WriteFileBytes(dir + "/index.json", index.dump());
  return manifest_digest;
}

std::string MakeDockerArchive(const std::vector<TestLayer>& layers, const std::string& repo_tag,
                              std::string* image_id) {
  using nlohmann::json;
  json diff_ids = json::array(), history = json::array(), layer_names = json::array();
  std::vector<TarEntry> members;
  for (const auto& l : layers) {
    std::string raw = MakeTar(l.entries, Compress::kNone);
    std::string stored = l.compress == Compress::kNone ? raw : MakeTar(l.entries, l.compress);
    diff_ids.push_back(l.claimed_diff_id.empty() ? Digest(raw) : l.claimed_diff_id);
    history.push_back({{"created_by", l.created_by}});
    std::string name = Digest(stored).substr(7) + "/layer.tar";
    layer_names.push_back(name);
    members.push_back(File(name, stored));
  }
  json config = {{"os", "linux"},
                 {"architecture", "amd64"},
                 {"config", {{"Env", {"PATH=/usr/bin"}}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
                 {"history", history}};
  std::string config_bytes = config.dump();
  std::string id = Digest(config_bytes);
  if (image_id != nullptr) *image_id = id;
  json tags = repo_tag.empty() ? json(nullptr) : json::array({repo_tag});
  json manifest = json::array({{{"Config", id.substr(7) + ".json"}, {"RepoTags", tags}, {"Layers", layer_names}}});
  members.insert(members.begin(), File(id.substr(7) + ".json", config_bytes));
  members.push_back(File("manifest.json", manifest.dump()));
  return MakeTar(members, Compress::kNone);
}

}  // namespace vigil::testing
