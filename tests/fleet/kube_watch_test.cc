// Tests of fleet/kube_watch.h: the kubeconfig and in-cluster configuration, the bearer token, the
// parsers against API answers written after the Kubernetes API reference
// (tests/fleet/testdata/kube/README.md says where each comes from) and hand-made bad input, and
// the watcher against a scripted API server served over HTTPS on loopback by the test itself
// (a throwaway CA and server certificate made with the openssl command), so that the bearer
// token and the CA are really used.
#include "fleet/kube_watch.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
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
#include "../support/test_certs.h"
#include "../test_util.h"
#include "net/http_server.h"

namespace vigil::fleet {
namespace {

using std::chrono::milliseconds;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Fixture(const std::string& name) { return ReadAll(vigil::testing::TestData("fleet", "kube/" + name)); }

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(out) << path;
  out << text;
}

using vigil::testing::Lines;

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string Base64(const std::string& in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

using vigil::testing::TestCerts;

// ---------------------------------------------------------------------------------------------
// Kubeconfig

std::string Kubeconfig(const std::string& user, const std::string& cluster_extra = "",
                       const std::string& server = "https://127.0.0.1:6443") {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: other\n"
         "  cluster:\n"
         "    server: https://other.example:6443\n"
         "- name: dev\n"
         "  cluster:\n"
         "    server: " +
         server + "\n" + cluster_extra +
         "contexts:\n"
         "- name: dev-admin\n"
         "  context:\n"
         "    cluster: dev\n"
         "    user: admin\n"
         "    namespace: shop\n"
         "- name: broken\n"
         "  context:\n"
         "    cluster: missing\n"
         "    user: admin\n"
         "current-context: dev-admin\n"
         "preferences: {}\n"
         "users:\n"
         "- name: admin\n"
         "  user:\n" +
         user;
}

TEST(KubeConfig, TokenAndCaFile) {
  auto c = ParseKubeConfig(Kubeconfig("    token: abc.def-ghi\n", "    certificate-authority: certs/ca.crt\n"),
                           "kubeconfig /home/u/.kube/config", "/home/u/.kube");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->ca_file, "/home/u/.kube/certs/ca.crt") << "relative to the kubeconfig's folder";
  EXPECT_EQ(c->ca_pem, "");
  EXPECT_EQ(c->token, "abc.def-ghi");
  EXPECT_EQ(c->token_file, "");
  EXPECT_EQ(c->namespace_name, "shop");
  EXPECT_EQ(c->source, "kubeconfig /home/u/.kube/config (context dev-admin)");
}

TEST(KubeConfig, TokenFileAndCaData) {
  const std::string pem = TestCerts().ca_pem;
  auto c = ParseKubeConfig(
      Kubeconfig("    tokenFile: /var/run/token\n", "    certificate-authority-data: " + Base64(pem) + "\n",
                 "https://kube.example:6443/prefix/"),
      "kubeconfig k", "/etc/k");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->server, "https://kube.example:6443/prefix") << "no trailing '/'";
  EXPECT_EQ(c->ca_pem, pem);
  EXPECT_EQ(c->token_file, "/var/run/token") << "an absolute path stays";
  EXPECT_EQ(c->token, "");
}

TEST(KubeConfig, ContextAskedFor) {
  auto broken = ParseKubeConfig(Kubeconfig("    token: t\n"), "k", "", "broken");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Has(broken.error().message(), "clusters has no entry named \"missing\"")) << broken.error().message();
  auto unknown = ParseKubeConfig(Kubeconfig("    token: t\n"), "k", "", "nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Has(unknown.error().message(), "contexts has no entry named \"nope\"")) << unknown.error().message();
}

struct KubeconfigCase {
  std::string name;
  std::string text;
  ErrorCode code;
  std::string says;
};

TEST(KubeConfig, Refusals) {
  const std::string pem = TestCerts().ca_pem;
  const std::vector<KubeconfigCase> cases = {
      {"client certificate", Kubeconfig("    client-certificate: /c.crt\n    client-key: /c.key\n"),
       ErrorCode::kUnsupported, "users[0].user.client-certificate is not supported: client-certificate authentication"},
      {"client certificate data", Kubeconfig("    client-certificate-data: AAAA\n    token: t\n"),
       ErrorCode::kUnsupported, "client-certificate-data is not supported"},
      {"client key data", Kubeconfig("    client-key-data: AAAA\n    token: t\n"), ErrorCode::kUnsupported,
       "client-key-data is not supported"},
      {"exec plugin",
       Kubeconfig("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n      args: [eks, "
                  "get-token]\n"),
       ErrorCode::kUnsupported, "users[0].user.exec is not supported: vigil runs no credential plugins"},
      {"auth provider", Kubeconfig("    auth-provider:\n      name: gcp\n"), ErrorCode::kUnsupported,
       "auth-provider is not supported"},
      {"basic auth", Kubeconfig("    username: admin\n    password: secret\n"), ErrorCode::kUnsupported,
       "basic authentication"},
      {"no credentials", Kubeconfig("    {}\n"), ErrorCode::kUnsupported, "has neither token nor tokenFile"},
      {"insecure", Kubeconfig("    token: t\n", "    insecure-skip-tls-verify: true\n"), ErrorCode::kUnsupported,
       "insecure-skip-tls-verify is refused"},
      {"proxy", Kubeconfig("    token: t\n", "    proxy-url: http://proxy:3128\n"), ErrorCode::kUnsupported,
       "clusters[1].cluster.proxy-url is not supported"},
      {"plain http", Kubeconfig("    token: t\n", "", "http://127.0.0.1:8080"), ErrorCode::kUnsupported,
       "plain http is refused"},
      {"not a URL", Kubeconfig("    token: t\n", "", "kube.example:6443"), ErrorCode::kInvalidArgument,
       "is not an https:// URL"},
      {"userinfo in URL", Kubeconfig("    token: t\n", "", "https://u:p@kube.example"), ErrorCode::kInvalidArgument,
       "is not https://host[:port][/path]"},
      {"bad base64", Kubeconfig("    token: t\n", "    certificate-authority-data: '%%%'\n"), ErrorCode::kCorrupt,
       "certificate-authority-data is not base64"},
      {"base64 of no PEM", Kubeconfig("    token: t\n", "    certificate-authority-data: aGVsbG8=\n"),
       ErrorCode::kCorrupt, "is not a PEM certificate once decoded"},
      {"token a map", Kubeconfig("    token: {a: b}\n"), ErrorCode::kCorrupt, "users[0].user.token is not a string"},
      {"users a map",
       "current-context: c\ncontexts:\n- name: c\n  context: {cluster: x, user: y}\nclusters:\n- name: "
       "x\n  cluster: {server: 'https://a'}\nusers: {y: 1}\n",
       ErrorCode::kCorrupt, "k:8:8: users is not a list"},
      {"entry without its map", "current-context: c\ncontexts:\n- name: c\n", ErrorCode::kCorrupt,
       "contexts[0].context is not a map"},
      {"no current context", "apiVersion: v1\nkind: Config\nclusters: []\n", ErrorCode::kNotFound,
       "no current-context"},
      {"kind", "kind: Pod\n", ErrorCode::kCorrupt, "kind \"Pod\" is not \"Config\""},
      {"not a map", "- a\n- b\n", ErrorCode::kCorrupt, "the document is not a map"},
      {"not YAML", "a: [b\n", ErrorCode::kCorrupt, "k:"},
  };
  for (const KubeconfigCase& c : cases) {
    auto r = ParseKubeConfig(c.text, "k", "/base");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().ToString();
    EXPECT_TRUE(Has(r.error().message(), c.says)) << c.name << ": " << r.error().message();
    EXPECT_TRUE(r.error().message().starts_with("k")) << c.name << ": " << r.error().message();
    EXPECT_FALSE(Has(r.error().message(), "secret")) << c.name << ": a credential in a message";
  }
}

