// Test support: what a watcher's sink was called with, in order, and waiting for it without
// polling. `Call` is the test's own record; it needs a `std::string kind` member.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace vigil::testing {

template <typename Call>
class CallLog {
 public:
  // Records a call (from any thread) and wakes the waiters.
  void Add(Call c) {
    {
      std::lock_guard lock(mu_);
      calls_.push_back(std::move(c));
    }
    cv_.notify_all();
  }
  // Waits (up to 30 s; woken by each call) until `done` holds for the calls; false on timeout.
  bool WaitFor(const std::function<bool(const std::vector<Call>&)>& done) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return done(calls_); });
  }
  // Waits until there are at least `n` calls of `kind`.
  bool WaitForCount(const std::string& kind, size_t n) {
    return WaitFor([&](const std::vector<Call>& calls) { return Count(calls, kind) >= n; });
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  static size_t Count(const std::vector<Call>& calls, const std::string& kind) {
    return static_cast<size_t>(
        std::count_if(calls.begin(), calls.end(), [&](const Call& c) { return c.kind == kind; }));
  }
  // The calls of `kind`, in order.
  std::vector<Call> Of(const std::string& kind) const {
    std::vector<Call> out;
    for (const Call& c : calls()) {
      if (c.kind == kind) out.push_back(c);
    }
    return out;
  }
  // The kinds of all calls, in order.
  std::vector<std::string> Kinds() const {
    std::vector<std::string> out;
    for (const Call& c : calls()) out.push_back(c.kind);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Call> calls_;
};

}  // namespace vigil::testing
