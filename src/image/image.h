// Opening a container image from any of the local forms vigil reads, and streaming its layers.
//
// Forms: docker-archive (`docker save`/`podman save`), OCI image layout folder, OCI archive (a tar
// of a layout), and an unpacked root filesystem folder. A prefix names the form explicitly
// (`docker-archive:F`, `oci-archive:F`, `oci:DIR`, `dir:DIR`); otherwise it is detected.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "image/layer_reader.h"

namespace vigil::image {

// One `history` entry of the image config.
struct HistoryEntry {
  std::string created;
  std::string created_by;
  std::string comment;
  bool empty_layer = false;
};

// The parts of the image config that vigil reports.
struct ImageConfig {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string created;
  std::string user;
  std::string working_dir;
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::map<std::string, std::string> labels;
  std::vector<HistoryEntry> history;
  std::vector<std::string> diff_ids;
};

// One filesystem layer, with the build step that made it.
struct Layer {
  int index = 0;        // 0 = the lowest layer
  std::string digest;   // blob digest as the manifest names it ("" if the form has none)
  std::string diff_id;  // uncompressed digest from the config's rootfs.diff_ids
  std::string media_type;
  uint64_t size = 0;       // stored (compressed) size in bytes
  std::string created_by;  // the history command that made this layer ("" if unknown)
  std::string created;
  std::string comment;
};

struct ImageInfo {
  std::string source;             // as given by the user
  std::string format;             // "docker-archive", "oci-layout", "oci-archive", "rootfs"
  std::vector<std::string> tags;  // repo tags or ref names, when the archive names any
  std::string manifest_digest;    // "" for docker-archive and rootfs
  std::string config_digest;      // the image id; "" for rootfs
  ImageConfig config;
  std::vector<Layer> layers;
};

struct OpenOptions {
  // "os/arch[/variant]" to choose from a multi-platform index; "" = the host's platform.
  std::string platform;
};

// The host's platform in OCI terms ("linux/amd64", "linux/arm64/v8", ...).
std::string HostPlatform();

class Image {
 public:
  virtual ~Image() = default;

  // Opens `ref` and reads its manifest and config, verifying the config's digest.
  // kNotFound for a missing path or blob; kCorrupt for malformed manifests/configs, naming the
  // part; kIntegrity when a digest does not match; kInvalidArgument when no manifest fits the
  // platform (listing those present).
  static Result<std::unique_ptr<Image>> Open(const std::string& ref, const OpenOptions& options);

  const ImageInfo& info() const { return info_; }

  // The SHA-256 of layer `index`'s bytes as stored ("sha256:<hex>"), hashed without decompressing,
  // and checked against the digest the manifest names when it names one (kIntegrity). What the
  // layer cache is keyed by. kUnsupported for a root folder (it has no stored bytes).
  virtual Result<std::string> StoredDigest(size_t index) const = 0;

  // Streams layer `index` through `visit`, checking the blob digest and diff_id.
  // Errors are prefixed with the layer ("layer 2 (sha256:…)").
  virtual Result<LayerDigests> WalkLayer(size_t index, const LayerLimits& limits, const EntryVisitor& visit) const = 0;

 protected:
  ImageInfo info_;
};

}  // namespace vigil::image
