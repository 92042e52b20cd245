// net::MetricsServer: the /metrics endpoint `vigil sensor --metrics` serves, fetched with
// net::HttpClient on 127.0.0.1.
#include "net/metrics_server.h"

#include <gtest/gtest.h>

#include <string>

#include "net/http_client.h"

namespace vigil::net {
namespace {

HttpResponse Get(int port, const std::string& path) {
  HttpClientOptions o;
  o.retry.retries = 0;
  HttpClient client(o);
  auto r = client.Send({.url = "http://127.0.0.1:" + std::to_string(port) + path});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? *r : HttpResponse{};
}

TEST(MetricsServer, ServesWhatWasPublished) {
  auto server = MetricsServer::Start("127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  int port = (*server)->port();
  ASSERT_GT(port, 0);
  HttpResponse before = Get(port, "/metrics");
  EXPECT_EQ(before.status, 200);
  EXPECT_EQ(before.body, "# no counters yet\n");
  (*server)->Publish("vigil_sensor_emitted_total 5\n");
  HttpResponse after = Get(port, "/metrics");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "vigil_sensor_emitted_total 5\n");
  EXPECT_EQ(after.Header("content-type"), "text/plain; version=0.0.4");
  HttpResponse other = Get(port, "/other");
  EXPECT_EQ(other.status, 404);
  EXPECT_NE(other.body.find("\"not_found\""), std::string::npos) << other.body;
}

TEST(MetricsServer, BadAddressesSayWhatIsWrong) {
  for (const char* address : {"127.0.0.1", "unix:/tmp/metrics.sock", "127.0.0.1:99999", ""}) {
    auto server = MetricsServer::Start(address);
    ASSERT_FALSE(server.ok()) << address;
    EXPECT_EQ(server.error().code(), ErrorCode::kInvalidArgument) << address << ": " << server.error().ToString();
    EXPECT_NE(server.error().message().find("--metrics"), std::string::npos) << server.error().ToString();
  }
  auto first = MetricsServer::Start("127.0.0.1:0");
  ASSERT_TRUE(first.ok());
  std::string taken = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = MetricsServer::Start(taken);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message(), "--metrics: cannot listen on " + taken);
}

}  // namespace
}  // namespace vigil::net