TEST(KubeConfig, HostileYamlIsRefusedByTheGuard) {
  // Billion laughs: nine levels of nine aliases each.
  std::string text = "a0: &a0 [lol]\n";
  for (int i = 1; i <= 9; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) text += std::string(j ? "," : "") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  text += "current-context: *a9\n";
  auto r = ParseKubeConfig(text, "kubeconfig evil", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimitExceeded) << r.error().ToString();
  EXPECT_TRUE(r.error().message().starts_with("kubeconfig evil:")) << r.error().message();

  auto deep = ParseKubeConfig(std::string(200, '[') + std::string(200, ']'), "kubeconfig deep", "");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code(), ErrorCode::kLimitExceeded) << deep.error().ToString();

  auto big = ParseKubeConfig(std::string(kMaxKubeconfigBytes + 1, '#'), "kubeconfig big", "");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), ErrorCode::kLimitExceeded);
}

TEST(KubeConfig, LoadFromFile) {
  vigil::testing::ScopedTempDir dir("kubeconfig");
  WriteFile(dir.str() + "/config", Kubeconfig("    tokenFile: secrets/token\n", "    certificate-authority: ca.pem\n"));
  auto c = LoadKubeConfig(dir.str() + "/config");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->ca_file, dir.str() + "/ca.pem");
  EXPECT_EQ(c->token_file, dir.str() + "/secrets/token");
  EXPECT_EQ(c->source, "kubeconfig " + dir.str() + "/config (context dev-admin)");

  auto missing = LoadKubeConfig(dir.str() + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound) << missing.error().ToString();
  EXPECT_TRUE(Has(missing.error().message(), "kubeconfig " + dir.str() + "/nope")) << missing.error().message();
}

// ---------------------------------------------------------------------------------------------
// In-cluster configuration and the bearer token

// Sets the service variables for one test and restores them after.
class ServiceEnv {
 public:
  ServiceEnv(const char* host, const char* port) {
    for (const char* name : {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"}) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
    }
    Set("KUBERNETES_SERVICE_HOST", host);
    Set("KUBERNETES_SERVICE_PORT", port);
  }
  ~ServiceEnv() {
    for (const auto& [name, v] : saved_) Set(name.c_str(), v ? v->c_str() : nullptr);
  }

 private:
  static void Set(const char* name, const char* v) {
    if (v == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, v, 1);
    }
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(InClusterConfig, FromAServiceAccountFolder) {
  vigil::testing::ScopedTempDir root("sa");
  WriteFile(root.str() + "/token", "eyJhbGciOiJSUzI1NiJ9.payload.sig\n");
  WriteFile(root.str() + "/ca.crt", TestCerts().ca_pem);
  WriteFile(root.str() + "/namespace", "monitoring");
  ServiceEnv env("10.96.0.1", "443");
  auto c = InClusterConfig(root.str());
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token_file, root.str() + "/token");
  EXPECT_EQ(c->ca_file, root.str() + "/ca.crt");
  EXPECT_EQ(c->namespace_name, "monitoring");
  EXPECT_EQ(c->source, "in-cluster");
  EXPECT_EQ(c->token, "") << "read at each request, not kept";

  ServiceEnv v6("fd00:10:96::1", "6443");
  auto c6 = InClusterConfig(root.str());
  ASSERT_TRUE(c6.ok()) << c6.error().ToString();
  EXPECT_EQ(c6->server, "https://[fd00:10:96::1]:6443");
}

TEST(InClusterConfig, Refusals) {
  vigil::testing::ScopedTempDir root("sa");
  {
    ServiceEnv env("", "443");
    auto r = InClusterConfig(root.str());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
    EXPECT_TRUE(Has(r.error().message(), "not running in a pod")) << r.error().message();
  }
  ServiceEnv env("10.96.0.1", "443");
  auto no_token = InClusterConfig(root.str());
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Has(no_token.error().message(), root.str() + "/token: no such file")) << no_token.error().message();
  WriteFile(root.str() + "/token", "t");
  auto no_ca = InClusterConfig(root.str());
  ASSERT_FALSE(no_ca.ok());
  EXPECT_TRUE(Has(no_ca.error().message(), "ca.crt: no such file")) << no_ca.error().message();
  WriteFile(root.str() + "/ca.crt", "x");
  EXPECT_TRUE(InClusterConfig(root.str()).ok()) << "no namespace file: fine";
  for (const char* port : {"0", "65536", "44x", "-1"}) {
    ServiceEnv bad("10.96.0.1", port);
    auto r = InClusterConfig(root.str());
    ASSERT_FALSE(r.ok()) << port;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << port;
  }
  ServiceEnv bad_host("evil.example/path", "443");
  EXPECT_EQ(InClusterConfig(root.str()).error().code(), ErrorCode::kInvalidArgument);
}

