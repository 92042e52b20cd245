// A Prometheus /metrics endpoint on net::HttpServer: serves the last text Publish() was given, so
// the thread that owns the counters publishes them (the sensor every second) and the HTTP
// threads never touch them. Used by `vigil sensor --metrics`; `vigil serve` can mount the same.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace vigil::net {

class MetricsServer {
 public:
  // Listens on `address` ("127.0.0.1:9464", "[::1]:9464"; port 0 picks a free one): GET /metrics
  // answers the published text with Content-Type "text/plain; version=0.0.4"; other paths answer
  // a JSON 404. Errors: kInvalidArgument "--metrics ..." for an address that is not HOST:PORT (a
  // unix socket included); kUnavailable "--metrics: cannot listen on <address>" when it cannot
  // bind.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& address);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Replaces the text served from now on ("# no counters yet\n" before the first call).
  void Publish(std::string text);
  // The port listened on (the one picked, for port 0).
  int port() const;

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::net
