#include "vulndb/fetch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../test_util.h"
#include "common/sha256.h"
#include "test_servers.h"

extern char** environ;

namespace vigil::vulndb {
namespace {

namespace fs = std::filesystem;
using Kind = FetchResult::Kind;

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "'" << (text) << "' lacks '" << (part) << "'"

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The servers are local: an https_proxy in the environment must not capture them.
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    staging_ = dir_.path() / "staging";
    fs::create_directories(staging_);
    options_.ca_file = TestPki().ca.string();
    options_.retry_base_delay_ms = 5;
  }

  std::vector<std::string> StagingFiles() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(staging_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  Result<FetchResult> Fetch(const std::string& url, const FetchState& previous = {}) {
    return FetchConditional(url, previous, staging_.string(), options_);
  }

  TempDir dir_;
  fs::path staging_;
  FetchOptions options_;
};

// ---------------------------------------------------------------------------------------------
// Against nginx over HTTPS.

class NginxFetchTest : public FetchTest {
 protected:
  void SetUp() override {
    FetchTest::SetUp();
    nginx_ = std::make_unique<Nginx>(dir_.path() / "nginx");
    ASSERT_TRUE(nginx_->Start());
    first_ = OsvZip("GO-2024-0001");
    WriteText(nginx_->www() / "first.zip", first_);
  }

  std::unique_ptr<Nginx> nginx_;
  std::string first_;
};

TEST_F(NginxFetchTest, DownloadsThenNotModified) {
  std::string url = nginx_->Url("/first.zip");
  auto r = Fetch(url);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->kind, Kind::kDownloaded);
  EXPECT_EQ(fs::path(r->path).parent_path(), staging_);
  EXPECT_EQ(ReadText(r->path), first_);
  EXPECT_EQ(r->state.sha256, Sha256Digest(first_));
  EXPECT_EQ(r->state.size, first_.size());
  EXPECT_FALSE(r->state.etag.empty());
  EXPECT_EQ(r->state.etag.front(), '"') << r->state.etag;
  EXPECT_HAS(r->state.last_modified, " GMT");
  EXPECT_EQ(StagingFiles(), std::vector<std::string>{fs::path(r->path).filename().string()});
  // The staged name is not taken from the URL's path.
  EXPECT_EQ(r->path.find("first"), std::string::npos) << r->path;

  fs::remove(r->path);  // the caller imported it
  auto again = Fetch(url, r->state);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->kind, Kind::kNotModified);
  EXPECT_EQ(again->path, "");
  EXPECT_EQ(again->state.sha256, r->state.sha256);
  EXPECT_EQ(again->state.size, r->state.size);
  EXPECT_EQ(again->state.etag, r->state.etag);
  EXPECT_TRUE(StagingFiles().empty());

  std::string log = nginx_->AccessLog(2);
  EXPECT_HAS(log, "\"GET /first.zip HTTP/1.1\" 200 ");
  EXPECT_HAS(log, "\"GET /first.zip HTTP/1.1\" 304 ");
  EXPECT_HAS(log, "\"" + DefaultUserAgent() + "\"");
}