TEST(ReadBearerToken, FileIsReadEachTimeAndNeverQuoted) {
  vigil::testing::ScopedTempDir dir("token");
  KubeConfig c;
  c.source = "test";
  c.token = "inline-token";
  c.token_file = dir.str() + "/token";
  WriteFile(c.token_file, "  first-token\n");
  auto t = ReadBearerToken(c);
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(*t, "first-token") << "the file wins over the inline token; blanks dropped";
  WriteFile(c.token_file, "rotated-token");
  EXPECT_EQ(*ReadBearerToken(c), "rotated-token");

  WriteFile(c.token_file, "top secret");
  auto inner_blank = ReadBearerToken(c);
  ASSERT_FALSE(inner_blank.ok());
  EXPECT_EQ(inner_blank.error().code(), ErrorCode::kCorrupt);
  EXPECT_FALSE(Has(inner_blank.error().message(), "secret")) << inner_blank.error().message();
  EXPECT_TRUE(Has(inner_blank.error().message(), "token file " + c.token_file)) << inner_blank.error().message();
  WriteFile(c.token_file, "\n");
  EXPECT_EQ(ReadBearerToken(c).error().code(), ErrorCode::kCorrupt);
  WriteFile(c.token_file, std::string(kMaxBearerTokenBytes + 1, 'a'));
  EXPECT_EQ(ReadBearerToken(c).error().code(), ErrorCode::kLimitExceeded);
  std::filesystem::remove(c.token_file);
  EXPECT_EQ(ReadBearerToken(c).error().code(), ErrorCode::kNotFound);

  c.token_file.clear();
  EXPECT_EQ(*ReadBearerToken(c), "inline-token");
  c.token = "line\nbreak";
  EXPECT_EQ(ReadBearerToken(c).error().code(), ErrorCode::kCorrupt);
  c.token.clear();
  EXPECT_EQ(ReadBearerToken(c).error().code(), ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Image ids, owners

TEST(ParseImageId, Forms) {
  const std::string h(64, 'a');
  const std::string h512(128, 'b');
  struct Case {
    std::string in;
    std::string repo, digest;
  };
  const std::vector<Case> good = {
      {"", "", ""},
      {"docker-pullable://nginx@sha256:" + h, "nginx", "sha256:" + h},
      {"docker-pullable://gcr.io/p/app@sha256:" + h, "gcr.io/p/app", "sha256:" + h},
      {"docker.io/library/nginx@sha256:" + h, "docker.io/library/nginx", "sha256:" + h},
      {"localhost:5000/team/app@sha256:" + h, "localhost:5000/team/app", "sha256:" + h},
      {"sha256:" + h, "", "sha256:" + h},
      {"docker://sha256:" + h, "", "sha256:" + h},
      {"quay.io/x/y@sha512:" + h512, "quay.io/x/y", "sha512:" + h512},
  };
  for (const Case& c : good) {
    auto r = ParseImageId(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().ToString();
    EXPECT_EQ(r->repo, c.repo) << c.in;
    EXPECT_EQ(r->digest, c.digest) << c.in;
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"nginx:1.25", "names no digest"},
      {"nginx@sha256:abc", "not 64 lower-case hex digits"},
      {"nginx@sha256:" + std::string(64, 'A'), "not 64 lower-case hex digits"},
      {"nginx@md5:" + h, "other than sha256 or sha512"},
      {"@sha256:" + h, "empty repository"},
      {"containerd://sha256:" + h, "unknown scheme"},
      {"docker-pullable://nginx@sha256:" + h + "x", "not 64"},
      {"ngi nx@sha256:" + h, "blanks or control characters"},
  };
  for (const auto& [in, says] : bad) {
    auto r = ParseImageId(in);
    ASSERT_FALSE(r.ok()) << in;
    EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt) << in;
    EXPECT_TRUE(Has(r.error().message(), says)) << in << ": " << r.error().message();
  }
}

TEST(InferDeploymentName, Table) {
  struct Case {
    std::string rs, hash, want;
  };
  const std::vector<Case> cases = {
      {"web-7d4b9c8f6d", "7d4b9c8f6d", "web"},
      {"keymaker-keymaker-769579fd65", "769579fd65", "keymaker-keymaker"},
      {"nginx-deployment-6dfd8b84dc", "2898464087", "nginx-deployment"},  // before 1.11: another hash
      {"web-7d4b9c8f6d", "", ""},                                         // no label: not the Deployment controller's
      {"web-db", "xyz", ""},                                              // a short suffix that is not the label
      {"cache-aaaaaa", "123456", ""},                                     // 'a' is not in the alphabet
      {"web", "web", ""},                                                 // no '-'
      {"-7d4b9c8f6d", "7d4b9c8f6d", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(InferDeploymentName(c.rs, c.hash), c.want) << c.rs << " / " << c.hash;
  }
}

// ---------------------------------------------------------------------------------------------
// ParsePodList

const KubeContainer* FindContainer(const std::vector<KubePod>& pods, const std::string& pod, const std::string& name) {
  for (const KubePod& p : pods) {
    for (const KubeContainer& c : p.containers) {
      if (p.name == pod && c.name == name) return &c;
    }
  }
  return nullptr;
}

TEST(ParsePodList, FirstPage) {
  auto page = ParsePodList(Fixture("podlist-page1.json"));
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ(page->resource_version, "245590");
  EXPECT_TRUE(page->continue_token.starts_with("eyJ2Ijoib")) << page->continue_token;
  ASSERT_EQ(page->pods.size(), 2u);

  const KubePod& nginx = page->pods[0];
  EXPECT_EQ(nginx.pod_namespace, "default");
  EXPECT_EQ(nginx.name, "nginx-deployment-6dfd8b84dc-6dkjc");
  EXPECT_EQ(nginx.uid, "90a9d57f-d87d-11e8-a473-080027728ac4");
  EXPECT_EQ(nginx.resource_version, "245580");
  EXPECT_EQ(nginx.phase, "Running");
  ASSERT_EQ(nginx.containers.size(), 1u);
  const KubeContainer& c = nginx.containers[0];
  EXPECT_EQ(c.pod_namespace, "default");
  EXPECT_EQ(c.pod_name, nginx.name);
  EXPECT_EQ(c.pod_uid, nginx.uid);
  EXPECT_EQ(c.node, "minikube");
  EXPECT_EQ(c.name, "nginx");
  EXPECT_EQ(c.kind, KubeContainerKind::kRegular);
  EXPECT_EQ(c.runtime, "containerd");
  EXPECT_EQ(c.container_id.size(), 64u);
  EXPECT_EQ(c.image, "docker.io/library/nginx:latest");
  EXPECT_EQ(c.image_repo, "docker.io/library/nginx");
  EXPECT_TRUE(c.digest.starts_with("sha256:")) << c.digest;
  EXPECT_EQ(c.image_id, c.image_repo + "@" + c.digest);
  EXPECT_EQ(c.state, "running");
  EXPECT_TRUE(c.running);
  EXPECT_EQ(c.labels, (std::map<std::string, std::string>{{"app", "nginx"}, {"pod-template-hash", "2898464087"}}));
  EXPECT_EQ(c.owner_kind, "ReplicaSet");
  EXPECT_EQ(c.owner_name, "nginx-deployment-6dfd8b84dc");
  EXPECT_EQ(c.inferred_deployment, "nginx-deployment");

  const KubePod& keymaker = page->pods[1];
  ASSERT_EQ(keymaker.containers.size(), 2u) << "the regular container, then the init container";
  const KubeContainer& main = keymaker.containers[0];
  const KubeContainer& init = keymaker.containers[1];
  EXPECT_EQ(main.name, "keymaker-original");
  EXPECT_EQ(main.runtime, "docker");
  EXPECT_EQ(main.image_repo, "gcr.io/gsf-mgmt-devmvp-spinnaker/dva/keymaker-client") << "docker-pullable:// dropped";
  EXPECT_EQ(main.inferred_deployment, "keymaker-keymaker");
  EXPECT_EQ(main.node, "gke-mgmt-default-pool-3f1a2b7c-q8wz");
  EXPECT_EQ(init.name, "keymaker-init");
  EXPECT_EQ(init.kind, KubeContainerKind::kInit);
  EXPECT_EQ(init.state, "terminated");
  EXPECT_FALSE(init.running);
  EXPECT_EQ(init.labels.at("app.kubernetes.io/name"), "keymaker");
}

TEST(ParsePodList, LastPage) {
  auto page = ParsePodList(Fixture("podlist-page2.json"));
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ(page->continue_token, "");
  ASSERT_EQ(page->pods.size(), 4u);

  const KubeContainer* exporter = FindContainer(page->pods, "node-exporter-4xq9t", "node-exporter");
  ASSERT_NE(exporter, nullptr);
  EXPECT_EQ(exporter->runtime, "cri-o");
  EXPECT_EQ(exporter->owner_kind, "DaemonSet");
  EXPECT_EQ(exporter->owner_name, "node-exporter");
  EXPECT_EQ(exporter->inferred_deployment, "") << "only ReplicaSets lead to a Deployment";
  EXPECT_EQ(exporter->image_repo, "quay.io/prometheus/node-exporter");

  const KubeContainer* pending = FindContainer(page->pods, "web-7d4b9c8f6d-h2vlx", "web");
  ASSERT_NE(pending, nullptr);
  EXPECT_EQ(pending->state, "waiting");
  EXPECT_FALSE(pending->running);
  EXPECT_EQ(pending->image_id, "");
  EXPECT_EQ(pending->digest, "") << "not pulled yet";
  EXPECT_EQ(pending->container_id, "");
  EXPECT_EQ(pending->runtime, "");
  EXPECT_EQ(pending->inferred_deployment, "web");

  const KubeContainer* apiserver = FindContainer(page->pods, "kube-apiserver-minikube", "kube-apiserver");
  ASSERT_NE(apiserver, nullptr);
  EXPECT_EQ(apiserver->owner_kind, "Node") << "a static pod's mirror";
  EXPECT_EQ(apiserver->image_repo, "");
  EXPECT_TRUE(apiserver->digest.starts_with("sha256:"));

  const KubeContainer* debugger = FindContainer(page->pods, "report-28421040-zq5mb", "debugger-8xk2p");
  ASSERT_NE(debugger, nullptr);
  EXPECT_EQ(debugger->kind, KubeContainerKind::kEphemeral);
  EXPECT_EQ(KubeContainerKindName(debugger->kind), "ephemeral");
  EXPECT_TRUE(debugger->running);
  EXPECT_EQ(debugger->owner_kind, "Job");
}

// A minimal pod with one container status, members replaced or added by `extra_status` (inside
// the status object) and `extra_meta`.
std::string Pod(const std::string& status_member = "", const std::string& meta_member = "") {
  return R"({"metadata":{"name":"p","namespace":"ns","resourceVersion":"7")" +
         (meta_member.empty() ? "" : "," + meta_member) +
         R"(},"status":{"containerStatuses":[{"name":"c","imageID":"sha256:)" + std::string(64, 'a') +
         R"(","containerID":"containerd://abc","state":{"running":{}})" +
         (status_member.empty() ? "" : "," + status_member) + "}]}}";
}
std::string List(const std::string& items) {
  return R"({"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[)" + items + "]}";
}

