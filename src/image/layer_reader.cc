#include "image/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/path.h"
#include "common/sha256.h"
#include "common/strings.h"

namespace vigil::image {
namespace {

constexpr size_t kInChunk = 1 << 20;     // stored bytes handed to the decoder at a time
constexpr size_t kOutChunk = 256 << 10;  // uncompressed bytes handed to libarchive at a time
constexpr size_t kOutSlots = 8;          // output buffers in flight between decoder and hasher

// Hashes the stored bytes and the uncompressed bytes on its own thread, in order, so that
// SHA-256 (about as costly as inflating) runs beside decompression instead of after it. It also
// gives consumed pages of a file-mapped blob back to the kernel.
class Hasher {
 public:
  explicit Hasher(bool release_pages) : release_pages_(release_pages), thread_([this] { Run(); }) {}
  ~Hasher() { Finish(); }

  void HashIn(std::string_view piece) { Push(Job{Job::kIn, piece}); }
  void HashOut(std::string_view piece) { Push(Job{Job::kOut, piece}); }
  // Pages of the blob before `end` are no longer read by anyone.
  void Release(const char* end) {
    if (release_pages_) Push(Job{Job::kRelease, std::string_view(end, 0)});
  }
  // Blocks until fewer than `n` output pieces are waiting to be hashed.
  void WaitOutBelow(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return pending_out_ < n; });
  }
  // Waits for every job, stops the thread. Idempotent.
  void Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  std::string InDigest() { return in_.FinishDigest(); }
  std::string OutDigest() { return out_.FinishDigest(); }

 private:
  struct Job {
    enum Kind { kIn, kOut, kRelease } kind;
    std::string_view piece;
  };

  void Push(Job job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (job.kind == Job::kOut) ++pending_out_;
      jobs_.push_back(job);
    }
    cv_.notify_one();
  }

  void Run() {
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = jobs_.front();
        jobs_.pop_front();
      }
      switch (job.kind) {
        case Job::kIn:
          in_.Update(job.piece);
          break;
        case Job::kOut:
          out_.Update(job.piece);
          break;
        case Job::kRelease: {
          // Round to whole pages; the partial page at the edge is released next time.
          uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
          uintptr_t end = reinterpret_cast<uintptr_t>(job.piece.data()) & ~(page - 1);
          if (released_ == 0) released_ = end;  // the first call only sets the start
          if (end > released_) {
            madvise(reinterpret_cast<void*>(released_), end - released_, MADV_DONTNEED);
            released_ = end;
          }
          break;
        }
      }
      if (job.kind == Job::kOut) {
        std::lock_guard<std::mutex> lock(mu_);
        --pending_out_;
        done_cv_.notify_one();
      }
    }
  }

  bool release_pages_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<Job> jobs_;
  size_t pending_out_ = 0;
  bool stopping_ = false;
  uintptr_t released_ = 0;
  Sha256 in_;
  Sha256 out_;
  std::thread thread_;
};

// Pulls uncompressed bytes out of a stored blob; the Hasher sees every byte on both sides.
class Decoder {
 public:
  Decoder(std::string_view blob, Compression kind, uint64_t cap, bool release_pages)
      : blob_(blob), kind_(kind), cap_(cap), hasher_(release_pages) {
    if (release_pages) hasher_.Release(blob_.data());
    if (kind_ == Compression::kGzip) {
      gz_ = std::make_unique<inflate_state>();
      isal_inflate_init(gz_.get());
      gz_->crc_flag = ISAL_GZIP;
    } else if (kind_ == Compression::kZstd) {
      zs_ = ZSTD_createDStream();
      ZSTD_initDStream(zs_);
    }
    if (kind_ != Compression::kNone) {
      slots_.resize(kOutSlots);
      for (auto& s : slots_) s.resize(kOutChunk);
    }
  }
  ~Decoder() {
    hasher_.Finish();
    if (zs_ != nullptr) ZSTD_freeDStream(zs_);
  }

