// Tests of fleet/image_export.h: ExportImage against a scripted Docker Engine API on a unix
// socket (net::HttpServer) serving a real docker-archive, and the ways it fails. The server's
// use of it (scan, store, "unscanned" with the reason) is in server_test.cc.
#include "fleet/image_export.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../support/image_builder.h"
#include "../test_util.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace vigil::fleet {
namespace {

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ImageExportTest : public ::testing::Test {
 protected:
  ImageExportTest() : dir_("image-export") {
    std::filesystem::create_directories(out_dir());
    vigil::testing::TestLayer layer;
    layer.entries = {vigil::testing::File("etc/os-release", "ID=test\n")};
    archive_ = vigil::testing::MakeDockerArchive({layer}, "test:1", &image_id_);
  }
  ~ImageExportTest() override {
    if (server_) server_->Stop();
  }

  // Serves GET /v1.41/images/{id}/get with `answer`.
  void Serve(net::Handler answer) {
    server_ = std::make_unique<net::HttpServer>(net::ServerOptions{.listen = "unix:" + socket(), .threads = 2});
    ASSERT_TRUE(server_->Handle("GET", "/v1.41/images/{id}/get", std::move(answer)).ok());
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.error().ToString();
  }

  ExportOptions Options() {
    ExportOptions o;
    o.socket = socket();
    o.dir = out_dir();
    return o;
  }
  std::string socket() const { return dir_.str() + "/api.sock"; }
  std::string out_dir() const { return dir_.str() + "/exports"; }

  // `bytes` as a chunked answer of 1 KiB pieces; cut (no last chunk) at `cut_at`.
  static net::ServerResponse Chunked(std::string bytes, size_t cut_at = std::string::npos) {
    net::ServerResponse resp;
    resp.content_type = "application/x-tar";
    resp.stream = [bytes = std::move(bytes), cut_at](const net::ServerResponse::Writer& write) -> Status {
      size_t end = std::min(bytes.size(), cut_at);
      for (size_t at = 0; at < end; at += 1024) {
        if (!write(std::string_view(bytes).substr(at, std::min<size_t>(1024, end - at)))) return Unavailable("gone");
      }
      return cut_at == std::string::npos ? OkStatus() : Status(Unavailable("cut"));
    };
    return resp;
  }

  vigil::testing::ScopedTempDir dir_;
  std::unique_ptr<net::HttpServer> server_;
  std::string archive_, image_id_;
};

TEST_F(ImageExportTest, StreamsTheArchiveIntoAPrivateFile) {
  std::string asked;
  Serve([&](const net::ServerRequest& r) -> Result<net::ServerResponse> {
    asked = r.Param("id");
    return Chunked(archive_);
  });
  auto path = ExportImage(Options(), image_id_);
  ASSERT_TRUE(path.ok()) << path.error().ToString();
  EXPECT_EQ(asked, image_id_.substr(7)) << "asked for by its bare hex id";
  EXPECT_EQ(*path, out_dir() + "/" + image_id_.substr(7) + ".tar.partial");
  EXPECT_EQ(Slurp(*path), archive_);
  struct stat st {};
  ASSERT_EQ(::stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The caller owns the file: a second export of the same image while it is there is refused,
  // and the file that was there is not removed.
  auto again = ExportImage(Options(), image_id_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kIo) << again.error().ToString();
  EXPECT_EQ(Slurp(*path), archive_);
}

TEST_F(ImageExportTest, FailuresLeaveNothingBehind) {
  struct Case {
    std::string name;
    net::Handler answer;
    uint64_t cap;
    ErrorCode code;
    std::string says;
  };
  const std::string a = archive_;
  const std::vector<Case> cases = {
      {"404",
       [](const net::ServerRequest&) -> Result<net::ServerResponse> {
         return net::ServerResponse::Json(R"({"message":"no such image"})", 404);
       },
       1 << 20, ErrorCode::kNotFound,
       "GET /v1.41/images/" + image_id_.substr(7) + "/get: HTTP 404: {\"message\":\"no such image\"}"},
      {"500", [](const net::ServerRequest&) -> Result<net::ServerResponse> { return InternalError("boom"); }, 1 << 20,
       ErrorCode::kUnavailable, "HTTP 500"},
      {"over the cap, chunked", [a](const net::ServerRequest&) -> Result<net::ServerResponse> { return Chunked(a); },
       a.size() - 1, ErrorCode::kLimitExceeded, "larger than the export cap of " + std::to_string(a.size() - 1)},
      {"over the cap, with its length",
       [a](const net::ServerRequest&) -> Result<net::ServerResponse> {
         net::ServerResponse r;
         r.content_type = "application/x-tar";
         r.body = a;
         return r;
       },
       100, ErrorCode::kLimitExceeded, "larger than the export cap of 100"},
      {"cut mid-stream",
       [a](const net::ServerRequest&) -> Result<net::ServerResponse> { return Chunked(a, a.size() / 2); }, 1 << 20,
       ErrorCode::kUnavailable, "api.sock: GET /v1.41/images/"},
  };
  for (const Case& c : cases) {
    if (server_) server_->Stop();
    Serve(c.answer);
    ExportOptions o = Options();
    o.max_bytes = c.cap;
    auto path = ExportImage(o, image_id_);
    ASSERT_FALSE(path.ok()) << c.name;
    EXPECT_EQ(path.error().code(), c.code) << c.name << ": " << path.error().ToString();
    EXPECT_NE(path.error().message().find(c.says), std::string::npos) << c.name << ": " << path.error().message();
    EXPECT_TRUE(FilesIn(out_dir()).empty()) << c.name;
  }
}

TEST_F(ImageExportTest, RefusalsBeforeAnyTraffic) {
  auto bad_id = ExportImage(Options(), "sha256:../../etc");
  ASSERT_FALSE(bad_id.ok());
  EXPECT_EQ(bad_id.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ExportImage(Options(), "sha256:" + std::string(64, 'A')).error().code(), ErrorCode::kInvalidArgument);
  // No socket: unavailable, naming it.
  auto no_socket = ExportImage(Options(), image_id_);
  ASSERT_FALSE(no_socket.ok());
  EXPECT_EQ(no_socket.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(no_socket.error().message().find("api.sock: no such socket"), std::string::npos)
      << no_socket.error().message();
  // The folder is never reached through a link.
  Serve([&](const net::ServerRequest&) -> Result<net::ServerResponse> { return Chunked(archive_); });
  std::filesystem::create_directories(dir_.str() + "/elsewhere");
  std::filesystem::create_symlink(dir_.str() + "/elsewhere", dir_.str() + "/link");
  ExportOptions o = Options();
  o.dir = dir_.str() + "/link";
  auto linked = ExportImage(o, image_id_);
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().code(), ErrorCode::kIo);
  EXPECT_TRUE(FilesIn(dir_.str() + "/elsewhere").empty());
  EXPECT_TRUE(FilesIn(out_dir()).empty());
}

}  // namespace
}  // namespace vigil::fleet
