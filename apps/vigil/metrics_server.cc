#include "metrics_server.h"

#include <httplib.h>

#include <mutex>
#include <thread>

namespace vigil::app {

struct MetricsServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::mutex mu;
  std::string text = "# no counters yet\n";
  int port = 0;
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return InvalidArgument("--metrics '" + address + "' is not HOST:PORT (e.g. 127.0.0.1:9464)");
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    size_t used = 0;
    port = std::stoi(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return InvalidArgument("--metrics '" + address + "': the port is not a number from 0 to 65535");
  }
  auto impl = std::make_unique<Impl>();
  Impl* self = impl.get();
  impl->server.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(self->mu);
    res.set_content(self->text, "text/plain; version=0.0.4");
  });
  if (port == 0) {
    impl->port = impl->server.bind_to_any_port(host);
  } else {
    impl->port = impl->server.bind_to_port(host, port) ? port : -1;
  }
  if (impl->port <= 0) return Unavailable("--metrics: cannot listen on " + address);
  impl->thread = std::thread([self] { self->server.listen_after_bind(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

void MetricsServer::Publish(std::string text) {
  std::lock_guard lock(impl_->mu);
  impl_->text = std::move(text);
}

int MetricsServer::port() const { return impl_->port; }

}  // namespace vigil::app
