// `vigil serve`: the fleet server (fleet/server.h) until SIGINT or SIGTERM.
#include <signal.h>

#include <iostream>
#include <memory>

#include "commands.h"
#include "common/escape.h"
#include "fleet/server.h"

namespace vigil::app {
namespace {

struct ServeFlags {
  fleet::ServerOptions o;
  std::string store, interval, kubeconfig;
  std::vector<std::string> runtimes;
  bool in_cluster = false;
  bool no_export = false;
};

// "90s", "15m", "6h", "1d" or a number of seconds; -1 when malformed.
long long ParseSeconds(const std::string& text) {
  if (text.empty()) return 0;
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 9) return -1;
  long long n = std::stoll(text.substr(0, i));
  std::string unit = text.substr(i);
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86400;
  return -1;
}

int Run(ServeFlags& f) {
  const char* kCmd = "vigil serve: ";
  if (f.store.rfind("sqlite:", 0) == 0) {
    f.o.store = f.store.substr(7);
  } else if (f.store.empty() || f.store.rfind("postgres://", 0) == 0 || f.store.rfind("postgresql://", 0) == 0) {
    f.o.store = f.store;
  } else {
    std::cerr << kCmd << "--store '" << EscapeControls(f.store)
              << "': not a store URL (postgres://USER@HOST/DB, postgresql://..., or sqlite:PATH)\n";
    return kExitError;
  }
  f.o.kubeconfig = f.kubeconfig;
  f.o.in_cluster = f.in_cluster;
  f.o.runtimes = f.runtimes;
  f.o.export_images = !f.no_export;
  long long secs = ParseSeconds(f.interval);
  if (secs < 0) {
    std::cerr << kCmd << "--db-interval '" << EscapeControls(f.interval) << "' is not a duration (90s, 15m, 6h, 1d)\n";
    return kExitError;
  }
  f.o.db_interval = std::chrono::seconds(secs);
  // Signals are taken by sigwait below, on this thread only: block them before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  auto server = fleet::Server::Open(f.o);
  if (!server.ok()) {
    std::cerr << kCmd << EscapeControls(server.error().ToString()) << "\n";
    return kExitError;
  }
  if (Status st = (*server)->Start(); !st.ok()) {
    std::cerr << kCmd << EscapeControls(st.error().ToString()) << "\n";
    return kExitError;
  }
  int sig = 0;
  sigwait(&set, &sig);
  std::cerr << kCmd << "stopping (signal " << sig << ")\n";
  (*server)->Stop();
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run the fleet server: images, running containers, advisory updates as deltas, alerts (docs/FLEET.md)");
  cmd->add_option("--data", f->o.data_dir, "State folder: the store, admin.token, webhook.secret, db/")->required();
  cmd->add_option("--listen", f->o.listen, "HOST:PORT to serve the API on")->capture_default_str();
  cmd->add_option("--tls-cert", f->o.tls_cert_file, "PEM certificate (chain) for TLS");
  cmd->add_option("--tls-key", f->o.tls_key_file, "PEM private key for TLS");
  cmd->add_option("--store", f->store,
                  "Store: postgres://USER@HOST/DB (shared by several servers) or sqlite:PATH (default: SQLite under "
                  "--data)");
  cmd->add_option("--db", f->o.db_dir, "Advisory database folder (default: DIR/db)");
  cmd->add_option("--db-source", f->o.db_sources, "Advisory source for updates (repeatable; as `vigil db update`)");
  cmd->add_option("--db-interval", f->interval,
                  "Update from the sources this often (90s, 15m, 6h; default: on request)");
  cmd->add_option("--runtime", f->runtimes, "Docker-API socket whose containers to follow (unix:///PATH)");
  cmd->add_flag("--no-export", f->no_export,
                "Do not export and scan the images of running containers the server does not have (they are "
                "listed as not scanned)");
  cmd->add_option("--export-max-size", f->o.export_max_bytes,
                  "Largest image archive exported from a runtime, in bytes (default 8 GiB)");
  cmd->add_option("--kubeconfig", f->kubeconfig, "Kubernetes client configuration for the pod inventory");
  cmd->add_flag("--in-cluster", f->in_cluster, "Read pods with the service account of the pod this runs in");
  cmd->add_option("--webhook", f->o.webhooks, "Send alerts to this URL (repeatable; HMAC-signed JSON POST)");
  cmd->add_option("--webhook-format", f->o.webhook_format, "Webhook payload: json or slack")->capture_default_str();
  cmd->add_option("--alerts-file", f->o.alerts_file, "Append alerts to this file as JSON lines");
  cmd->add_flag("--syslog", f->o.syslog, "Send alerts to syslog");
  cmd->add_option("--image-root", f->o.image_roots, "Folder the API may read image paths from (repeatable)");
  cmd->add_option("--source-root", f->o.source_roots,
                  "Folder `fleet db update --source PATH` may read a local advisory source from (repeatable)");
  cmd->add_option("--max-body", f->o.max_body_bytes, "Largest request body in bytes")->capture_default_str();
  cmd->add_option("--rate-limit", f->o.rate_limit, "Requests per second per token (bursts of twice that; 0: none)")
      ->capture_default_str();
  cmd->callback([f, exit_code]() { *exit_code = Run(*f); });
}

}  // namespace vigil::app
