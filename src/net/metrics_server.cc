#include "net/metrics_server.h"

#include <mutex>
#include <utility>

#include "net/http_server.h"

namespace vigil::net {

struct MetricsServer::Impl {
  std::mutex mu;
  std::string text = "# no counters yet\n";
  // Declared last: destroyed (stopped) first, while the text its handler reads is still there.
  std::unique_ptr<HttpServer> server;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address) {
  auto parsed = ParseListenAddress(address);
  if (!parsed.ok()) return InvalidArgument("--metrics " + parsed.error().message());
  if (!parsed->unix_path.empty()) {
    return InvalidArgument("--metrics '" + address + "' is not HOST:PORT (e.g. 127.0.0.1:9464)");
  }
  auto impl = std::make_unique<Impl>();
  impl->server = std::make_unique<HttpServer>(ServerOptions{.listen = address});
  Impl* state = impl.get();
  auto serve = [state](const ServerRequest&) -> Result<ServerResponse> {
    std::lock_guard lock(state->mu);
    return ServerResponse::Text(state->text, "text/plain; version=0.0.4");
  };
  VIGIL_RETURN_IF_ERROR(impl->server->Handle("GET", "/metrics", serve));
  if (Status started = impl->server->Start(); !started.ok()) {
    // The message vigil sensor has always given (the adapter's names the reason too).
    if (started.error().code() == ErrorCode::kUnavailable) {
      return Unavailable("--metrics: cannot listen on " + address);
    }
    return std::move(started.error().Context("--metrics"));
  }
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() = default;

void MetricsServer::Publish(std::string text) {
  std::lock_guard lock(impl_->mu);
  impl_->text = std::move(text);
}

int MetricsServer::port() const { return impl_->server->port(); }

}  // namespace vigil::net
