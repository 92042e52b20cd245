// Test support: building real layer tarballs and OCI images in memory or in a temp folder,
// so that image and analyzer tests need no binary fixtures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::testing {

// One tar entry to write.
struct TarEntry {
  enum Kind { kFile, kDir, kSymlink, kHardlink, kFifo } kind = kFile;
  std::string path;
  std::string content;  // file content, or the link target
  uint32_t mode = 0644;
};

inline TarEntry File(std::string path, std::string content, uint32_t mode = 0644) {
  return {TarEntry::kFile, std::move(path), std::move(content), mode};
}
inline TarEntry Dir(std::string path) { return {TarEntry::kDir, std::move(path), "", 0755}; }
inline TarEntry Symlink(std::string path, std::string target) {
  return {TarEntry::kSymlink, std::move(path), std::move(target), 0777};
}
inline TarEntry Hardlink(std::string path, std::string target) {
  return {TarEntry::kHardlink, std::move(path), std::move(target), 0644};
}

enum class Compress { kNone, kGzip, kZstd };

// A PAX tar of `entries`, compressed as asked (gzip/zstd through libarchive's own filters).
std::string MakeTar(const std::vector<TarEntry>& entries, Compress compress = Compress::kNone);

// "sha256:<hex>" of bytes.
std::string Digest(const std::string& bytes);

// One layer of a test image: its entries, compression, and the history command that made it.
struct TestLayer {
  std::vector<TarEntry> entries;
  Compress compress = Compress::kGzip;
  std::string created_by;
  // When not empty, the config lists this diff_id instead of the layer's true one (a lying image).
  std::string claimed_diff_id;
};

// Writes an OCI image layout for `layers` into `dir` (created), with a config that lists the
// diff_ids and history (an empty_layer entry is added first, to test the mapping).
// Returns the manifest digest.
std::string WriteOciLayout(const std::string& dir, const std::vector<TestLayer>& layers,
                           const std::string& os_arch = "linux/amd64");

// A docker-archive of `layers`, as `docker save` (and the Docker Engine API's
// GET /images/{name}/get) writes it: manifest.json, the config as <hex>.json, each layer as
// <hex>/layer.tar. `repo_tag` ("" = none) goes to RepoTags. `image_id`, when given, gets the
// image id (the config's digest, "sha256:<hex>").
std::string MakeDockerArchive(const std::vector<TestLayer>& layers, const std::string& repo_tag = "",
                              std::string* image_id = nullptr);

// A fresh empty folder under the test temp dir.
std::string TempDir(const std::string& name);

}  // namespace vigil::testing
