// Which layers of an image came from its base image, so that findings can be told apart:
// inherited from the base (fixed by rebuilding on a newer base) or brought by the image's own
// build steps (fixed in its own Containerfile).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "image/image.h"

namespace vigil::match {

struct BaseImage {
  // The lowest `layers` layers (index 0 .. layers-1) are the base image's; 0 = none known.
  int layers = 0;
  // How it was found, for reports: "--base <ref>", "history: buildah FROM step",
  // "history: CMD/ENTRYPOINT of the base"; "" when nothing was found.
  std::string how;
  // The base image as named by the user or the history ("localhost/debian:12"); may be "".
  std::string name;

  bool known() const { return !how.empty(); }
  bool IsBaseLayer(int layer) const { return layer >= 0 && layer < layers; }
};

// Infers the base image from the history of `image`, in this order:
// 1. buildah/podman build: the newest history entry whose comment is "FROM <ref>", with <ref>
//    an image reference (buildah's later steps say "FROM <id of the previous step>"), is the
//    image's first own step; the layers below it are the base's (name = <ref>).
// 2. docker build: the image's own trailing metadata steps (empty-layer entries at the end)
//    are skipped; the newest CMD or ENTRYPOINT empty-layer entry before them that still has
//    layers after it closes the base image (a Dockerfile's FROM image normally ends in one).
// Otherwise nothing is inferred (known() false): single-step images, squashed images, or
// images whose history was stripped.
BaseImage InferBaseImage(const image::ImageInfo& image);

// The base image given explicitly: the layers an image (its layer diff_ids, lowest first) shares
// with the base `base_name` (its diff_ids). kInvalidArgument when the base has no layers, or its
// layers are not the lowest layers of the image (the message names the first that differs).
Result<BaseImage> BaseFromImage(const std::vector<std::string>& image_diff_ids,
                                const std::vector<std::string>& base_diff_ids, const std::string& base_name);

}  // namespace vigil::match
