// Paths inside an image: normalising tar entry names and joining links, never leaving the root.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

// Normalises a tar entry name to a clean relative path inside the image root ("usr/bin/x"):
// strips leading "/" and "./", folds "//" and "." components, and resolves ".." lexically.
// An absolute name is taken relative to the root, as Docker and containerd extract it.
// Returns "" for the root itself. kCorrupt when ".." would climb above the root, or the name
// holds a NUL byte.
Result<std::string> NormalizeEntryPath(std::string_view name);

// Resolves a symlink target found at `link_path` (a normalised path) to a normalised path,
// treating the image root as "/": an absolute target starts at the root, a relative one at the
// link's folder, and ".." never climbs above the root (as in a chroot).
std::string ResolveLinkTarget(std::string_view link_path, std::string_view target);

// The folder part of a normalised path ("a/b/c" -> "a/b", "a" -> "").
std::string_view ParentPath(std::string_view path);
// The last component of a path ("a/b/c" -> "c").
std::string_view BaseName(std::string_view path);
// True when `path` is `dir` or lies below it (both normalised; "" is the root).
bool IsUnder(std::string_view path, std::string_view dir);

}  // namespace vigil