TEST(ParsePodList, MinimalAndEmpty) {
  auto one = ParsePodList(List(Pod()));
  ASSERT_TRUE(one.ok()) << one.error().ToString();
  ASSERT_EQ(one->pods.size(), 1u);
  EXPECT_EQ(one->pods[0].containers[0].container_id, "abc");
  auto empty = ParsePodList(R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]})");
  ASSERT_TRUE(empty.ok()) << empty.error().ToString();
  EXPECT_TRUE(empty->pods.empty());
  auto null_items = ParsePodList(R"({"metadata":{"resourceVersion":"1"},"items":null})");
  ASSERT_TRUE(null_items.ok()) << null_items.error().ToString();
  auto nulls = ParsePodList(List(R"({"metadata":{"name":"p","namespace":"n","labels":null,"ownerReferences":null},)"
                                 R"("spec":null,"status":{"containerStatuses":null}})"));
  ASSERT_TRUE(nulls.ok()) << nulls.error().ToString();
  EXPECT_TRUE(nulls->pods[0].containers.empty());
}

struct BadCase {
  std::string name;
  std::string input;
  ErrorCode code;
  std::string says;  // a part of the message
};

TEST(ParsePodList, BadInput) {
  const std::vector<BadCase> cases = {
      {"not json", "{", ErrorCode::kCorrupt, "pod list: malformed JSON at byte"},
      {"array", "[]", ErrorCode::kCorrupt, "$ is array, expected an object"},
      {"kind", R"({"kind":"NodeList","items":[]})", ErrorCode::kCorrupt, "$.kind \"NodeList\" is not \"PodList\""},
      {"no items", R"({"kind":"PodList"})", ErrorCode::kCorrupt, "$.items is missing"},
      {"items object", R"({"items":{}})", ErrorCode::kCorrupt, "$.items is object, expected an array"},
      {"metadata array", R"({"metadata":[],"items":[]})", ErrorCode::kCorrupt, "$.metadata is array"},
      {"rv number", R"({"metadata":{"resourceVersion":5},"items":[]})", ErrorCode::kCorrupt,
       "$.metadata.resourceVersion is number, expected a string"},
      {"item string", List(Pod() + ",\"x\""), ErrorCode::kCorrupt, "$.items[1] is string, expected an object"},
      {"no metadata", List(R"({"spec":{}})"), ErrorCode::kCorrupt, "$.items[0].metadata is missing"},
      {"no name", List(R"({"metadata":{"namespace":"n"}})"), ErrorCode::kCorrupt,
       "$.items[0].metadata.name is missing"},
      {"empty namespace", List(R"({"metadata":{"name":"p","namespace":""}})"), ErrorCode::kCorrupt,
       "$.items[0].metadata.namespace is empty"},
      {"item kind", List(R"({"kind":"Node","metadata":{"name":"p","namespace":"n"}})"), ErrorCode::kCorrupt,
       "$.items[0].kind \"Node\" is not \"Pod\""},
      {"labels array", List(Pod("", R"("labels":[])")), ErrorCode::kCorrupt, "$.items[0].metadata.labels is array"},
      {"label number", List(Pod("", R"("labels":{"app":1})")), ErrorCode::kCorrupt,
       "$.items[0].metadata.labels[\"app\"] is number, expected a string"},
      {"owners object", List(Pod("", R"("ownerReferences":{})")), ErrorCode::kCorrupt,
       "$.items[0].metadata.ownerReferences is object, expected an array"},
      {"controller string", List(Pod("", R"("ownerReferences":[{"kind":"ReplicaSet","name":"r","controller":"yes"}])")),
       ErrorCode::kCorrupt, "$.items[0].metadata.ownerReferences[0].controller is string, expected a boolean"},
      {"controller without name", List(Pod("", R"("ownerReferences":[{"kind":"ReplicaSet","controller":true}])")),
       ErrorCode::kCorrupt, "$.items[0].metadata.ownerReferences[0].name is missing"},
      {"nodeName number", List(R"({"metadata":{"name":"p","namespace":"n"},"spec":{"nodeName":1}})"),
       ErrorCode::kCorrupt, "$.items[0].spec.nodeName is number"},
      {"statuses object", List(R"({"metadata":{"name":"p","namespace":"n"},"status":{"initContainerStatuses":{}}})"),
       ErrorCode::kCorrupt, "$.items[0].status.initContainerStatuses is object, expected an array"},
      {"status entry number",
       List(R"({"metadata":{"name":"p","namespace":"n"},"status":{"ephemeralContainerStatuses":[1]}})"),
       ErrorCode::kCorrupt, "$.items[0].status.ephemeralContainerStatuses[0] is number"},
      {"imageID", List(Pod() + "," + Pod(R"("imageID":"nginx:latest")")), ErrorCode::kCorrupt,
       "$.items[1].status.containerStatuses[0].imageID \"nginx:latest\" names no digest"},
      {"imageID number", List(Pod(R"("imageID":1)")), ErrorCode::kCorrupt,
       "$.items[0].status.containerStatuses[0].imageID is number"},
      {"containerID without runtime", List(Pod(R"("containerID":"abc")")), ErrorCode::kCorrupt,
       "$.items[0].status.containerStatuses[0].containerID \"abc\" is not '<runtime>://<id>'"},
      {"containerID path", List(Pod(R"("containerID":"containerd://../x")")), ErrorCode::kCorrupt,
       "containerID \"containerd://../x\" is not"},
      {"container name missing",
       List(R"({"metadata":{"name":"p","namespace":"n"},"status":{"containerStatuses":[{}]}})"), ErrorCode::kCorrupt,
       "$.items[0].status.containerStatuses[0].name is missing"},
      {"state string", List(Pod(R"("state":"running")")), ErrorCode::kCorrupt,
       "$.items[0].status.containerStatuses[0].state is string, expected an object"},
      {"state member array", List(Pod(R"("state":{"running":[]})")), ErrorCode::kCorrupt,
       "$.items[0].status.containerStatuses[0].state.running is array"},
  };
  for (const BadCase& c : cases) {
    auto r = ParsePodList(c.input);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().ToString();
    EXPECT_TRUE(Has(r.error().message(), c.says)) << c.name << ": " << r.error().message();
    EXPECT_TRUE(r.error().message().starts_with("pod list: ")) << c.name << ": " << r.error().message();
  }
}

TEST(ParsePodList, Limits) {
  std::string many_labels;
  for (size_t i = 0; i <= kMaxKubeLabels; ++i) many_labels += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":\"v\"");
  std::string many_pods;
  for (size_t i = 0; i <= kMaxPodsPerPage; ++i) many_pods += (i ? "," : "") + std::string(R"({"metadata":{}})");
  std::string many_statuses;
  for (size_t i = 0; i <= kMaxContainersPerPod; ++i) many_statuses += (i ? "," : "") + std::string("{}");
  const std::vector<BadCase> cases = {
      {"bytes", List("") + std::string(kMaxPodListPageBytes, ' '), ErrorCode::kLimitExceeded,
       "bytes, more than the cap of"},
      {"depth", R"({"items":[],"x":)" + std::string(100, '[') + std::string(100, ']') + "}", ErrorCode::kLimitExceeded,
       "nested deeper than 64 levels"},
      {"tokens", R"({"items":[],"x":[)" + std::string(kMaxJsonTokensPerPodPage, ',') + "]}", ErrorCode::kLimitExceeded,
       "JSON values and member names"},
      {"items", List(many_pods), ErrorCode::kLimitExceeded, "$.items has 5001 entries"},
      {"labels", List(Pod("", "\"labels\":{" + many_labels + "}")), ErrorCode::kLimitExceeded,
       "$.items[0].metadata.labels has 1025 entries"},
      {"label value", List(Pod("", "\"labels\":{\"k\":\"" + std::string(kMaxKubeLabelValueBytes + 1, 'v') + "\"}")),
       ErrorCode::kLimitExceeded, "$.items[0].metadata.labels[\"k\"] is 65537 bytes"},
      {"statuses",
       List(R"({"metadata":{"name":"p","namespace":"n"},"status":{"containerStatuses":[)" + many_statuses + "]}}"),
       ErrorCode::kLimitExceeded, "$.items[0].status has 1025 container statuses"},
      {"image", List(Pod("\"image\":\"" + std::string(kMaxKubeStringBytes + 1, 'i') + "\"")), ErrorCode::kLimitExceeded,
       "$.items[0].status.containerStatuses[0].image is 4097 bytes"},
      {"continue", R"({"metadata":{"continue":")" + std::string(kMaxContinueTokenBytes + 1, 'c') + R"("},"items":[]})",
       ErrorCode::kLimitExceeded, "$.metadata.continue is 65537 bytes"},
  };
  for (const BadCase& c : cases) {
    auto r = ParsePodList(c.input);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().ToString();
    EXPECT_TRUE(Has(r.error().message(), c.says)) << c.name << ": " << r.error().message();
  }
}

// ---------------------------------------------------------------------------------------------
// ParseWatchEvent

TEST(ParseWatchEvent, RecordedShapes) {
  std::vector<std::string> lines = Lines(Fixture("watch-events.jsonl"));
  ASSERT_EQ(lines.size(), 4u);
  std::vector<KubeWatchEvent> events;
  for (const std::string& line : lines) {
    auto ev = ParseWatchEvent(line + "\r");
    ASSERT_TRUE(ev.ok()) << ev.error().ToString();
    events.push_back(*ev);
  }
  EXPECT_EQ(events[0].type, KubeEventType::kAdded);
  EXPECT_EQ(events[0].pod.name, "web-7d4b9c8f6d-9fj4m");
  EXPECT_EQ(events[0].pod.phase, "Pending");
  EXPECT_TRUE(events[0].pod.containers.empty()) << "no statuses before it is scheduled";
  EXPECT_EQ(events[0].resource_version, "245595");

  EXPECT_EQ(events[1].type, KubeEventType::kModified);
  ASSERT_EQ(events[1].pod.containers.size(), 1u);
  EXPECT_TRUE(events[1].pod.containers[0].running);
  EXPECT_EQ(events[1].pod.containers[0].image_repo, "registry.example.com/shop/web");
  EXPECT_EQ(events[1].resource_version, "245601");

  EXPECT_EQ(events[2].type, KubeEventType::kDeleted);
  EXPECT_EQ(events[2].pod.pod_namespace, "batch");
  EXPECT_EQ(events[2].pod.name, "report-28421040-zq5mb");
  EXPECT_EQ(events[2].pod.containers[0].state, "terminated");

  EXPECT_EQ(events[3].type, KubeEventType::kBookmark);
  EXPECT_EQ(KubeEventTypeName(events[3].type), "BOOKMARK");
  EXPECT_EQ(events[3].resource_version, "245642");

  auto gone = ParseWatchEvent(Lines(Fixture("watch-error-410.jsonl"))[0]);
  ASSERT_TRUE(gone.ok()) << gone.error().ToString();
  EXPECT_EQ(gone->type, KubeEventType::kError);
  EXPECT_EQ(gone->status.code, 410);
  EXPECT_EQ(gone->status.reason, "Expired");
  EXPECT_TRUE(Has(gone->status.message, "too old resource version"));
}

TEST(ParseWatchEvent, BadInput) {
  const std::string pod = Pod();
  const std::vector<BadCase> cases = {
      {"empty", "", ErrorCode::kCorrupt, "watch event: malformed JSON"},
      {"array", "[]", ErrorCode::kCorrupt, "$ is array, expected an object"},
      {"two objects", "{} {}", ErrorCode::kCorrupt, "malformed JSON"},
      {"no type", R"({"object":)" + pod + "}", ErrorCode::kCorrupt, "$.type is missing"},
      {"type number", R"({"type":1,"object":)" + pod + "}", ErrorCode::kCorrupt, "$.type is number"},
      {"unknown type", R"({"type":"CHANGED","object":)" + pod + "}", ErrorCode::kCorrupt,
       "$.type \"CHANGED\" is not ADDED"},
      {"no object", R"({"type":"ADDED"})", ErrorCode::kCorrupt, "$.object is missing"},
      {"object string", R"({"type":"ADDED","object":"x"})", ErrorCode::kCorrupt, "$.object is string"},
      {"pod without name", R"({"type":"ADDED","object":{"metadata":{"namespace":"n","resourceVersion":"1"}}})",
       ErrorCode::kCorrupt, "$.object.metadata.name is missing"},
      {"pod without rv", R"({"type":"MODIFIED","object":{"metadata":{"name":"p","namespace":"n"}}})",
       ErrorCode::kCorrupt, "$.object.metadata.resourceVersion is missing"},
      {"pod bad image", R"({"type":"ADDED","object":)" + Pod(R"("imageID":"x@sha1:ab")") + "}", ErrorCode::kCorrupt,
       "$.object.status.containerStatuses[0].imageID"},
      {"bookmark without rv", R"({"type":"BOOKMARK","object":{"metadata":{}}})", ErrorCode::kCorrupt,
       "$.object.metadata.resourceVersion is missing"},
      {"bookmark without metadata", R"({"type":"BOOKMARK","object":{}})", ErrorCode::kCorrupt,
       "$.object.metadata is missing"},
      {"error code string", R"({"type":"ERROR","object":{"code":"410"}})", ErrorCode::kCorrupt,
       "$.object.code is string, expected an HTTP status code"},
      {"error code huge", R"({"type":"ERROR","object":{"code":41000}})", ErrorCode::kCorrupt, "$.object.code"},
      {"line", std::string(kMaxKubeEventLineBytes + 1, ' '), ErrorCode::kLimitExceeded, "more than the cap of 4194304"},
      {"depth", R"({"type":"ADDED","x":)" + std::string(70, '[') + std::string(70, ']') + "}",
       ErrorCode::kLimitExceeded, "nested deeper than 64"},
      {"tokens", R"({"type":"ADDED","x":[)" + std::string(kMaxJsonTokensPerKubeEvent, ',') + "]}",
       ErrorCode::kLimitExceeded, "JSON values and member names"},
  };
  for (const BadCase& c : cases) {
    auto r = ParseWatchEvent(c.input);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code) << c.name << ": " << r.error().ToString();
    EXPECT_TRUE(Has(r.error().message(), c.says)) << c.name << ": " << r.error().message();
    EXPECT_TRUE(r.error().message().starts_with("watch event: ")) << c.name << ": " << r.error().message();
  }
}