  // Returns the next piece of uncompressed data; an empty view at the end. A piece stays valid
  // until Next() has been called kOutSlots - 1 more times (libarchive needs only the last one).
  Result<std::string_view> Next() {
    if (done_) return std::string_view();
    std::string_view piece;
    switch (kind_) {
      case Compression::kNone: {
        size_t n = std::min(kInChunk, blob_.size() - in_pos_);
        piece = blob_.substr(in_pos_, n);
        hasher_.HashIn(piece);
        // libarchive may still read the previous piece; everything before it is done.
        hasher_.Release(blob_.data() + prev_pos_);
        prev_pos_ = in_pos_;
        in_pos_ += n;
        if (n == 0) done_ = true;
        break;
      }
      case Compression::kGzip:
      case Compression::kZstd: {
        // The slot about to be overwritten must have been hashed.
        hasher_.WaitOutBelow(kOutSlots - 1);
        std::vector<char>& out = slots_[slot_];
        slot_ = (slot_ + 1) % kOutSlots;
        if (kind_ == Compression::kGzip) {
          VIGIL_ASSIGN_OR_RETURN(piece, NextGzip(out));
        } else {
          VIGIL_ASSIGN_OR_RETURN(piece, NextZstd(out));
        }
        if (!piece.empty()) hasher_.HashOut(piece);
        break;
      }
    }
    if (progress_ && (in_pos_ - reported_ >= kProgressStep || (done_ && reported_ != in_pos_))) {
      reported_ = in_pos_;
      progress_(in_pos_, blob_.size());
    }
    total_out_ += piece.size();
    if (total_out_ > cap_) {
      return LimitExceeded("layer decompresses to more than " + std::to_string(cap_) +
                           " bytes (the decompression cap; raise it with --max-layer-size)");
    }
    return piece;
  }

  // Reads whatever the tar reader left unread (padding after the end marker), so that the
  // digests cover every byte.
  Status Drain() {
    while (!done_) {
      VIGIL_ASSIGN_OR_RETURN(std::string_view piece, Next());
      (void)piece;
    }
    return OkStatus();
  }

  // Call after Drain(): "sha256:..." of the stored bytes and of the uncompressed bytes.
  void Digests(std::string& blob_digest, std::string& diff_id) {
    hasher_.Finish();
    blob_digest = hasher_.InDigest();
    diff_id = kind_ == Compression::kNone ? blob_digest : hasher_.OutDigest();
  }
  uint64_t total_out() const { return total_out_; }
  void set_progress(std::function<void(uint64_t, uint64_t)> progress) { progress_ = std::move(progress); }

 private:
  // Feeds the next stored chunk; the previous chunk is no longer needed by the decoder.
  std::string_view FeedInput() {
    size_t n = std::min(kInChunk, blob_.size() - in_pos_);
    std::string_view chunk = blob_.substr(in_pos_, n);
    hasher_.HashIn(chunk);
    hasher_.Release(blob_.data() + prev_pos_);
    prev_pos_ = in_pos_;
    in_pos_ += n;
    return chunk;
  }

