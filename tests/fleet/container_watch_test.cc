// Tests of fleet/container_watch.h: the parsers against answers recorded from podman 4.3.1
// (tests/fleet/testdata/README.md) and hand-made bad input, the line splitter, and the watcher
// against a scripted Docker-API server on a unix socket (net::HttpServer), including outages.
// The watcher against a real podman service is container_watch_podman_test.cc (label e2e).
#include "fleet/container_watch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/call_log.h"
#include "../support/scripted_stream.h"
#include "../test_util.h"
#include "net/http_server.h"

namespace vigil::fleet {
namespace {

using std::chrono::milliseconds;

std::string ReadTestData(const std::string& name) {
  std::ifstream in(vigil::testing::TestData("fleet", name), std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using vigil::testing::Lines;

const std::string kPodmanA = "48ff3425c9f28df267b7e6a09105d382fb5c242dda347922e2f7c8896a06a3b0";
const std::string kPodmanB = "54ec425fcfeae5625be282017049990a3f1e6d4832ab9241a3f620a2087797ac";
const std::string kPodmanImage = "sha256:67168bac9a4c2008ef25515a85ec63cadb57e3b065eb2e3e014a915024f1dfe3";

// ---------------------------------------------------------------------------------------------
// ParseContainerList

TEST(ParseContainerList, PodmanRecordedList) {
  auto list = ParseContainerList(ReadTestData("podman-4.3.1-containers.json"));
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  ASSERT_EQ(list->size(), 2u);
  const RunningContainer& a = (*list)[0];
  EXPECT_EQ(a.id, kPodmanA);
  EXPECT_EQ(a.name, "watch-a");
  EXPECT_EQ(a.image, "localhost/watch-test:latest");
  EXPECT_EQ(a.image_id, kPodmanImage);
  EXPECT_EQ(a.state, "running");
  EXPECT_EQ(a.created, 1796658457);
  EXPECT_EQ(a.labels,
            (std::map<std::string, std::string>{
                {"app", "demo"}, {"io.kubernetes.pod.name", "demo-pod"}, {"io.kubernetes.pod.namespace", "demo-ns"}}));
  EXPECT_EQ(a.pod_name, "demo-pod");
  EXPECT_EQ(a.pod_namespace, "demo-ns");
  const RunningContainer& b = (*list)[1];
  EXPECT_EQ(b.id, kPodmanB);
  EXPECT_EQ(b.name, "watch-b");
  EXPECT_TRUE(b.labels.empty());
  EXPECT_EQ(b.pod_name, "");
  EXPECT_EQ(b.pod_namespace, "");
}

TEST(ParseContainerList, PodmanRecordedListFilteredById) {
  auto list = ParseContainerList(ReadTestData("podman-4.3.1-containers-filter-id.json"));
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, kPodmanA);
  EXPECT_EQ((*list)[0].image_id, kPodmanImage);
}

TEST(ParseContainerList, DockerShape) {
  // Written after the Docker Engine API v1.41 reference (no dockerd on the recording machine).
  auto list = ParseContainerList(ReadTestData("docker-v1.41-containers.json"));
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "web") << "its own name, not the link's, without its '/'";
  EXPECT_EQ((*list)[0].image, "nginx:1.25");
  EXPECT_EQ((*list)[0].image_id, "sha256:" + std::string(64, 'a'));
  EXPECT_EQ((*list)[0].labels.at("com.docker.compose.service"), "web");
  EXPECT_EQ((*list)[1].name, "");
  EXPECT_EQ((*list)[1].state, "paused");
  EXPECT_EQ((*list)[1].image_id, "sha256:" + std::string(64, 'b')) << "a bare hex ImageID gets its prefix";
}

TEST(ParseContainerList, EmptyList) {
  auto list = ParseContainerList("[]");
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  EXPECT_TRUE(list->empty());
}

std::string Entry(const std::string& override_members = "", const std::string& drop = "") {
  std::map<std::string, std::string> m = {
      {"Id", "\"" + std::string(64, 'c') + "\""},
      {"Names", R"(["/x"])"},
      {"Image", R"("busybox")"},
      {"ImageID", "\"sha256:" + std::string(64, 'd') + "\""},
      {"State", R"("running")"},
      {"Created", "1700000000"},
      {"Labels", "{}"},
  };
  if (!drop.empty()) m.erase(drop);
  std::string out = "{";
  for (const auto& [k, v] : m) out += (out.size() > 1 ? "," : "") + ("\"" + k + "\":" + v);
  if (!override_members.empty()) out += "," + override_members;  // a later duplicate wins
  return out + "}";
}

TEST(ParseContainerList, MinimalEntryParses) {
  auto list = ParseContainerList("[" + Entry() + "]");
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  EXPECT_EQ((*list)[0].name, "x");
  auto no_names = ParseContainerList("[" + Entry(R"("Names":null,"Labels":null)") + "]");
  ASSERT_TRUE(no_names.ok()) << no_names.error().ToString();
  EXPECT_EQ((*no_names)[0].name, "");
  EXPECT_TRUE((*no_names)[0].labels.empty());
}

struct BadCase {
  std::string name;
  std::string input;
  ErrorCode code;
  std::string says;  // a part of the message
};

TEST(ParseContainerList, BadInput) {
  const std::vector<BadCase> cases = {
      {"not json", "[{", ErrorCode::kCorrupt, "container list: malformed JSON at byte"},
      {"object at top", "{}", ErrorCode::kCorrupt, "$ is object, expected an array"},
      {"entry not object", "[" + Entry() + ",3]", ErrorCode::kCorrupt, "$[1] is number, expected an object"},
      {"no Id", "[" + Entry("", "Id") + "]", ErrorCode::kCorrupt, "$[0].Id is missing"},
      {"Id number", "[" + Entry(R"("Id":5)") + "]", ErrorCode::kCorrupt, "$[0].Id is number, expected a string"},
      {"Id with slash", "[" + Entry(R"("Id":"../x")") + "]", ErrorCode::kCorrupt, "is not a container id"},
      {"Id empty", "[" + Entry(R"("Id":"")") + "]", ErrorCode::kCorrupt, "is not a container id"},
      {"no Image", "[" + Entry("", "Image") + "]", ErrorCode::kCorrupt, "$[0].Image is missing"},
      {"no ImageID", "[" + Entry("", "ImageID") + "]", ErrorCode::kCorrupt, "$[0].ImageID is missing"},
      {"ImageID short", "[" + Entry(R"("ImageID":"sha256:abc")") + "]", ErrorCode::kCorrupt,
       "$[0].ImageID \"sha256:abc\" is not 'sha256:'"},
      {"ImageID upper", "[" + Entry("\"ImageID\":\"sha256:" + std::string(64, 'A') + "\"") + "]", ErrorCode::kCorrupt,
       "is not 'sha256:' and 64 lower-case hex digits"},
      {"ImageID other algo", "[" + Entry("\"ImageID\":\"sha512:" + std::string(64, 'a') + "\"") + "]",
       ErrorCode::kCorrupt, "$[0].ImageID"},
      {"no State", "[" + Entry("", "State") + "]", ErrorCode::kCorrupt, "$[0].State is missing"},
      {"State array", "[" + Entry(R"("State":[])") + "]", ErrorCode::kCorrupt, "$[0].State is array"},
      {"no Created", "[" + Entry("", "Created") + "]", ErrorCode::kCorrupt, "$[0].Created is missing"},
      {"Created string", "[" + Entry(R"("Created":"now")") + "]", ErrorCode::kCorrupt,
       "$[0].Created is string, expected an integer"},
      {"Created float", "[" + Entry(R"("Created":1.5)") + "]", ErrorCode::kCorrupt, "expected an integer"},
      {"Created null", "[" + Entry(R"("Created":null)") + "]", ErrorCode::kCorrupt, "$[0].Created is null"},
      {"Created negative", "[" + Entry(R"("Created":-1)") + "]", ErrorCode::kCorrupt, "$[0].Created is negative"},
      {"Names string", "[" + Entry(R"("Names":"/x")") + "]", ErrorCode::kCorrupt, "$[0].Names is string"},
      {"Names entry number", "[" + Entry(R"("Names":["/x",1])") + "]", ErrorCode::kCorrupt, "$[0].Names[1] is number"},
      {"Labels array", "[" + Entry(R"("Labels":[])") + "]", ErrorCode::kCorrupt, "$[0].Labels is array"},
      {"label number", "[" + Entry() + "," + Entry(R"("Labels":{"app":1})") + "]", ErrorCode::kCorrupt,
       "$[1].Labels[\"app\"] is number, expected a string"},
      {"label key printed safely", "[" + Entry(R"("Labels":{"a\nb":{}})") + "]", ErrorCode::kCorrupt,
       "$[0].Labels[\"a\\x0ab\"] is object"},
  };
  for (const BadCase& c : cases) {
    auto r = ParseContainerList(c.input);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << c.name << ": " << r.error().message();
    EXPECT_TRUE(r.error().message().starts_with("container list: ")) << c.name << ": " << r.error().message();
  }
}

TEST(ParseContainerList, Limits) {
  std::string labels_too_many = "{";
  for (size_t i = 0; i <= kMaxWatchLabels; ++i) {
    labels_too_many += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":\"v\"");
  }
  labels_too_many += "}";
  std::string many;
  for (size_t i = 0; i <= kMaxListedContainers; ++i) many += (i ? "," : "") + Entry();
  std::string tokens = "[" + std::string(kMaxJsonTokensPerList, ',') + "]";
  const std::vector<BadCase> cases = {
      {"body", "[" + std::string(kMaxContainerListBytes, ' ') + "]", ErrorCode::kLimitExceeded,
       "bytes, more than the cap of"},
      {"depth", std::string(100, '[') + std::string(100, ']'), ErrorCode::kLimitExceeded,
       "nested deeper than 32 levels"},
      {"tokens before the tree", tokens, ErrorCode::kLimitExceeded, "JSON values and member names"},
      {"entries", "[" + many + "]", ErrorCode::kLimitExceeded, "$ has 10001 entries"},
      {"label count", "[" + Entry("\"Labels\":" + labels_too_many) + "]", ErrorCode::kLimitExceeded,
       "$[0].Labels has 1025 entries"},
      {"label key", "[" + Entry("\"Labels\":{\"" + std::string(kMaxWatchLabelKeyBytes + 1, 'k') + "\":\"v\"}") + "]",
       ErrorCode::kLimitExceeded, "key of 1025 bytes"},
      {"label value",
       "[" + Entry("\"Labels\":{\"k\":\"" + std::string(kMaxWatchLabelValueBytes + 1, 'v') + "\"}") + "]",
       ErrorCode::kLimitExceeded, "$[0].Labels[\"k\"] is 65537 bytes"},
      {"image", "[" + Entry("\"Image\":\"" + std::string(kMaxWatchStringBytes + 1, 'i') + "\"") + "]",
       ErrorCode::kLimitExceeded, "$[0].Image is 4097 bytes"},
  };
  for (const BadCase& c : cases) {
    auto r = ParseContainerList(c.input);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << c.name << ": " << r.error().message();
  }
  // At the caps: accepted.
  std::string at_cap;
  for (size_t i = 0; i < 100; ++i) at_cap += (i ? "," : "") + Entry();
  EXPECT_TRUE(ParseContainerList("[" + at_cap + "]").ok());
  EXPECT_TRUE(ParseContainerList(std::string(32, '[') + std::string(32, ']'))
                  .status()
                  .error()
                  .message()
                  .find("expected an object") != std::string::npos)
      << "32 levels are within the depth cap (the entry is then of the wrong type)";
}

// ---------------------------------------------------------------------------------------------
// ParseContainerEvent

TEST(ParseContainerEvent, PodmanRecordedStream) {
  std::vector<std::string> lines = Lines(ReadTestData("podman-4.3.1-events.jsonl"));
  std::vector<std::string> actions;
  std::vector<ContainerEvent> events;
  for (const std::string& line : lines) {
    auto ev = ParseContainerEvent(line);
    ASSERT_TRUE(ev.ok()) << ev.error().ToString() << "\n" << line;
    actions.push_back(ev->action);
    events.push_back(*ev);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "init", "start", "create", "init", "start", "die", "cleanup",
                                               "cleanup", "remove"}));
  const ContainerEvent& start = events[2];
  EXPECT_EQ(start.type, "container");
  EXPECT_EQ(start.id, kPodmanA);
  EXPECT_EQ(start.image, "localhost/watch-test:latest");
  EXPECT_EQ(start.name, "watch-a");
  EXPECT_EQ(start.time_nano, 1796658457599331098);
  EXPECT_EQ(events[6].id, kPodmanB);
  EXPECT_EQ(events[6].name, "watch-b");
}

