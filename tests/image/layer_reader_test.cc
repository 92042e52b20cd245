#include "image/layer_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "image_builder.h"

namespace vigil::image {
namespace {

using testing::Compress;
using testing::Dir;
using testing::File;
using testing::MakeTar;

struct Seen {
  std::vector<Entry> entries;
  std::map<std::string, std::string> contents;
};

Result<LayerDigests> Walk(const std::string& blob, Seen& seen, LayerLimits limits = {}, std::string want_blob = "",
                          std::string want_diff = "") {
  return WalkLayerBlob(blob, want_blob, want_diff, limits, [&](const Entry& e, EntryContent& c) {
    seen.entries.push_back(e);
    if (e.type == EntryType::kFile) {
      auto data = c.ReadAll(1 << 20);
      if (!data.ok()) return data.status();
      seen.contents[e.path] = *data;
    }
    return OkStatus();
  });
}

const std::vector<testing::TarEntry> kSample = {
    Dir("etc"),
    File("etc/os-release", "ID=debian\n"),
    testing::Symlink("etc/alt", "/usr/lib/x"),
    testing::Hardlink("etc/os-release2", "etc/os-release"),
    File("./usr/bin/tool", "#!", 0755),
};

TEST(LayerReader, ReadsEveryCompressionWithTheSameResult) {
  std::string raw = MakeTar(kSample, Compress::kNone);
  for (Compress c : {Compress::kNone, Compress::kGzip, Compress::kZstd}) {
    std::string blob = MakeTar(kSample, c);
    Seen seen;
    auto r = Walk(blob, seen);
    ASSERT_TRUE(r.ok()) << static_cast<int>(c) << ": " << r.error().ToString();
    EXPECT_EQ(r->diff_id, testing::Digest(raw)) << static_cast<int>(c);
    EXPECT_EQ(r->blob_digest, testing::Digest(blob)) << static_cast<int>(c);
    EXPECT_EQ(r->uncompressed_size, raw.size());
    ASSERT_EQ(seen.entries.size(), 5u);
    EXPECT_EQ(seen.entries[2].type, EntryType::kSymlink);
    EXPECT_EQ(seen.entries[2].link_target, "/usr/lib/x");
    EXPECT_EQ(seen.entries[3].type, EntryType::kHardlink);
    EXPECT_EQ(seen.entries[3].link_target, "etc/os-release");
    EXPECT_EQ(seen.entries[4].path, "usr/bin/tool");
    EXPECT_EQ(seen.entries[4].mode, 0755u);
    EXPECT_EQ(seen.contents["etc/os-release"], "ID=debian\n");
  }
}

TEST(LayerReader, Whiteouts) {
  std::string blob =
      MakeTar({File("app/node_modules/.wh.lodash", ""), File("var/.wh..wh..opq", ""), File(".wh.top", "")});
  Seen seen;
  ASSERT_TRUE(Walk(blob, seen).ok());
  ASSERT_EQ(seen.entries.size(), 3u);
  EXPECT_TRUE(seen.entries[0].whiteout);
  EXPECT_EQ(seen.entries[0].path, "app/node_modules/lodash");
  EXPECT_TRUE(seen.entries[1].opaque);
  EXPECT_EQ(seen.entries[1].path, "var");
  EXPECT_TRUE(seen.entries[2].whiteout);
  EXPECT_EQ(seen.entries[2].path, "top");
}

// A ustar header written by hand, for shapes libarchive's writer will not produce.
std::string RawHeader(const std::string& name, char type, size_t size, const std::string& link) {
  std::string h(512, '\0');
  name.copy(h.data(), std::min<size_t>(name.size(), 100));
  std::snprintf(h.data() + 100, 8, "%07o", 0644);
  std::snprintf(h.data() + 108, 8, "%07o", 0);
  std::snprintf(h.data() + 116, 8, "%07o", 0);
  std::snprintf(h.data() + 124, 12, "%011zo", size);
  std::snprintf(h.data() + 136, 12, "%011o", 0);
  h[156] = type;
  link.copy(h.data() + 157, std::min<size_t>(link.size(), 100));
  std::memcpy(h.data() + 257,
              "ustar\0"
              "00",
              8);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h.data() + 148, 8, "%06o", sum);
  return h;
}

TEST(LayerReader, PodmanWhiteoutAsRegularFileWithLinkname) {
  // podman writes some whiteouts as type '0' entries that still carry a linkname.
  std::string blob = RawHeader("app/.wh.lodash", '0', 0, "app/lodash") + std::string(1024, '\0');
  Seen seen;
  auto r = Walk(blob, seen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(seen.entries.size(), 1u);
  EXPECT_TRUE(seen.entries[0].whiteout);
  EXPECT_EQ(seen.entries[0].path, "app/lodash");
}

TEST(LayerReader, AbsolutePathsAreTakenInsideTheRoot) {
  std::string blob = RawHeader("/etc/passwd", '0', 0, "") + std::string(1024, '\0');
  Seen seen;
  ASSERT_TRUE(Walk(blob, seen).ok());
  ASSERT_EQ(seen.entries.size(), 1u);
  EXPECT_EQ(seen.entries[0].path, "etc/passwd");
}

TEST(LayerReader, DotDotEscapeIsAnError) {
  std::string blob = RawHeader("a/../../etc/passwd", '0', 0, "") + std::string(1024, '\0');
  Seen seen;
  auto r = Walk(blob, seen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message().find("climbs above the image root"), std::string::npos) << r.error().message();
}

TEST(LayerReader, TruncatedGzip) {
  std::string blob = MakeTar({File("a", std::string(100000, 'x'))}, Compress::kGzip);
  blob.resize(blob.size() / 2);
  Seen seen;
  auto r = Walk(blob, seen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << r.error().ToString();
  EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().message();
}

TEST(LayerReader, DamagedGzipAndZstd) {
  for (Compress c : {Compress::kGzip, Compress::kZstd}) {
    std::string blob = MakeTar({File("a", "hello world, hello world, hello world")}, c);
    for (size_t i = 12; i < blob.size() - 8; i += 3) blob[i] = static_cast<char>(blob[i] ^ 0x5a);
    Seen seen;
    auto r = Walk(blob, seen);
    EXPECT_FALSE(r.ok()) << static_cast<int>(c);
  }
}

TEST(LayerReader, TruncatedZstd) {
  std::string blob = MakeTar({File("a", std::string(300000, 'y'))}, Compress::kZstd);
  blob.resize(blob.size() - 10);
  Seen seen;
  auto r = Walk(blob, seen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << r.error().ToString();
}

TEST(LayerReader, CorruptTarHeader) {
  std::string blob = MakeTar({File("a", "1"), File("b", "2")});
  blob[512 + 512 + 148] ^= 0x11;  // the checksum of the second header (after a's data block)
  Seen seen;
  auto r = Walk(blob, seen);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("tar"), std::string::npos) << r.error().message();
}

TEST(LayerReader, DecompressionBombIsCapped) {
  std::string blob = MakeTar({File("big", std::string(8 << 20, '\0'))}, Compress::kGzip);
  EXPECT_LT(blob.size(), 100000u);
  LayerLimits limits;
  limits.max_uncompressed_bytes = 1 << 20;
  Seen seen;
  auto r = WalkLayerBlob(blob, "", "", limits, [](const Entry&, EntryContent&) { return OkStatus(); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
}

TEST(LayerReader, ManyTinyEntriesAreCapped) {
  std::vector<testing::TarEntry> entries;
  for (int i = 0; i < 2000; ++i) entries.push_back(File("f" + std::to_string(i), ""));
  std::string blob = MakeTar(entries, Compress::kGzip);
  LayerLimits limits;
  limits.max_entries = 1000;
  Seen seen;
  auto r = Walk(blob, seen, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded);
  limits.max_entries = 5000;
  Seen seen2;
  auto ok = Walk(blob, seen2, limits);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->entries, 2000u);
}

TEST(LayerReader, DigestMismatches) {
  std::string blob = MakeTar({File("a", "1")}, Compress::kGzip);
  Seen seen;
  auto r = Walk(blob, seen, {}, "sha256:" + std::string(64, '0'), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIntegrity);
  Seen seen2;
  auto r2 = Walk(blob, seen2, {}, "", "sha256:" + std::string(64, '1'));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), ErrorCode::kIntegrity);
  EXPECT_NE(r2.error().message().find("diff_id"), std::string::npos);
}

TEST(LayerReader, OddBlobs) {
  Seen seen;
  EXPECT_FALSE(Walk("", seen).ok());
  EXPECT_EQ(Walk("BZh91AY&SY", seen).error().code(), ErrorCode::kUnsupported);
  EXPECT_FALSE(Walk(std::string("\x1f\x8b\x08\x00", 4), seen).ok());
  EXPECT_FALSE(Walk(std::string(700, 'z'), seen).ok());
  std::string gz = MakeTar({File("a", "1")}, Compress::kGzip);
  EXPECT_FALSE(Walk(gz + "garbage", seen).ok());
  EXPECT_TRUE(Walk(gz + std::string(16, '\0'), seen).ok());
}

TEST(LayerReader, MultiMemberGzip) {
  std::string raw = MakeTar(kSample, Compress::kNone);
  std::string dir = testing::TempDir("multigz");
  std::string a = dir + "/a", b = dir + "/b";
  {
    std::ofstream(a, std::ios::binary) << raw.substr(0, 1000);
    std::ofstream(b, std::ios::binary) << raw.substr(1000);
  }
  ASSERT_EQ(std::system(("gzip -n " + a + " " + b + " && cat " + a + ".gz " + b + ".gz > " + dir + "/ab.gz").c_str()),
            0);
  std::ifstream in(dir + "/ab.gz", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  Seen seen;
  auto r = Walk(ss.str(), seen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->diff_id, testing::Digest(raw));
  EXPECT_EQ(seen.entries.size(), 5u);
}

TEST(LayerReader, WalkDirectoryNeverFollowsLinks) {
  std::string dir = testing::TempDir("rootfs");
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/etc && echo ID=x > " + dir + "/etc/os-release && ln -s /etc/shadow " +
                         dir + "/etc/evil && ln -s ../../../.. " + dir + "/etc/up")
                            .c_str()),
            0);
  std::vector<Entry> seen;
  ASSERT_TRUE(WalkDirectory(dir, {}, [&](const Entry& e, EntryContent&) {
                seen.push_back(e);
                return OkStatus();
              }).ok());
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[1].path, "etc/evil");
  EXPECT_EQ(seen[1].type, EntryType::kSymlink);
  EXPECT_EQ(seen[1].link_target, "/etc/shadow");
}

}  // namespace
}  // namespace vigil::image

