// Exporting an image from a container runtime's Docker Engine API (dockerd, podman's
// `podman system service`): `GET <base>/images/<id>/get` streamed into a file, the
// docker-archive that `docker save` writes. The fleet server uses it for a running image it has
// not stored (docs/FLEET.md, "Images the server does not know").
//
// The HTTP client stays in image_export.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace vigil::net {
class Cancellation;
}

namespace vigil::fleet {

struct ExportOptions {
  // The runtime's API socket, e.g. "/run/podman/podman.sock".
  std::string socket;
  std::string base_path = "/v1.41";
  // The folder the archive is written to (the caller's, e.g. <data_dir>/exports). It must exist
  // and not be a symbolic link.
  std::string dir;
  // The archive's size cap: the transfer stops there (kLimitExceeded).
  uint64_t max_bytes = uint64_t{8} << 30;
  std::chrono::milliseconds connect_timeout{2000};
  // A transfer slower than 1 KiB/s for this long is abandoned (a runtime that stalls).
  std::chrono::seconds stall_timeout{120};
  // Not owned; may be null. Cancelling abandons the transfer within about 100 ms.
  net::Cancellation* cancel = nullptr;
};

// Exports image `image_id` ("sha256:" and 64 lower-case hex digits, as the container watcher
// reports it) into a new file <dir>/<hex>.tar.partial (mode 0600, created exclusively, never
// following a link), streaming: the body is never held in memory whole. Returns the file's path;
// the caller owns the file and removes it.
// On any failure the file is removed and nothing is left in `dir`. Errors, each starting with
// "<socket>: GET <path>":
//  - kInvalidArgument: an image id that is not a sha256 digest, no socket or folder;
//  - kUnavailable: the socket is missing, refuses, or the transfer breaks, stalls or is cut
//    (a body without framing included), cancelled; an HTTP status other than 200 and 404
//    (with the runtime's message);
//  - kNotFound: HTTP 404 (the runtime no longer has the image);
//  - kLimitExceeded: a body larger than max_bytes;
//  - kIo: the file cannot be created or written (a file of that name already there included).
// Thread-safe; blocks for the whole transfer.
Result<std::string> ExportImage(const ExportOptions& options, const std::string& image_id);

}  // namespace vigil::fleet
