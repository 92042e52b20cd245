// The fleet server (`vigil serve`, issue 14): an HTTP JSON API under /v1 over a FleetStore and an
// advisory database, the advisory updates evaluated as deltas (never a rescan), and the alert
// outbox delivered to webhooks, a JSON-lines file and syslog. docs/FLEET.md describes the API and
// its behaviour; docs/api/fleet-v1.openapi.yaml is its OpenAPI 3.1 description.
//
//   fleet::ServerOptions o;
//   o.data_dir = "/var/lib/vigil";
//   o.db_sources = {"/srv/osv-mirror"};
//   VIGIL_ASSIGN_OR_RETURN(auto server, fleet::Server::Open(o));   // store, admin token
//   VIGIL_RETURN_IF_ERROR(server->Start());                        // listens; workers run
//   ... server->Stop();
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::fleet {

struct ServerOptions {
  // Where the server keeps its state: fleet.db (the store), admin.token, webhook.secret, and the
  // advisory database under db/ unless db_dir says otherwise. Created when missing.
  std::string data_dir;
  std::string db_dir;  // "" = <data_dir>/db
  // The store: "" = SQLite at <data_dir>/fleet.db; a file path; or a postgres:// URL, which
  // several servers may share: one of them (elected with a PostgreSQL advisory lock) runs advisory
  // updates and their evaluation, and must see the same advisory database folder (db_dir) as the
  // others; every server delivers alerts, each claimed so that none is sent twice.
  std::string store;
  // "HOST:PORT" (net::ServerOptions::listen); port 0 picks a free one (Server::port()).
  std::string listen = "127.0.0.1:8723";
  std::string tls_cert_file, tls_key_file;  // both or neither
  // Advisory sources for updates (vulndb::UpdateOptions::sources); empty: osv.dev's bucket.
  std::vector<std::string> db_sources;
  // Scheduled updates: every db_interval; 0 = only when asked (POST /v1/db/update).
  std::chrono::seconds db_interval{0};
  // Image paths the API may read (POST /v1/images {"path"}); empty: no path is read.
  std::vector<std::string> image_roots;
  // Folders a database update asked for through the API may read a local source from
  // (POST /v1/db/update {"source": PATH}); empty: only URLs and the --db-source values.
  std::vector<std::string> source_roots;
  // Alert channels: webhook URLs (JSON POST, HMAC-SHA256 signed with <data_dir>/webhook.secret),
  // their payload ("json" or "slack"), a JSON-lines file, syslog.
  std::vector<std::string> webhooks;
  std::string webhook_format = "json";
  std::string alerts_file;
  bool syslog = false;
  // Docker-Engine-API sockets whose running containers are followed ("unix:///run/podman/podman.sock").
  std::vector<std::string> runtimes;
  // A running container whose image the store does not have: the image is exported through its
  // runtime's API (GET /images/{id}/get, streamed to <data_dir>/exports, at most
  // export_max_bytes), scanned like an image added by path, and stored; one image at a time on a
  // worker thread, at most export_queue waiting. A failure marks the image not scanned with the
  // reason (GET /v1/containers); it is tried again when its runtime reports it after
  // export_retry. false: such containers are listed as not scanned, nothing is exported.
  bool export_images = true;
  uint64_t export_max_bytes = uint64_t{8} << 30;
  size_t export_queue = 64;
  std::chrono::seconds export_retry{600};
  // Kubernetes pods followed (list + watch): from this kubeconfig file, or with the pod's own
  // service account (in_cluster). Neither: no cluster.
  std::string kubeconfig;
  bool in_cluster = false;
  // Request limits: body size; requests per second per token (bursts of twice that; 0: none),
  // answered 429 with Retry-After beyond it; failed authentications per minute per client
  // address, beyond which that address is answered 429 for every request until its bucket
  // refills (0: none).
  uint64_t max_body_bytes = uint64_t{64} << 20;
  double rate_limit = 1000;
  double failed_auth_per_minute = 60;
  size_t threads = 8;
  // Where the server's log lines go (one line each, no trailing newline); empty: standard error.
  std::function<void(std::string_view line)> log;
};

class Server {
 public:
  // Opens the store (creating <data_dir>, fleet.db, and on first start an admin token in
  // <data_dir>/admin.token, mode 0600, logged with its path) and the advisory database folder.
  // Errors: kInvalidArgument for bad options (no data_dir, a webhook that is not http(s), an
  // unknown webhook format, an image root that does not exist); the store's (kIo, kCorrupt for a
  // store a newer vigil wrote).
  static Result<std::unique_ptr<Server>> Open(ServerOptions options);
  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listens and starts the workers (alert delivery, scheduled updates, runtime watchers, image
  // exports).
  // Errors: those of net::HttpServer::Start (kUnavailable when the address is in use).
  Status Start();
  // Stops listening (requests in flight finish), then the workers. Idempotent.
  void Stop();
  // The port listened on (after Start).
  int port() const;
  // <data_dir>/admin.token.
  std::string admin_token_path() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::fleet
