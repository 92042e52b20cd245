#include "runtime/metadata.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../test_util.h"
#include "common/file.h"
#include "fake_proc.h"
#include "fake_runtime_api.h"

namespace vigil::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::FakeRuntimeApi;

// The containers and image of tests/runtime/testdata/api (see its README).
const std::string kRealId = "f4876d1b65e80a3d83199a48de8217f0bf40bc9aec0274df8b3bfaa2b21b61a5";
const std::string kRealImageId = "sha256:b4f95f7c41924a20a30619af57eaaef2a640938f055b1d668c3d580baafe8ee2";
const std::string kRealDigest = "sha256:031059d14e68270374416935eb4fd106e8286d05341450753444410a517d4046";

std::string Api(const std::string& name) {
  auto r = ReadFile(vigil::testing::TestData("runtime", "api/" + name));
  EXPECT_TRUE(r.ok()) << name;
  return r.ok() ? *r : "";
}

// --- ParseContainerInspect / ParseImageDigest on real answers --------------------------------

TEST(ParseContainerInspect, RealPodmanAnswer) {
  std::string text = Api("podman-4.3.1-container.json");
  ASSERT_NE(text.find(kRealId), std::string::npos) << "testdata and kRealId disagree";
  auto m = ParseContainerInspect(text);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->name, "metatest");
  EXPECT_EQ(m->image, "localhost/vigil-test/base:latest");
  EXPECT_EQ(m->image_id, kRealImageId);
  EXPECT_EQ(m->image_digest, "");
  EXPECT_EQ(m->labels, (std::map<std::string, std::string>{{"app", "demo"}}));
  EXPECT_EQ(m->pod_name, "");
  EXPECT_EQ(m->pod_namespace, "");
}

TEST(ParseContainerInspect, RealPodmanAnswerWithKubernetesLabels) {
  auto m = ParseContainerInspect(Api("podman-4.3.1-container-k8s-labels.json"));
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->name, "metatest-k8s");
  EXPECT_EQ(m->pod_name, "demo-pod");
  EXPECT_EQ(m->pod_namespace, "demo-ns");
  EXPECT_EQ(m->labels.size(), 3u);
  EXPECT_EQ(m->labels.at("app"), "demo");
}