TEST_F(NginxFetchTest, ConcurrentFetches) {
  std::string url = nginx_->Url("/first.zip");
  std::vector<Result<FetchResult>> results(4, InternalError("not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    fs::create_directories(staging_ / std::to_string(i));
    threads.emplace_back(
        [&, i] { results[i] = FetchConditional(url, {}, (staging_ / std::to_string(i)).string(), options_); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(ReadText(r->path), first_);
  }
}

TEST_F(NginxFetchTest, OnlyLastModifiedKnownStillConditional) {
  std::string url = nginx_->Url("/first.zip");
  auto r = Fetch(url);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  FetchState prev = r->state;
  prev.etag.clear();
  auto again = Fetch(url, prev);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->kind, Kind::kNotModified);
  EXPECT_EQ(again->state.etag, r->state.etag) << "the 304's ETag is taken";
  EXPECT_HAS(nginx_->AccessLog(2), "\" 304 ");
}

TEST_F(NginxFetchTest, ChangedOnServerDownloadsAgain) {
  std::string url = nginx_->Url("/first.zip");
  auto r = Fetch(url);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  std::string second = OsvZip("GO-2024-0001", "changed upstream");
  WriteText(nginx_->www() / "first.zip", second);
  BumpMtime(nginx_->www() / "first.zip", 10);
  auto again = Fetch(url, r->state);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->kind, Kind::kDownloaded);
  EXPECT_NE(again->state.etag, r->state.etag);
  EXPECT_NE(again->state.last_modified, r->state.last_modified);
  EXPECT_EQ(again->state.sha256, Sha256Digest(second));
  EXPECT_EQ(again->state.size, second.size());
  EXPECT_EQ(ReadText(again->path), second);
  EXPECT_EQ(again->path, r->path) << "one URL, one staged name";
  EXPECT_EQ(StagingFiles().size(), 1u);
}

TEST_F(NginxFetchTest, SameBytesWithNewValidatorsIsNotModified) {
  std::string url = nginx_->Url("/first.zip");
  FetchState prev;
  prev.etag = "\"something-else\"";
  prev.sha256 = Sha256Digest(first_);
  prev.size = first_.size();
  auto r = Fetch(url, prev);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->kind, Kind::kNotModified);
  EXPECT_EQ(r->path, "");
  EXPECT_NE(r->state.etag, prev.etag);
  EXPECT_FALSE(r->state.last_modified.empty());
  EXPECT_EQ(r->state.sha256, prev.sha256);
  EXPECT_TRUE(StagingFiles().empty());
  EXPECT_HAS(nginx_->AccessLog(1), "\" 200 ");
}

TEST_F(NginxFetchTest, UntrustedCertificateIsTlsError) {
  options_.ca_file = TestPki().other_ca.string();
  std::string url = nginx_->Url("/first.zip");
  auto r = Fetch(url);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_HAS(r.error().message(), url);
  EXPECT_HAS(r.error().message(), "certificate");
  EXPECT_HAS(r.error().message(), "curl error 60");
  EXPECT_TRUE(StagingFiles().empty());
  EXPECT_EQ(nginx_->AccessLog(0), "") << "no request was sent";
}

TEST_F(NginxFetchTest, CertificateForAnotherHostIsTlsError) {
  // nginx also listens on 127.0.0.2 (loopback on Linux), which the certificate does not name.
  std::string url = "https://127.0.0.2:" + std::to_string(nginx_->port()) + "/first.zip";
  auto r = Fetch(url);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_HAS(r.error().message(), url);
  EXPECT_HAS(r.error().message(), "does not match the host");
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(NginxFetchTest, NotFoundNamesUrlAndStatusWithoutRetry) {
  std::string url = nginx_->Url("/Go/all.zip");
  auto r = Fetch(url);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound) << r.error().ToString();
  EXPECT_HAS(r.error().message(), url);
  EXPECT_HAS(r.error().message(), "HTTP 404");
  EXPECT_TRUE(StagingFiles().empty());
  std::string log = nginx_->AccessLog(1);
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
}

