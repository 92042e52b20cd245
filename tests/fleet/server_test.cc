// Tests for fleet/server.h: the API over loopback with real tokens, SBOM ingestion against a real
// advisory database, updates evaluated as deltas, and the outbox delivered to a webhook receiver
// (a net::HttpServer of the test) that fails, throttles and then accepts: every alert arrives,
// in order, signed, once per idempotency key, across a restart.
#include "fleet/server.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../support/image_builder.h"
#include "../support/scripted_stream.h"
#include "../support/test_certs.h"
#include "../test_util.h"
#include "common/file.h"
#include "fleet/sensor_link.h"
#include "match/scan_image.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "vulndb/importer.h"
#include "vulndb/sqlite_store.h"

namespace vigil::fleet {
namespace {

using nlohmann::json;
using TempDir = vigil::testing::ScopedTempDir;

std::string Osv(const std::string& id, const std::string& modified, const std::string& name, const std::string& fixed) {
  return R"({"id":")" + id + R"(","modified":")" + modified +
         R"(","affected":[{"package":{"ecosystem":"npm","name":")" + name +
         R"("},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":")" + fixed + R"("}]}]}]})";
}

const char* kSbom = R"({"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[
  {"type":"library","name":"minimist","version":"1.2.5","purl":"pkg:npm/minimist@1.2.5"},
  {"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"}]})";

std::string Hmac(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), mac, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

// A webhook receiver: answers the scripted statuses first, then 200; keeps every request.
class Receiver {
 public:
  explicit Receiver(std::vector<int> script) : script_(std::move(script)), server_({}) {
    Status st = server_.Handle("POST", "/hook", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
      std::lock_guard lock(mu_);
      requests_.push_back({r.Header("idempotency-key"), r.Header("x-vigil-signature"), r.body});
      if (calls_ < script_.size()) {
        int status = script_[calls_++];
        net::ServerResponse resp = net::ServerResponse::Json(R"({"error":"scripted"})", status);
        if (status == 429) resp.headers.emplace_back("Retry-After", "1");
        return resp;
      }
      ++calls_;
      accepted_.push_back(r.Header("idempotency-key"));
      return net::ServerResponse::Json("{}");
    });
    EXPECT_TRUE(st.ok());
    EXPECT_TRUE(server_.Start().ok());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/hook"; }
  struct Request {
    std::string key, signature, body;
  };
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<std::string> accepted() {
    std::lock_guard lock(mu_);
    return accepted_;
  }

 private:
  std::vector<int> script_;
  size_t calls_ = 0;
  std::mutex mu_;
  std::vector<Request> requests_;
  std::vector<std::string> accepted_;
  net::HttpServer server_;
};

class ServerTest : public ::testing::Test {
 protected:
  void Import(const std::vector<std::string>& lines) {
    auto db = vulndb::SqliteStore::Open(dir_.str() + "/data/db", vulndb::Store::Mode::kReadWrite);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    std::string path = dir_.str() + "/batch" + std::to_string(++batch_) + ".jsonl";
    std::ofstream out(path);
    for (const auto& l : lines) out << l << "\n";
    out.close();
    vulndb::ImportReport report;
    ASSERT_TRUE(vulndb::Import(**db, {{path, "test", {}}}, vulndb::ImportOptions{}, &report).ok());
  }

  std::string WriteSource(const std::vector<std::string>& lines) {
    std::string path = dir_.str() + "/sources/source" + std::to_string(++batch_) + ".jsonl";
    std::ofstream out(path);
    for (const auto& l : lines) out << l << "\n";
    return path;
  }

  void StartServer(const std::vector<std::string>& webhooks = {},
                   const std::function<void(ServerOptions&)>& tweak = nullptr) {
    ServerOptions o;
    o.data_dir = dir_.str() + "/data";
    o.listen = "127.0.0.1:0";
    o.webhooks = webhooks;
    o.alerts_file = dir_.str() + "/alerts.jsonl";
    o.max_body_bytes = 256 * 1024;
    o.image_roots = {dir_.str() + "/images"};
    o.source_roots = {dir_.str() + "/sources"};
    std::filesystem::create_directories(dir_.str() + "/sources");
    std::filesystem::create_directories(dir_.str() + "/images");
    o.log = [this](std::string_view line) {
      std::lock_guard lock(log_mu_);
      log_ += std::string(line) + "\n";
    };
    if (tweak) tweak(o);
    auto s = Server::Open(o);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    server_ = std::move(*s);
    ASSERT_TRUE(server_->Start().ok());
    auto token = ReadFile(server_->admin_token_path());
    ASSERT_TRUE(token.ok());
    admin_ = *token;
    while (!admin_.empty() && admin_.back() == '\n') admin_.pop_back();
  }

  net::HttpResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                         const std::string& token = "<admin>") {
    net::HttpRequest r;
    r.method = method;
    r.url = "http://127.0.0.1:" + std::to_string(server_->port()) + path;
    r.body = body;
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + (token == "<admin>" ? admin_ : token));
    if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    auto resp = client_.Send(r);
    EXPECT_TRUE(resp.ok()) << resp.error().ToString();
    return resp.ok() ? *resp : net::HttpResponse{};
  }

  static json Body(const net::HttpResponse& r) { return json::parse(r.body, nullptr, false); }

  // The server stops before the members its log callback writes to go (also when a test ends
  // early on a failed assertion while the server's watchers still log).
  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
  }

  TempDir dir_{"fleet-server"};
  std::unique_ptr<Server> server_;
  std::string admin_;
  std::mutex log_mu_;
  std::string log_;
  int batch_ = 0;
  net::HttpClient client_{net::HttpClientOptions{.retry = {.retries = 0}}};
};