  Result<std::string_view> NextGzip(std::vector<char>& out) {
    while (true) {
      if (gz_->avail_in == 0 && in_pos_ < blob_.size()) {
        std::string_view chunk = FeedInput();
        gz_->next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(chunk.data()));
        gz_->avail_in = static_cast<uint32_t>(chunk.size());
      }
      if (gz_->block_state == ISAL_BLOCK_FINISH) {
        // End of one gzip member: another may follow (multi-member streams are valid gzip).
        if (gz_->avail_in == 0 && in_pos_ >= blob_.size()) {
          done_ = true;
          return std::string_view();
        }
        const uint8_t* rest = gz_->next_in;
        uint32_t rest_len = gz_->avail_in;
        if (rest_len >= 2 && rest[0] == 0x1f && rest[1] == 0x8b) {
          isal_inflate_reset(gz_.get());
          gz_->crc_flag = ISAL_GZIP;
          gz_->next_in = const_cast<uint8_t*>(rest);
          gz_->avail_in = rest_len;
        } else {
          bool zeros = true;
          for (uint32_t i = 0; i < rest_len && zeros; ++i) zeros = rest[i] == 0;
          for (size_t i = in_pos_; i < blob_.size() && zeros; ++i) zeros = blob_[i] == 0;
          if (!zeros) {
            return Corrupt("unexpected data after the end of the gzip stream at compressed byte " +
                           std::to_string(in_pos_ - rest_len));
          }
          while (in_pos_ < blob_.size()) FeedInput();
          done_ = true;
          return std::string_view();
        }
      }
      gz_->next_out = reinterpret_cast<uint8_t*>(out.data());
      gz_->avail_out = static_cast<uint32_t>(out.size());
      int rc = isal_inflate(gz_.get());
      if (rc != ISAL_DECOMP_OK) {
        return Corrupt("gzip stream is damaged near compressed byte " + std::to_string(in_pos_ - gz_->avail_in) +
                       " (igzip error " + std::to_string(rc) + ")");
      }
      size_t produced = out.size() - gz_->avail_out;
      if (produced > 0) return std::string_view(out.data(), produced);
      if (gz_->block_state != ISAL_BLOCK_FINISH && gz_->avail_in == 0 && in_pos_ >= blob_.size()) {
        return Corrupt("gzip stream is truncated: it ends after " + std::to_string(blob_.size()) +
                       " compressed bytes without its end marker");
      }
    }
  }

  Result<std::string_view> NextZstd(std::vector<char>& out) {
    while (true) {
      if (zin_.pos == zin_.size && in_pos_ < blob_.size()) {
        std::string_view chunk = FeedInput();
        zin_ = ZSTD_inBuffer{chunk.data(), chunk.size(), 0};
      }
      if (zin_.pos == zin_.size && in_pos_ >= blob_.size()) {
        if (zstd_frame_open_) {
          return Corrupt("zstd stream is truncated after " + std::to_string(blob_.size()) + " compressed bytes");
        }
        done_ = true;
        return std::string_view();
      }
      ZSTD_outBuffer zout{out.data(), out.size(), 0};
      size_t rc = ZSTD_decompressStream(zs_, &zout, &zin_);
      if (ZSTD_isError(rc)) {
        return Corrupt(std::string("zstd stream is damaged near compressed byte ") +
                       std::to_string(in_pos_ - (zin_.size - zin_.pos)) + ": " + ZSTD_getErrorName(rc));
      }
      zstd_frame_open_ = rc != 0;
      if (zout.pos > 0) return std::string_view(out.data(), zout.pos);
    }
  }

  std::string_view blob_;
  Compression kind_;
  uint64_t cap_;
  size_t in_pos_ = 0;
  static constexpr size_t kProgressStep = 4u << 20;
  size_t reported_ = 0;
  std::function<void(uint64_t, uint64_t)> progress_;
  size_t prev_pos_ = 0;
  bool done_ = false;
  uint64_t total_out_ = 0;
  std::vector<std::vector<char>> slots_;
  size_t slot_ = 0;
  std::unique_ptr<inflate_state> gz_;
  ZSTD_DStream* zs_ = nullptr;
  ZSTD_inBuffer zin_{nullptr, 0, 0};
  bool zstd_frame_open_ = false;
  Hasher hasher_;
};

struct ReadContext {
  Decoder* decoder;
  std::optional<Error> error;  // the decoder's failure, which libarchive only sees as -1
};

la_ssize_t ArchiveRead(struct archive* a, void* client, const void** buf) {
  auto* ctx = static_cast<ReadContext*>(client);
  auto piece = ctx->decoder->Next();
  if (!piece.ok()) {
    ctx->error = piece.error();
    archive_set_error(a, EIO, "%s", piece.error().message().c_str());
    return -1;
  }
  *buf = piece->data();
  return static_cast<la_ssize_t>(piece->size());
}

