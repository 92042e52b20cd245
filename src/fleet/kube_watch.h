// The running containers of a Kubernetes cluster, with the image each one runs (by digest), its
// namespace, pod, node, pod labels and owner workload, kept current from the API server: a paged
// LIST of pods, then a WATCH from the list's resourceVersion, never polling. How to reach the
// API server (a kubeconfig, or the service account of a pod), and the pure parsers of the API's
// answers (for tests and fuzzing), are here too. Endpoints, limits, the stale behaviour and what
// is inferred are in docs/ARCHITECTURE.md ("The Kubernetes pod watcher").
//
// The HTTP client (net/http_client.h), the JSON library and yaml-cpp stay in kube_watch.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::fleet {

// ---------------------------------------------------------------------------------------------
// Limits. A pod object is at most 1.5 MiB (etcd's request cap); a typical one, with its
// managedFields, is 5 to 20 KiB. The list is asked for in pages (KubeWatchOptions::page_size).

inline constexpr size_t kMaxPodListPageBytes = 32 * 1024 * 1024;   // one page of a pod list
inline constexpr size_t kMaxPodsPerPage = 5'000;                   // items of one page
inline constexpr size_t kMaxPodListPages = 1'000;                  // pages of one list
inline constexpr size_t kMaxKubePods = 200'000;                    // pods of one list, all pages
inline constexpr size_t kMaxKubeEventLineBytes = 4 * 1024 * 1024;  // one line of a watch stream
inline constexpr int kMaxKubeJsonDepth = 64;                       // nesting of [ and {
// JSON tokens ('[', '{', ',' and ':' outside strings), counted before a tree is built so that
// memory stays proportional to what is kept.
inline constexpr size_t kMaxJsonTokensPerPodPage = 4'000'000;
inline constexpr size_t kMaxJsonTokensPerKubeEvent = 400'000;
inline constexpr size_t kMaxContainersPerPod = 1'024;  // container statuses of all three kinds
inline constexpr size_t kMaxKubeLabels = 1'024;        // labels of a pod
// Kubernetes caps a label key at 317 bytes (prefix 253, name 63) and a value at 63.
inline constexpr size_t kMaxKubeLabelKeyBytes = 1'024;
inline constexpr size_t kMaxKubeLabelValueBytes = 64 * 1024;
inline constexpr size_t kMaxKubeStringBytes = 4'096;  // names, ids, images, resourceVersion, ...
inline constexpr size_t kMaxContinueTokenBytes = 64 * 1024;
inline constexpr size_t kMaxBearerTokenBytes = 64 * 1024;  // a token, inline or in its file
inline constexpr size_t kMaxKubeconfigBytes = 4 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Where the API server is and how to authenticate. Only bearer tokens: client certificates and
// exec / auth-provider plugins are refused (kUnsupported).

// The service account folder of a pod.
inline constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct KubeConfig {
  // "https://host[:port][/prefix]", without a trailing '/'.
  std::string server;
  // A PEM CA bundle to verify the server with; "" = not given.
  std::string ca_file;
  // PEM CA certificates held in memory (certificate-authority-data, decoded); used instead of
  // ca_file when both are given (kubectl does the same). Both empty: the system's store.
  std::string ca_pem;
  // The bearer token written in the kubeconfig (user.token). Secret: never logged, never part of
  // an error message.
  std::string token;
  // A file holding the bearer token (user.tokenFile, the service account's token), read again
  // for every request (projected tokens rotate); wins over `token`.
  std::string token_file;
  // The context's namespace, or the service account's; "" when none is given. Informational:
  // the watcher watches KubeWatchOptions::namespace_name.
  std::string namespace_name;
  // Where this came from, for messages: "kubeconfig /path (context ctx)" or "in-cluster".
  std::string source;
};