// ---------------------------------------------------------------------------------------------
// The watcher against a scripted API server over HTTPS.

// An API server of scripted answers on 127.0.0.1 with TLS: pages of the pod list (page i+1 is
// asked for with continue=<the token page i carries>), and watch streams of what the test pushes.
// Every request must carry "Authorization: Bearer <token()>", else it is answered 401.
class FakeApiServer {
 public:
  struct Seen {
    std::string path;
    std::multimap<std::string, std::string> query;
    std::string authorization;
  };

  FakeApiServer() { SetToken("token-1"); }
  ~FakeApiServer() { Down(); }

  void Up() {
    net::ServerOptions o;
    o.listen = "127.0.0.1:" + std::to_string(port_);  // the same port after a restart
    o.tls_cert_file = TestCerts().server_cert;
    o.tls_key_file = TestCerts().server_key;
    o.threads = 4;
    server_ = std::make_unique<net::HttpServer>(o);
    auto handler = [this](const net::ServerRequest& r) { return Pods(r); };
    ASSERT_TRUE(server_->Handle("GET", "/api/v1/pods", handler).ok());
    ASSERT_TRUE(server_->Handle("GET", "/api/v1/namespaces/{ns}/pods", handler).ok());
    stream_.Open();
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    port_ = server_->port();
  }

