// Test support: the streaming body of a scripted HTTP server (a Docker events stream, a
// Kubernetes watch) that the test feeds chunk by chunk, ends cleanly or cuts.
// Header-only; the test links vigil::net.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <utility>

#include "common/status.h"
#include "net/http_server.h"

namespace vigil::testing {

// One stream at a time is fed: each Push() is written as one chunk to the stream that is open
// (or to the next one, if none is). Thread-safe.
class ScriptedStream {
 public:
  // `name` appears in the error a stream ends with when the server goes down.
  explicit ScriptedStream(std::string name) : name_(std::move(name)) {}

  // The server is (again) up: streams answered from now on run until ended.
  void Open() {
    std::lock_guard lock(mu_);
    closing_ = false;
  }
  // The server goes down: every open stream is cut (without its last chunk).
  void Close() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
  }
  // Bytes for the open stream, written as one chunk.
  void Push(std::string bytes) {
    {
      std::lock_guard lock(mu_);
      pending_.push_back(std::move(bytes));
    }
    cv_.notify_all();
  }
  // Ends the open stream: cleanly (with its last chunk) or cut.
  void End(bool cleanly) {
    {
      std::lock_guard lock(mu_);
      end_ = cleanly ? Ending::kClean : Ending::kCut;
    }
    cv_.notify_all();
  }

  // Forgets how the previous stream ended. A handler calls it first, before the test can see
  // the request (so an End() the test sends after seeing it is not lost).
  void Rearm() {
    std::lock_guard lock(mu_);
    end_ = Ending::kNone;
  }

  // An answer (200, chunked) that writes what is pushed until End() or Close().
  net::ServerResponse Respond() {
    net::ServerResponse out;
    out.stream = [this](const net::ServerResponse::Writer& write) -> Status {
      std::unique_lock lock(mu_);
      for (;;) {
        cv_.wait(lock, [&] { return closing_ || end_ != Ending::kNone || !pending_.empty(); });
        if (closing_) return Unavailable(name_ + " going down");
        while (!pending_.empty()) {
          std::string bytes = std::move(pending_.front());
          pending_.pop_front();
          lock.unlock();
          bool ok = write(bytes);
          lock.lock();
          if (!ok) return Unavailable("client gone");
        }
        if (end_ == Ending::kClean) return OkStatus();
        if (end_ == Ending::kCut) return Unavailable("cut");
      }
    };
    return out;
  }

 private:
  enum class Ending { kNone, kClean, kCut };

  const std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closing_ = false;
  Ending end_ = Ending::kNone;
  std::deque<std::string> pending_;
};

}  // namespace vigil::testing
