// An index of the members of an uncompressed tar held in memory (an image archive), so that
// manifests, configs and layers can be read in place without extracting anything.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil::image {

class TarIndex {
 public:
  // Indexes `data` (ustar, PAX and GNU long names; symlinks and hardlinks between members).
  // `data` must outlive the index. kCorrupt with the member and byte offset on a damaged header.
  static Result<TarIndex> Build(std::string_view data);

  // Returns the content of member `name` (normalised path), following member links (at most 16).
  // kNotFound if absent.
  Result<std::string_view> Find(std::string_view name) const;
  bool Contains(std::string_view name) const;
  // True when no member was found (an empty tar, or bytes that are not a tar at all).
  bool empty() const { return files_.empty() && links_.empty(); }

 private:
  std::map<std::string, std::string_view, std::less<>> files_;
  std::map<std::string, std::string, std::less<>> links_;  // member -> normalised target member
};

}  // namespace vigil::image