TEST(ParseContainerInspect, RealNotFoundBodyIsNotAContainer) {
  auto m = ParseContainerInspect(Api("podman-4.3.1-container-404.json"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(m.error().message().find("$.Name is missing"), std::string::npos) << m.error().message();
}

TEST(ParseImageDigest, RealPodmanAnswer) {
  auto d = ParseImageDigest(Api("podman-4.3.1-image.json"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(*d, kRealDigest);
  EXPECT_TRUE(ParseImageDigest(Api("podman-4.3.1-image-404.json")).ok());  // no RepoDigests: ""
}

// --- bad input ---------------------------------------------------------------------------------

struct BadCase {
  const char* what;
  std::string json;
  ErrorCode code;
  std::string in_message;  // must appear in the error message
};

std::string Inspect(const std::string& labels, const std::string& name = "\"/x\"",
                    const std::string& image = "\"sha256:ab\"", const std::string& config_image = "\"busybox\"") {
  return "{\"Id\":\"x\",\"Name\":" + name + ",\"Image\":" + image + ",\"Config\":{\"Image\":" + config_image +
         ",\"Labels\":" + labels + "}}";
}

TEST(ParseContainerInspect, GoodSynthetic) {
  auto m = ParseContainerInspect(Inspect("null", "\"no-slash\""));
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->name, "no-slash");
  EXPECT_TRUE(m->labels.empty());
  m = ParseContainerInspect("{\"Name\":\"/a\",\"Image\":\"i\",\"Config\":{\"Image\":\"r\"}}");
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_TRUE(m->labels.empty());
  // A label value of the maximal length and the maximal number of labels are accepted.
  std::string labels = "{";
  for (size_t i = 0; i < kMaxContainerLabels; ++i) {
    labels += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  }
  labels += "}";
  m = ParseContainerInspect(Inspect(labels));
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->labels.size(), kMaxContainerLabels);
  m = ParseContainerInspect(Inspect("{\"k\":\"" + std::string(kMaxLabelValueBytes, 'v') + "\"}"));
  ASSERT_TRUE(m.ok()) << m.error().ToString();
}

TEST(ParseContainerInspect, BadInput) {
  std::string real = Api("podman-4.3.1-container.json");
  std::string many = "{";
  for (size_t i = 0; i <= kMaxContainerLabels; ++i) {
    many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  }
  many += "}";
  const std::vector<BadCase> cases = {
      {"empty", "", ErrorCode::kCorrupt, "malformed JSON"},
      {"truncated real answer", real.substr(0, real.size() / 2), ErrorCode::kCorrupt, "malformed JSON"},
      {"cut after the last brace", real.substr(0, real.rfind('}')), ErrorCode::kCorrupt, "malformed"},
      {"array", "[]", ErrorCode::kCorrupt, "$ is array, expected an object"},
      {"string", "\"x\"", ErrorCode::kCorrupt, "$ is string"},
      {"number", "42", ErrorCode::kCorrupt, "$ is number"},
      {"null", "null", ErrorCode::kCorrupt, "$ is null"},
      {"no Name", "{\"Image\":\"i\",\"Config\":{\"Image\":\"r\"}}", ErrorCode::kCorrupt, "$.Name is missing"},
      {"no Image", "{\"Name\":\"n\",\"Config\":{\"Image\":\"r\"}}", ErrorCode::kCorrupt, "$.Image is missing"},
      {"no Config", "{\"Name\":\"n\",\"Image\":\"i\"}", ErrorCode::kCorrupt, "$.Config is missing"},
      {"no Config.Image", "{\"Name\":\"n\",\"Image\":\"i\",\"Config\":{}}", ErrorCode::kCorrupt,
       "$.Config.Image is missing"},
      {"Name a number", Inspect("{}", "5"), ErrorCode::kCorrupt, "$.Name is number, expected a string"},
      {"Image an object", Inspect("{}", "\"n\"", "{}"), ErrorCode::kCorrupt, "$.Image is object"},
      {"Config.Image null", Inspect("{}", "\"n\"", "\"i\"", "null"), ErrorCode::kCorrupt, "$.Config.Image is null"},
      {"Config an array", "{\"Name\":\"n\",\"Image\":\"i\",\"Config\":[]}", ErrorCode::kCorrupt,
       "$.Config is array, expected an object"},
      {"Labels an array", Inspect("[\"a\"]"), ErrorCode::kCorrupt, "$.Config.Labels is array"},
      {"label value a number", Inspect("{\"app\":1}"), ErrorCode::kCorrupt,
       "$.Config.Labels[\"app\"] is number, expected a string"},
      {"label value an object", Inspect("{\"a\\u0001b\":{}}"), ErrorCode::kCorrupt,
       "$.Config.Labels[\"a\\x01b\"] is object"},
      {"Id a number", "{\"Id\":1,\"Name\":\"n\",\"Image\":\"i\",\"Config\":{\"Image\":\"r\"}}", ErrorCode::kCorrupt,
       "$.Id is number"},
      {"too many labels", Inspect(many), ErrorCode::kLimitExceeded, "$.Config.Labels has 1025 entries"},
      {"huge label value", Inspect("{\"big\":\"" + std::string(kMaxLabelValueBytes + 1, 'v') + "\"}"),
       ErrorCode::kLimitExceeded, "$.Config.Labels[\"big\"] is 65537 bytes"},
      {"huge label key", Inspect("{\"" + std::string(kMaxLabelKeyBytes + 1, 'k') + "\":\"v\"}"),
       ErrorCode::kLimitExceeded, "key of 1025 bytes"},
      {"huge name", Inspect("{}", "\"" + std::string(kMaxApiStringBytes + 1, 'n') + "\""), ErrorCode::kLimitExceeded,
       "$.Name is 4097 bytes"},
      {"deep nesting", Inspect(std::string(100, '[') + std::string(100, ']')), ErrorCode::kLimitExceeded,
       "nested deeper than 64"},
      {"larger than the cap", Inspect("{\"pad\":\"" + std::string(kMaxApiResponseBytes, ' ') + "\"}"),
       ErrorCode::kLimitExceeded, "larger than the cap"},
      {"NUL in the text", std::string("{\"Name\":\0}", 10), ErrorCode::kCorrupt, "malformed JSON"},
  };
  for (const BadCase& c : cases) {
    auto m = ParseContainerInspect(c.json);
    ASSERT_FALSE(m.ok()) << c.what;
    EXPECT_EQ(m.error().code(), c.code) << c.what << ": " << m.error().ToString();
    EXPECT_NE(m.error().message().find(c.in_message), std::string::npos) << c.what << ": " << m.error().message();
    EXPECT_TRUE(m.error().message().starts_with("container inspect")) << c.what;
  }
}

TEST(ParseImageDigest, Shapes) {
  const std::string hex(64, 'a');
  struct Case {
    const char* what;
    std::string json;
    std::string digest;
  };
  const std::vector<Case> good = {
      {"absent", "{\"Id\":\"sha256:x\"}", ""},
      {"null", "{\"RepoDigests\":null}", ""},
      {"empty", "{\"RepoDigests\":[]}", ""},
      {"first of two", "{\"RepoDigests\":[\"a/b@sha256:" + hex + "\",\"c@sha256:" + std::string(64, 'b') + "\"]}",
       "sha256:" + hex},
      {"registry with a port", "{\"RepoDigests\":[\"reg:5000/a/b@sha256:" + hex + "\"]}", "sha256:" + hex},
  };
  for (const Case& c : good) {
    auto d = ParseImageDigest(c.json);
    ASSERT_TRUE(d.ok()) << c.what << ": " << d.error().ToString();
    EXPECT_EQ(*d, c.digest) << c.what;
  }
  const std::vector<BadCase> bad = {
      {"not an object", "[1]", ErrorCode::kCorrupt, "$ is array"},
      {"truncated", "{\"RepoDigests\":[\"a@sha", ErrorCode::kCorrupt, "malformed JSON"},
      {"RepoDigests a string", "{\"RepoDigests\":\"a@sha256:" + hex + "\"}", ErrorCode::kCorrupt,
       "$.RepoDigests is string, expected an array"},
      {"entry a number", "{\"RepoDigests\":[7]}", ErrorCode::kCorrupt, "$.RepoDigests[0] is number"},
      {"no @", "{\"RepoDigests\":[\"sha256:" + hex + "\"]}", ErrorCode::kCorrupt, "not '<name>@<digest>'"},
      {"sha512", "{\"RepoDigests\":[\"a@sha512:" + hex + hex + "\"]}", ErrorCode::kCorrupt, "is not 'sha256:'"},
      {"upper-case hex", "{\"RepoDigests\":[\"a@sha256:" + std::string(64, 'A') + "\"]}", ErrorCode::kCorrupt,
       "is not 'sha256:'"},
      {"short", "{\"RepoDigests\":[\"a@sha256:abc\"]}", ErrorCode::kCorrupt, "is not 'sha256:'"},
      {"huge entry", "{\"RepoDigests\":[\"" + std::string(kMaxApiStringBytes + 1, 'a') + "\"]}",
       ErrorCode::kLimitExceeded, "$.RepoDigests[0] is 4097 bytes"},
  };
  for (const BadCase& c : bad) {
    auto d = ParseImageDigest(c.json);
    ASSERT_FALSE(d.ok()) << c.what;
    EXPECT_EQ(d.error().code(), c.code) << c.what << ": " << d.error().ToString();
    EXPECT_NE(d.error().message().find(c.in_message), std::string::npos) << c.what << ": " << d.error().message();
  }
}

// --- RuntimeApiResolver against a fake API ------------------------------------------------------

// Collects done() answers.
class Answers {
 public:
  MetadataResolver::Done Callback() {
    return [this](Result<ContainerMetadata> r) {
      std::lock_guard lock(mu_);
      got_.push_back(std::move(r));
      cv_.notify_all();
    };
  }
  // Waits until `n` answers have arrived (at most `limit`); returns whether they did.
  bool WaitFor(size_t n, milliseconds limit = milliseconds(10'000)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return got_.size() >= n; });
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return got_.size();
  }
  Result<ContainerMetadata> at(size_t i) {
    std::lock_guard lock(mu_);
    return got_.at(i);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Result<ContainerMetadata>> got_;
};

std::string IdOf(char c) { return std::string(64, c); }

ContainerRef Ref(const std::string& id) { return ContainerRef{Runtime::kPodman, id, ""}; }

std::string ContainerPath(const std::string& id) { return "/v1.41/containers/" + id + "/json"; }
const std::string kImagePath = "/v1.41/images/" + kRealImageId + "/json";

// The real podman answers, served for container `id`.
void ServeReal(FakeRuntimeApi& api, const std::string& id) {
  std::string body = Api("podman-4.3.1-container.json");
  body.replace(body.find(kRealId), kRealId.size(), id);
  api.Set(ContainerPath(id), {200, body});
  api.Set(kImagePath, {200, Api("podman-4.3.1-image.json")});
}

TEST(RuntimeApiResolver, AnswersFromTheApiAndCachesTheImage) {
  FakeRuntimeApi api;
  ServeReal(api, IdOf('a'));
  ServeReal(api, IdOf('b'));
  RuntimeApiResolver resolver({.sockets = {{api.socket_path()}}});
  Answers answers;
  resolver.Request(Ref(IdOf('a')), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(1));
  resolver.Request(Ref(IdOf('b')), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(2));
  for (size_t i = 0; i < 2; ++i) {
    auto m = answers.at(i);
    ASSERT_TRUE(m.ok()) << m.error().ToString();
    EXPECT_EQ(m->name, "metatest");
    EXPECT_EQ(m->image, "localhost/vigil-test/base:latest");
    EXPECT_EQ(m->image_id, kRealImageId);
    EXPECT_EQ(m->image_digest, kRealDigest);
    EXPECT_EQ(m->labels.at("app"), "demo");
  }
  EXPECT_EQ(api.requests(), (std::vector<std::string>{ContainerPath(IdOf('a')), kImagePath, ContainerPath(IdOf('b'))}));
  RuntimeApiStats s = resolver.stats();
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.ready, 2u);
  EXPECT_EQ(s.http_calls, 3u);
  EXPECT_EQ(s.image_cache_hits, 1u);
}

TEST(RuntimeApiResolver, NotFoundOnEverySocket) {
  FakeRuntimeApi a, b;
  RuntimeApiResolver resolver({.sockets = {{a.socket_path()}, {b.socket_path()}}});
  Answers answers;
  resolver.Request(Ref(IdOf('c')), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(1));
  auto m = answers.at(0);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound) << m.error().ToString();
  EXPECT_EQ(a.requests().size(), 1u);
  EXPECT_EQ(b.requests().size(), 1u);
  EXPECT_EQ(resolver.stats().not_found, 1u);
}

TEST(RuntimeApiResolver, TriesTheSocketsInOrderAndSkipsMissingOnes) {
  FakeRuntimeApi first, second;
  ServeReal(second, IdOf('d'));
  RuntimeApiResolver resolver({.sockets = {{first.dir() + "/missing.sock"},
                                           {first.dir()},  // exists, not a socket
                                           {first.socket_path()},
                                           {second.socket_path()}}});
  Answers answers;
  resolver.Request(Ref(IdOf('d')), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(1));
  auto m = answers.at(0);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->image_digest, kRealDigest);
  EXPECT_EQ(first.requests(), std::vector<std::string>{ContainerPath(IdOf('d'))});
}

TEST(RuntimeApiResolver, NoSocketAtAll) {
  FakeRuntimeApi api;
  RuntimeApiResolver resolver({.sockets = {{api.dir() + "/podman.sock"}, {api.dir() + "/docker.sock"}}});
  Answers answers;
  resolver.Request(Ref(IdOf('e')), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(1));
  auto m = answers.at(0);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(m.error().message().find("docker.sock"), std::string::npos) << m.error().message();
}

TEST(RuntimeApiResolver, ServerErrorsAndBadAnswers) {
  FakeRuntimeApi api;
  api.Set(ContainerPath(IdOf('1')), {500, "{\"message\":\"boom\"}"});
  api.Set(ContainerPath(IdOf('2')), {200, "{\"Name\":"});
  api.Set(ContainerPath(IdOf('3')), {200, Inspect("{}").replace(7, 1, IdOf('9'))});  // Id of another
  RuntimeApiResolver resolver({.sockets = {{api.socket_path()}}});
  Answers answers;
  for (char c : {'1', '2', '3'}) resolver.Request(Ref(IdOf(c)), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(3));
  struct Want {
    ErrorCode code;
    const char* in_message;
  };
  const Want want[] = {{ErrorCode::kUnavailable, "HTTP 500"},
                       {ErrorCode::kCorrupt, "container inspect: malformed JSON"},
                       {ErrorCode::kCorrupt, "answered about container"}};
  for (size_t i = 0; i < 3; ++i) {
    auto m = answers.at(i);
    ASSERT_FALSE(m.ok()) << i;
    EXPECT_EQ(m.error().code(), want[i].code) << i << ": " << m.error().ToString();
    EXPECT_NE(m.error().message().find(want[i].in_message), std::string::npos) << m.error().message();
    EXPECT_NE(m.error().message().find(api.socket_path()), std::string::npos) << m.error().message();
  }
  EXPECT_EQ(resolver.stats().failed, 3u);
}

TEST(RuntimeApiResolver, AFailedImageLookupLeavesTheDigestEmpty) {
  FakeRuntimeApi api;
  ServeReal(api, IdOf('f'));
  api.Set(kImagePath, {500, "{}"});
  RuntimeApiResolver resolver({.sockets = {{api.socket_path()}}});
  Answers answers;
  resolver.Request(Ref(IdOf('f')), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(1));
  auto m = answers.at(0);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->name, "metatest");
  EXPECT_EQ(m->image_digest, "");
  // Not cached: asked again for the next container.
  ServeReal(api, IdOf('0'));
  resolver.Request(Ref(IdOf('0')), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(2));
  EXPECT_EQ(answers.at(1)->image_digest, kRealDigest);
  EXPECT_EQ(resolver.stats().image_cache_hits, 0u);
}