TEST_F(ServerTest, TokensScopesAndUnauthenticatedAnswers) {
  StartServer();
  struct stat st {};
  ASSERT_EQ(stat(server_->admin_token_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(admin_.rfind("vgl_", 0), 0u);
  {
    std::lock_guard lock(log_mu_);
    EXPECT_NE(log_.find("admin.token"), std::string::npos) << log_;
    EXPECT_EQ(log_.find(admin_), std::string::npos) << "the token itself is never logged";
  }
  EXPECT_EQ(Call("GET", "/healthz", "", "").status, 200);
  // No DB yet: not ready, and it says why.
  auto ready = Call("GET", "/readyz", "", "");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("not ready"), std::string::npos) << ready.body;
  for (const std::string& token : {std::string(), std::string("vgl_nope"), admin_ + "x"}) {
    auto r = Call("GET", "/v1/images", "", token);
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_EQ(Body(r)["error"]["code"], "unauthenticated") << r.body;
    EXPECT_NE(r.Header("www-authenticate").find("Bearer"), std::string::npos);
  }
  // Unknown routes look the same as known ones without a token.
  EXPECT_EQ(Call("GET", "/v1/nothing-here", "", "").status, 401);
  auto created = Call("POST", "/v1/tokens", R"({"name":"dash","scopes":["read"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string read_token = Body(created)["token"];
  EXPECT_EQ(Call("GET", "/v1/images", "", read_token).status, 200);
  EXPECT_EQ(Call("GET", "/metrics", "", read_token).status, 200);
  auto forbidden = Call("POST", "/v1/images", R"({"sbom":{}})", read_token);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_NE(forbidden.body.find("'write' scope"), std::string::npos) << forbidden.body;
  EXPECT_EQ(Call("GET", "/v1/tokens", "", read_token).status, 403);
  EXPECT_EQ(Call("POST", "/v1/db/update", "{}", read_token).status, 403);
  EXPECT_EQ(Call("POST", "/v1/tokens", R"({"name":"x","scopes":["root"]})").status, 400);
  EXPECT_EQ(Call("POST", "/v1/tokens", R"({"scopes":["read"]})").status, 400);
  auto list = Body(Call("GET", "/v1/tokens"));
  ASSERT_EQ(list["tokens"].size(), 2u);
  EXPECT_EQ(list.dump().find(read_token), std::string::npos) << "secrets are never listed";
  int64_t id = Body(created)["id"];
  EXPECT_EQ(Call("DELETE", "/v1/tokens/" + std::to_string(id)).status, 200);
  EXPECT_EQ(Call("GET", "/v1/images", "", read_token).status, 401);
  EXPECT_EQ(Call("DELETE", "/v1/tokens/abc").status, 400);
  EXPECT_EQ(Call("DELETE", "/v1/tokens/999").status, 404);
  // A restart keeps the admin token and writes no new one.
  std::string before = admin_;
  server_->Stop();
  server_.reset();
  StartServer();
  EXPECT_EQ(admin_, before);
  EXPECT_EQ(Call("GET", "/v1/images").status, 200);
}

TEST_F(ServerTest, RateLimitsPerTokenAndOnFailedAuthentication) {
  StartServer({}, [](ServerOptions& o) {
    o.rate_limit = 2;  // bursts of 4
    o.failed_auth_per_minute = 5;
  });
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = Call("GET", "/v1/images");
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(Body(r)["error"]["code"], "too_many_requests") << r.body;
      EXPECT_FALSE(r.Header("retry-after").empty());
    } else {
      EXPECT_EQ(r.status, 200);
    }
  }
  EXPECT_GE(limited, 4);
  // Guessing tokens: five failures, then every request from the address is refused, a good
  // token included.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call("GET", "/v1/images", "", "vgl_guess" + std::to_string(i)).status, 401);
  auto r = Call("GET", "/v1/images", "", "vgl_guess");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.Header("retry-after"), "60");
  EXPECT_EQ(Call("GET", "/v1/images").status, 429);
  EXPECT_EQ(Call("GET", "/healthz", "", "").status, 200);  // health is never limited
}

