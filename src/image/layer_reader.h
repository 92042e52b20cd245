// Streaming a layer: decompression (gzip via ISA-L igzip, zstd, none), tar entries through
// libarchive, whiteouts, digest checks and caps. Also walks an unpacked root folder with the
// same visitor, so everything downstream sees one kind of entry stream.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil::image {

enum class EntryType { kFile, kDir, kSymlink, kHardlink, kOther };

// One entry of a layer, after normalisation.
struct Entry {
  std::string path;  // normalised, relative to the image root ("usr/bin/env")
  EntryType type = EntryType::kOther;
  uint32_t mode = 0;        // permission bits (07777)
  uint64_t size = 0;        // content size for kFile
  std::string link_target;  // kSymlink: the raw target; kHardlink: the normalised target path
  bool whiteout = false;    // ".wh.<name>": `path` is the path removed from lower layers
  bool opaque = false;      // ".wh..wh..opq": `path` is the folder whose lower content is hidden
};

// Gives the content of the current kFile entry; valid only during the visitor call.
class EntryContent {
 public:
  virtual ~EntryContent() = default;
  // Reads the whole content; kLimitExceeded when it is larger than `max_bytes`.
  virtual Result<std::string> ReadAll(uint64_t max_bytes) = 0;
};

// Called for every entry in order. A non-ok Status stops the walk and is returned.
using EntryVisitor = std::function<Status(const Entry&, EntryContent&)>;

// Caps that keep hostile layers from exhausting memory, disk or time.
struct LayerLimits {
  uint64_t max_uncompressed_bytes = 32ull << 30;  // decompression-bomb cap per layer
  uint64_t max_entries = 10'000'000;              // entries per layer
  // Not a cap: when set, called during the walk (about every 4 MiB, and at the end) with the
  // stored bytes read so far and the blob's stored size, for progress displays.
  std::function<void(uint64_t read, uint64_t total)> progress;
};

// What a completed walk measured.
struct LayerDigests {
  std::string blob_digest;  // "sha256:..." of the bytes as stored (compressed)
  std::string diff_id;      // "sha256:..." of the uncompressed tar
  uint64_t uncompressed_size = 0;
  uint64_t entries = 0;
};

enum class Compression { kNone, kGzip, kZstd };
// Detects the compression of `blob` from its magic bytes. kUnsupported for bzip2/xz.
Result<Compression> DetectCompression(std::string_view blob);

// Streams the layer stored in `blob` (compressed or not) through `visit`, then checks its
// digests: `want_blob_digest` (if not empty) against the stored bytes and `want_diff_id`
// (if not empty) against the uncompressed tar. Errors: kCorrupt (truncated or damaged gzip/zstd,
// damaged tar header, entry escaping the root), kLimitExceeded, kIntegrity (digest mismatch),
// or whatever `visit` returned.
// Hashing runs on a helper thread beside decompression. When `blob_is_file_mapping` is set,
// `blob` must lie in a read-only file mapping: pages already consumed are given back to the
// kernel as the walk proceeds, so memory use does not grow with the blob's size.
Result<LayerDigests> WalkLayerBlob(std::string_view blob, std::string_view want_blob_digest,
                                   std::string_view want_diff_id, const LayerLimits& limits, const EntryVisitor& visit,
                                   bool blob_is_file_mapping = false);

// Walks the unpacked root filesystem at `root` as a single layer. Symlinks are reported, never
// followed; special files are kOther. Files are opened with O_NOFOLLOW below `root`.
Status WalkDirectory(const std::string& root, const LayerLimits& limits, const EntryVisitor& visit);

}  // namespace vigil::image
