#include "common/path.h"

#include <vector>

namespace vigil {
namespace {

// Splits on '/' and folds "." and ".." (clamping at the root when `clamp` is set).
// Returns false if ".." would climb above the root and clamping is off.
bool Fold(std::string_view in, std::vector<std::string_view>& parts, bool clamp) {
  size_t i = 0;
  while (i <= in.size()) {
    size_t j = in.find('/', i);
    if (j == std::string_view::npos) j = in.size();
    std::string_view part = in.substr(i, j - i);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (parts.empty()) {
        if (!clamp) return false;
      } else {
        parts.pop_back();
      }
    } else {
      parts.push_back(part);
    }
    i = j + 1;
  }
  return true;
}

std::string Join(const std::vector<std::string_view>& parts) {
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out.push_back('/');
    out.append(parts[k]);
  }
  return out;
}

}  // namespace

Result<std::string> NormalizeEntryPath(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) {
    return Corrupt("entry name holds a NUL byte");
  }
  std::vector<std::string_view> parts;
  if (!Fold(name, parts, /*clamp=*/false)) {
    std::string shown(name.substr(0, 200));
    return Corrupt("entry '" + shown + "' climbs above the image root with '..'");
  }
  return Join(parts);
}

std::string ResolveLinkTarget(std::string_view link_path, std::string_view target) {
  std::string combined;
  if (!target.empty() && target.front() == '/') {
    combined = std::string(target);
  } else {
    combined = std::string(ParentPath(link_path));
    combined.push_back('/');
    combined.append(target);
  }
  std::vector<std::string_view> parts;
  Fold(combined, parts, /*clamp=*/true);
  return Join(parts);
}

std::string_view ParentPath(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  return path.substr(0, slash);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return path;
  return path.substr(slash + 1);
}

bool IsUnder(std::string_view path, std::string_view dir) {
  if (dir.empty()) return true;
  if (path.size() < dir.size() || path.compare(0, dir.size(), dir) != 0) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

}  // namespace vigil