// Reads a kubeconfig (YAML, apiVersion v1, kind Config) through the YAML guard (LoadYaml with
// its limits; `text` above kMaxKubeconfigBytes is refused first). Takes the context `context`,
// or current-context when `context` is "", then its cluster (server, certificate-authority or
// certificate-authority-data) and its user (token and/or tokenFile). Relative file paths are
// resolved against `base_dir` (the kubeconfig's folder), as kubectl does; files are not read
// here. `where` names the input in messages ("kubeconfig ~/.kube/config").
// Errors, each starting with `where` and naming the YAML path and, for a node, line:col:
//  - kLimitExceeded / kCorrupt: refused by the YAML guard (size, aliases that multiply, depth,
//    not YAML);
//  - kCorrupt: a member of the wrong shape (a map where a string belongs, ...), malformed
//    base64 in certificate-authority-data;
//  - kNotFound: no current-context (and none asked for), or a context, cluster or user that the
//    lists do not have;
//  - kUnsupported: client-certificate(-data) / client-key(-data), exec, auth-provider,
//    username/password, insecure-skip-tls-verify: true, a proxy-url or tls-server-name, a
//    server that is not https, a user with neither token nor tokenFile;
//  - kInvalidArgument: a server URL that is not "https://host[:port][/path]".
// Pure and thread-safe.
Result<KubeConfig> ParseKubeConfig(std::string_view text, std::string_view where, std::string_view base_dir,
                                   std::string_view context = "");

// Reads the kubeconfig file at `path` (at most kMaxKubeconfigBytes) and ParseKubeConfig's it,
// relative paths against its folder. Errors: kNotFound / kIo / kLimitExceeded reading the file,
// then those of ParseKubeConfig (prefixed "kubeconfig <path>").
Result<KubeConfig> LoadKubeConfig(const std::string& path, std::string_view context = "");

// The configuration of a pod's own service account: server https://$KUBERNETES_SERVICE_HOST:
// $KUBERNETES_SERVICE_PORT (an IPv6 host bracketed), token_file <root>/token, ca_file
// <root>/ca.crt, namespace from <root>/namespace when that file exists. `root` is
// kServiceAccountDir except in tests.
// Errors: kNotFound when either variable is unset or empty ("not running in a pod") or the token
// or ca.crt file is missing; kInvalidArgument for a port that is not 1..65535 or a host with '/'
// or blanks; kIo / kLimitExceeded reading the namespace file.
Result<KubeConfig> InClusterConfig(std::string_view root = kServiceAccountDir);

// The bearer token to send now: the content of `config.token_file` when set (read on every call,
// at most kMaxBearerTokenBytes, surrounding blanks and newlines dropped), else `config.token`.
// Errors (the message names the file or "the kubeconfig's token", never the token): kNotFound /
// kIo / kLimitExceeded reading the file; kCorrupt for an empty token or one with a control
// character or a blank inside; kInvalidArgument when there is no token at all.
Result<std::string> ReadBearerToken(const KubeConfig& config);

// ---------------------------------------------------------------------------------------------
// The model.

enum class KubeContainerKind {
  kRegular,    // status.containerStatuses
  kInit,       // status.initContainerStatuses
  kEphemeral,  // status.ephemeralContainerStatuses (kubectl debug)
};

// "container", "init", "ephemeral".
std::string_view KubeContainerKindName(KubeContainerKind kind);