  // Ends the streams (cut) and stops.
  void Down() {
    stream_.Close();
    if (server_) server_->Stop();
    server_.reset();
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  void SetToken(const std::string& token) {
    std::lock_guard lock(mu_);
    token_ = token;
  }
  // The list's pages, in order; each but the last should carry a continue token.
  void SetPages(std::vector<std::string> pages) {
    std::lock_guard lock(mu_);
    pages_ = std::move(pages);
  }
  // The next `n` requests for a page after the first are answered 410 (the token expired).
  void ExpireContinue(int n) {
    std::lock_guard lock(mu_);
    expire_continue_ = n;
  }
  // The next watch request is answered with this status and body instead of a stream.
  void AnswerNextWatch(int status, std::string body) {
    std::lock_guard lock(mu_);
    next_watch_ = {status, std::move(body)};
  }
  void Push(std::string bytes) { stream_.Push(std::move(bytes)); }
  void EndStream(bool cleanly) { stream_.End(cleanly); }

  std::vector<Seen> lists() const {
    std::lock_guard lock(mu_);
    return lists_;
  }
  std::vector<Seen> watches() const {
    std::lock_guard lock(mu_);
    return watches_;
  }
  // Waits (up to 30 s) until the watch was requested `n` times in all.
  bool WaitWatches(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return watches_.size() >= n; });
  }
  bool WaitLists(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return lists_.size() >= n; });
  }

 private:
  static std::string ContinueOf(const std::string& page) {
    auto parsed = ParsePodList(page);
    return parsed.ok() ? parsed->continue_token : "";
  }

  Result<net::ServerResponse> Pods(const net::ServerRequest& r) {
    bool watch = r.Query("watch") == "1";
    if (watch) stream_.Rearm();
    std::unique_lock lock(mu_);
    Seen seen{r.path, r.query, r.Header("Authorization")};
    (watch ? watches_ : lists_).push_back(seen);
    cv_.notify_all();
    if (seen.authorization != "Bearer " + token_) {
      return net::ServerResponse::Json(Fixture("status-401.json"), 401);
    }
    if (!watch) {
      std::string cont = r.Query("continue");
      size_t page = 0;
      if (!cont.empty()) {
        if (expire_continue_ > 0) {
          --expire_continue_;
          return net::ServerResponse::Json(Fixture("status-410-expired.json"), 410);
        }
        for (size_t i = 0; i + 1 < pages_.size(); ++i) {
          if (ContinueOf(pages_[i]) == cont) page = i + 1;
        }
        if (page == 0) return InvalidArgument("unknown continue token");
      }
      if (page >= pages_.size()) return net::ServerResponse::Json(List(""));
      return net::ServerResponse::Json(pages_[page]);
    }
    if (next_watch_) {
      auto [status, body] = std::move(*next_watch_);
      next_watch_.reset();
      return net::ServerResponse::Json(std::move(body), status);
    }
    lock.unlock();
    return stream_.Respond();
  }

  std::unique_ptr<net::HttpServer> server_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  vigil::testing::ScriptedStream stream_{"fake API server"};
  std::string token_;
  std::vector<std::string> pages_;
  int expire_continue_ = 0;
  std::optional<std::pair<int, std::string>> next_watch_;
  std::vector<Seen> lists_, watches_;
};

// What the watcher reported, in order.
struct Call {
  std::string kind;  // snapshot, upsert, removed, stale
  std::vector<KubePod> pods;
  std::string name;  // namespace/name of removed
  std::optional<Error> error;
};

class Recorder : public vigil::testing::CallLog<Call> {
 public:
  KubeWatcher::Sink Sink() {
    return {
        [this](std::vector<KubePod> pods) {
          Add({"snapshot", std::move(pods), "", std::nullopt});
        },
        [this](const KubePod& pod) {
          Add({"upsert", {pod}, pod.pod_namespace + "/" + pod.name, std::nullopt});
        },
        [this](const std::string& ns, const std::string& name) {
          Add({"removed", {}, ns + "/" + name, std::nullopt});
        },
        [this](const Error& why) {
          Add({"stale", {}, "", why});
        },
    };
  }
};

std::set<std::string> Names(const std::vector<KubePod>& pods) {
  std::set<std::string> out;
  for (const KubePod& p : pods) out.insert(p.pod_namespace + "/" + p.name);
  return out;
}

std::string Q(const FakeApiServer::Seen& s, const std::string& key) {
  auto it = s.query.find(key);
  return it == s.query.end() ? "<absent>" : it->second;
}

// Polls `done` every 10 ms for up to 30 s (for counters that have no wake-up of their own).
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 3000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return done();
}

class KubeWatcherTest : public ::testing::Test {
 protected:
  KubeWatcherTest() : dir_("kube-watch") {
    WriteFile(dir_.str() + "/token", "token-1\n");
    api_.SetPages({Fixture("podlist-page1.json"), Fixture("podlist-page2.json")});
  }