TEST(ParseContainerEvent, DockerAndLegacyShapes) {
  const std::string id(64, 'e');
  auto docker = ParseContainerEvent(
      R"({"status":"start","id":")" + id + R"(","from":"nginx:1.25","Type":"container","Action":"start",)" +
      R"("Actor":{"ID":")" + id + R"(","Attributes":{"image":"nginx:1.25","name":"web","maintainer":"x"}},)" +
      R"("scope":"local","time":1700000000,"timeNano":1700000000123456789})"
      "\r");
  ASSERT_TRUE(docker.ok()) << docker.error().ToString();
  EXPECT_EQ(*docker, (ContainerEvent{"container", "start", id, "nginx:1.25", "web", 1700000000123456789}));

  auto legacy = ParseContainerEvent(R"({"status":"die","id":")" + id + R"(","from":"busybox","time":1700000001})");
  ASSERT_TRUE(legacy.ok()) << legacy.error().ToString();
  EXPECT_EQ(*legacy, (ContainerEvent{"", "die", id, "busybox", "", 1700000001000000000}));

  auto exec =
      ParseContainerEvent(R"({"Type":"container","Action":"exec_start: sh -c true","Actor":{"ID":")" + id + R"("}})");
  ASSERT_TRUE(exec.ok()) << exec.error().ToString();
  EXPECT_EQ(exec->action, "exec_start: sh -c true");
  EXPECT_EQ(exec->time_nano, 0);

  // Another type needs no container id.
  auto image = ParseContainerEvent(R"({"Type":"image","Action":"pull","Actor":{"ID":"nginx:1.25"}})");
  ASSERT_TRUE(image.ok()) << image.error().ToString();
  EXPECT_EQ(image->type, "image");
}

