// libFuzzer target for the parsers of the Kubernetes pod watcher (src/fleet/kube_watch.h):
// ParsePodList, the watch stream as the watcher reads it (LineSplitter, then ParseWatchEvent per
// line), ParseKubeConfig, and ParseImageId / InferDeploymentName on the input as one string.
//
// The input is parsed whole as a list page and as a kubeconfig, and fed as a stream in pieces
// (sizes taken from its first byte). What must hold for any input: an error names the document
// ("pod list: ", "watch event: ", "kubeconfig fuzz"); a parsed pod respects the caps, has a name
// and namespace, and copies them into each container; a container's digest is empty or
// "sha256:"/"sha512:" with lower-case hex of the right length, its container id is empty exactly
// when its runtime is, `running` says state == "running", and an inferred Deployment is a
// proper prefix of its owner's name; a watch event that is not an ERROR has a resourceVersion;
// a kubeconfig accepted has an https:// server without a trailing '/' and a token or token file.
// Any violation aborts. Seeds: fuzz/corpus/kube_watch/.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fleet/container_watch.h"
#include "fleet/kube_watch.h"

namespace {

using namespace vigil::fleet;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "kube_watch_fuzz: %s: '%.*s'\n", what, static_cast<int>(std::min<size_t>(detail.size(), 200)),
               detail.data());
  std::abort();
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void CheckDigest(std::string_view digest) {
  if (digest.empty()) return;
  if (digest.starts_with("sha256:")) {
    if (digest.size() != 71 || !IsLowerHex(digest.substr(7))) Fail("sha256 digest", digest);
  } else if (digest.starts_with("sha512:")) {
    if (digest.size() != 135 || !IsLowerHex(digest.substr(7))) Fail("sha512 digest", digest);
  } else {
    Fail("digest algorithm", digest);
  }
}

void CheckPod(const KubePod& pod) {
  if (pod.name.empty() || pod.pod_namespace.empty()) Fail("pod without name or namespace", pod.name);
  if (pod.containers.size() > kMaxContainersPerPod) Fail("too many containers", pod.name);
  for (const KubeContainer& c : pod.containers) {
    if (c.pod_name != pod.name || c.pod_namespace != pod.pod_namespace || c.pod_uid != pod.uid) {
      Fail("pod fields not copied", c.name);
    }
    if (c.name.empty() || c.name.size() > kMaxKubeStringBytes) Fail("container name", c.name);
    CheckDigest(c.digest);
    if (c.image_id.empty() != c.digest.empty()) Fail("digest without image id", c.image_id);
    if (c.container_id.empty() != c.runtime.empty()) Fail("container id without runtime", c.container_id);
    for (char ch : c.container_id) {
      bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                ch == '.' || ch == '-';
      if (!ok) Fail("container id character", c.container_id);
    }
    if (c.running != (c.state == "running")) Fail("running vs state", c.state);
    if (c.labels.size() > kMaxKubeLabels) Fail("too many labels", c.name);
    for (const auto& [k, v] : c.labels) {
      if (k.size() > kMaxKubeLabelKeyBytes || v.size() > kMaxKubeLabelValueBytes) Fail("label above the cap", k);
    }
    if (!c.inferred_deployment.empty()) {
      if (c.owner_kind != "ReplicaSet" || c.inferred_deployment.size() >= c.owner_name.size() ||
          !c.owner_name.starts_with(c.inferred_deployment + "-")) {
        Fail("inferred deployment", c.inferred_deployment);
      }
    }
  }
}

void CheckList(std::string_view input) {
  auto list = ParsePodList(input);
  if (!list.ok()) {
    if (!list.error().message().starts_with("pod list: ")) Fail("list error without context", list.error().message());
    return;
  }
  if (list->pods.size() > kMaxPodsPerPage) Fail("too many pods", input);
  if (list->continue_token.size() > kMaxContinueTokenBytes) Fail("continue token above the cap", input);
  for (const KubePod& p : list->pods) CheckPod(p);
}

vigil::Status CheckEvent(std::string_view line) {
  auto ev = ParseWatchEvent(line);
  if (!ev.ok()) {
    if (!ev.error().message().starts_with("watch event: ")) Fail("event error without context", ev.error().message());
    return vigil::OkStatus();  // the watcher would stop here; the fuzzer reads on
  }
  if (ev->type != KubeEventType::kError && ev->resource_version.empty()) Fail("event without resourceVersion", line);
  if (ev->type == KubeEventType::kAdded || ev->type == KubeEventType::kModified ||
      ev->type == KubeEventType::kDeleted) {
    CheckPod(ev->pod);
  }
  return vigil::OkStatus();
}

void CheckKubeconfig(std::string_view input) {
  auto c = ParseKubeConfig(input, "kubeconfig fuzz", "/base");
  if (!c.ok()) {
    if (!c.error().message().starts_with("kubeconfig fuzz"))
      Fail("kubeconfig error without context", c.error().message());
    return;
  }
  if (!c->server.starts_with("https://") || c->server.ends_with('/')) Fail("server", c->server);
  if (c->token.empty() && c->token_file.empty()) Fail("no credentials", input);
  if (!c->token_file.empty() && !c->token_file.starts_with('/')) Fail("relative token file", c->token_file);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckList(input);
  CheckKubeconfig(input);
  auto id = ParseImageId(input);
  if (id.ok()) CheckDigest(id->digest);
  std::string inferred = InferDeploymentName(input, "h");
  if (!inferred.empty() && !input.starts_with(inferred + "-")) Fail("inferred name", inferred);

  constexpr size_t kCap = 64 * 1024;
  LineSplitter lines(kCap);
  size_t piece = size == 0 ? 1 : static_cast<size_t>(data[0] % 17) + 1;
  for (size_t at = 0; at < size; at += piece) {
    vigil::Status s = lines.Feed(input.substr(at, piece), CheckEvent);
    if (!s.ok()) {
      if (s.error().code() != vigil::ErrorCode::kLimitExceeded) Fail("splitter error", s.error().message());
      break;
    }
  }
  return 0;
}
