#include "fake_runtime_api.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace vigil::runtime::testing {

FakeRuntimeApi::FakeRuntimeApi() {
  std::string tmpl = "/tmp/vigil-fake-api-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    std::abort();
  }
  dir_ = tmpl;
  socket_ = dir_ + "/api.sock";
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_.c_str(), sizeof(addr.sun_path) - 1);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    ADD_FAILURE() << "fake API socket " << socket_ << ": " << std::strerror(errno);
    std::abort();
  }
  acceptor_ = std::thread([this] { Serve(); });
}

FakeRuntimeApi::~FakeRuntimeApi() {
  stop_ = true;
  acceptor_.join();
  for (std::thread& t : connections_) t.join();
  ::close(listen_fd_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void FakeRuntimeApi::Set(const std::string& path, Reply reply) {
  std::lock_guard lock(mu_);
  replies_[path] = std::move(reply);
}

std::vector<std::string> FakeRuntimeApi::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void FakeRuntimeApi::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    connections_.emplace_back([this, fd] { Handle(fd); });
  }
}

void FakeRuntimeApi::Handle(int fd) {
  // One request per connection ("Connection: close"), which is all the client needs.
  std::string head;
  char buf[4096];
  while (!stop_ && head.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  std::string path;
  if (head.starts_with("GET ")) {
    size_t end = head.find(' ', 4);
    if (end != std::string::npos) path = head.substr(4, end - 4);
  }
  Reply reply{404,
              "{\"cause\":\"no such container\",\"message\":\"no container with name or ID \\\"x\\\" "
              "found: no such container\",\"response\":404}\n"};
  {
    std::lock_guard lock(mu_);
    requests_.push_back(path);
    if (auto it = replies_.find(path); it != replies_.end()) reply = it->second;
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(reply.delay_ms);
  while (!stop_ && (reply.hang || std::chrono::steady_clock::now() < until)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!stop_) {
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                      " Fake\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\n"
                      "Content-Length: " +
                      std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n" + reply.body;
    size_t off = 0;
    while (off < out.size()) {
      ssize_t n = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  ::close(fd);
}

}  // namespace vigil::runtime::testing