class ArchiveContent : public EntryContent {
 public:
  ArchiveContent(struct archive* a, ReadContext* ctx, uint64_t size) : a_(a), ctx_(ctx), size_(size) {}
  Result<std::string> ReadAll(uint64_t max_bytes) override {
    if (size_ > max_bytes) {
      return LimitExceeded("file of " + std::to_string(size_) + " bytes is larger than the " +
                           std::to_string(max_bytes) + "-byte limit for analysed files");
    }
    if (read_) return InternalError("entry content read twice");
    read_ = true;
    std::string out;
    out.resize(size_);
    size_t done = 0;
    while (done < size_) {
      la_ssize_t n = archive_read_data(a_, out.data() + done, size_ - done);
      if (n < 0) {
        if (ctx_->error) return *ctx_->error;
        return Corrupt(std::string("cannot read entry data: ") + archive_error_string(a_));
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    if (done < size_) return Corrupt("entry data is truncated");
    return out;
  }

 private:
  struct archive* a_;
  ReadContext* ctx_;
  uint64_t size_;
  bool read_ = false;
};

const char* PathOf(struct archive_entry* e) {
  const char* p = archive_entry_pathname(e);
  if (p == nullptr) p = archive_entry_pathname_utf8(e);
  return p;
}

// Fills `out` from a libarchive entry; returns false for entries to skip.
Status ToEntry(struct archive_entry* e, Entry& out) {
  const char* raw = PathOf(e);
  if (raw == nullptr) return Corrupt("entry has a name that cannot be decoded");
  VIGIL_ASSIGN_OR_RETURN(out.path, NormalizeEntryPath(raw));
  out.mode = archive_entry_perm(e);
  out.size = archive_entry_size_is_set(e) ? static_cast<uint64_t>(archive_entry_size(e)) : 0;
  out.whiteout = false;
  out.opaque = false;
  out.link_target.clear();
  const char* hard = archive_entry_hardlink(e);
  std::string_view base = BaseName(out.path);
  if (base.substr(0, 4) == ".wh.") {
    // A whiteout; podman stores some as regular files that still carry a linkname.
    std::string dir(ParentPath(out.path));
    if (base == ".wh..wh..opq") {
      out.opaque = true;
      out.path = dir;
    } else {
      out.whiteout = true;
      std::string name(base.substr(4));
      out.path = dir.empty() ? name : dir + "/" + name;
    }
    out.type = EntryType::kOther;
    out.size = 0;
    return OkStatus();
  }
  if (hard != nullptr && *hard != '\0') {
    out.type = EntryType::kHardlink;
    VIGIL_ASSIGN_OR_RETURN(out.link_target, NormalizeEntryPath(hard));
    return OkStatus();
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      out.type = EntryType::kFile;
      break;
    case AE_IFDIR:
      out.type = EntryType::kDir;
      out.size = 0;
      break;
    case AE_IFLNK: {
      out.type = EntryType::kSymlink;
      const char* t = archive_entry_symlink(e);
      if (t == nullptr) t = archive_entry_symlink_utf8(e);
      out.link_target = t != nullptr ? t : "";
      out.size = 0;
      break;
    }
    default:
      out.type = EntryType::kOther;
      out.size = 0;
      break;
  }
  return OkStatus();
}

}  // namespace

Result<Compression> DetectCompression(std::string_view blob) {
  auto starts = [&](std::string_view magic) { return blob.substr(0, magic.size()) == magic; };
  if (starts("\x1f\x8b")) return Compression::kGzip;
  if (starts("\x28\xb5\x2f\xfd")) return Compression::kZstd;
  if (starts("BZh")) return Unsupported("layer is bzip2-compressed, which vigil does not read");
  if (starts("\xfd"
             "7zXZ"))
    return Unsupported("layer is xz-compressed, which vigil does not read");
  return Compression::kNone;
}

Result<LayerDigests> WalkLayerBlob(std::string_view blob, std::string_view want_blob_digest,
                                   std::string_view want_diff_id, const LayerLimits& limits, const EntryVisitor& visit,
                                   bool blob_is_file_mapping) {
  VIGIL_ASSIGN_OR_RETURN(Compression kind, DetectCompression(blob));
  Decoder decoder(blob, kind, limits.max_uncompressed_bytes, blob_is_file_mapping);
  decoder.set_progress(limits.progress);
  ReadContext ctx{&decoder, std::nullopt};
  std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open(a.get(), &ctx, nullptr, ArchiveRead, nullptr) != ARCHIVE_OK) {
    if (ctx.error) return *ctx.error;
    if (blob.empty()) return Corrupt("layer is empty (not even a tar end marker)");
    return Corrupt(std::string("layer is not a tar archive: ") + archive_error_string(a.get()));
  }
  LayerDigests digests;
  Entry entry;
  while (true) {
    struct archive_entry* ae = nullptr;
    int rc = archive_read_next_header(a.get(), &ae);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      if (ctx.error) return *ctx.error;
      return Corrupt("damaged tar header after entry " + std::to_string(digests.entries) + " ('" + Clip(entry.path) +
                     "'): " + archive_error_string(a.get()));
    }
    if (++digests.entries > limits.max_entries) {
      return LimitExceeded("layer has more than " + std::to_string(limits.max_entries) + " entries (the entry cap)");
    }
    const char* raw = PathOf(ae);
    Status st = ToEntry(ae, entry);
    if (!st.ok()) {
      return st.error().Context("entry " + std::to_string(digests.entries) + " ('" + Clip(raw ? raw : "?") + "')");
    }
    if (entry.path.empty() && !entry.opaque) continue;  // the root folder itself
    ArchiveContent content(a.get(), &ctx, entry.type == EntryType::kFile ? entry.size : 0);
    Status vs = visit(entry, content);
    if (!vs.ok()) {
      if (ctx.error) return *ctx.error;
      return vs.error();
    }
  }
  VIGIL_RETURN_IF_ERROR(decoder.Drain());
  digests.uncompressed_size = decoder.total_out();
  decoder.Digests(digests.blob_digest, digests.diff_id);
  if (!want_blob_digest.empty() && digests.blob_digest != want_blob_digest) {
    return IntegrityError("blob digest is " + digests.blob_digest + " but its name says " +
                          std::string(want_blob_digest));
  }
  if (!want_diff_id.empty() && digests.diff_id != want_diff_id) {
    return IntegrityError("uncompressed layer digest is " + digests.diff_id + " but the image config's diff_id says " +
                          std::string(want_diff_id));
  }
  return digests;
}

