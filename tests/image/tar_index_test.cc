#include "image/internal/tar_index.h"

#include <gtest/gtest.h>

#include "image_builder.h"

namespace vigil::image {
namespace {

using testing::File;
using testing::MakeTar;

TEST(TarIndex, FindsMembersAndFollowsLinks) {
  std::string long_name(150, 'n');
  std::string tar = MakeTar({File("manifest.json", "[]"), File("a/layer.tar", "LAYER"),
                             testing::Symlink("b/layer.tar", "../a/layer.tar"), File(long_name + "/x", "long")});
  auto idx = TarIndex::Build(tar);
  ASSERT_TRUE(idx.ok()) << idx.error().ToString();
  EXPECT_EQ(*idx->Find("manifest.json"), "[]");
  EXPECT_EQ(*idx->Find("b/layer.tar"), "LAYER");
  EXPECT_EQ(*idx->Find(long_name + "/x"), "long");
  EXPECT_EQ(idx->Find("nope").error().code(), ErrorCode::kNotFound);
}

TEST(TarIndex, LinkLoopsEnd) {
  std::string tar = MakeTar({testing::Symlink("a", "b"), testing::Symlink("b", "a")});
  auto idx = TarIndex::Build(tar);
  ASSERT_TRUE(idx.ok());
  EXPECT_FALSE(idx->Find("a").ok());
}

TEST(TarIndex, DamagedArchives) {
  std::string tar = MakeTar({File("a", std::string(3000, 'x')), File("b", "y")});
  std::string bad_sum = tar;
  bad_sum[148] ^= 1;
  EXPECT_EQ(TarIndex::Build(bad_sum).error().code(), ErrorCode::kCorrupt);
  std::string cut = tar.substr(0, 1024);
  auto r = TarIndex::Build(cut);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("past the end"), std::string::npos) << r.error().message();
  EXPECT_FALSE(TarIndex::Build(std::string(512, 'q')).ok());
  EXPECT_TRUE(TarIndex::Build("").ok());  // nothing to index
}

}  // namespace
}  // namespace vigil::image
