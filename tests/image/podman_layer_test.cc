// WalkLayerBlob on layers as podman stores them.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "image/layer_reader.h"

namespace vigil::image {
namespace {

// One ustar header block (plus content padded to 512 bytes).
std::string TarMember(const std::string& name, char type, const std::string& content,
                      const std::string& linkname = "") {
  std::string h(512, '\0');
  auto put = [&](size_t at, const std::string& v) { h.replace(at, v.size(), v); };
  auto octal = [](uint64_t v, int width) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llo", width - 1, static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  put(0, name);
  put(100, octal(0644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(content.size(), 12));
  put(136, octal(0, 12));
  h[156] = type;
  put(157, linkname);
  put(257, std::string("ustar\0"
                       "00",
                       8));
  std::fill(h.begin() + 148, h.begin() + 156, ' ');
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  put(148, octal(sum, 7));
  std::string body = content;
  body.resize((content.size() + 511) / 512 * 512, '\0');
  return h + body;
}

// Regression: the digests of an uncompressed layer (every podman docker-archive) were checked
// with a SHA-256 context finished twice, so every such image failed with "uncompressed layer
// digest is ... but the image config's diff_id says ...".
TEST(WalkLayerBlob, UncompressedLayerDigestsMatch) {
  std::string tar = TarMember("etc/hostname", '0', "box\n") + std::string(1024, '\0');
  std::string digest = Sha256Digest(tar);
  std::vector<std::string> paths;
  auto r = WalkLayerBlob(tar, digest, digest, LayerLimits{}, [&](const Entry& e, EntryContent&) {
    paths.push_back(e.path);
    return OkStatus();
  });
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->blob_digest, digest);
  EXPECT_EQ(r->diff_id, digest);
  EXPECT_EQ(paths, std::vector<std::string>{"etc/hostname"});
}

// podman writes the second and later whiteouts of a layer as regular files that still carry
// a linkname (they were hard links of one overlay whiteout inode).
TEST(WalkLayerBlob, PodmanWhiteoutWithLinknameIsAWhiteout) {
  std::string tar =
      TarMember("app/.wh.a", '0', "") + TarMember("app/.wh.b", '0', "", "app/a") + std::string(1024, '\0');
  std::vector<std::string> whiteouts;
  auto r = WalkLayerBlob(tar, "", "", LayerLimits{}, [&](const Entry& e, EntryContent&) {
    EXPECT_TRUE(e.whiteout) << e.path;
    if (e.whiteout) whiteouts.push_back(e.path);
    return OkStatus();
  });
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(whiteouts, (std::vector<std::string>{"app/a", "app/b"}));
}

}  // namespace
}  // namespace vigil::image
