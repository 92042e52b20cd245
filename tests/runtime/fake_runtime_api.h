// A fake container runtime API for tests of runtime/metadata.h: an HTTP/1.1 responder on a unix
// socket in its own temporary folder, answering GET requests from a table of canned replies.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vigil::runtime::testing {

class FakeRuntimeApi {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    int delay_ms = 0;   // wait this long before answering
    bool hang = false;  // never answer (until the server stops)
  };

  // Creates <tmp>/vigil-fake-api-XXXXXX/api.sock and starts serving. Aborts the test on failure.
  FakeRuntimeApi();
  // Stops serving (hanging connections are closed) and removes the folder.
  ~FakeRuntimeApi();
  FakeRuntimeApi(const FakeRuntimeApi&) = delete;
  FakeRuntimeApi& operator=(const FakeRuntimeApi&) = delete;

  const std::string& socket_path() const { return socket_; }
  const std::string& dir() const { return dir_; }
  // Sets the reply for a request path (e.g. "/v1.41/containers/<id>/json"). Unknown paths get a
  // 404 with podman's error body.
  void Set(const std::string& path, Reply reply);
  // The request paths received so far, in order.
  std::vector<std::string> requests() const;

 private:
  void Serve();
  void Handle(int fd);

  std::string dir_;
  std::string socket_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::string, Reply> replies_;
  std::vector<std::string> requests_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace vigil::runtime::testing