// One container of a pod, as its container status reports it, with the pod's facts copied in
// (so that a consumer can keep flat rows).
struct KubeContainer {
  std::string pod_namespace;  // $.metadata.namespace
  std::string pod_name;       // $.metadata.name
  std::string pod_uid;        // $.metadata.uid; "" when absent
  std::string node;           // $.spec.nodeName; "" while the pod is not scheduled
  std::string name;           // the status' name
  KubeContainerKind kind = KubeContainerKind::kRegular;
  // The status' containerID without its "<runtime>://" prefix: "" before the container exists.
  std::string container_id;
  std::string runtime;   // that prefix: "containerd", "cri-o", "docker", ...; "" with no id
  std::string image;     // the status' image: the reference as the runtime reports it
  std::string image_id;  // the status' imageID as given ("" before the image is pulled)
  // From image_id (see ParseImageId): the digest ("sha256:<64 hex>"; "" when image_id is "")
  // and the repository it names ("docker.io/library/nginx"; "" for a bare digest).
  std::string digest;
  std::string image_repo;
  // Which member of the status' state is set: "running", "waiting", "terminated"; "" for none.
  std::string state;
  bool running = false;                       // state == "running"
  std::map<std::string, std::string> labels;  // the pod's $.metadata.labels
  // The pod's controller ($.metadata.ownerReferences[] with controller: true): kind and name
  // ("ReplicaSet", "web-7d4b9c8f6d"; "DaemonSet", "node-exporter"); "" for a pod without one.
  std::string owner_kind;
  std::string owner_name;
  // For an owner ReplicaSet named as the Deployment controller names them (see
  // InferDeploymentName): the Deployment's likely name. Inferred from names, not read from the
  // ReplicaSet (which the watcher does not fetch); "" otherwise.
  std::string inferred_deployment;

  friend bool operator==(const KubeContainer&, const KubeContainer&) = default;
};

// A pod: who it is and its containers, one per container status, in the order regular, init,
// ephemeral (each as listed). A pod without statuses yet (pending) has none.
struct KubePod {
  std::string pod_namespace;
  std::string name;
  std::string uid;               // "" when absent
  std::string resource_version;  // $.metadata.resourceVersion; "" when absent
  std::string phase;             // $.status.phase: "Pending", "Running", ...; "" when absent
  std::vector<KubeContainer> containers;

  friend bool operator==(const KubePod&, const KubePod&) = default;
};

// One page of GET /api/v1/pods.
struct KubePodList {
  std::string resource_version;  // $.metadata.resourceVersion: where a watch starts
  std::string continue_token;    // $.metadata.continue: "" on the last page
  std::vector<KubePod> pods;     // $.items, in the order given
};

// The digest an imageID names: "docker-pullable://repo@sha256:<hex>" (dockershim,
// cri-dockerd), "repo@sha256:<hex>" (containerd, CRI-O), "sha256:<hex>" and
// "docker://sha256:<hex>" (an image known by id only: no repository). sha256 (64 hex) and
// sha512 (128 hex) digests, lower case. "" gives an empty digest (not pulled yet).
struct ImageDigest {
  std::string repo;    // "" for a bare digest
  std::string digest;  // "sha256:<64 hex>"; "" for an empty imageID

  friend bool operator==(const ImageDigest&, const ImageDigest&) = default;
};

// Splits an imageID (above). Errors (kCorrupt, `image_id` quoted and clipped): another scheme,
// no digest, an algorithm other than sha256/sha512, a digest of the wrong length or not lower-case
// hex, an empty repository before '@'. Pure.
Result<ImageDigest> ParseImageId(std::string_view image_id);

// The Deployment that likely owns ReplicaSet `replicaset` of a pod whose pod-template-hash label
// is `pod_template_hash`: the Deployment controller names its ReplicaSets "<deployment>-<hash>"
// and labels their pods pod-template-hash=<hash>. Returns "<deployment>" when the label is set
// and either equals the name's last '-'-separated part, or (clusters before Kubernetes 1.11 used
// another hash for the label) that part is 5 to 10 characters of the controller's alphabet
// "bcdfghjklmnpqrstvwxz2456789"; else "". Pure; an inference, not a lookup.
std::string InferDeploymentName(std::string_view replicaset, std::string_view pod_template_hash);

