// Container metadata from a container runtime's Docker-compatible REST API over a unix socket
// (podman's service serves the same API as dockerd): a MetadataResolver for the Attributor, and
// the pure parsers of the API's answers. The endpoints, limits and failure behaviour are in
// docs/RUNTIME.md ("Metadata from the runtime's API").
//
// The HTTP client (net/http_client.h) and the JSON library stay in metadata.cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "runtime/attribution.h"

namespace vigil::runtime {

// Caps on what the parsers accept. A real inspect answer is a few KiB (podman 4.3.1: 3.9 KiB
// with 3 labels); Kubernetes caps label keys at 317 bytes and values at 63, and Docker images
// carry at most a few dozen OCI labels.
inline constexpr size_t kMaxApiResponseBytes = 4 * 1024 * 1024;  // whole body
inline constexpr int kMaxApiJsonDepth = 64;                      // nesting of [ and {
inline constexpr size_t kMaxContainerLabels = 1024;              // entries of Config.Labels
inline constexpr size_t kMaxLabelKeyBytes = 1024;
inline constexpr size_t kMaxLabelValueBytes = 64 * 1024;
inline constexpr size_t kMaxApiStringBytes = 4096;  // Name, Config.Image, Image, a RepoDigest

// Parses the answer of `GET /containers/<id>/json` (Docker Engine API v1.41, podman's compat
// API). Fills ContainerMetadata from:
//   name          "$.Name" without its leading '/'
//   image         "$.Config.Image" (the reference the container was started from)
//   image_id      "$.Image" (the runtime's image id, "sha256:<hex>" on docker and podman)
//   labels        "$.Config.Labels" (absent or null: none)
//   pod_name      label "io.kubernetes.pod.name", pod_namespace label
//                 "io.kubernetes.pod.namespace", when present (else empty)
// image_digest is left empty (it needs the image's own answer: ParseImageDigest).
// Errors: kLimitExceeded when `json` exceeds kMaxApiResponseBytes, nesting exceeds
// kMaxApiJsonDepth, or Config.Labels exceeds kMaxContainerLabels / kMaxLabelKeyBytes /
// kMaxLabelValueBytes, or a string field exceeds kMaxApiStringBytes; kCorrupt for malformed
// JSON (with the byte offset), a top level that is not an object, a missing "Name", "Image",
// "Config" or "Config.Image", and any field of the wrong type ("$.Id", when present, must be a
// string). Messages name the JSON path,
// e.g. "container inspect: $.Config.Labels[\"app\"] is a number, expected a string".
// Pure and thread-safe.
Result<ContainerMetadata> ParseContainerInspect(std::string_view json);

// Parses the answer of `GET /images/<id>/json` and returns the digest part of
// "$.RepoDigests[0]" ("<name>@sha256:<64 hex>" → "sha256:<64 hex>"). Returns "" when
// RepoDigests is absent, null or empty (an image built locally and never pushed or pulled).
// Errors: kLimitExceeded as for ParseContainerInspect (size, depth, a RepoDigests entry longer
// than kMaxApiStringBytes); kCorrupt for malformed JSON, a top level that is not an object,
// RepoDigests that is not an array, an entry that is not a string, has no '@', or whose digest
// is not "sha256:" followed by 64 lower-case hex digits. Pure and thread-safe.
Result<std::string> ParseImageDigest(std::string_view json);

// One API endpoint: a unix socket and the URL path prefix every request starts with.
struct RuntimeApiSocket {
  std::string path;                  // e.g. "/run/podman/podman.sock"
  std::string base_path = "/v1.41";  // requests go to <base_path>/containers/<id>/json
};

// The default sockets, in the order they are tried: /run/podman/podman.sock,
// /var/run/docker.sock, /run/docker.sock, each with base path "/v1.41".
std::vector<RuntimeApiSocket> DefaultRuntimeApiSockets();

struct RuntimeApiOptions {
  // Tried in order for each request; a socket path that does not exist (checked per request,
  // so a runtime started later is found) or is not a socket is skipped.
  std::vector<RuntimeApiSocket> sockets = DefaultRuntimeApiSockets();
  // Bound on one HTTP exchange, connection included, and on connecting alone. A request makes
  // at most one exchange per socket plus one image lookup, so it ends within
  // (sockets + 1) × timeout.
  std::chrono::milliseconds timeout{1000};
  std::chrono::milliseconds connect_timeout{250};
  // Worker threads making the HTTP calls. At least 1.
  size_t workers = 1;
  // Requests waiting for a worker. When full, Request() answers at once with kLimitExceeded.
  // At least 1.
  size_t max_queue = 4096;
  // Image id → digest answers kept (per socket). When full the cache is emptied. 0: no cache.
  size_t max_cached_images = 1024;
};

// Counters since construction.
struct RuntimeApiStats {
  uint64_t requests = 0;    // Request() calls
  uint64_t ready = 0;       // answered with metadata
  uint64_t not_found = 0;   // answered kNotFound (every socket said 404)
  uint64_t failed = 0;      // answered with any other error (queue full and shutdown included)
  uint64_t queue_full = 0;  // refused because the queue was full
  uint64_t http_calls = 0;  // HTTP exchanges attempted
  uint64_t image_cache_hits = 0;
};

// Asks the runtimes' APIs (RuntimeApiOptions::sockets, in order) about a container:
//   GET <base>/containers/<id>/json   → ParseContainerInspect
//   GET <base>/images/<Image>/json    → ParseImageDigest (cached by socket and image id)
// on the first socket that knows the container. done() receives:
//   - the metadata (image_digest "" when the image lookup fails or the image has no
//     RepoDigests: the container's metadata is not withheld for the digest);
//   - kNotFound when every existing socket answered 404;
//   - kUnavailable when no socket exists, or a socket could not be reached, timed out or
//     answered another HTTP status (and none answered with the container); the message names
//     the socket, the path and the HTTP status or curl error;
//   - kCorrupt / kLimitExceeded (from the parsers, prefixed with socket and path) when the
//     answer was unusable and no later socket knew the container;
//   - kInvalidArgument for an id that is not 1..128 characters of [0-9A-Za-z_.-];
//   - kLimitExceeded at once, from inside Request(), when the queue is full;
//   - kUnavailable ("shut down") for requests still queued when the resolver is destroyed.
// Thread-safe: Request() may be called from any thread; it never blocks on I/O (it takes a
// mutex briefly) and calls done() inline only for the immediate errors above. Other answers
// come from a worker thread. done() is called without any lock of the resolver held, so it
// may call Request() again; it must not destroy the resolver.
class RuntimeApiResolver : public MetadataResolver {
 public:
  explicit RuntimeApiResolver(RuntimeApiOptions options = {});
  // Stops the workers: an exchange in flight is abandoned within about a second (and never
  // later than its timeout), and every request still queued gets done(kUnavailable) before the
  // destructor returns. Must not be called from a done() callback.
  ~RuntimeApiResolver() override;
  RuntimeApiResolver(const RuntimeApiResolver&) = delete;
  RuntimeApiResolver& operator=(const RuntimeApiResolver&) = delete;

  void Request(const ContainerRef& ref, Done done) override;

  RuntimeApiStats stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vigil::runtime