TEST(ParseContainerEvent, BadInput) {
  const std::string id(64, 'f');
  const std::string actor = R"("Actor":{"ID":")" + id + R"("})";
  const std::vector<BadCase> cases = {
      {"empty", "", ErrorCode::kCorrupt, "container event: malformed JSON"},
      {"array", "[]", ErrorCode::kCorrupt, "$ is array, expected an object"},
      {"two objects", "{} {}", ErrorCode::kCorrupt, "malformed JSON"},
      {"no action", "{" + actor + "}", ErrorCode::kCorrupt, "$.Action is missing"},
      {"Action number", R"({"Action":1,)" + actor + "}", ErrorCode::kCorrupt, "$.Action is number"},
      {"Type object", R"({"Type":{},"Action":"start",)" + actor + "}", ErrorCode::kCorrupt, "$.Type is object"},
      {"Actor string", R"({"Action":"start","Actor":"x"})", ErrorCode::kCorrupt, "$.Actor is string"},
      {"Actor.ID number", R"({"Action":"start","Actor":{"ID":5}})", ErrorCode::kCorrupt,
       "$.Actor.ID is number, expected a string"},
      {"no id", R"({"Type":"container","Action":"start"})", ErrorCode::kCorrupt, "$.Actor.ID \"\" is not"},
      {"id with slash", R"({"Action":"start","Actor":{"ID":"a/b"}})", ErrorCode::kCorrupt, "is not a container id"},
      {"Attributes array", R"({"Action":"start","Actor":{"ID":")" + id + R"(","Attributes":[]}})", ErrorCode::kCorrupt,
       "$.Actor.Attributes is array"},
      {"attribute bool", R"({"Action":"start","Actor":{"ID":")" + id + R"(","Attributes":{"name":true}}})",
       ErrorCode::kCorrupt, "$.Actor.Attributes[\"name\"] is boolean"},
      {"timeNano string", R"({"Action":"start",)" + actor + R"(,"timeNano":"1"})", ErrorCode::kCorrupt,
       "$.timeNano is string"},
      {"time negative", R"({"Action":"start",)" + actor + R"(,"time":-5})", ErrorCode::kCorrupt, "$.time is negative"},
      {"time overflow", R"({"Action":"start",)" + actor + R"(,"time":18446744073709551615})", ErrorCode::kCorrupt,
       "$.time is out of range"},
      {"time too large for nanoseconds", R"({"Action":"start",)" + actor + R"(,"time":9223372036854775807})",
       ErrorCode::kCorrupt, "$.time is out of range"},
      {"legacy id number", R"({"status":"start","id":7})", ErrorCode::kCorrupt, "$.id is number"},
      {"line", std::string(kMaxEventLineBytes + 1, ' '), ErrorCode::kLimitExceeded, "more than the cap of 1048576"},
      {"depth", R"({"Action":"start","x":)" + std::string(40, '[') + std::string(40, ']') + "}",
       ErrorCode::kLimitExceeded, "nested deeper than 32"},
      {"tokens", R"({"Action":"start","x":[)" + std::string(kMaxJsonTokensPerEvent, ',') + "]}",
       ErrorCode::kLimitExceeded, "JSON values and member names"},
      {"action length", R"({"Action":")" + std::string(kMaxWatchStringBytes + 1, 'a') + R"(",)" + actor + "}",
       ErrorCode::kLimitExceeded, "$.Action is 4097 bytes"},
  };
  for (const BadCase& c : cases) {
    auto r = ParseContainerEvent(c.input);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << c.name << ": " << r.error().message();
    EXPECT_TRUE(r.error().message().starts_with("container event: ")) << c.name << ": " << r.error().message();
  }
}