TEST_F(ServerTest, BadRequestsGetJsonErrors) {
  Import({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21")});
  StartServer();
  struct Case {
    std::string body;
    int status;
    std::string says;
  } cases[] = {
      {"not json", 400, "not JSON"},
      {"[1,2]", 400, "JSON object"},
      {"{}", 400, "names no image"},
      {R"({"path": 5})", 400, "must be a string"},
      {R"({"path": "/etc/passwd"})", 400, "not an existing path under an --image-root"},
      {R"({"path": ")" + dir_.str() + R"(/images/../data/fleet.db"})", 400, "not an existing path"},
      {R"({"sbom": "{\"bomFormat\": 1}"})", 400, "SBOM"},
      {R"({"sbom": "garbage"})", 400, "SBOM"},
      {std::string(300 * 1024, ' '), 413, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 80));
    auto r = Call("POST", "/v1/images", c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    json j = Body(r);
    ASSERT_TRUE(j.is_object()) << r.body;
    ASSERT_TRUE(j.contains("error")) << r.body;
    EXPECT_NE(j["error"]["message"].get<std::string>().find(c.says), std::string::npos) << r.body;
  }
  // A symlink inside the root that leads out of it is refused too.
  std::filesystem::create_symlink("/etc", dir_.str() + "/images/out");
  auto r = Call("POST", "/v1/images", R"({"path": ")" + dir_.str() + R"(/images/out/passwd"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Call("GET", "/v1/images/nope").status, 404);
  EXPECT_EQ(Call("GET", "/v1/alerts?since=-1").status, 400);
  EXPECT_EQ(Call("GET", "/v1/alerts?limit=x").status, 400);
  // Update sources: never a local file outside a --source-root, never another scheme.
  for (const std::string& src : {std::string("/etc/passwd"), dir_.str() + "/sources/../data/fleet.db",
                                 std::string("ftp://x/y"), std::string("file:///etc/shadow")}) {
    auto u = Call("POST", "/v1/db/update", json{{"source", src}}.dump());
    EXPECT_EQ(u.status, 400) << src << ": " << u.body;
  }
  EXPECT_EQ(Body(Call("GET", "/v1/images"))["images"].size(), 0u);  // nothing stored by a refused request
}

TEST_F(ServerTest, IngestedFindingsEqualAScanAndUpdatesAlertEveryChannelOnceInOrder) {
  Import({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21")});
  Receiver receiver({500, 429});
  StartServer({receiver.url()});
  EXPECT_EQ(Call("GET", "/readyz", "", "").status, 200);
  auto added = Call("POST", "/v1/images", json{{"sbom", kSbom}, {"name", "shop:1"}}.dump());
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(Body(added)["findings"], 1);
  EXPECT_EQ(Body(added)["complete"], true);
  EXPECT_EQ(Body(added)["unchecked"], 0);
  // A package no advisory source covers is counted, never reported as clean.
  auto gem = Call("POST", "/v1/images",
                  json{{"sbom", R"({"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[
                         {"type":"library","name":"rails","version":"5.0.0","purl":"pkg:gem/rails@5.0.0"}]})"},
                       {"name", "gems:1"}}
                      .dump());
  ASSERT_EQ(gem.status, 201) << gem.body;
  EXPECT_EQ(Body(gem)["unchecked"], 1) << gem.body;
  EXPECT_EQ(Body(gem)["findings"], 0);
  json listed = Body(Call("GET", "/v1/images"));
  ASSERT_EQ(listed["images"].size(), 2u);
  EXPECT_EQ(listed["images"][1]["unchecked"], 1);
  EXPECT_EQ(Call("DELETE", "/v1/images/gems:1").status, 200);
  // The report is `vigil scan`'s for the same SBOM and database.
  auto shown = Call("GET", "/v1/images/shop:1");
  ASSERT_EQ(shown.status, 200) << shown.body;
  {
    std::string sbom_path = dir_.str() + "/shop.cdx.json";
    ASSERT_TRUE(WriteFileAtomic(sbom_path, kSbom).ok());
    auto db = match::OpenDatabase(dir_.str() + "/data/db");
    ASSERT_TRUE(db.ok());
    match::ScanRequest req;
    req.sbom_path = sbom_path;
    req.store = db->store.get();
    auto scan = match::ScanImage(req);
    ASSERT_TRUE(scan.ok());
    std::set<std::string> expected, got;
    for (const auto& f : scan->report.findings) expected.insert(f.finding.id + " " + f.finding.installed_version);
    json report = Body(shown);
    for (const auto& f : report["findings"])
      got.insert(f["id"].get<std::string>() + " " + f["package"]["version"].get<std::string>());
    EXPECT_EQ(got, expected) << shown.body.substr(0, 3000);
    EXPECT_EQ(report["image"]["source"], "shop:1");
    EXPECT_EQ(got.size(), 1u);
  }

  // An update from a local source: a new advisory for minimist, and lodash's fixed (resolved).
  std::string source = WriteSource({Osv("GHSA-bbbb-bbbb-bbbb", "2024-02-01T00:00:00Z", "minimist", "1.2.6"),
                                    Osv("GHSA-aaaa-aaaa-aaaa", "2024-02-01T00:00:00Z", "lodash", "4.17.20")});
  auto upd = Call("POST", "/v1/db/update", json{{"source", source}}.dump());
  ASSERT_EQ(upd.status, 200) << upd.body;
  json d = Body(upd)["delta"];
  EXPECT_EQ(d["added"], 1);
  EXPECT_EQ(d["resolved"], 1);
  EXPECT_EQ(d["images_evaluated"], 1);
  EXPECT_EQ(d["alerts"], 2);
  json affected = Body(Call("GET", "/v1/affected/GHSA-bbbb-bbbb-bbbb"));
  ASSERT_EQ(affected["images"].size(), 1u);
  EXPECT_EQ(affected["images"][0]["name"], "shop:1");
  EXPECT_TRUE(Body(Call("GET", "/v1/affected/GHSA-aaaa-aaaa-aaaa"))["images"].empty());

  // The webhook answers 500, then 429 (Retry-After: 1), then accepts: both alerts arrive, in order.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (receiver.accepted().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  json alerts = Body(Call("GET", "/v1/alerts"))["alerts"];
  ASSERT_EQ(alerts.size(), 2u);
  std::vector<std::string> keys;
  for (const auto& a : alerts) keys.push_back(a["alert"]["idempotency_key"]);
  EXPECT_EQ(receiver.accepted(), keys);
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 4u);  // two refused attempts at the first alert, then both
  auto secret = ReadFile(dir_.str() + "/data/webhook.secret");
  ASSERT_TRUE(secret.ok());
  std::string key = *secret;
  while (!key.empty() && key.back() == '\n') key.pop_back();
  for (const auto& r : requests) {
    EXPECT_EQ(r.signature, Hmac(key, r.body));
    EXPECT_EQ(json::parse(r.body)["idempotency_key"], r.key);
  }
  EXPECT_EQ(requests[0].key, keys[0]);
  EXPECT_EQ(requests[1].key, keys[0]);
  EXPECT_EQ(requests[2].key, keys[0]);
  // The alerts file has them too, once each.
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::vector<std::string> lines;
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = ReadFile(dir_.str() + "/alerts.jsonl");
    lines.clear();
    if (text.ok()) {
      std::istringstream in(*text);
      for (std::string l; std::getline(in, l);) lines.push_back(json::parse(l)["idempotency_key"]);
    }
    if (lines.size() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(lines, keys);

  // A restart sends nothing again.
  server_->Stop();
  server_.reset();
  StartServer({receiver.url()});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(receiver.requests().size(), 4u);
  auto text = ReadFile(dir_.str() + "/alerts.jsonl");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(std::count(text->begin(), text->end(), '\n'), 2);
  // And the same update again changes nothing.
  upd = Call("POST", "/v1/db/update", json{{"source", source}}.dump());
  ASSERT_EQ(upd.status, 200) << upd.body;
  EXPECT_EQ(Body(upd)["delta"]["alerts"], 0);
  auto metrics = Call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("vigil_fleet_images 1"), std::string::npos) << metrics.body;
}

}  // namespace
}  // namespace vigil::fleet

namespace vigil::fleet {
namespace {

std::string ReadTestData(const std::string& name) {
  auto text = ReadFile(vigil::testing::TestData("fleet", name));
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? *text : "";
}

// The server follows a cluster's pods through the Kubernetes API (a recorded pod list served over
// HTTPS by the test, with a bearer token and a private CA), maps a pod's image digest to a stored
// image by its manifest digest, and marks the cluster stale when its API goes away.
// The server keeps the image summaries between requests (GET /v1/images, /v1/affected): what it
// answers must still follow every change — images added and removed, findings changed by an update.
TEST_F(ServerTest, ImageSummariesKeptBetweenRequestsFollowEveryChange) {
  Import({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21")});
  StartServer();
  ASSERT_TRUE(Body(Call("GET", "/v1/images"))["images"].empty());  // read and kept while empty
  const size_t kImages = 40;
  for (size_t i = 0; i < kImages; ++i) {
    auto added = Call("POST", "/v1/images", json{{"sbom", kSbom}, {"name", "svc-" + std::to_string(i) + ":1"}}.dump());
    ASSERT_EQ(added.status, 201) << "image " << i << ": " << added.body;
  }
  json images = Body(Call("GET", "/v1/images"))["images"];
  ASSERT_EQ(images.size(), kImages) << "the list kept before the images were added was not dropped";
  EXPECT_EQ(images[0]["findings"], 1);
  json affected = Body(Call("GET", "/v1/affected/GHSA-aaaa-aaaa-aaaa"));
  ASSERT_EQ(affected["images"].size(), kImages) << affected.dump().substr(0, 2000);
  EXPECT_EQ(affected["running_containers"], 0);
  for (const auto& i : affected["images"]) {
    EXPECT_TRUE(i["containers"].is_array()) << i.dump();
    EXPECT_EQ(i["packages_affected"].size(), 1u) << i.dump();
  }

  // An update adds a finding to every image: the counts the list gives follow.
  std::string source = WriteSource({Osv("GHSA-bbbb-bbbb-bbbb", "2024-02-01T00:00:00Z", "minimist", "1.2.6")});
  auto upd = Call("POST", "/v1/db/update", json{{"source", source}}.dump());
  ASSERT_EQ(upd.status, 200) << upd.body;
  images = Body(Call("GET", "/v1/images"))["images"];
  ASSERT_EQ(images.size(), kImages);
  for (const auto& i : images) EXPECT_EQ(i["findings"], 2) << "after the update: " << i.dump();

  // A removed image leaves both answers.
  auto removed = Call("DELETE", "/v1/images/" + images[0]["id"].dump());
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(Body(Call("GET", "/v1/images"))["images"].size(), kImages - 1);
  EXPECT_EQ(Body(Call("GET", "/v1/affected/GHSA-bbbb-bbbb-bbbb"))["images"].size(), kImages - 1);
}

TEST_F(ServerTest, KubernetesPodsAreFollowedAndMappedToImagesByManifestDigest) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad_tokens{0};
  net::ServerOptions fo;
  fo.listen = "127.0.0.1:0";
  fo.tls_cert_file = vigil::testing::TestCerts().server_cert;
  fo.tls_key_file = vigil::testing::TestCerts().server_key;
  auto api = std::make_unique<net::HttpServer>(fo);
  std::string page1 = ReadTestData("kube/podlist-page1.json"), page2 = ReadTestData("kube/podlist-page2.json");
  ASSERT_TRUE(api->Handle("GET", "/api/v1/pods",
                          [&](const net::ServerRequest& r) -> Result<net::ServerResponse> {
                            if (r.Header("authorization") != "Bearer kube-t0ken") ++bad_tokens;
                            if (r.Query("watch") == "1" || r.Query("watch") == "true") {
                              net::ServerResponse w;
                              w.stream = [&](const net::ServerResponse::Writer&) -> Status {
                                for (int i = 0; i < 20 && !stop; ++i)
                                  std::this_thread::sleep_for(std::chrono::milliseconds(50));
                                return OkStatus();
                              };
                              return w;
                            }
                            return net::ServerResponse::Json(r.Query("continue").empty() ? page1 : page2);
                          })
                  .ok());
  ASSERT_TRUE(api->Start().ok());
  std::string kubeconfig = dir_.str() + "/kubeconfig";
  ASSERT_TRUE(WriteFileAtomic(kubeconfig,
                              "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
                              "    server: https://127.0.0.1:" +
                                  std::to_string(api->port()) +
                                  "\n    certificate-authority: " + vigil::testing::TestCerts().ca_file +
                                  "\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
                                  "current-context: x\nusers:\n- name: u\n  user:\n    token: kube-t0ken\n")
                  .ok());
  Import({Osv("GHSA-aaaa-aaaa-aaaa", "2024-01-01T00:00:00Z", "lodash", "4.17.21")});
  StartServer({}, [&](ServerOptions& o) { o.kubeconfig = kubeconfig; });
  // The image the nginx pod runs, known by its manifest digest.
  const std::string digest = "sha256:5be1ecc7935f1dd85635d4feedaf660594030253cc97c9e9ca3819ffeac36b65";
  std::string sbom = R"({"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"metadata":{"component":)"
                     R"({"type":"container","name":"nginx","version":"1","properties":[{"name":)"
                     R"("vigil:image:manifest-digest","value":")" +
                     digest +
                     R"("}]}},"components":[{"type":"library","name":"lodash","version":"4.17.20",)"
                     R"("purl":"pkg:npm/lodash@4.17.20"}]})";
  auto added = Call("POST", "/v1/images", json{{"sbom", sbom}, {"name", "nginx:1"}}.dump());
  ASSERT_EQ(added.status, 201) << added.body;
  ASSERT_EQ(Body(added)["manifest_digest"], digest);
  json containers;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    containers = Body(Call("GET", "/v1/containers"));
    if (containers["containers"].size() >= 6) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The running containers of both pages (an ephemeral debugger container among them).
  ASSERT_EQ(containers["containers"].size(), 6u) << containers.dump();
  EXPECT_EQ(bad_tokens.load(), 0);
  json nginx;
  for (const auto& c : containers["containers"]) {
    if (c["pod"] == "nginx-deployment-6dfd8b84dc-6dkjc") nginx = c;
  }
  ASSERT_TRUE(nginx.is_object()) << containers.dump();
  EXPECT_EQ(nginx["namespace"], "default");
  EXPECT_EQ(nginx["node"], "minikube");
  EXPECT_EQ(nginx["image"], Body(added)["id"]);
  EXPECT_EQ(containers["runtimes"][0]["state"], "ok");
  json affected = Body(Call("GET", "/v1/affected/GHSA-aaaa-aaaa-aaaa"));
  ASSERT_EQ(affected["images"].size(), 1u);
  EXPECT_EQ(affected["running_containers"], 1);
  // The API goes away: the cluster is stale, its pods kept.
  stop = true;
  api->Stop();
  api.reset();
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    containers = Body(Call("GET", "/v1/containers"));
    if (containers["runtimes"][0]["state"] == "stale") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(containers["runtimes"][0]["state"], "stale") << containers.dump();
  EXPECT_EQ(containers["containers"].size(), 6u);
}

