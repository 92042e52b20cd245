#include "match/base_image.h"

#include <string_view>

namespace vigil::match {

namespace {

// True if a history command is a CMD or ENTRYPOINT instruction, as docker (classic and BuildKit)
// and buildah write them: "/bin/sh -c #(nop)  CMD [...]", "CMD [...]".
bool IsCmdOrEntrypoint(std::string_view created_by) {
  size_t nop = created_by.find("#(nop)");
  std::string_view rest = nop == std::string_view::npos ? created_by : created_by.substr(nop + 6);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest.starts_with("CMD ") || rest.starts_with("CMD[") || rest.starts_with("ENTRYPOINT ") ||
         rest.starts_with("ENTRYPOINT[");
}

// buildah names the previous step by the first 12 hex digits of its image id.
bool IsStepId(std::string_view s) {
  if (s.size() < 12 || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

BaseImage InferBaseImage(const image::ImageInfo& image) {
  const auto& history = image.config.history;
  // 1. buildah: an image's first own step says "FROM <ref>", its later steps "FROM <id>". A base
  //    built by buildah has such entries too: the newest one is this image's.
  int layer = 0;
  BaseImage from_step;
  for (const image::HistoryEntry& h : history) {
    if (h.comment.starts_with("FROM ") && !IsStepId(std::string_view(h.comment).substr(5)) && layer > 0) {
      from_step.layers = layer;
      from_step.how = "history: buildah FROM step";
      from_step.name = h.comment.substr(5);
    }
    if (!h.empty_layer) ++layer;
  }
  if (from_step.known()) return from_step;
  // 2. docker: the base's closing CMD/ENTRYPOINT, below the image's own trailing metadata.
  size_t end = history.size();
  while (end > 0 && history[end - 1].empty_layer) --end;
  int layers_below = 0;
  int boundary = -1;
  for (size_t i = 0; i < end; ++i) {
    if (!history[i].empty_layer) {
      ++layers_below;
    } else if (IsCmdOrEntrypoint(history[i].created_by) && layers_below > 0) {
      boundary = layers_below;
    }
  }
  if (boundary > 0 && boundary < layers_below) {
    BaseImage b;
    b.layers = boundary;
    b.how = "history: CMD/ENTRYPOINT of the base";
    return b;
  }
  return {};
}

Result<BaseImage> BaseFromImage(const std::vector<std::string>& image_diff_ids,
                                const std::vector<std::string>& base_diff_ids, const std::string& base_name) {
  if (base_diff_ids.empty()) return InvalidArgument("base image " + base_name + " has no layers");
  if (base_diff_ids.size() > image_diff_ids.size()) {
    return InvalidArgument("base image " + base_name + " has more layers (" + std::to_string(base_diff_ids.size()) +
                           ") than the image (" + std::to_string(image_diff_ids.size()) + ")");
  }
  for (size_t i = 0; i < base_diff_ids.size(); ++i) {
    if (base_diff_ids[i] != image_diff_ids[i]) {
      return InvalidArgument("the image is not built on " + base_name + ": its layer " + std::to_string(i) + " is " +
                             image_diff_ids[i] + ", the base's is " + base_diff_ids[i]);
    }
  }
  BaseImage b;
  b.layers = static_cast<int>(base_diff_ids.size());
  b.how = "--base " + base_name;
  b.name = base_name;
  return b;
}

}  // namespace vigil::match