// ---------------------------------------------------------------------------------------------
// LineSplitter

TEST(LineSplitter, EverySplitPointGivesTheSameLines) {
  const std::string stream = "{\"a\":1}\n\n{\"b\":2}\r\n{\"c\"";
  for (size_t cut1 = 0; cut1 <= stream.size(); ++cut1) {
    for (size_t cut2 = cut1; cut2 <= stream.size(); ++cut2) {
      LineSplitter s(64);
      std::vector<std::string> got;
      auto take = [&](std::string_view l) {
        got.emplace_back(l);
        return OkStatus();
      };
      ASSERT_TRUE(s.Feed(std::string_view(stream).substr(0, cut1), take).ok());
      ASSERT_TRUE(s.Feed(std::string_view(stream).substr(cut1, cut2 - cut1), take).ok());
      ASSERT_TRUE(s.Feed(std::string_view(stream).substr(cut2), take).ok());
      EXPECT_EQ(got, (std::vector<std::string>{"{\"a\":1}", "", "{\"b\":2}\r"})) << cut1 << "," << cut2;
      EXPECT_EQ(s.pending(), 4u) << "the unfinished {\"c\" waits";
    }
  }
}

TEST(LineSplitter, CapOnALineWithoutNewline) {
  LineSplitter s(8);
  int lines = 0;
  auto take = [&](std::string_view) {
    ++lines;
    return OkStatus();
  };
  ASSERT_TRUE(s.Feed("12345678\n", take).ok()) << "exactly the cap is fine";
  ASSERT_TRUE(s.Feed("1234", take).ok());
  Status st = s.Feed("56789", take);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(st.error().message(), "line longer than 8 bytes");
  EXPECT_EQ(s.pending(), 0u) << "nothing kept after the cap";
  EXPECT_FALSE(s.Feed("\nok\n", take).ok()) << "stays failed";
  EXPECT_EQ(lines, 1);
}

