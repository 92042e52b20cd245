// Helpers shared by the tests of src/net: a temporary folder, a gate a handler can wait on, and a
// started in-process server.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "../test_util.h"
#include "net/http_server.h"

namespace vigil::net::testing {

namespace fs = std::filesystem;

// The longest any test waits for something that should happen at once: a generous bound that
// only ends a broken test, never a measure.
inline constexpr std::chrono::seconds kPatience{30};

// A fresh folder, removed with its content at the end of the test.
class TempDir : public vigil::testing::ScopedTempDir {
 public:
  TempDir() : ScopedTempDir("net-test") {}
};

// A one-way signal between threads.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  // True when opened within `d`.
  bool Wait(std::chrono::milliseconds d = kPatience) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [this] { return open_; });
  }
  bool is_open() {
    std::lock_guard lock(mu_);
    return open_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Adds a route to `server`, failing the test on an error.
inline void Route(HttpServer& server, std::string_view method, std::string_view pattern, Handler handler) {
  Status s = server.Handle(method, pattern, std::move(handler));
  ASSERT_TRUE(s.ok()) << s.error().ToString();
}

// Starts `server`, failing the test on an error.
inline void StartOrFail(HttpServer& server) {
  Status s = server.Start();
  ASSERT_TRUE(s.ok()) << s.error().ToString();
}

inline std::string LocalUrl(const HttpServer& server, const std::string& path, const std::string& scheme = "http") {
  return scheme + "://127.0.0.1:" + std::to_string(server.port()) + path;
}

}  // namespace vigil::net::testing