namespace vigil::image {
namespace {

// Progress reports stored bytes read, never more than the blob, ending at its size.
TEST(LayerReader, ProgressCountsStoredBytesToTheEnd) {
  std::string big;
  for (int i = 0; i < 3000; ++i) big += std::to_string(i * 7919) + "\n";
  std::vector<testing::TarEntry> entries;
  for (int i = 0; i < 200; ++i) entries.push_back(testing::File("f/" + std::to_string(i), big + std::to_string(i)));
  for (Compress c : {Compress::kNone, Compress::kGzip, Compress::kZstd}) {
    std::string blob = testing::MakeTar(entries, c);
    std::vector<std::pair<uint64_t, uint64_t>> calls;
    LayerLimits limits;
    limits.progress = [&](uint64_t read, uint64_t total) { calls.emplace_back(read, total); };
    auto r = WalkLayerBlob(blob, "", "", limits, [](const Entry&, EntryContent&) { return OkStatus(); });
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ASSERT_FALSE(calls.empty());
    for (size_t i = 0; i < calls.size(); ++i) {
      EXPECT_EQ(calls[i].second, blob.size());
      EXPECT_LE(calls[i].first, blob.size());
      if (i > 0) {
        EXPECT_GT(calls[i].first, calls[i - 1].first);
      }
    }
    EXPECT_EQ(calls.back().first, blob.size()) << "compression " << static_cast<int>(c);
  }
}

}  // namespace
}  // namespace vigil::image
