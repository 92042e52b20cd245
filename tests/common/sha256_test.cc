#include "common/sha256.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Sha256, KnownVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(Sha256Digest(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Digest("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.FinishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestHex, ValidatesTheForm) {
  std::string hex(64, 'a');
  EXPECT_EQ(*DigestHex("sha256:" + hex), hex);
  EXPECT_EQ(DigestHex("sha512:" + hex).error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(DigestHex(hex).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(DigestHex("sha256:" + std::string(63, 'a')).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(DigestHex("sha256:" + std::string(64, 'A')).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(DigestHex("sha256:../../" + std::string(58, 'a')).error().code(), ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace vigil
