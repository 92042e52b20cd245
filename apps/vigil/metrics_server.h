// A /metrics endpoint for `vigil sensor --metrics ADDR:PORT` (cpp-httplib; its header stays in
// metrics_server.cc). Serves the last text Publish() was given; the sensor's loop publishes the
// counters every second, so the HTTP thread never touches the sensor itself.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace vigil::app {

class MetricsServer {
 public:
  // Listens on `address` ("127.0.0.1:9464", "[::1]:9464"; port 0 picks one) in a thread of its
  // own: GET /metrics answers the published text (text/plain; version=0.0.4), other paths 404.
  // Errors: kInvalidArgument for an address without a port; kUnavailable when it cannot bind.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& address);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void Publish(std::string text);
  int port() const;

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::app