  // Options from a kubeconfig file the test writes: the CA by file, the token by file, both
  // relative to the kubeconfig.
  KubeWatchOptions Options() {
    WriteFile(dir_.str() + "/ca.crt", TestCerts().ca_pem);
    WriteFile(dir_.str() + "/config",
              Kubeconfig("    tokenFile: token\n", "    certificate-authority: ca.crt\n", api_.url()));
    auto config = LoadKubeConfig(dir_.str() + "/config");
    EXPECT_TRUE(config.ok()) << config.error().ToString();
    KubeWatchOptions o;
    if (config.ok()) o.config = *config;
    o.page_size = 2;
    o.watch_timeout = std::chrono::seconds(60);
    o.retry_min = milliseconds(10);
    o.retry_max = milliseconds(80);
    o.request_timeout = milliseconds(10'000);
    return o;
  }

  vigil::testing::ScopedTempDir dir_;
  FakeApiServer api_;
  Recorder rec_;
};

TEST_F(KubeWatcherTest, StartRejectsBadOptions) {
  api_.Up();
  struct Case {
    std::string name;
    std::function<void(KubeWatchOptions&)> change;
  };
  const std::vector<Case> cases = {
      {"http", [](KubeWatchOptions& o) { o.config.server = "http://127.0.0.1:1"; }},
      {"no token", [](KubeWatchOptions& o) { o.config.token_file.clear(); }},
      {"namespace", [](KubeWatchOptions& o) { o.namespace_name = "Shop/../x"; }},
      {"page 0", [](KubeWatchOptions& o) { o.page_size = 0; }},
      {"page too large", [](KubeWatchOptions& o) { o.page_size = kMaxPodsPerPage + 1; }},
      {"watch timeout", [](KubeWatchOptions& o) { o.watch_timeout = std::chrono::seconds(0); }},
      {"retry", [](KubeWatchOptions& o) { o.retry_min = milliseconds(0); }},
  };
  for (const Case& c : cases) {
    KubeWatchOptions o = Options();
    c.change(o);
    Status s = KubeWatcher(o, {}).Start();
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument) << c.name;
  }
  KubeWatcher twice(Options(), {});
  ASSERT_TRUE(twice.Start().ok());
  EXPECT_EQ(twice.Start().error().code(), ErrorCode::kInvalidArgument);
  twice.Stop();
  twice.Stop();  // idempotent
  KubeWatcher stopped(Options(), {});
  stopped.Stop();
  EXPECT_EQ(stopped.Start().error().code(), ErrorCode::kInvalidArgument) << "no Start() after Stop()";
}

TEST_F(KubeWatcherTest, PagedListThenWatchEventsBookmarksAndRewatch) {
  api_.Up();
  KubeWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  std::vector<KubePod> pods = rec_.Of("snapshot")[0].pods;
  EXPECT_EQ(Names(pods), (std::set<std::string>{"default/nginx-deployment-6dfd8b84dc-6dkjc",
                                                "keymaker/keymaker-keymaker-769579fd65-x7k2p",
                                                "monitoring/node-exporter-4xq9t", "shop/web-7d4b9c8f6d-h2vlx",
                                                "kube-system/kube-apiserver-minikube", "batch/report-28421040-zq5mb"}));

  // Two pages, the second by the first's continue token; the bearer token on each.
  auto lists = api_.lists();
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(lists[0].path, "/api/v1/pods");
  EXPECT_EQ(Q(lists[0], "limit"), "2");
  EXPECT_EQ(Q(lists[0], "continue"), "<absent>");
  EXPECT_TRUE(Q(lists[1], "continue").starts_with("eyJ2Ijoib")) << Q(lists[1], "continue");
  for (const auto& l : lists) EXPECT_EQ(l.authorization, "Bearer token-1");

  // The watch from the list's resourceVersion, with bookmarks.
  ASSERT_TRUE(api_.WaitWatches(1));
  auto watch = api_.watches()[0];
  EXPECT_EQ(watch.path, "/api/v1/pods");
  EXPECT_EQ(Q(watch, "watch"), "1");
  EXPECT_EQ(Q(watch, "resourceVersion"), "245590");
  EXPECT_EQ(Q(watch, "allowWatchBookmarks"), "true");
  EXPECT_EQ(Q(watch, "timeoutSeconds"), "60");
  EXPECT_EQ(watch.authorization, "Bearer token-1");

  // Events, split anywhere across chunks, with a blank line.
  std::vector<std::string> lines = Lines(Fixture("watch-events.jsonl"));
  std::string events = lines[0] + "\n\n" + lines[1] + "\r\n" + lines[2] + "\n" + lines[3] + "\n";
  api_.Push(events.substr(0, 100));
  api_.Push(events.substr(100, 1500));
  api_.Push(events.substr(1600));
  ASSERT_TRUE(Eventually([&] { return w.stats().bookmarks == 1; }));
  auto upserts = rec_.Of("upsert");
  ASSERT_EQ(upserts.size(), 2u);
  EXPECT_EQ(upserts[0].name, "shop/web-7d4b9c8f6d-9fj4m");
  EXPECT_TRUE(upserts[0].pods[0].containers.empty());
  EXPECT_EQ(upserts[1].name, "shop/web-7d4b9c8f6d-h2vlx");
  ASSERT_EQ(upserts[1].pods[0].containers.size(), 1u);
  EXPECT_TRUE(upserts[1].pods[0].containers[0].running);
  EXPECT_TRUE(upserts[1].pods[0].containers[0].digest.starts_with("sha256:"));
  auto removed = rec_.Of("removed");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].name, "batch/report-28421040-zq5mb");
  EXPECT_EQ(w.stats().resource_version, "245642") << "the bookmark moved it";

  // The token rotates; the server ends the watch (its timeoutSeconds): watch again from the
  // bookmark's resourceVersion with the new token, without listing and without stale.
  WriteFile(dir_.str() + "/token", "token-2");
  api_.SetToken("token-2");
  api_.EndStream(/*cleanly=*/true);
  ASSERT_TRUE(api_.WaitWatches(2));
  watch = api_.watches()[1];
  EXPECT_EQ(Q(watch, "resourceVersion"), "245642");
  EXPECT_EQ(watch.authorization, "Bearer token-2");
  EXPECT_EQ(api_.lists().size(), 2u) << "no relist";
  EXPECT_EQ(rec_.Kinds(), (std::vector<std::string>{"snapshot", "upsert", "upsert", "removed"}));

  KubeWatcher::Stats st = w.stats();
  EXPECT_EQ(st.lists, 1u);
  EXPECT_EQ(st.pages, 2u);
  EXPECT_EQ(st.events, 4u);
  EXPECT_EQ(st.errors, 0u);
  EXPECT_TRUE(st.connected);
  w.Stop();
  EXPECT_FALSE(w.stats().connected);
}

