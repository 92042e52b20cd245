// Helpers shared by the feed parser tests (alpine_secdb, debian_tracker, debian_advisory_list).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "../test_util.h"
#include "common/file.h"
#include "vulndb/feed.h"

namespace vigil::vulndb::test {

// tests/vulndb/testdata/<folder>/<name>, or "" (and a test failure) when it cannot be read.
inline std::string FeedData(const std::string& folder, const std::string& name) {
  auto text = ReadFile(testing::TestData("vulndb", folder + "/" + name));
  EXPECT_TRUE(text.ok()) << folder << "/" << name;
  return text.ok() ? *text : std::string();
}

// The advisory with `id`, or nullptr.
inline const Advisory* Find(const FeedResult& r, std::string_view id) {
  for (const Advisory& a : r.advisories) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

// Every listed problem, a line each, for assertion messages.
inline std::string Problems(const FeedResult& r) {
  std::string s;
  for (const FeedProblem& p : r.problems.list()) s += p.where + ": " + p.reason + "\n";
  return s;
}

}  // namespace vigil::vulndb::test