TEST(RuntimeApiResolver, SlowServerTimesOutWithoutBlockingRequest) {
  FakeRuntimeApi api;
  ServeReal(api, IdOf('5'));
  api.Set(ContainerPath(IdOf('5')), {200, Api("podman-4.3.1-container.json"), 3000});
  RuntimeApiResolver resolver({.sockets = {{api.socket_path()}}, .timeout = milliseconds(200)});
  Answers answers;
  auto start = steady_clock::now();
  resolver.Request(Ref(IdOf('5')), answers.Callback());
  EXPECT_LT(steady_clock::now() - start, milliseconds(100));
  ASSERT_TRUE(answers.WaitFor(1, milliseconds(2000)));
  auto took = steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(150));
  EXPECT_LT(took, milliseconds(1500));
  auto m = answers.at(0);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kUnavailable) << m.error().ToString();
  EXPECT_NE(m.error().message().find("timed out"), std::string::npos) << m.error().message();
}

TEST(RuntimeApiResolver, FullQueueAnswersAtOnceAndDestructionAnswersTheRest) {
  Answers answers;
  FakeRuntimeApi api;
  api.Set(ContainerPath(IdOf('7')), {200, "", 0, true});  // never answers
  steady_clock::time_point destroyed;
  {
    RuntimeApiResolver resolver(
        {.sockets = {{api.socket_path()}}, .timeout = milliseconds(30'000), .workers = 1, .max_queue = 2});
    resolver.Request(Ref(IdOf('7')), answers.Callback());
    // Wait until the worker is inside the exchange, so the queue is empty again.
    for (int i = 0; i < 500 && api.requests().empty(); ++i) std::this_thread::sleep_for(milliseconds(5));
    ASSERT_EQ(api.requests().size(), 1u);
    resolver.Request(Ref(IdOf('8')), answers.Callback());
    resolver.Request(Ref(IdOf('9')), answers.Callback());
    EXPECT_EQ(answers.size(), 0u);
    auto start = steady_clock::now();
    resolver.Request(Ref(IdOf('6')), answers.Callback());
    EXPECT_LT(steady_clock::now() - start, milliseconds(100));
    ASSERT_EQ(answers.size(), 1u);  // answered inside Request
    EXPECT_EQ(answers.at(0).error().code(), ErrorCode::kLimitExceeded);
    EXPECT_EQ(resolver.stats().queue_full, 1u);
    destroyed = steady_clock::now();
  }
  // The hanging exchange was abandoned long before its 30 s timeout.
  EXPECT_LT(steady_clock::now() - destroyed, milliseconds(2000));
  ASSERT_EQ(answers.size(), 4u);
  for (size_t i = 1; i < 4; ++i) {
    auto m = answers.at(i);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code(), ErrorCode::kUnavailable) << m.error().ToString();
    EXPECT_NE(m.error().message().find("shut down"), std::string::npos) << m.error().message();
  }
}

TEST(RuntimeApiResolver, RefusesIdsThatAreNotPathSafe) {
  RuntimeApiResolver resolver({.sockets = {}});
  Answers answers;
  for (const std::string& id :
       std::vector<std::string>{"", "../../images/x", "a/b", "a b", "a:b", std::string(129, 'a')}) {
    resolver.Request(Ref(id), answers.Callback());
  }
  ASSERT_EQ(answers.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(answers.at(i).error().code(), ErrorCode::kInvalidArgument) << i;
}

TEST(RuntimeApiResolver, ManyRequestsFromManyThreads) {
  FakeRuntimeApi api;
  for (char c : std::string("0123456789abcdef")) ServeReal(api, IdOf(c));
  RuntimeApiResolver resolver({.sockets = {{api.socket_path()}}, .workers = 3});
  Answers answers;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (char c : std::string("0123456789abcdef")) resolver.Request(Ref(IdOf(c)), answers.Callback());
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(answers.WaitFor(64));
  for (size_t i = 0; i < 64; ++i) EXPECT_TRUE(answers.at(i).ok()) << answers.at(i).error().ToString();
  EXPECT_EQ(resolver.stats().ready, 64u);
}

// The Attributor asks the resolver and publishes its answer.
TEST(RuntimeApiResolver, FeedsTheAttributor) {
  FakeRuntimeApi api;
  ServeReal(api, IdOf('c'));
  testing::FakeProc proc;
  testing::FakeProcess p;
  p.mnt_ns = 4026532999;
  p.cgroup = "4:memory:/libpod_parent/libpod-" + IdOf('c') + "\n0::/libpod_parent/libpod-" + IdOf('c') + "\n";
  proc.Add(42, p);
  auto resolver = std::make_shared<RuntimeApiResolver>(RuntimeApiOptions{.sockets = {{api.socket_path()}}});
  Attributor attributor({.proc_root = proc.root(), .resolver = resolver});
  EventOrigin e{.pid = 42, .cgroup_id = 7, .mnt_ns = 4026532999};
  ASSERT_TRUE(attributor.Attribute(e).resolved);
  Attribution a;
  for (int i = 0; i < 1000; ++i) {
    a = attributor.Peek(e);
    if (a.metadata_state != MetadataState::kPending) break;
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(a.metadata_state, MetadataState::kReady);
  EXPECT_EQ(a.metadata->name, "metatest");
  EXPECT_EQ(a.metadata->image_digest, kRealDigest);
}

}  // namespace
}  // namespace vigil::runtime