TEST_F(KubeWatcherTest, NamespaceAndSelectorWithCaFromKubeconfigData) {
  api_.SetPages({List(Pod())});
  api_.Up();
  KubeWatchOptions o = Options();
  o.config.ca_file = dir_.str() + "/nope.pem";  // certificate-authority-data wins
  o.config.ca_pem = TestCerts().ca_pem;
  o.namespace_name = "shop";
  o.label_selector = "app=web,tier!=cache";
  KubeWatcher w(o, rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  ASSERT_TRUE(api_.WaitWatches(1));
  auto list = api_.lists()[0];
  EXPECT_EQ(list.path, "/api/v1/namespaces/shop/pods");
  EXPECT_EQ(Q(list, "labelSelector"), "app=web,tier!=cache");
  EXPECT_EQ(Q(api_.watches()[0], "labelSelector"), "app=web,tier!=cache");
  EXPECT_EQ(Q(api_.watches()[0], "resourceVersion"), "9");
}

TEST_F(KubeWatcherTest, WrongCaIsStaleNamingTheCertificate) {
  api_.Up();
  KubeWatchOptions o = Options();
  o.config.ca_file = TestCerts().other_ca_file;
  KubeWatcher w(o, rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  Error why = *rec_.Of("stale")[0].error;
  EXPECT_EQ(why.code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(Has(why.message(), "certificate")) << why.message();
  EXPECT_TRUE(Has(why.message(), api_.url())) << why.message();
  EXPECT_TRUE(api_.lists().empty()) << "nothing reached the handler, the token was not sent";
  EXPECT_EQ(Recorder::Count(rec_.calls(), "snapshot"), 0u);
}

TEST_F(KubeWatcherTest, UnauthorizedIsStaleWithTheReasonThenRecovers) {
  api_.SetToken("the-right-one");
  api_.Up();
  KubeWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  Error why = *rec_.Of("stale")[0].error;
  EXPECT_EQ(why.code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(Has(why.message(), "GET /api/v1/pods?limit=2: HTTP 401: Unauthorized: \"Unauthorized\""))
      << why.message();
  EXPECT_FALSE(Has(why.message(), "token-1")) << "the token never appears";
  // Retries go on without another stale.
  ASSERT_TRUE(Eventually([&] { return w.stats().errors >= 3; }));
  EXPECT_EQ(Recorder::Count(rec_.calls(), "stale"), 1u);

  // The token file is rotated to the right token: the next attempt reads it.
  WriteFile(dir_.str() + "/token", "the-right-one");
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  EXPECT_EQ(w.stats().reconnects, 1u);
}

TEST_F(KubeWatcherTest, UnreadableTokenFileIsStaleNamingTheFile) {
  api_.Up();
  KubeWatchOptions o = Options();
  std::filesystem::remove(dir_.str() + "/token");
  KubeWatcher w(o, rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  Error why = *rec_.Of("stale")[0].error;
  EXPECT_EQ(why.code(), ErrorCode::kNotFound) << why.ToString();
  EXPECT_TRUE(Has(why.message(), "token file " + dir_.str() + "/token")) << why.message();
  WriteFile(dir_.str() + "/token", "token-1");
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
}

TEST_F(KubeWatcherTest, GoneEventRelistsWithoutStale) {
  api_.Up();
  KubeWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  ASSERT_TRUE(api_.WaitWatches(1));

  // The resourceVersion was compacted away: an ERROR event with code 410 → list again.
  api_.SetPages({List(Pod())});
  api_.Push(Fixture("watch-error-410.jsonl"));
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 2));
  EXPECT_EQ(Names(rec_.Of("snapshot")[1].pods), (std::set<std::string>{"ns/p"}));
  ASSERT_TRUE(api_.WaitWatches(2));
  EXPECT_EQ(Q(api_.watches()[1], "resourceVersion"), "9") << "from the new list";

  // The same as the answer's status.
  api_.AnswerNextWatch(410, Fixture("status-410-expired.json"));
  api_.EndStream(/*cleanly=*/true);
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 3));
  ASSERT_TRUE(api_.WaitWatches(4));
  EXPECT_EQ(Recorder::Count(rec_.calls(), "stale"), 0u) << "a 410 is routine, not an outage";
  KubeWatcher::Stats st = w.stats();
  EXPECT_EQ(st.relists, 2u);
  EXPECT_EQ(st.errors, 0u);
  EXPECT_EQ(st.reconnects, 0u);
}

TEST_F(KubeWatcherTest, ExpiredContinueTokenStartsTheListAgain) {
  api_.ExpireContinue(1);
  api_.Up();
  KubeWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  EXPECT_EQ(rec_.Of("snapshot")[0].pods.size(), 6u) << "every page, once";
  auto lists = api_.lists();
  ASSERT_EQ(lists.size(), 4u) << "page 1, page 2 (410), page 1, page 2";
  EXPECT_EQ(Q(lists[2], "continue"), "<absent>");
  EXPECT_EQ(Recorder::Count(rec_.calls(), "stale"), 0u);
  EXPECT_EQ(w.stats().relists, 1u);
}

TEST_F(KubeWatcherTest, ConnectionCutIsStaleOnceThenRelist) {
  api_.Up();
  KubeWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  ASSERT_TRUE(api_.WaitWatches(1));

  // The watch breaks (no last chunk): stale, then a fresh list.
  api_.EndStream(/*cleanly=*/false);
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 2));
  ASSERT_EQ(Recorder::Count(rec_.calls(), "stale"), 1u);
  Error why = *rec_.Of("stale")[0].error;
  EXPECT_EQ(why.code(), ErrorCode::kUnavailable) << why.ToString();
  EXPECT_TRUE(Has(why.message(), "watch=1")) << why.message();

  // The API server goes away: one stale for the outage however many attempts fail.
  ASSERT_TRUE(api_.WaitWatches(2));
  api_.Down();
  ASSERT_TRUE(rec_.WaitForCount("stale", 2));
  uint64_t errors = w.stats().errors;
  ASSERT_TRUE(Eventually([&] { return w.stats().errors >= errors + 3; }));
  EXPECT_EQ(Recorder::Count(rec_.calls(), "stale"), 2u) << "one stale per outage";

  api_.SetPages({List(Pod())});
  api_.Up();
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 3));
  EXPECT_EQ(Names(rec_.Of("snapshot")[2].pods), (std::set<std::string>{"ns/p"}));
  EXPECT_EQ(rec_.Kinds(), (std::vector<std::string>{"snapshot", "stale", "snapshot", "stale", "snapshot"}));
  EXPECT_EQ(w.stats().reconnects, 2u);
}

TEST_F(KubeWatcherTest, GarbageEventIsStaleWithThePathThenRelist) {
  api_.Up();
  KubeWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  api_.Push(R"({"type":"ADDED","object":{"metadata":{"name":"p","namespace":5}}})"
            "\n");
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  Error why = *rec_.Of("stale")[0].error;
  EXPECT_EQ(why.code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(Has(why.message(), "watch event: $.object.metadata.namespace is number")) << why.message();
  EXPECT_TRUE(Has(why.message(), "GET /api/v1/pods?watch=1&resourceVersion=245590")) << why.message();
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 2)) << "events may be lost: list again";
  EXPECT_EQ(Recorder::Count(rec_.calls(), "upsert"), 0u);
}

TEST_F(KubeWatcherTest, OtherErrorEventIsStale) {
  api_.Up();
  KubeWatcher w(Options(), rec_.Sink());
  ASSERT_TRUE(w.Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  api_.Push(
      R"({"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"internal error","reason":"InternalError","code":500}})"
      "\n");
  ASSERT_TRUE(rec_.WaitForCount("stale", 1));
  EXPECT_TRUE(Has(rec_.Of("stale")[0].error->message(), "code 500 InternalError"))
      << rec_.Of("stale")[0].error->message();
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 2));
}

TEST_F(KubeWatcherTest, StopWhileTheWatchIsIdle) {
  api_.Up();
  auto w = std::make_unique<KubeWatcher>(Options(), rec_.Sink());
  ASSERT_TRUE(w->Start().ok());
  ASSERT_TRUE(rec_.WaitForCount("snapshot", 1));
  ASSERT_TRUE(api_.WaitWatches(1));
  w.reset();  // the destructor cancels the watch and joins
  EXPECT_EQ(Recorder::Count(rec_.calls(), "stale"), 0u) << "stopping is not an outage";
}

}  // namespace
}  // namespace vigil::fleet
