#include "image/image.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "image_builder.h"

namespace vigil::image {
namespace {

using testing::File;
using testing::TestLayer;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Spit(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::vector<TestLayer> TwoLayers() {
  return {TestLayer{{File("etc/os-release", "ID=debian\n")}, testing::Compress::kGzip, "ADD rootfs /"},
          TestLayer{{File("app/x", "1")}, testing::Compress::kZstd, "COPY . /app"}};
}

TEST(Image, OpensOciLayoutAndMapsHistory) {
  std::string dir = testing::TempDir("oci");
  std::string manifest = testing::WriteOciLayout(dir, TwoLayers());
  auto img = Image::Open(dir, {});
  ASSERT_TRUE(img.ok()) << img.error().ToString();
  const ImageInfo& info = (*img)->info();
  EXPECT_EQ(info.format, "oci-layout");
  EXPECT_EQ(info.manifest_digest, manifest);
  ASSERT_EQ(info.layers.size(), 2u);
  EXPECT_EQ(info.layers[0].created_by, "ADD rootfs /");  // the empty_layer LABEL is skipped
  EXPECT_EQ(info.layers[1].created_by, "COPY . /app");
  EXPECT_EQ(info.tags, std::vector<std::string>{"test:latest"});
  EXPECT_EQ(info.config.working_dir, "/app");
  for (size_t i = 0; i < 2; ++i) {
    auto r = (*img)->WalkLayer(i, {}, [](const Entry&, EntryContent&) { return OkStatus(); });
    EXPECT_TRUE(r.ok()) << r.error().ToString();
  }
}

TEST(Image, OpensOciArchive) {
  std::string dir = testing::TempDir("ociarchive");
  testing::WriteOciLayout(dir, TwoLayers());
  std::vector<testing::TarEntry> entries;
  for (const char* f : {"oci-layout", "index.json"}) entries.push_back(File(f, Slurp(dir + "/" + f)));
  std::string listing;
  FILE* p = popen(("ls " + dir + "/blobs/sha256").c_str(), "r");
  char buf[256];
  while (fgets(buf, sizeof buf, p)) {
    std::string name(buf);
    name.pop_back();
    entries.push_back(File("blobs/sha256/" + name, Slurp(dir + "/blobs/sha256/" + name)));
  }
  pclose(p);
  Spit(dir + ".tar", testing::MakeTar(entries));
  auto img = Image::Open(dir + ".tar", {});
  ASSERT_TRUE(img.ok()) << img.error().ToString();
  EXPECT_EQ((*img)->info().format, "oci-archive");
  EXPECT_EQ((*img)->info().layers.size(), 2u);
}

TEST(Image, OpensDockerArchive) {
  std::string layer = testing::MakeTar({File("etc/os-release", "ID=alpine\n")});
  nlohmann::json config = {{"os", "linux"},
                           {"architecture", "amd64"},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", {testing::Digest(layer)}}}},
                           {"history", {{{"created_by", "ADD x /"}}}}};
  std::string cfg = config.dump();
  std::string cfg_name = testing::Digest(cfg).substr(7) + ".json";
  nlohmann::json manifest =
      nlohmann::json::array({{{"Config", cfg_name}, {"RepoTags", {"x:1"}}, {"Layers", {"abc/layer.tar"}}}});
  std::string dir = testing::TempDir("docker");
  Spit(dir + "/img.tar",
       testing::MakeTar({File("manifest.json", manifest.dump()), File(cfg_name, cfg), File("abc/layer.tar", layer)}));
  auto img = Image::Open(dir + "/img.tar", {});
  ASSERT_TRUE(img.ok()) << img.error().ToString();
  EXPECT_EQ((*img)->info().format, "docker-archive");
  EXPECT_EQ((*img)->info().tags, std::vector<std::string>{"x:1"});
  EXPECT_EQ((*img)->info().layers[0].created_by, "ADD x /");
  EXPECT_TRUE((*img)->WalkLayer(0, {}, [](const Entry&, EntryContent&) { return OkStatus(); }).ok());

  // A config whose name does not match its bytes.
  std::string other = testing::Digest("other").substr(7) + ".json";
  nlohmann::json bad = manifest;
  bad[0]["Config"] = other;
  Spit(dir + "/bad.tar",
       testing::MakeTar({File("manifest.json", bad.dump()), File(other, cfg), File("abc/layer.tar", layer)}));
  auto r = Image::Open(dir + "/bad.tar", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIntegrity);

  // A manifest naming a missing layer.
  bad = manifest;
  bad[0]["Layers"] = {"missing/layer.tar"};
  Spit(dir + "/missing.tar", testing::MakeTar({File("manifest.json", bad.dump()), File(cfg_name, cfg)}));
  r = Image::Open(dir + "/missing.tar", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.error().message().find("missing/layer.tar"), std::string::npos);

  // Malformed manifest.json.
  Spit(dir + "/malformed.tar", testing::MakeTar({File("manifest.json", "[{\"Config\": ")}));
  r = Image::Open(dir + "/malformed.tar", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message().find("manifest.json"), std::string::npos);
}

TEST(Image, BadLayouts) {
  std::string dir = testing::TempDir("badoci");
  testing::WriteOciLayout(dir, TwoLayers());
  auto index = nlohmann::json::parse(Slurp(dir + "/index.json"));
  std::string manifest_digest = index["manifests"][0]["digest"];
  std::string manifest_path = dir + "/blobs/sha256/" + manifest_digest.substr(7);
  auto manifest = nlohmann::json::parse(Slurp(manifest_path));

  // A layer blob whose bytes do not match its digest.
  std::string layer_path = dir + "/blobs/sha256/" + manifest["layers"][0]["digest"].get<std::string>().substr(7);
  std::string good_layer = Slurp(layer_path);
  Spit(layer_path, testing::MakeTar({File("etc/os-release", "ID=evil\n")}, testing::Compress::kGzip));
  auto img = Image::Open(dir, {});
  ASSERT_TRUE(img.ok());
  auto walk = (*img)->WalkLayer(0, {}, [](const Entry&, EntryContent&) { return OkStatus(); });
  ASSERT_FALSE(walk.ok());
  EXPECT_EQ(walk.error().code(), ErrorCode::kIntegrity);
  EXPECT_NE(walk.error().message().find("layer 0"), std::string::npos) << walk.error().message();
  Spit(layer_path, good_layer);

  // A manifest naming a missing config.
  std::string cfg_path = dir + "/blobs/sha256/" + manifest["config"]["digest"].get<std::string>().substr(7);
  std::string cfg = Slurp(cfg_path);
  std::remove(cfg_path.c_str());
  auto r = Image::Open(dir, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  Spit(cfg_path, cfg);

  // A digest with path characters must not be used as a path.
  auto evil = index;
  evil["manifests"][0]["digest"] = "sha256:../../../../etc/passwd";
  Spit(dir + "/index.json", evil.dump());
  r = Image::Open(dir, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);

  // Malformed index.
  Spit(dir + "/index.json", "{\"manifests\": [");
  r = Image::Open(dir, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("index.json"), std::string::npos);
}

TEST(Image, PicksThePlatformFromAnIndex) {
  std::string dir = testing::TempDir("multi");
  testing::WriteOciLayout(dir + "/amd", TwoLayers(), "linux/amd64");
  testing::WriteOciLayout(dir + "/arm", TwoLayers(), "linux/arm64");
  // Merge both layouts into one with a nested image index and platforms.
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/m/blobs/sha256 && cp " + dir + "/amd/blobs/sha256/* " + dir +
                         "/m/blobs/sha256/ && cp -f " + dir + "/arm/blobs/sha256/* " + dir + "/m/blobs/sha256/ && cp " +
                         dir + "/amd/oci-layout " + dir + "/m/")
                            .c_str()),
            0);
  auto amd = nlohmann::json::parse(Slurp(dir + "/amd/index.json"))["manifests"][0];
  auto arm = nlohmann::json::parse(Slurp(dir + "/arm/index.json"))["manifests"][0];
  amd["platform"] = {{"os", "linux"}, {"architecture", "amd64"}};
  arm["platform"] = {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}};
  nlohmann::json attestation = amd;
  attestation["platform"] = {{"os", "unknown"}, {"architecture", "unknown"}};
  nlohmann::json inner = {{"schemaVersion", 2},
                          {"mediaType", "application/vnd.oci.image.index.v1+json"},
                          {"manifests", {arm, amd, attestation}}};
  std::string inner_bytes = inner.dump();
  std::string inner_digest = testing::Digest(inner_bytes);
  Spit(dir + "/m/blobs/sha256/" + inner_digest.substr(7), inner_bytes);
  nlohmann::json outer = {{"schemaVersion", 2},
                          {"manifests",
                           {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
                             {"digest", inner_digest},
                             {"size", inner_bytes.size()}}}}};
  Spit(dir + "/m/index.json", outer.dump());
  auto a = Image::Open(dir + "/m", OpenOptions{"linux/amd64"});
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ((*a)->info().config.architecture, "amd64");
  auto b = Image::Open(dir + "/m", OpenOptions{"linux/arm64"});
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_EQ((*b)->info().config.architecture, "arm64");
  auto c = Image::Open(dir + "/m", OpenOptions{"linux/s390x"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("linux/arm64/v8"), std::string::npos) << c.error().message();
}

TEST(Image, MissingAndUnknownInputs) {
  EXPECT_EQ(Image::Open("/nonexistent/x.tar", {}).error().code(), ErrorCode::kNotFound);
  std::string dir = testing::TempDir("odd");
  Spit(dir + "/gz.tar.gz", std::string("\x1f\x8b\x08\x00", 4));
  EXPECT_EQ(Image::Open(dir + "/gz.tar.gz", {}).error().code(), ErrorCode::kUnsupported);
  Spit(dir + "/plain.tar", testing::MakeTar({File("hello", "x")}));
  EXPECT_EQ(Image::Open(dir + "/plain.tar", {}).error().code(), ErrorCode::kUnsupported);
  Spit(dir + "/junk", "not a tar at all, no no");
  EXPECT_FALSE(Image::Open(dir + "/junk", {}).ok());
}

}  // namespace
}  // namespace vigil::image

namespace vigil::image {
namespace {

// A docker-archive holding two images, as `docker save a b` writes it.
std::string TwoImageDockerArchive(const std::string& dir) {
  std::vector<testing::TarEntry> entries;
  nlohmann::json manifest = nlohmann::json::array();
  for (const char* id : {"alpine", "debian"}) {
    std::string layer = testing::MakeTar({File("etc/os-release", std::string("ID=") + id + "\n")});
    nlohmann::json config = {{"os", "linux"},
                             {"architecture", "amd64"},
                             {"rootfs", {{"type", "layers"}, {"diff_ids", {testing::Digest(layer)}}}}};
    std::string cfg = config.dump();
    std::string cfg_name = testing::Digest(cfg).substr(7) + ".json";
    std::string layer_name = std::string(id) + "/layer.tar";
    manifest.push_back({{"Config", cfg_name}, {"RepoTags", {std::string(id) + ":1"}}, {"Layers", {layer_name}}});
    entries.push_back(File(cfg_name, cfg));
    entries.push_back(File(layer_name, layer));
  }
  entries.push_back(File("manifest.json", manifest.dump()));
  std::string path = dir + "/two.tar";
  Spit(path, testing::MakeTar(entries));
  return path;
}

// Never the first image silently: several images need a name (archive:NAME or archive:@N), and a
// wrong one lists the choices.
TEST(Image, ArchiveWithSeveralImagesNeedsAChoice) {
  std::string dir = testing::TempDir("two_images");
  std::string path = TwoImageDockerArchive(dir);
  auto none = Image::Open(path, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(none.error().message().find("holds 2 images (@0 alpine:1; @1 debian:1)"), std::string::npos)
      << none.error().message();
  auto by_name = Image::Open(path + ":debian:1", {});
  ASSERT_TRUE(by_name.ok()) << by_name.error().ToString();
  EXPECT_EQ((*by_name)->info().tags, std::vector<std::string>{"debian:1"});
  auto by_full_name = Image::Open("docker-archive:" + path + ":docker.io/library/alpine:1", {});
  ASSERT_TRUE(by_full_name.ok()) << by_full_name.error().ToString();
  EXPECT_EQ((*by_full_name)->info().tags, std::vector<std::string>{"alpine:1"});
  auto by_index = Image::Open(path + ":@1", {});
  ASSERT_TRUE(by_index.ok()) << by_index.error().ToString();
  EXPECT_EQ((*by_index)->info().tags, std::vector<std::string>{"debian:1"});
  for (const char* bad : {":@2", ":ubuntu:1", ":@x"}) {
    auto r = Image::Open(path + bad, {});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("@0 alpine:1; @1 debian:1"), std::string::npos) << r.error().message();
  }
}

TEST(Image, LayoutWithSeveralNamedImagesNeedsAChoice) {
  std::string dir = testing::TempDir("two_named");
  testing::WriteOciLayout(dir, TwoLayers());
  auto index = nlohmann::json::parse(Slurp(dir + "/index.json"));
  nlohmann::json second = index["manifests"][0];
  second["annotations"]["org.opencontainers.image.ref.name"] = "other:2";
  index["manifests"].push_back(second);
  Spit(dir + "/index.json", index.dump());
  auto none = Image::Open(dir, {});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("@0 test:latest; @1 other:2"), std::string::npos) << none.error().message();
  auto chosen = Image::Open("oci:" + dir + ":other:2", {});
  ASSERT_TRUE(chosen.ok()) << chosen.error().ToString();
  EXPECT_EQ((*chosen)->info().tags, std::vector<std::string>{"other:2"});
}

// An explicit --platform must name the image's platform, even for a single-platform image.
TEST(Image, PlatformThatMatchesNothingIsAnError) {
  std::string dir = testing::TempDir("platform_single");
  testing::WriteOciLayout(dir, TwoLayers(), "linux/amd64");
  EXPECT_TRUE(Image::Open(dir, OpenOptions{"linux/amd64"}).ok());
  EXPECT_TRUE(Image::Open(dir, OpenOptions{""}).ok());
  auto arm = Image::Open(dir, OpenOptions{"linux/arm64"});
  ASSERT_FALSE(arm.ok());
  EXPECT_EQ(arm.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(arm.error().message().find("the image is linux/amd64"), std::string::npos) << arm.error().message();
  std::string docker = TwoImageDockerArchive(dir);
  auto d = Image::Open(docker + ":@0", OpenOptions{"linux/s390x"});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("--platform linux/s390x"), std::string::npos) << d.error().message();
}

// oci: names a layout folder: a file gets told what it is instead.
TEST(Image, OciPrefixOnAFileSaysWhatTheFileIs) {
  std::string dir = testing::TempDir("oci_prefix");
  std::string docker = TwoImageDockerArchive(dir);
  auto on_docker = Image::Open("oci:" + docker, {});
  ASSERT_FALSE(on_docker.ok());
  EXPECT_NE(on_docker.error().message().find("is a file: a docker-archive"), std::string::npos)
      << on_docker.error().message();
  Spit(dir + "/notes.txt", "just some text, not an image\n");
  auto on_text = Image::Open("oci:" + dir + "/notes.txt", {});
  ASSERT_FALSE(on_text.ok());
  EXPECT_NE(on_text.error().message().find("not a tar archive"), std::string::npos) << on_text.error().message();
  auto plain_text = Image::Open(dir + "/notes.txt", {});
  ASSERT_FALSE(plain_text.ok());
  EXPECT_NE(plain_text.error().message().find("is not an image archive"), std::string::npos)
      << plain_text.error().message();
}

// Manifests and configs are refused by size before they are parsed.
TEST(Image, OversizedManifestIsRefusedBeforeParsing) {
  std::string dir = testing::TempDir("huge_manifest");
  std::string huge = "[" + std::string(5u << 20, ' ') + "]";
  Spit(dir + "/huge.tar", testing::MakeTar({File("manifest.json", huge)}));
  auto r = Image::Open(dir + "/huge.tar", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  EXPECT_NE(r.error().message().find("manifest.json"), std::string::npos) << r.error().message();
}

// The digest of a layer's stored bytes, as the layer cache keys it.
TEST(Image, StoredDigestHashesTheStoredBytes) {
  std::string dir = testing::TempDir("stored_digest");
  testing::WriteOciLayout(dir, TwoLayers());
  auto img = Image::Open(dir, {});
  ASSERT_TRUE(img.ok());
  for (size_t i = 0; i < 2; ++i) {
    auto d = (*img)->StoredDigest(i);
    ASSERT_TRUE(d.ok()) << d.error().ToString();
    EXPECT_EQ(*d, (*img)->info().layers[i].digest);
  }
  std::string layer_path = dir + "/blobs/sha256/" + (*img)->info().layers[0].digest.substr(7);
  img->reset();
  Spit(layer_path, "other bytes");
  auto reopened = Image::Open(dir, {});
  ASSERT_TRUE(reopened.ok());
  auto changed = (*reopened)->StoredDigest(0);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().code(), ErrorCode::kIntegrity);
}

}  // namespace
}  // namespace vigil::image