// Parses one page of GET /api/v1/pods (a PodList, apiVersion v1). Per item, metadata.name and
// metadata.namespace are required; everything else may be absent or null. Unknown members are
// ignored.
// Errors, each naming the JSON path ("pod list: $.items[3].status.containerStatuses[0].imageID
// \"x\" is not ..."):
//  - kLimitExceeded: `json` above kMaxPodListPageBytes, nesting above kMaxKubeJsonDepth, more
//    than kMaxJsonTokensPerPodPage tokens (these before a tree is built), more than
//    kMaxPodsPerPage items, more than kMaxContainersPerPod statuses in a pod, labels above
//    kMaxKubeLabels / kMaxKubeLabelKeyBytes / kMaxKubeLabelValueBytes, a continue token above
//    kMaxContinueTokenBytes, another string above kMaxKubeStringBytes;
//  - kCorrupt: malformed JSON (with the byte offset), a top level that is not an object, a kind
//    other than "PodList" (when given), no $.items array, a required member missing or empty, a
//    member of the wrong type, an imageID ParseImageId refuses, a containerID with no
//    "<runtime>://" or with characters other than [0-9A-Za-z_.-] after it.
// Pure and thread-safe.
Result<KubePodList> ParsePodList(std::string_view json);

enum class KubeEventType { kAdded, kModified, kDeleted, kBookmark, kError };

// "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR".
std::string_view KubeEventTypeName(KubeEventType type);

// The Status object of an ERROR event.
struct KubeStatus {
  int code = 0;         // $.object.code: 410 when the resourceVersion is too old
  std::string reason;   // $.object.reason: "Expired", "Gone", ...
  std::string message;  // $.object.message
};

// One line of a watch stream: {"type": ..., "object": ...}.
struct KubeWatchEvent {
  KubeEventType type = KubeEventType::kAdded;
  KubePod pod;                   // ADDED, MODIFIED, DELETED: the pod (its state before deletion)
  std::string resource_version;  // ADDED, MODIFIED, DELETED, BOOKMARK: the object's; "" in ERROR
  KubeStatus status;             // ERROR
};

// Parses one line of GET /api/v1/pods?watch=1 (a trailing "\r" or blanks are fine). A pod is
// read as ParsePodList reads an item; a BOOKMARK needs only $.object.metadata.resourceVersion;
// an ERROR carries a Status.
// Errors, each naming the JSON path ("watch event: $.object.metadata.name is missing"):
//  - kLimitExceeded: `line` above kMaxKubeEventLineBytes, nesting above kMaxKubeJsonDepth, more
//    than kMaxJsonTokensPerKubeEvent tokens, and the per-pod caps of ParsePodList;
//  - kCorrupt: malformed JSON, a top level or object that is not a JSON object, an unknown or
//    missing type, a pod ParsePodList would refuse, a BOOKMARK or pod event without a
//    resourceVersion, an ERROR whose code is not an integer.
// Pure and thread-safe.
Result<KubeWatchEvent> ParseWatchEvent(std::string_view line);

// ---------------------------------------------------------------------------------------------
// The watcher.

