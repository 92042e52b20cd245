#include "fleet/image_export.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "net/http_client.h"

namespace vigil::fleet {
namespace {

bool IsLowerHex64(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The runtime's error text, clipped and printable (it ends up in logs and API answers).
std::string Printable(std::string_view s, size_t max = 200) {
  std::string out;
  for (size_t i = 0; i < s.size() && out.size() < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
  }
  if (s.size() > max) out += "...";
  return out;
}

// An open file descriptor, closed when it goes.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now; false when close() reports an error (a delayed write error).
  bool Close() {
    int fd = fd_;
    fd_ = -1;
    return fd < 0 || ::close(fd) == 0;
  }

 private:
  int fd_;
};

}  // namespace

Result<std::string> ExportImage(const ExportOptions& options, const std::string& image_id) {
  if (!image_id.starts_with("sha256:") || !IsLowerHex64(std::string_view(image_id).substr(7))) {
    return InvalidArgument("image export: '" + Printable(image_id, 80) + "' is not a sha256 image id");
  }
  if (options.socket.empty() || options.dir.empty()) {
    return InvalidArgument("image export: no runtime socket or no folder to write to");
  }
  const std::string hex = image_id.substr(7);
  // The bare hex id: dockerd and podman both look an image up by its full id.
  const std::string path = options.base_path + "/images/" + hex + "/get";
  const std::string where = options.socket + ": GET " + path;

  struct stat st {};
  if (::stat(options.socket.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
    return Unavailable(where + ": " + options.socket + ": no such socket");
  }
  // The folder itself, never through a link; the file is made inside it by name, exclusively.
  int dir_raw = ::open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_raw < 0) return IoError(where + ": cannot open the folder " + options.dir);
  Fd dir(dir_raw);
  const std::string name = hex + ".tar.partial";
  int file_raw = ::openat(dir.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (file_raw < 0) return IoError(where + ": cannot create " + options.dir + "/" + name);
  Fd file(file_raw);
  auto fail = [&](Error e) -> Result<std::string> {
    file.Close();
    ::unlinkat(dir.get(), name.c_str(), 0);
    return e;
  };

  net::HttpClientOptions co;
  co.connect_timeout = options.connect_timeout;
  co.total_timeout = std::chrono::milliseconds(0);  // an image of gigabytes takes its time...
  co.low_speed_bytes_per_s = 1024;                  // ...but not one that stalls
  co.low_speed_time = options.stall_timeout;
  co.max_body_bytes = options.max_bytes;
  co.retry.retries = 1;  // a broken transfer once more; begin() starts the file afresh
  co.retry.base_delay = std::chrono::milliseconds(200);
  net::HttpClient client(co);
  net::HttpRequest request;
  request.url = "http://localhost" + path;
  request.unix_socket = options.socket;
  request.cancel = options.cancel;

  net::BodySink sink;
  sink.begin = [&](const net::HttpResponse&) -> Status {
    if (::ftruncate(file.get(), 0) != 0 || ::lseek(file.get(), 0, SEEK_SET) != 0) {
      return IoError(where + ": cannot rewind " + name);
    }
    return OkStatus();
  };
  sink.write = [&](std::string_view data) -> Status {
    while (!data.empty()) {
      ssize_t n = ::write(file.get(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return IoError(where + ": cannot write " + options.dir + "/" + name);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return OkStatus();
  };
  auto resp = client.Stream(request, sink);
  if (!resp.ok()) {
    if (resp.error().code() == ErrorCode::kLimitExceeded) {
      return fail(LimitExceeded(where + ": the image is larger than the export cap of " +
                                std::to_string(options.max_bytes) + " bytes"));
    }
    return fail(resp.error());
  }
  if (resp->status == 404) return fail(NotFound(where + ": HTTP 404: " + Printable(resp->body)));
  if (resp->status != 200) {
    return fail(Unavailable(where + ": HTTP " + std::to_string(resp->status) + ": " + Printable(resp->body)));
  }
  if (!file.Close()) return fail(IoError(where + ": cannot write " + options.dir + "/" + name));
  return options.dir + "/" + name;
}

}  // namespace vigil::fleet