TEST(LineSplitter, ErrorFromTheCallbackStops) {
  LineSplitter s(100);
  std::vector<std::string> got;
  Status st = s.Feed("a\nb\nc\n", [&](std::string_view l) -> Status {
    got.emplace_back(l);
    if (l == "b") return Corrupt("bad b");
    return OkStatus();
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "bad b");
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b"}));
}

// ---------------------------------------------------------------------------------------------
// The watcher against a scripted server.

std::string ListEntry(const std::string& id, const std::string& name, char image = 'a') {
  return R"({"Id":")" + id + R"(","Names":["/)" + name + R"("],"Image":"img-)" + name + R"(","ImageID":"sha256:)" +
         std::string(64, image) + R"(","State":"running","Created":1700000000,"Labels":{"app":")" + name + R"("}})";
}

std::string EventLine(const std::string& action, const std::string& id) {
  return R"({"status":")" + action + R"(","id":")" + id + R"(","Type":"container","Action":")" + action +
         R"(","Actor":{"ID":")" + id +
         R"(","Attributes":{"name":"n"}},"time":1700000000,"timeNano":1700000000000000001})" + "\n";
}

std::string Id(char c) { return std::string(64, c); }

// A Docker Engine API of a scripted runtime on a unix socket: the running containers answer
// /containers/json (whole, or filtered by one id), and /events streams what the test pushes.
class FakeEngine {
 public:
  explicit FakeEngine(std::string socket) : socket_(std::move(socket)) {}
  ~FakeEngine() { Down(); }

  void Up() {
    server_ = std::make_unique<net::HttpServer>(net::ServerOptions{.listen = "unix:" + socket_, .threads = 4});
    ASSERT_TRUE(
        server_->Handle("GET", "/v1.41/containers/json", [this](const net::ServerRequest& r) { return List(r); }).ok());
    ASSERT_TRUE(
        server_->Handle("GET", "/v1.41/events", [this](const net::ServerRequest& r) { return Events(r); }).ok());
    stream_.Open();
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }

  // Ends the streams (cut, without their last chunk) and stops; the socket goes away.
  void Down() {
    stream_.Close();
    if (server_) server_->Stop();
    server_.reset();
  }