struct KubeWatchOptions {
  KubeConfig config;
  // Only this namespace ("" = all: /api/v1/pods; else /api/v1/namespaces/<ns>/pods).
  std::string namespace_name;
  // A label selector passed as is ("app=web,tier!=cache"); "" = all pods.
  std::string label_selector;
  // Pods per page of the list (limit=); 1..kMaxPodsPerPage.
  size_t page_size = 500;
  // timeoutSeconds of each watch request: the server ends the watch after that long and the
  // watcher watches again from the last resourceVersion seen, without listing (not an outage).
  std::chrono::seconds watch_timeout{300};
  // The wait after a failure: retry_min, doubled after each failure in a row, at most retry_max;
  // back to retry_min once a watch had begun.
  std::chrono::milliseconds retry_min{500};
  std::chrono::milliseconds retry_max{30'000};
  // Bound on connecting, and on each page of the list. A watch may take watch_timeout +
  // request_timeout in all: a server that keeps it open past its timeoutSeconds is failing.
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{60'000};
};

// Follows the pods of one cluster:
//   1. LIST GET <server>/api/v1/pods?limit=<page_size>[&labelSelector=...] then, while the
//      answer has metadata.continue, the next page with &continue=<token>; a 410 on a later page
//      (the token expired) starts the list again (up to 3 times in a row). Delivered as one
//      snapshot once every page is in.
//   2. WATCH GET <same path>?watch=1&resourceVersion=<rv>&allowWatchBookmarks=true&
//      timeoutSeconds=<watch_timeout>, line by line: ADDED, MODIFIED → upsert(pod);
//      DELETED → removed(namespace, name); BOOKMARK → only the resourceVersion moves. Each
//      event's resourceVersion becomes <rv>. The stream ending cleanly → watch again from <rv>.
//   3. A 410 Gone (the answer's status, or an ERROR event with code 410): the resourceVersion is
//      too old; list again at once (1), without stale: what the consumer holds is replaced by the
//      next snapshot.
//   4. Any other failure (connection, TLS, an HTTP status other than 200 such as 401 or 403,
//      an answer the parsers refuse, another ERROR event, a line over the cap, the stream
//      breaking, the token file unreadable): stale(error) once for the outage, waits (see
//      KubeWatchOptions::retry_min) and lists again (1); the outage ends with the next snapshot.
// Every request carries "Authorization: Bearer <ReadBearerToken(config)>", read anew for each
// request. The token never appears in an error or a callback.
class KubeWatcher {
 public:
  // What the watcher reports, from its own thread, one call at a time. Empty functions are
  // skipped. A callback must not call Stop() or destroy the watcher.
  struct Sink {
    // After each (re)list: every pod (with its containers); the consumer replaces what it had.
    std::function<void(std::vector<KubePod> pods)> snapshot;
    // A pod was added or changed: its containers replace what the consumer had for that pod
    // (namespace and name). May repeat a pod already reported.
    std::function<void(const KubePod& pod)> upsert;
    // A pod is gone; may name an unknown pod.
    std::function<void(const std::string& pod_namespace, const std::string& name)> removed;
    // The cluster cannot be read now: what the consumer holds may be out of date until the next
    // snapshot. Once per outage; the error says why (the server, the request, the cause).
    std::function<void(const Error& why)> stale;
  };

  // Counters since construction.
  struct Stats {
    uint64_t lists = 0;            // complete lists (all pages) delivered as snapshots
    uint64_t pages = 0;            // list pages parsed
    uint64_t events = 0;           // watch lines parsed (bookmarks included)
    uint64_t bookmarks = 0;        // BOOKMARK events
    uint64_t watches = 0;          // watch requests made
    uint64_t relists = 0;          // lists started again because of a 410 (list or watch)
    uint64_t reconnects = 0;       // snapshots delivered after an outage
    uint64_t errors = 0;           // failed attempts (each one ends with a wait)
    bool connected = false;        // listed, and a watch is requested or open now
    std::string resource_version;  // the last one seen (list, event or bookmark)
  };

  KubeWatcher(KubeWatchOptions options, Sink sink);
  // Stop()s.
  ~KubeWatcher();
  KubeWatcher(const KubeWatcher&) = delete;
  KubeWatcher& operator=(const KubeWatcher&) = delete;

  // Starts the watcher's thread and returns at once: a cluster that cannot be reached is
  // reported through Sink::stale, not here. Errors (kInvalidArgument): a server that is not
  // https://, no token and no token file, a namespace that is not a DNS label, a label
  // selector above kMaxKubeStringBytes, page_size 0 or
  // above kMaxPodsPerPage, watch_timeout below 1 s, retry_min of 0 or above retry_max, or a
  // second call (also after Stop()).
  Status Start();

  // Abandons the exchange in flight (within about 100 ms), joins the thread, and returns; no
  // callback runs after it returns. Idempotent; must not be called from a Sink callback.
  void Stop();

  // Thread-safe.
  Stats stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vigil::fleet