namespace {

class FdContent : public EntryContent {
 public:
  FdContent(int dirfd, const char* name, uint64_t size) : dirfd_(dirfd), name_(name), size_(size) {}
  Result<std::string> ReadAll(uint64_t max_bytes) override {
    if (size_ > max_bytes) {
      return LimitExceeded("file of " + std::to_string(size_) + " bytes is larger than the " +
                           std::to_string(max_bytes) + "-byte limit for analysed files");
    }
    int fd = openat(dirfd_, name_, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return IoError(std::string("cannot open: ") + std::strerror(errno));
    std::string out;
    out.resize(size_);
    size_t done = 0;
    while (done < size_) {
      ssize_t n = read(fd, out.data() + done, size_ - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    close(fd);
    out.resize(done);
    return out;
  }

 private:
  int dirfd_;
  const char* name_;
  uint64_t size_;
};

struct DirWalker {
  const LayerLimits& limits;
  const EntryVisitor& visit;
  uint64_t entries = 0;

  Status Walk(int dirfd, const std::string& rel, int depth) {
    if (depth > 256) return LimitExceeded("folder nesting deeper than 256 levels at '" + rel + "'");
    DIR* dir = fdopendir(dirfd);
    if (dir == nullptr) {
      close(dirfd);
      return IoError("cannot list '" + rel + "': " + std::strerror(errno));
    }
    std::unique_ptr<DIR, int (*)(DIR*)> guard(dir, closedir);
    std::vector<std::string> names;
    while (struct dirent* d = readdir(dir)) {
      std::string_view n = d->d_name;
      if (n == "." || n == "..") continue;
      names.emplace_back(n);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      if (++entries > limits.max_entries) {
        return LimitExceeded("root folder has more than " + std::to_string(limits.max_entries) +
                             " entries (the entry cap)");
      }
      struct stat st;
      if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      Entry e;
      e.path = rel.empty() ? name : rel + "/" + name;
      e.mode = st.st_mode & 07777;
      if (S_ISREG(st.st_mode)) {
        e.type = EntryType::kFile;
        e.size = static_cast<uint64_t>(st.st_size);
      } else if (S_ISDIR(st.st_mode)) {
        e.type = EntryType::kDir;
      } else if (S_ISLNK(st.st_mode)) {
        e.type = EntryType::kSymlink;
        std::string target(4096, '\0');
        ssize_t n = readlinkat(dirfd, name.c_str(), target.data(), target.size());
        target.resize(n > 0 ? static_cast<size_t>(n) : 0);
        e.link_target = target;
      } else {
        e.type = EntryType::kOther;
      }
      FdContent content(dirfd, name.c_str(), e.size);
      VIGIL_RETURN_IF_ERROR(visit(e, content));
      if (e.type == EntryType::kDir) {
        int sub = openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) continue;  // unreadable folder: nothing to catalog there
        VIGIL_RETURN_IF_ERROR(Walk(sub, e.path, depth + 1));
      }
    }
    return OkStatus();
  }
};

}  // namespace

Status WalkDirectory(const std::string& root, const LayerLimits& limits, const EntryVisitor& visit) {
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return NotFound("cannot open root folder '" + root + "': " + std::strerror(errno));
  DirWalker walker{limits, visit};
  return walker.Walk(fd, "", 0);
}

}  // namespace vigil::image
