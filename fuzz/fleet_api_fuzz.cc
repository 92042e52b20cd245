// libFuzzer target for the fleet server's API (fleet/server.h) as a client sees it: a server is
// started once in this process (temp folder, a one-record advisory database, loopback, port 0),
// and each input becomes one authenticated request: the first line is "METHOD PATH" (PATH with
// its query), the rest the body. Whatever the input, the answer is a 2xx or 4xx (never a 5xx:
// the server failed on a request it should have refused or served) with a JSON body (but for
// /metrics), and the server keeps answering /healthz. Any violation aborts.
// Seeds: fuzz/corpus/fleet_api/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/file.h"
#include "fleet/server.h"
#include "net/http_client.h"
#include "vulndb/importer.h"
#include "vulndb/sqlite_store.h"

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "fleet_api_fuzz: %s\n", what.c_str());
  std::abort();
}

struct World {
  std::unique_ptr<vigil::fleet::Server> server;
  std::string token, base;
  std::unique_ptr<vigil::net::HttpClient> client;
};

World& TheWorld() {
  static World* w =
      [] {
        auto* world = new World;
        char tmpl[] = "/tmp/vigil-fleet-fuzz-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) Fail("mkdtemp");
        std::string dir = tmpl;
        {
          auto db = vigil::vulndb::SqliteStore::Open(dir + "/data/db", vigil::vulndb::Store::Mode::kReadWrite);
          if (!db.ok()) Fail(db.error().ToString());
          std::ofstream(dir + "/adv.jsonl")
              << R"({"id":"GHSA-aaaa-aaaa-aaaa","modified":"2024-01-01T00:00:00Z","affected":[{"package":)"
              << R"({"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},)"
              << R"({"fixed":"4.17.21"}]}]}]})"
              << "\n";
          vigil::vulndb::ImportReport report;
          if (!vigil::vulndb::Import(**db, {{dir + "/adv.jsonl", "fuzz", {}}}, vigil::vulndb::ImportOptions{}, &report)
                   .ok()) {
            Fail("import");
          }
        }
        std::filesystem::create_directories(dir + "/images");
        vigil::fleet::ServerOptions o;
        o.data_dir = dir + "/data";
        o.listen = "127.0.0.1:0";
        o.image_roots = {dir + "/images"};
        o.rate_limit = 0;
        o.failed_auth_per_minute = 0;
        o.max_body_bytes = 1 << 20;
        o.log = [](std::string_view) {};
        auto s = vigil::fleet::Server::Open(o);
        if (!s.ok()) Fail(s.error().ToString());
        world->server = std::move(*s);
        if (!world->server->Start().ok()) Fail("start");
        auto t = vigil::ReadFile(world->server->admin_token_path());
        if (!t.ok()) Fail("token");
        world->token = *t;
        while (!world->token.empty() && world->token.back() == '\n') world->token.pop_back();
        world->base = "http://127.0.0.1:" + std::to_string(world->server->port());
        vigil::net::HttpClientOptions co;
        co.retry.retries = 0;
        co.total_timeout = std::chrono::milliseconds(20000);
        world->client = std::make_unique<vigil::net::HttpClient>(co);
        return world;
      }();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = TheWorld();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  std::string body(nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1));
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  std::string method(line.substr(0, sp)), path(line.substr(sp + 1));
  static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
  bool known = false;
  for (const char* m : kMethods) known = known || method == m;
  if (!known || path.empty() || path[0] != '/') return 0;
  // Only bytes a URL may carry: the client refuses anything else before sending.
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return 0;
  }
  vigil::net::HttpRequest r;
  r.method = method;
  r.url = w.base + path;
  r.body = body;
  r.headers = {{"Authorization", "Bearer " + w.token}, {"Content-Type", "application/json"}};
  auto resp = w.client->Send(r);
  if (!resp.ok()) {
    if (resp.error().code() == vigil::ErrorCode::kInvalidArgument) return 0;  // a URL curl refuses
    Fail(method + " " + path + ": no answer: " + resp.error().ToString());
  }
  if (resp->status >= 500) Fail(method + " " + path + ": HTTP " + std::to_string(resp->status) + ": " + resp->body);
  if (path.rfind("/metrics", 0) != 0 && method != "HEAD" && !resp->body.empty()) {
    if (nlohmann::json::parse(resp->body, nullptr, false).is_discarded()) {
      Fail(method + " " + path + ": the answer is not JSON: " + resp->body.substr(0, 200));
    }
  }
  auto health = w.client->Send({.url = w.base + "/healthz"});
  if (!health.ok() || health->status != 200) Fail("the server stopped answering /healthz");
  return 0;
}