  void Run(const std::string& id, const std::string& entry) {
    std::lock_guard lock(mu_);
    running_[id] = entry;
  }
  void Remove(const std::string& id) {
    std::lock_guard lock(mu_);
    running_.erase(id);
  }
  // Replaces the answer of /containers/json (status, body) for unfiltered or filtered calls.
  void OverrideList(int status, std::string body) {
    std::lock_guard lock(mu_);
    list_override_ = {status, std::move(body)};
  }
  void OverrideLookUp(int status, std::string body) {
    std::lock_guard lock(mu_);
    lookup_override_ = {status, std::move(body)};
  }
  void ClearOverrides() {
    std::lock_guard lock(mu_);
    list_override_.reset();
    lookup_override_.reset();
  }
  // Bytes for the open events stream(s), written as one chunk each.
  void Push(std::string bytes) { stream_.Push(std::move(bytes)); }
  // Ends the open stream: cleanly (with its last chunk) or cut.
  void EndStream(bool cleanly) { stream_.End(cleanly); }
  std::vector<std::multimap<std::string, std::string>> event_queries() const {
    std::lock_guard lock(mu_);
    return event_queries_;
  }
  // Waits (up to 30 s) until the events stream was requested `n` times in all.
  bool WaitEventRequests(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return event_queries_.size() >= n; });
  }
  int list_calls() const {
    std::lock_guard lock(mu_);
    return list_calls_;
  }

 private:
  Result<net::ServerResponse> List(const net::ServerRequest& r) {
    std::lock_guard lock(mu_);
    std::string filters = r.Query("filters");
    if (filters.empty()) {
      ++list_calls_;
      if (list_override_) return Answer(*list_override_);
      std::string body = "[";
      for (const auto& [id, entry] : running_) body += (body.size() > 1 ? "," : "") + entry;
      return net::ServerResponse::Json(body + "]");
    }
    if (lookup_override_) return Answer(*lookup_override_);
    size_t open = filters.find("[\"");
    size_t close = filters.find("\"]");
    if (!filters.starts_with("{\"id\":") || open == std::string::npos || close == std::string::npos) {
      return InvalidArgument("unexpected filters " + filters);
    }
    std::string id = filters.substr(open + 2, close - open - 2);
    auto it = running_.find(id);
    return net::ServerResponse::Json(it == running_.end() ? "[]" : "[" + it->second + "]");
  }

  static net::ServerResponse Answer(const std::pair<int, std::string>& a) {
    return net::ServerResponse::Json(a.second, a.first);
  }

  Result<net::ServerResponse> Events(const net::ServerRequest& r) {
    stream_.Rearm();
    {
      std::lock_guard lock(mu_);
      event_queries_.push_back(r.query);
    }
    cv_.notify_all();
    return stream_.Respond();
  }

  std::string socket_;
  std::unique_ptr<net::HttpServer> server_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  vigil::testing::ScriptedStream stream_{"fake engine"};
  std::map<std::string, std::string> running_;
  std::optional<std::pair<int, std::string>> list_override_, lookup_override_;
  std::vector<std::multimap<std::string, std::string>> event_queries_;
  int list_calls_ = 0;
};

// What the watcher reported, in order.
struct Call {
  std::string kind;  // snapshot, started, stopped, stale
  std::vector<RunningContainer> containers;
  std::string id;
  std::optional<Error> error;
};

class Recorder : public vigil::testing::CallLog<Call> {
 public:
  ContainerWatcher::Sink Sink() {
    return {
        [this](std::vector<RunningContainer> running) {
          Add({"snapshot", std::move(running), "", std::nullopt});
        },
        [this](const RunningContainer& c) {
          Add({"started", {c}, c.id, std::nullopt});
        },
        [this](const std::string& id) {
          Add({"stopped", {}, id, std::nullopt});
        },
        [this](const Error& why) {
          Add({"stale", {}, "", why});
        },
    };
  }
};

std::set<std::string> Ids(const std::vector<RunningContainer>& cs) {
  std::set<std::string> out;
  for (const auto& c : cs) out.insert(c.id);
  return out;
}

class WatcherTest : public ::testing::Test {
 protected:
  WatcherTest() : dir_("watch"), engine_(dir_.str() + "/engine.sock") {}