// A sensor's link: alerts spooled while the server is down arrive once it is up, each stored once
// although a batch is sent again after a restart of the sensor; its containers replace its node's;
// a full spool drops and counts, and the count reaches the server; bad requests get 400s.
TEST_F(ServerTest, SensorAlertsGoThroughTheSpoolAndArriveOnceAcrossRestarts) {
  StartServer();
  auto created = Call("POST", "/v1/tokens", R"({"name":"node-1","scopes":["sensor"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string sensor_token = Body(created)["token"];
  // A sensor token reaches the sensor routes only.
  EXPECT_EQ(Call("GET", "/v1/images", "", sensor_token).status, 403);
  EXPECT_EQ(Call("PUT", "/v1/sensor/containers", R"({"node":"n1","containers":[]})", admin_).status, 200);
  std::string url = "http://127.0.0.1:" + std::to_string(server_->port());
  int port = server_->port();
  server_->Stop();  // the server is down while the sensor raises alerts

  SensorLinkOptions o;
  o.server = url;
  o.token = sensor_token;
  o.node = "node-1";
  o.spool_dir = dir_.str() + "/spool";
  o.retry_min = std::chrono::milliseconds(20);
  o.retry_max = std::chrono::milliseconds(100);
  o.batch = 3;
  o.follow_runtimes = false;  // the test reports containers itself (SetContainers)
  {
    auto link = SensorLink::Open(o);
    ASSERT_TRUE(link.ok()) << link.error().ToString();
    ASSERT_TRUE((*link)->Start().ok());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(
          (*link)
              ->Enqueue("container_exec", "c" + std::to_string(i), R"({"evt":"exec","n":)" + std::to_string(i) + "}")
              .ok());
    }
    EXPECT_EQ((*link)->Enqueue("x", "", "not json").error().code(), ErrorCode::kInvalidArgument);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto st = (*link)->stats();
    EXPECT_EQ(st.pending, 5u);
    EXPECT_EQ(st.sent, 0u);
    EXPECT_FALSE(st.connected);
    (*link)->Stop();  // the sensor stops too: its alerts wait on disk
  }
  // A crash left half a line at the end of the spool: cut off when read back.
  {
    std::ofstream torn(o.spool_dir + "/alerts.jsonl", std::ios::app);
    torn << R"({"seq":99,"kind":"half)";
  }
  // The server comes back on the same port with the same store; the sensor too.
  StartServer({}, [port](ServerOptions& so) { so.listen = "127.0.0.1:" + std::to_string(port); });
  auto link = SensorLink::Open(o);
  ASSERT_TRUE(link.ok()) << link.error().ToString();
  EXPECT_EQ((*link)->stats().pending, 5u);
  (*link)->SetContainers({{"c0", "web", "shop/web:1", "sha256:" + std::string(64, 'a'), "", "", ""}});
  ASSERT_TRUE((*link)->Start().ok());
  json alerts;
  for (int i = 0; i < 200; ++i) {
    alerts = Body(Call("GET", "/v1/runtime-alerts"));
    if (alerts["alerts"].size() >= 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(alerts["alerts"].size(), 5u) << alerts.dump();
  for (int i = 0; i < 5; ++i) {
    const json& a = alerts["alerts"][i];
    EXPECT_EQ(a["node"], "node-1");
    EXPECT_EQ(a["seq"], i + 1);
    EXPECT_EQ(a["kind"], "container_exec");
    EXPECT_EQ(a["container"], "c" + std::to_string(i));
    EXPECT_EQ(a["event"]["n"], i);
  }
  // The node's containers.
  json containers;
  for (int i = 0; i < 200; ++i) {
    containers = Body(Call("GET", "/v1/containers"));
    if (containers["containers"].size() >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(containers["containers"].size(), 1u) << containers.dump();
  EXPECT_EQ(containers["containers"][0]["runtime"], "sensor:node-1");
  EXPECT_EQ(containers["containers"][0]["node"], "node-1");
  for (int i = 0; i < 100 && (*link)->stats().pending > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ((*link)->stats().pending, 0u);
  EXPECT_EQ((*link)->stats().sent, 5u);
  (*link)->Stop();
  link->reset();
  // Sent again (an acknowledgement lost): stored once.
  std::string again =
      R"({"node":"node-1","alerts":[{"seq":1,"kind":"container_exec","container":"c0","event":{"n":0}}]})";
  auto resent = Call("POST", "/v1/sensor/alerts", again, sensor_token);
  ASSERT_EQ(resent.status, 200) << resent.body;
  EXPECT_EQ(Body(resent)["stored"], 0);
  EXPECT_EQ(Body(resent)["duplicates"], 1);
  // A full spool drops, counts, and tells the server.
  SensorLinkOptions small = o;
  small.spool_dir = dir_.str() + "/spool-small";
  small.max_spool_bytes = 200;
  auto tiny = SensorLink::Open(small);
  ASSERT_TRUE(tiny.ok());
  EXPECT_TRUE((*tiny)->Enqueue("host_call", "c1", R"({"n":1})").ok());
  EXPECT_EQ(
      (*tiny)->Enqueue("host_call", "c1", std::string(R"({"pad":")") + std::string(300, 'x') + "\"}").error().code(),
      ErrorCode::kLimitExceeded);
  EXPECT_EQ((*tiny)->stats().dropped, 1u);
  ASSERT_TRUE((*tiny)->Start().ok());
  std::string metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = Call("GET", "/metrics").body;
    if (metrics.find("vigil_fleet_sensor_dropped_total 1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(metrics.find("vigil_fleet_sensor_dropped_total 1"), std::string::npos) << metrics;
  (*tiny)->Stop();
  // A node whose runtime socket cannot be read reports its list stale, with why: the server
  // shows it stale, never as a node that runs nothing.
  SensorLinkOptions blind = o;
  blind.node = "node-2";
  blind.spool_dir = dir_.str() + "/spool-blind";
  blind.follow_runtimes = true;
  blind.runtime_sockets = {dir_.str() + "/no-runtime.sock"};
  blind.runtime_sockets_given = true;
  auto blind_link = SensorLink::Open(blind);
  ASSERT_TRUE(blind_link.ok());
  ASSERT_TRUE((*blind_link)->Start().ok());
  json runtime2;
  for (int i = 0; i < 200; ++i) {
    json listed = Body(Call("GET", "/v1/containers"));
    for (const auto& rt : listed["runtimes"]) {
      if (rt["runtime"] == "sensor:node-2") runtime2 = rt;
    }
    if (runtime2.is_object() && runtime2["state"] == "stale" &&
        runtime2["reason"].get<std::string>().find("no-runtime.sock") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(runtime2.is_object()) << Call("GET", "/v1/containers").body;
  EXPECT_EQ(runtime2["state"], "stale") << runtime2.dump();
  EXPECT_NE(runtime2["reason"].get<std::string>().find("no-runtime.sock"), std::string::npos) << runtime2.dump();
  (*blind_link)->Stop();
  // Bad requests: 400 with a JSON error naming what is wrong.
  for (const std::string& bad :
       {std::string(R"({"alerts":[]})"), std::string(R"({"node":"a b","alerts":[]})"),
        std::string(R"({"node":"n","alerts":[{"seq":0,"kind":"k","event":{}}]})"),
        std::string(R"({"node":"n","alerts":[{"seq":1,"kind":"k","event":"text"}]})"),
        std::string(R"({"node":"n","alerts":[{"seq":1,"event":{}}]})"), std::string(R"({"node":"n"})"),
        std::string(R"({"node":"n","alerts":{}})"), std::string("[1,2]"), std::string("{")}) {
    auto r = Call("POST", "/v1/sensor/alerts", bad, sensor_token);
    EXPECT_EQ(r.status, 400) << bad << " -> " << r.body;
    EXPECT_TRUE(Body(r).contains("error")) << r.body;
  }
  auto bad_containers =
      Call("PUT", "/v1/sensor/containers", R"({"node":"n","containers":[{"name":"no id"}]})", sensor_token);
  EXPECT_EQ(bad_containers.status, 400) << bad_containers.body;
}

// ---------------------------------------------------------------------------------------------
// Images of running containers the server does not have: exported through the runtime's API.

// A Docker Engine API on a unix socket: a fixed container list, an events stream that stays
// open, and GET /images/{id}/get answered by `image` (by the id asked for, bare hex).
class FakeRuntime {
 public:
  using ImageAnswer = std::function<Result<net::ServerResponse>(const std::string& hex)>;

  FakeRuntime(std::string socket, std::vector<std::string> entries, ImageAnswer image)
      : socket_(std::move(socket)), entries_(std::move(entries)), image_(std::move(image)) {
    server_ = std::make_unique<net::HttpServer>(net::ServerOptions{.listen = "unix:" + socket_, .threads = 4});
    EXPECT_TRUE(server_
                    ->Handle("GET", "/v1.41/containers/json",
                             [this](const net::ServerRequest&) -> Result<net::ServerResponse> {
                               std::string body = "[";
                               for (const auto& e : entries_) body += (body.size() > 1 ? "," : "") + e;
                               return net::ServerResponse::Json(body + "]");
                             })
                    .ok());
    EXPECT_TRUE(server_
                    ->Handle("GET", "/v1.41/events",
                             [this](const net::ServerRequest&) -> Result<net::ServerResponse> {
                               events_.Rearm();
                               return events_.Respond();
                             })
                    .ok());
    EXPECT_TRUE(server_
                    ->Handle("GET", "/v1.41/images/{id}/get",
                             [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
                               {
                                 std::lock_guard lock(mu_);
                                 exports_.push_back(r.Param("id"));
                               }
                               return image_(r.Param("id"));
                             })
                    .ok());
    events_.Open();
    Status st = server_->Start();
    EXPECT_TRUE(st.ok()) << st.error().ToString();
  }
  ~FakeRuntime() {
    events_.Close();
    server_->Stop();
  }
  std::vector<std::string> exports() {
    std::lock_guard lock(mu_);
    return exports_;
  }

 private:
  std::string socket_;
  std::vector<std::string> entries_;
  ImageAnswer image_;
  vigil::testing::ScriptedStream events_{"fake runtime"};
  std::unique_ptr<net::HttpServer> server_;
  std::mutex mu_;
  std::vector<std::string> exports_;
};

std::string ContainerEntry(char id, const std::string& image_id, const std::string& ref) {
  return R"({"Id":")" + std::string(64, id) + R"(","Names":["/c)" + std::string(1, id) + R"("],"Image":")" + ref +
         R"(","ImageID":")" + image_id + R"(","State":"running","Created":1700000000,"Labels":{}})";
}

// A docker-archive with one npm package (minimist 1.2.5) in a real layer.
std::string NpmImage(std::string* image_id, const std::string& version = "1.2.5") {
  vigil::testing::TestLayer layer;
  layer.entries = {vigil::testing::File("usr/lib/node_modules/minimist/package.json",
                                        R"({"name":"minimist","version":")" + version + R"("})")};
  layer.compress = vigil::testing::Compress::kGzip;
  layer.created_by = "COPY node_modules /usr/lib/node_modules";
  return vigil::testing::MakeDockerArchive({layer}, "", image_id);
}

// The answer of the image export: `bytes` in chunks of 4 KiB.
net::ServerResponse Chunked(std::string bytes, size_t cut_at = std::string::npos) {
  net::ServerResponse resp;
  resp.content_type = "application/x-tar";
  resp.stream = [bytes = std::move(bytes), cut_at](const net::ServerResponse::Writer& write) -> Status {
    size_t end = std::min(bytes.size(), cut_at);
    for (size_t at = 0; at < end; at += 4096) {
      if (!write(std::string_view(bytes).substr(at, std::min<size_t>(4096, end - at)))) {
        return Unavailable("client gone");
      }
    }
    if (cut_at != std::string::npos) return Unavailable("the runtime went away mid-stream");
    return OkStatus();
  };
  return resp;
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  return out;
}

// Polls GET /v1/containers (every 20 ms, up to 60 s) until `done` holds for its answer.
json ContainersWhen(const std::function<net::HttpResponse()>& get, const std::function<bool(const json&)>& done) {
  json j;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    j = json::parse(get().body, nullptr, false);
    if (j.is_object() && done(j)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return j;
}

TEST_F(ServerTest, RunningImageTheServerLacksIsExportedScannedAndMapped) {
  Import({Osv("GHSA-mmmm-mmmm-mmmm", "2024-01-01T00:00:00Z", "minimist", "1.2.6")});
  std::string image_id;
  std::string archive = NpmImage(&image_id);
  std::string socket = dir_.str() + "/runtime.sock";
  // Two containers of the image: one export.
  FakeRuntime runtime(
      socket, {ContainerEntry('a', image_id, "localhost/shop:2"), ContainerEntry('b', image_id, "localhost/shop:2")},
      [&](const std::string& hex) -> Result<net::ServerResponse> {
        if ("sha256:" + hex != image_id) return NotFound("no such image");
        return Chunked(archive);
      });
  StartServer({}, [&](ServerOptions& o) { o.runtimes = {"unix://" + socket}; });
  auto all_scanned = [](const json& j) {
    if (j["containers"].size() != 2) return false;
    for (const auto& c : j["containers"]) {
      if (c["scan_state"] != "scanned") return false;
    }
    return true;
  };
  json containers = ContainersWhen([&] { return Call("GET", "/v1/containers"); }, all_scanned);
  ASSERT_TRUE(all_scanned(containers)) << containers.dump();
  EXPECT_EQ(runtime.exports(), std::vector<std::string>{image_id.substr(7)}) << "one export per image";
  EXPECT_TRUE(containers["unscanned_images"].empty()) << containers.dump();
  int64_t image = containers["containers"][0]["image"].get<int64_t>();
  EXPECT_NE(image, 0);
  EXPECT_EQ(containers["containers"][1]["image"], image);
  EXPECT_EQ(containers["containers"][0]["scan_reason"], "");

  // Stored under the container's image reference; its findings are `vigil scan`'s of the archive.
  auto shown = Call("GET", "/v1/images/" + image_id);
  ASSERT_EQ(shown.status, 200) << shown.body;
  json report = Body(shown);
  EXPECT_EQ(report["image"]["source"], "localhost/shop:2");
  std::string path = dir_.str() + "/shop.tar";
  ASSERT_TRUE(WriteFileAtomic(path, archive).ok());
  auto db = match::OpenDatabase(dir_.str() + "/data/db");
  ASSERT_TRUE(db.ok());
  match::ScanRequest req;
  req.image = path;
  req.store = db->store.get();
  auto scan = match::ScanImage(req);
  ASSERT_TRUE(scan.ok()) << scan.error().ToString();
  std::set<std::string> expected, got;
  for (const auto& f : scan->report.findings) {
    expected.insert(f.finding.id + " " + scan->inventory.packages[f.finding.package].name + " " +
                    f.finding.installed_version);
  }
  for (const auto& f : report["findings"]) {
    got.insert(f["id"].get<std::string>() + " " + f["package"]["name"].get<std::string>() + " " +
               f["package"]["version"].get<std::string>());
  }
  EXPECT_EQ(got, expected) << shown.body.substr(0, 3000);
  EXPECT_EQ(got, (std::set<std::string>{"GHSA-mmmm-mmmm-mmmm minimist 1.2.5"}));
  EXPECT_TRUE(FilesIn(dir_.str() + "/data/exports").empty()) << "the exported archive is removed";
  json affected = Body(Call("GET", "/v1/affected/GHSA-mmmm-mmmm-mmmm"));
  EXPECT_EQ(affected["running_containers"], 2) << affected.dump();
  std::string metrics = Call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("vigil_fleet_images_exported_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vigil_fleet_images_unscanned 0"), std::string::npos) << metrics;
}

TEST_F(ServerTest, FailedExportsLeaveNoFileAndShowTheContainersUnscannedWithWhy) {
  Import({Osv("GHSA-mmmm-mmmm-mmmm", "2024-01-01T00:00:00Z", "minimist", "1.2.6")});
  std::string small_id;
  std::string small = NpmImage(&small_id);
  // Distinct image ids, one per way to fail.
  auto id_of = [](char c) { return "sha256:" + std::string(64, c); };
  const uint64_t cap = 64 * 1024;
  ASSERT_LT(small.size(), cap);
  const std::string huge(cap + 1, 'h');
  std::string socket = dir_.str() + "/runtime.sock";
  FakeRuntime runtime(socket,
                      {ContainerEntry('1', id_of('1'), "gone:1"), ContainerEntry('2', id_of('2'), "garbage:1"),
                       ContainerEntry('3', id_of('3'), "huge:1"), ContainerEntry('4', id_of('4'), "cut:1"),
                       ContainerEntry('5', small_id, "other:1")},
                      [&](const std::string& hex) -> Result<net::ServerResponse> {
                        switch (hex[0]) {
                          case '1':
                            return net::ServerResponse::Json(R"({"message":"no such image: )" + hex + R"("})", 404);
                          case '2':
                            return Chunked(std::string(10000, 'x'));
                          case '3':
                            return Chunked(huge);
                          case '4':
                            return Chunked(small, small.size() / 3);
                          default:
                            // Another image's archive than the one asked for.
                            std::string other_id;
                            return Chunked(NpmImage(&other_id, "1.2.4"));
                        }
                      });
  StartServer({}, [&](ServerOptions& o) {
    o.runtimes = {"unix://" + socket};
    o.export_max_bytes = cap;
  });
  auto settled = [](const json& j) {
    if (j["containers"].size() != 5) return false;
    for (const auto& c : j["containers"]) {
      if (c["scan_state"] != "unscanned") return false;
    }
    return true;
  };
  json containers = ContainersWhen([&] { return Call("GET", "/v1/containers"); }, settled);
  ASSERT_TRUE(settled(containers)) << containers.dump();
  std::map<std::string, std::string> why;
  for (const auto& c : containers["containers"]) {
    EXPECT_EQ(c["image"], 0) << c.dump();
    why[c["image_ref"].get<std::string>()] = c["scan_reason"].get<std::string>();
  }
  struct Case {
    std::string ref, says;
  };
  for (const Case& c :
       std::vector<Case>{{"gone:1", "HTTP 404: {\"message\":\"no such image"},
                         {"garbage:1", "the image exported from it: the archive is not an image archive"},
                         {"huge:1", "larger than the export cap of " + std::to_string(cap)},
                         {"cut:1", "unavailable: "},
                         {"other:1", "the exported archive holds image sha256:"}}) {
    EXPECT_NE(why[c.ref].find(c.says), std::string::npos) << c.ref << ": " << why[c.ref];
    if (c.ref != "garbage:1" && c.ref != "other:1") {
      EXPECT_NE(why[c.ref].find("GET /v1.41/images/"), std::string::npos) << c.ref << ": " << why[c.ref];
    }
  }
  for (const auto& [ref, reason] : why) {
    EXPECT_EQ(reason.find(dir_.str() + "/data"), std::string::npos) << "no path of the data folder: " << reason;
  }
  ASSERT_EQ(containers["unscanned_images"].size(), 5u) << containers.dump();
  for (const auto& u : containers["unscanned_images"]) {
    EXPECT_EQ(u["scan_state"], "unscanned");
    EXPECT_EQ(u["containers"], 1);
    EXPECT_FALSE(u["scan_reason"].get<std::string>().empty());
  }
  EXPECT_TRUE(FilesIn(dir_.str() + "/data/exports").empty()) << "no partial file is left";
  EXPECT_TRUE(Body(Call("GET", "/v1/images"))["images"].empty()) << "nothing half-scanned is stored";
  std::string metrics = Call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("vigil_fleet_images_unscanned 5"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vigil_fleet_image_export_failures_total 5"), std::string::npos) << metrics;
  // Failed images are not exported again while their retry interval runs.
  EXPECT_EQ(runtime.exports().size(), 5u + 1u) << "the cut transfer is retried once";
}

TEST_F(ServerTest, NoExportListsTheContainersAsNotScanned) {
  std::string image_id;
  std::string archive = NpmImage(&image_id);
  std::string socket = dir_.str() + "/runtime.sock";
  FakeRuntime runtime(socket, {ContainerEntry('a', image_id, "shop:3")},
                      [&](const std::string&) -> Result<net::ServerResponse> { return Chunked(archive); });
  StartServer({}, [&](ServerOptions& o) {
    o.runtimes = {"unix://" + socket};
    o.export_images = false;
  });
  json containers = ContainersWhen([&] { return Call("GET", "/v1/containers"); },
                                   [](const json& j) { return j["containers"].size() == 1; });
  ASSERT_EQ(containers["containers"].size(), 1u) << containers.dump();
  EXPECT_EQ(containers["containers"][0]["scan_state"], "unscanned");
  EXPECT_NE(containers["containers"][0]["scan_reason"].get<std::string>().find("--no-export"), std::string::npos)
      << containers.dump();
  EXPECT_EQ(containers["unscanned_images"].size(), 1u);
  EXPECT_TRUE(runtime.exports().empty());
}

}  // namespace
}  // namespace vigil::fleet
