#include "image_input.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "common/file.h"

namespace vigil::app {

void AddImageFlags(CLI::App* cmd, ImageFlags* flags) {
  cmd->add_option("--platform", flags->platform, "os/arch[/variant] to pick from a multi-platform image");
  cmd->add_option("--cache-dir", flags->cache_dir, "Layer cache folder (default: $XDG_CACHE_HOME/vigil)");
  cmd->add_flag("--no-cache", flags->no_cache, "Neither read nor write the layer cache");
  cmd->add_option("--max-layer-size", flags->max_layer_size,
                  "Refuse a layer that decompresses to more bytes than this (default 32 GiB)");
}

catalog::AnalyzeOptions AnalyzeOptionsFrom(const ImageFlags& flags, bool quiet) {
  catalog::AnalyzeOptions opts;
  opts.cache_dir = flags.no_cache ? "" : (flags.cache_dir.empty() ? catalog::DefaultCacheDir() : flags.cache_dir);
  opts.limits.max_uncompressed_bytes = flags.max_layer_size;
  if (!quiet && isatty(STDERR_FILENO) != 0) {
    opts.progress = [](const std::string& line) { std::cerr << "\r\033[Kvigil: " << line << std::flush; };
  }
  return opts;
}

void EndProgress(const catalog::AnalyzeOptions& options) {
  if (options.progress) std::cerr << "\r\033[K" << std::flush;
}

Status WriteOutput(const std::string& path, const std::string& doc) {
  if (path.empty() || path == "-") {
    std::fwrite(doc.data(), 1, doc.size(), stdout);
    std::fflush(stdout);
    return OkStatus();
  }
  return WriteFileAtomic(path, doc);
}

}  // namespace vigil::app