  WatchOptions Options() {
    WatchOptions o;
    o.socket = dir_.str() + "/engine.sock";
    o.retry_min = milliseconds(10);
    o.retry_max = milliseconds(80);
    o.request_timeout = milliseconds(10'000);
    return o;
  }

  vigil::testing::ScopedTempDir dir_;
  FakeEngine engine_;
  Recorder rec_;
};

TEST_F(WatcherTest, StartRejectsBadOptions) {
  ContainerWatcher no_socket({}, {});
  EXPECT_EQ(no_socket.Start().error().code(), ErrorCode::kInvalidArgument);
  WatchOptions o = Options();
  o.base_path = "v1.41";
  EXPECT_EQ(ContainerWatcher(o, {}).Start().error().code(), ErrorCode::kInvalidArgument);
  o = Options();
  o.retry_min = milliseconds(0);
  EXPECT_EQ(ContainerWatcher(o, {}).Start().error().code(), ErrorCode::kInvalidArgument);
  o = Options();
  o.retry_max = milliseconds(1);
  EXPECT_EQ(ContainerWatcher(o, {}).Start().error().code(), ErrorCode::kInvalidArgument);

  ContainerWatcher twice(Options(), {});
  ASSERT_TRUE(twice.Start().ok());
  EXPECT_EQ(twice.Start().error().code(), ErrorCode::kInvalidArgument);
  twice.Stop();
  twice.Stop();  // idempotent
  ContainerWatcher stopped(Options(), {});
  stopped.Stop();
  EXPECT_EQ(stopped.Start().error().code(), ErrorCode::kInvalidArgument) << "no Start() after Stop()";
}

TEST_F(WatcherTest, SnapshotThenEvents) {
  engine_.Run(Id('1'), ListEntry(Id('1'), "one"));
  engine_.Run(Id('2'), ListEntry(Id('2'), "two"));
  engine_.Up();
  ContainerWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  EXPECT_EQ(Ids(rec_.Of("snapshot")[0].containers), (std::set<std::string>{Id('1'), Id('2')}));
  ASSERT_TRUE(engine_.WaitEventRequests(1));

  // The events request asks for container events since a second before the list.
  auto queries = engine_.event_queries();
  ASSERT_EQ(queries.size(), 1u);
  ASSERT_EQ(queries[0].count("since"), 1u);
  int64_t since = std::stoll(queries[0].find("since")->second);
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(since, now - 1);
  EXPECT_EQ(queries[0].find("filters")->second, R"({"type":["container"]})");

  // A start: looked up by id (image id and labels come from the list answer).
  engine_.Run(Id('3'), ListEntry(Id('3'), "three", 'b'));
  engine_.Push(EventLine("create", Id('3')) + EventLine("start", Id('3')));
  ASSERT_TRUE(rec_.WaitForCount("started", 1));
  RunningContainer three = rec_.Of("started")[0].containers[0];
  EXPECT_EQ(three.id, Id('3'));
  EXPECT_EQ(three.name, "three");
  EXPECT_EQ(three.image_id, "sha256:" + std::string(64, 'b'));
  EXPECT_EQ(three.labels.at("app"), "three");

  // Events split across chunks anywhere, a kill (not a stop), other types, blank lines.
  std::string die = EventLine("die", Id('1'));
  engine_.Push(EventLine("kill", Id('2')) + R"({"Type":"network","Action":"connect","Actor":{"ID":"n1"}})" + "\n\n" +
               die.substr(0, 10));
  engine_.Push(die.substr(10, 50));
  engine_.Push(die.substr(60));
  ASSERT_TRUE(rec_.WaitForCount("stopped", 1));
  EXPECT_EQ(rec_.Of("stopped")[0].id, Id('1'));

  // A start of a container that is no longer running when looked up: reported stopped.
  engine_.Push(EventLine("start", Id('9')));
  ASSERT_TRUE(rec_.WaitForCount("stopped", 2));
  EXPECT_EQ(rec_.Of("stopped")[1].id, Id('9'));
  for (const char* action : {"stop", "destroy", "remove"}) engine_.Push(EventLine(action, Id('2')));
  ASSERT_TRUE(rec_.WaitForCount("stopped", 5));

  auto calls = rec_.calls();
  EXPECT_EQ(Recorder::Count(calls, "started"), 1u) << "kill, create, network events change nothing";
  EXPECT_EQ(Recorder::Count(calls, "stale"), 0u);
  ContainerWatcher::Stats st = w.stats();
  EXPECT_EQ(st.lists, 1u);
  EXPECT_EQ(st.events, 9u);
  EXPECT_EQ(st.errors, 0u);
  EXPECT_TRUE(st.connected);
  w.Stop();
  EXPECT_FALSE(w.stats().connected);
}

TEST_F(WatcherTest, NoSocketIsStaleOnceThenSnapshotWhenItComes) {
  ContainerWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  Error why = *rec_.Of("stale")[0].error;
  EXPECT_EQ(why.code(), ErrorCode::kUnavailable);
  EXPECT_NE(why.message().find("engine.sock: no such socket"), std::string::npos) << why.message();
  // Retries go on without another stale.
  for (int i = 0; i < 3000 && w.stats().errors < 4; ++i) std::this_thread::sleep_for(milliseconds(10));
  ASSERT_GE(w.stats().errors, 4u);
  EXPECT_EQ(Recorder::Count(rec_.calls(), "stale"), 1u);
  EXPECT_EQ(Recorder::Count(rec_.calls(), "snapshot"), 0u);

  engine_.Run(Id('1'), ListEntry(Id('1'), "one"));
  engine_.Up();
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  EXPECT_EQ(Ids(rec_.Of("snapshot")[0].containers), (std::set<std::string>{Id('1')}));
  EXPECT_EQ(w.stats().reconnects, 1u);
}

TEST_F(WatcherTest, OutageWhenTheRuntimeGoesAndRelistWhenItComesBack) {
  engine_.Run(Id('1'), ListEntry(Id('1'), "one"));
  engine_.Up();
  ContainerWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  ASSERT_TRUE(engine_.WaitEventRequests(1));

  // The runtime goes away: its stream breaks and the socket is removed.
  engine_.Down();
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  EXPECT_EQ(rec_.Of("stale")[0].error->code(), ErrorCode::kUnavailable) << rec_.Of("stale")[0].error->ToString();
  uint64_t errors = w.stats().errors;
  for (int i = 0; i < 3000 && w.stats().errors < errors + 3; ++i) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(Recorder::Count(rec_.calls(), "stale"), 1u) << "one stale per outage";

  // It comes back with other containers: a fresh snapshot.
  engine_.Remove(Id('1'));
  engine_.Run(Id('2'), ListEntry(Id('2'), "two"));
  engine_.Up();
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 2));
  EXPECT_EQ(Ids(rec_.Of("snapshot")[1].containers), (std::set<std::string>{Id('2')}));
  ASSERT_TRUE(engine_.WaitEventRequests(2));

  // A stream that ends cleanly is an outage too (nobody is following any more).
  engine_.EndStream(/*cleanly=*/true);
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 3));
  auto stale = rec_.Of("stale");
  ASSERT_EQ(stale.size(), 2u);
  EXPECT_NE(stale[1].error->message().find("the events stream ended"), std::string::npos) << stale[1].error->message();
  // The order: snapshot, stale, snapshot, stale, snapshot.
  EXPECT_EQ(rec_.Kinds(), (std::vector<std::string>{"snapshot", "stale", "snapshot", "stale", "snapshot"}));
  EXPECT_EQ(w.stats().reconnects, 2u);
}