TEST_F(NginxFetchTest, LargerThanMaxBytesFromContentLength) {
  options_.max_bytes = first_.size() - 1;
  auto r = Fetch(nginx_->Url("/first.zip"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  EXPECT_TRUE(StagingFiles().empty());
  options_.max_bytes = first_.size();
  auto exact = Fetch(nginx_->Url("/first.zip"));
  ASSERT_TRUE(exact.ok()) << exact.error().ToString();
  EXPECT_EQ(exact->state.size, first_.size());
}

TEST_F(NginxFetchTest, FollowsHttpsRedirect) {
  auto r = Fetch(nginx_->Url("/moved"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->kind, Kind::kDownloaded);
  EXPECT_EQ(ReadText(r->path), first_);
}

TEST_F(NginxFetchTest, RedirectToHttpRefusedEvenWhenHttpAllowed) {
  for (bool allow : {false, true}) {
    SCOPED_TRACE(allow ? "allow_http" : "https only");
    options_.allow_http = allow;
    std::string url = nginx_->Url("/to-http");
    auto r = Fetch(url);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
    EXPECT_HAS(r.error().message(), url);
    EXPECT_HAS(r.error().message(), "redirect");
    EXPECT_TRUE(StagingFiles().empty());
  }
  EXPECT_EQ(nginx_->AccessLog(2).find("/first.zip"), std::string::npos) << "the redirect was not followed";
}

TEST_F(NginxFetchTest, RedirectLoopStops) {
  auto r = Fetch(nginx_->Url("/loop"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_HAS(r.error().message(), "more than 5 redirects");
  std::string log = nginx_->AccessLog(6);
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 6) << log;
}

TEST_F(NginxFetchTest, EcosystemsListAndArchiveThroughTheHelpers) {
  fs::create_directories(nginx_->www() / "Rocky Linux");
  WriteText(nginx_->www() / "Rocky Linux" / "all.zip", first_);
  WriteText(nginx_->www() / "ecosystems.txt", "Go\nRocky Linux\n");
  std::string base = nginx_->Url("/");
  auto list = Fetch(OsvEcosystemsUrl(base));
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  auto names = ParseEcosystemsList(ReadText(list->path));
  ASSERT_TRUE(names.ok()) << names.error().ToString();
  ASSERT_EQ(*names, (std::vector<std::string>{"Go", "Rocky Linux"}));
  auto zip = Fetch(OsvArchiveUrl(base, (*names)[1]));
  ASSERT_TRUE(zip.ok()) << zip.error().ToString();
  EXPECT_EQ(ReadText(zip->path), first_);
  EXPECT_HAS(nginx_->AccessLog(2), "GET /Rocky%20Linux/all.zip ");
  EXPECT_EQ(StagingFiles().size(), 2u) << "two URLs, two staged names";
}

// ---------------------------------------------------------------------------------------------
// Against the scripted server (plain http on 127.0.0.1, allowed as a loopback mirror).

class ScriptedFetchTest : public FetchTest {
 protected:
  void SetUp() override {
    FetchTest::SetUp();
    server_ = std::make_unique<ScriptedServer>(dir_.path() / "server");
  }
  std::unique_ptr<ScriptedServer> server_;
};

TEST_F(ScriptedFetchTest, RetriesAfter500) {
  ASSERT_TRUE(server_->Start(R"([{"status": 500, "body": "oops"},
                                 {"status": 200, "body": "payload", "headers": [["ETag", "\"v1\""]]}])"));
  auto r = Fetch(server_->Url("/Go/all.zip"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->kind, Kind::kDownloaded);
  EXPECT_EQ(ReadText(r->path), "payload");
  EXPECT_EQ(r->state.etag, "\"v1\"");
  EXPECT_EQ(r->state.last_modified, "");
  EXPECT_EQ(server_->Requests().size(), 2u);
  EXPECT_EQ(StagingFiles().size(), 1u) << "the 500's body left nothing";
}

TEST_F(ScriptedFetchTest, RetriesAfterBrokenConnectionAndRequestTimeout) {
  ASSERT_TRUE(server_->Start(R"([{"status": 200, "body": "short", "content_length": 100},
                                 {"status": 408},
                                 {"status": 200, "body": "whole"}])"));
  auto r = Fetch(server_->Url("/x"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(ReadText(r->path), "whole");
  EXPECT_EQ(server_->Requests().size(), 3u);
}

TEST_F(ScriptedFetchTest, GivesUpAfterRetries) {
  options_.retries = 2;
  ASSERT_TRUE(server_->Start(R"([{"status": 503}])"));
  std::string url = server_->Url("/Go/all.zip");
  auto r = Fetch(url);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(r.error().message(), url);
  EXPECT_HAS(r.error().message(), "HTTP 503");
  EXPECT_HAS(r.error().message(), "gave up after 3 attempts");
  EXPECT_EQ(server_->Requests().size(), 3u);
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(ScriptedFetchTest, HonoursRetryAfter) {
  options_.retry_base_delay_ms = 1;
  ASSERT_TRUE(server_->Start(R"([{"status": 429, "headers": [["Retry-After", "1"]]},
                                 {"status": 200, "body": "ok"}])"));
  auto start = std::chrono::steady_clock::now();
  auto r = Fetch(server_->Url("/x"));
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_EQ(server_->Requests().size(), 2u);
}

TEST_F(ScriptedFetchTest, RetryAfterBeyondTheBoundFailsAtOnce) {
  ASSERT_TRUE(server_->Start(R"([{"status": 503, "headers": [["Retry-After", "3600"]]}])"));
  auto r = Fetch(server_->Url("/x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(r.error().message(), "retry after 3600 s");
  EXPECT_HAS(r.error().message(), "HTTP 503");
  EXPECT_EQ(server_->Requests().size(), 1u);
}

TEST_F(ScriptedFetchTest, ClientErrorsAreNotRetried) {
  const struct {
    int status;
    ErrorCode code;
  } cases[] = {{403, ErrorCode::kUnavailable}, {400, ErrorCode::kUnavailable}, {410, ErrorCode::kNotFound}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.status);
    ScriptedServer server(dir_.path() / ("server-" + std::to_string(c.status)));
    ASSERT_TRUE(server.Start("[{\"status\": " + std::to_string(c.status) + ", \"body\": \"no\"}, {\"status\": 200}]"));
    auto r = Fetch(server.Url("/x"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), c.code) << r.error().ToString();
    EXPECT_HAS(r.error().message(), "HTTP " + std::to_string(c.status));
    EXPECT_EQ(server.Requests().size(), 1u);
  }
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(ScriptedFetchTest, BodyShorterThanContentLengthLeavesNothing) {
  options_.retries = 0;
  ASSERT_TRUE(server_->Start(R"([{"status": 200, "body": "0123456789", "content_length": 1000}])"));
  std::string url = server_->Url("/Go/all.zip");
  auto r = Fetch(url);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_HAS(r.error().message(), url);
  EXPECT_HAS(r.error().message(), "incomplete");
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(ScriptedFetchTest, ChunkedBodyWithoutItsEndLeavesNothing) {
  options_.retries = 0;
  ASSERT_TRUE(server_->Start(R"([{"status": 200, "body": "0123456789", "chunked": true, "truncate": true}])"));
  auto r = Fetch(server_->Url("/x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(ScriptedFetchTest, BodyEndingOnlyWithTheConnectionIsRefused) {
  ASSERT_TRUE(server_->Start(R"([{"status": 200, "body": "maybe all of it", "content_length": null}])"));
  auto r = Fetch(server_->Url("/x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_HAS(r.error().message(), "cannot be verified");
  EXPECT_EQ(server_->Requests().size(), 1u);
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(ScriptedFetchTest, MaxBytesWhileStreamingWithoutContentLength) {
  options_.max_bytes = 1000;
  ASSERT_TRUE(server_->Start(R"([{"status": 200, "body": "0123456789abcdef", "chunked": true, "repeat": 100}])"));
  auto r = Fetch(server_->Url("/x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  EXPECT_EQ(server_->Requests().size(), 1u) << "a limit is not retried";
  EXPECT_TRUE(StagingFiles().empty());
  options_.max_bytes = 1600;
  auto exact = Fetch(server_->Url("/x"));
  ASSERT_TRUE(exact.ok()) << exact.error().ToString();
  EXPECT_EQ(exact->state.size, 1600u);
}

TEST_F(ScriptedFetchTest, SendsValidatorsAndTakesThoseOfThe304) {
  ASSERT_TRUE(server_->Start(R"([{"status": 304, "headers": [["ETag", "\"v2\""]]}])"));
  FetchState prev{"\"v1\"", "Wed, 21 Oct 2015 07:28:00 GMT", "sha256:" + std::string(64, 'a'), 42};
  auto r = Fetch(server_->Url("/x"), prev);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->kind, Kind::kNotModified);
  EXPECT_EQ(r->state.etag, "\"v2\"");
  EXPECT_EQ(r->state.last_modified, prev.last_modified);
  EXPECT_EQ(r->state.sha256, prev.sha256);
  EXPECT_EQ(r->state.size, 42u);
  auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_HAS(requests[0], R"("if-none-match": "\"v1\"")");
  EXPECT_HAS(requests[0], R"("if-modified-since": "Wed, 21 Oct 2015 07:28:00 GMT")");
  EXPECT_HAS(requests[0], R"("user-agent": "vigil/)");
  EXPECT_EQ(requests[0].find("accept-encoding"), std::string::npos) << requests[0];
}

TEST_F(ScriptedFetchTest, ValidatorsThatCouldSplitTheRequestAreNotSent) {
  ASSERT_TRUE(server_->Start(R"([{"status": 200, "body": "fresh"}])"));
  FetchState prev{"\"v1\"\r\nX-Injected: 1", "", "", 0};
  auto r = Fetch(server_->Url("/x"), prev);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->kind, Kind::kDownloaded);
  auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].find("if-none-match"), std::string::npos) << requests[0];
  EXPECT_EQ(requests[0].find("x-injected"), std::string::npos) << requests[0];
}

TEST_F(ScriptedFetchTest, UnconditionalRequestAnswered304IsAnError) {
  ASSERT_TRUE(server_->Start(R"([{"status": 304}])"));
  auto r = Fetch(server_->Url("/x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(r.error().message(), "not conditional");
}

TEST_F(ScriptedFetchTest, ContentEncodingIsRefused) {
  ASSERT_TRUE(server_->Start(R"([{"status": 200, "body": "xx", "headers": [["Content-Encoding", "gzip"]]}])"));
  auto r = Fetch(server_->Url("/x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported) << r.error().ToString();
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(ScriptedFetchTest, EmptyBodyIsAFile) {
  ASSERT_TRUE(server_->Start(R"([{"status": 200, "body": ""}])"));
  auto r = Fetch(server_->Url("/x"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->kind, Kind::kDownloaded);
  EXPECT_EQ(ReadText(r->path), "");
  EXPECT_EQ(r->state.sha256, Sha256Digest(""));
}

// ---------------------------------------------------------------------------------------------
// Refusals before any network traffic, and connection failures.

TEST_F(FetchTest, RefusedUrls) {
  const struct {
    std::string url;
    ErrorCode code;
    std::string says;
  } cases[] = {
      {"http://example.com/Go/all.zip", ErrorCode::kInvalidArgument, "plain http is refused"},
      {"HTTP://example.com/Go/all.zip", ErrorCode::kInvalidArgument, "plain http is refused"},
      {"ftp://example.com/all.zip", ErrorCode::kInvalidArgument, "unsupported scheme 'ftp'"},
      {"gs://osv-vulnerabilities/all.zip", ErrorCode::kInvalidArgument, "unsupported scheme"},
      {"file://example.com/all.zip", ErrorCode::kInvalidArgument, "local host"},
      {"file:///a%zz", ErrorCode::kInvalidArgument, "%-escape"},
      {"file:///a%00b", ErrorCode::kInvalidArgument, "%00"},
      {"https://", ErrorCode::kInvalidArgument, "not a valid URL"},
      {"", ErrorCode::kInvalidArgument, "empty URL"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto r = Fetch(c.url);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), c.code) << r.error().ToString();
    EXPECT_HAS(r.error().message(), c.says);
    EXPECT_HAS(r.error().message(), c.url);
  }
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(FetchTest, HttpAllowedByOptionReachesTheNetwork) {
  // 0.0.0.0 is not a loopback name, so plain http needs allow_http; Linux connects it to the
  // local host, where nothing listens on a just-freed port: a fast connection error.
  options_.retries = 0;
  std::string url = "http://0.0.0.0:" + std::to_string(FreePort()) + "/all.zip";
  auto refused = Fetch(url);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  options_.allow_http = true;
  auto r = Fetch(url);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_HAS(r.error().message(), "curl error 7");
}

TEST_F(FetchTest, ConnectionRefusedIsRetried) {
  options_.retries = 2;
  std::string url = "https://127.0.0.1:" + std::to_string(FreePort()) + "/all.zip";
  auto r = Fetch(url);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_HAS(r.error().message(), "gave up after 3 attempts");
  EXPECT_HAS(r.error().message(), url);
}

TEST_F(FetchTest, MissingStagingFolderIsIo) {
  fs::path src = dir_.path() / "all.zip";
  WriteText(src, "zip");
  auto r = FetchConditional(src.string(), {}, (dir_.path() / "nope").string(), options_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo) << r.error().ToString();
}

// ---------------------------------------------------------------------------------------------
// Local mirrors: file:// URLs and plain paths.

TEST_F(FetchTest, LocalMirrorLikeAServer) {
  fs::path mirror = dir_.path() / "mirror";
  fs::create_directories(mirror / "Rocky Linux");
  fs::path file = mirror / "Rocky Linux" / "all.zip";
  std::string v1 = OsvZip("RLSA-2024:0001");
  WriteText(file, v1);
  for (const std::string& base : {"file://" + mirror.string(), mirror.string(), "file://localhost" + mirror.string()}) {
    SCOPED_TRACE(base);
    WriteText(file, v1);
    std::string url = OsvArchiveUrl(base, "Rocky Linux");
    auto r = Fetch(url);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->kind, Kind::kDownloaded);
    EXPECT_EQ(ReadText(r->path), v1);
    EXPECT_EQ(r->state.sha256, Sha256Digest(v1));
    EXPECT_EQ(r->state.size, v1.size());
    EXPECT_FALSE(r->state.etag.empty());
    EXPECT_HAS(r->state.last_modified, " GMT");
    fs::remove(r->path);

    auto same = Fetch(url, r->state);
    ASSERT_TRUE(same.ok()) << same.error().ToString();
    EXPECT_EQ(same->kind, Kind::kNotModified);
    EXPECT_EQ(same->state.etag, r->state.etag);
    EXPECT_EQ(same->state.sha256, r->state.sha256);

    BumpMtime(file, 5);  // touched, same bytes
    auto touched = Fetch(url, r->state);
    ASSERT_TRUE(touched.ok()) << touched.error().ToString();
    EXPECT_EQ(touched->kind, Kind::kNotModified);
    EXPECT_NE(touched->state.etag, r->state.etag);
    EXPECT_EQ(touched->state.sha256, r->state.sha256);

    std::string v2 = OsvZip("RLSA-2024:0001", "v2");
    WriteText(file, v2);
    BumpMtime(file, 10);
    auto changed = Fetch(url, touched->state);
    ASSERT_TRUE(changed.ok()) << changed.error().ToString();
    EXPECT_EQ(changed->kind, Kind::kDownloaded);
    EXPECT_EQ(ReadText(changed->path), v2);
    EXPECT_EQ(changed->state.sha256, Sha256Digest(v2));
    fs::remove(changed->path);
    EXPECT_TRUE(StagingFiles().empty());
  }
}

TEST_F(FetchTest, LocalMirrorErrors) {
  fs::path mirror = dir_.path() / "mirror";
  fs::create_directories(mirror / "Go");
  WriteText(mirror / "big.zip", std::string(100, 'x'));
  options_.max_bytes = 99;
  const struct {
    std::string url;
    ErrorCode code;
  } cases[] = {
      {(mirror / "npm" / "all.zip").string(), ErrorCode::kNotFound},
      {"file://" + (mirror / "npm" / "all.zip").string(), ErrorCode::kNotFound},
      {(mirror / "Go").string(), ErrorCode::kUnsupported},
      {(mirror / "big.zip").string(), ErrorCode::kLimitExceeded},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto r = Fetch(c.url);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), c.code) << r.error().ToString();
    EXPECT_HAS(r.error().message(), c.url);
  }
  EXPECT_TRUE(StagingFiles().empty());
}

// ---------------------------------------------------------------------------------------------
// osv.dev layout helpers.

TEST(OsvLayout, ArchiveUrls) {
  const struct {
    std::string_view base, ecosystem, want;
  } cases[] = {
      {kOsvDefaultBase, "Go", "https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip"},
      {kOsvDefaultBase, "Rocky Linux", "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip"},
      {"https://m.example/osv/", "Ubuntu:22.04:LTS", "https://m.example/osv/Ubuntu%3A22.04%3ALTS/all.zip"},
      {"https://m.example", "crates.io", "https://m.example/crates.io/all.zip"},
      {"https://m.example", "GitHub Actions", "https://m.example/GitHub%20Actions/all.zip"},
      {"https://m.example", "Red Hat:enterprise_linux:9::appstream",
       "https://m.example/Red%20Hat%3Aenterprise_linux%3A9%3A%3Aappstream/all.zip"},
      {"https://m.example", "a+b%c?d#e", "https://m.example/a%2Bb%25c%3Fd%23e/all.zip"},
      {"file:///srv/osv", "Rocky Linux", "file:///srv/osv/Rocky%20Linux/all.zip"},
      {"/srv/osv", "Rocky Linux", "/srv/osv/Rocky Linux/all.zip"},
      {"/srv/osv//", "Debian:12", "/srv/osv/Debian:12/all.zip"},
      {"mirror", "npm", "mirror/npm/all.zip"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(OsvArchiveUrl(c.base, c.ecosystem), c.want) << c.base << " + " << c.ecosystem;
  }
  EXPECT_EQ(OsvEcosystemsUrl(kOsvDefaultBase), "https://osv-vulnerabilities.storage.googleapis.com/ecosystems.txt");
  EXPECT_EQ(OsvEcosystemsUrl("/srv/osv/"), "/srv/osv/ecosystems.txt");
}

TEST(OsvLayout, EcosystemsList) {
  auto r = ParseEcosystemsList("AlmaLinux\nAlmaLinux:8\r\n  Rocky Linux \n\nGo\nGo\nUbuntu:Pro:18.04:LTS\ncrates.io");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, (std::vector<std::string>{"AlmaLinux", "AlmaLinux:8", "Rocky Linux", "Go", "Ubuntu:Pro:18.04:LTS",
                                          "crates.io"}));
  auto empty = ParseEcosystemsList("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  const struct {
    std::string text;
    ErrorCode code;
    std::string says;
  } bad[] = {
      {"Go\n../etc\n", ErrorCode::kCorrupt, "line 2: '../etc': a slash"},
      {"Go\n\n..\n", ErrorCode::kCorrupt, "line 3: '..' is not"},
      {".", ErrorCode::kCorrupt, "line 1"},
      {"a\\b", ErrorCode::kCorrupt, "a slash"},
      {"Go\x01", ErrorCode::kCorrupt, "control character"},
      {std::string("Go\0x", 4), ErrorCode::kCorrupt, "control character"},
      {std::string(201, 'a'), ErrorCode::kCorrupt, "longer than 200 bytes"},
  };
  for (const auto& c : bad) {
    SCOPED_TRACE(c.text);
    auto e = ParseEcosystemsList(c.text);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code(), c.code);
    EXPECT_HAS(e.error().message(), c.says);
  }
  std::string many;
  for (int i = 0; i <= 10'000; ++i) many += "e" + std::to_string(i) + "\n";
  auto too_many = ParseEcosystemsList(many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code(), ErrorCode::kLimitExceeded);
}

TEST(OsvLayout, DefaultUserAgentNamesVigil) {
  EXPECT_EQ(DefaultUserAgent().rfind("vigil/", 0), 0u);
  EXPECT_EQ(FetchOptions{}.user_agent, DefaultUserAgent());
}

}  // namespace
}  // namespace vigil::vulndb