TEST_F(WatcherTest, GarbageListIsStaleWithThePath) {
  engine_.OverrideList(200, "[" + ListEntry(Id('1'), "one") + R"(,{"Id":5}])");
  engine_.Up();
  ContainerWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  Error why = *rec_.Of("stale")[0].error;
  EXPECT_EQ(why.code(), ErrorCode::kCorrupt);
  EXPECT_NE(why.message().find("engine.sock: GET /v1.41/containers/json: container list: $[1].Id is number"),
            std::string::npos)
      << why.message();
  EXPECT_EQ(Recorder::Count(rec_.calls(), "snapshot"), 0u) << "nothing half-parsed is delivered";

  // Another failure in the same outage (an HTTP 500) reports nothing new.
  engine_.OverrideList(500, R"({"message":"boom"})");
  int calls = engine_.list_calls();
  for (int i = 0; i < 3000 && engine_.list_calls() < calls + 3; ++i) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(Recorder::Count(rec_.calls(), "stale"), 1u);

  engine_.ClearOverrides();
  engine_.Run(Id('1'), ListEntry(Id('1'), "one"));
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  EXPECT_EQ(Ids(rec_.Of("snapshot")[0].containers), (std::set<std::string>{Id('1')}));
}

TEST_F(WatcherTest, GarbageEventIsStaleThenRelist) {
  engine_.Run(Id('1'), ListEntry(Id('1'), "one"));
  engine_.Up();
  ContainerWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  engine_.Push(R"({"Type":"container","Action":"start","Actor":{"ID":5}})"
               "\n");
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  Error why = *rec_.Of("stale")[0].error;
  EXPECT_EQ(why.code(), ErrorCode::kCorrupt);
  EXPECT_NE(why.message().find("GET /v1.41/events?since="), std::string::npos) << why.message();
  EXPECT_NE(why.message().find("container event: $.Actor.ID is number"), std::string::npos) << why.message();
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 2)) << "a garbage line means events may be lost: list again";
}

TEST_F(WatcherTest, EndlessLineIsStaleAtTheCap) {
  engine_.Up();
  ContainerWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  for (int i = 0; i < 20; ++i) engine_.Push(std::string(64 * 1024, ' '));  // 1.25 MiB, no newline
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  Error why = *rec_.Of("stale")[0].error;
  EXPECT_EQ(why.code(), ErrorCode::kLimitExceeded);
  EXPECT_NE(why.message().find("line longer than 1048576 bytes"), std::string::npos) << why.message();
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 2));
}

TEST_F(WatcherTest, FailedLookUpIsStaleThenRelist) {
  engine_.Up();
  ContainerWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  // The container started but cannot be looked up: its image would be unknown, so the inventory
  // is stale until the next list, which has it.
  engine_.OverrideLookUp(500, R"({"message":"boom"})");
  engine_.Run(Id('4'), ListEntry(Id('4'), "four"));
  engine_.Push(EventLine("start", Id('4')));
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  EXPECT_NE(rec_.Of("stale")[0].error->message().find("HTTP 500"), std::string::npos)
      << rec_.Of("stale")[0].error->message();
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 2));
  EXPECT_EQ(Ids(rec_.Of("snapshot")[1].containers), (std::set<std::string>{Id('4')}));
  EXPECT_EQ(Recorder::Count(rec_.calls(), "started"), 0u);
}

TEST_F(WatcherTest, StopWhileTheStreamIsIdle) {
  engine_.Up();
  auto w = std::make_unique<ContainerWatcher>(Options(), rec_.Sink());
  ASSERT_TRUE(w->Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  ASSERT_TRUE(engine_.WaitEventRequests(1));
  w.reset();  // the destructor cancels the stream and joins
  EXPECT_EQ(Recorder::Count(rec_.calls(), "stale"), 0u) << "stopping is not an outage";
}

}  // namespace
}  // namespace vigil::fleet
