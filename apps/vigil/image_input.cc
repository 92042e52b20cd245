#include "image_input.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "common/escape.h"
#include "common/file.h"

namespace vigil::app {

void AddImageFlags(CLI::App* cmd, ImageFlags* flags) {
  cmd->add_option("--platform", flags->platform, "os/arch[/variant] to pick from a multi-platform image");
  cmd->add_option("--cache-dir", flags->cache_dir, "Layer cache folder (default: $XDG_CACHE_HOME/vigil)");
  cmd->add_flag("--no-cache", flags->no_cache, "Neither read nor write the layer cache");
  cmd->add_option("--cache-max-size", flags->cache_max_size,
                  "Keep the layer cache under this many bytes, evicting the least recently used layers "
                  "(default 2 GiB; 0 = no bound)");
  cmd->add_option("--max-layer-size", flags->max_layer_size,
                  "Refuse a layer that decompresses to more bytes than this (default 32 GiB)");
  cmd->add_flag("--accept-incomplete", flags->accept_incomplete,
                "Accept an incomplete result: files that list packages but could not be read (too large, "
                "damaged), and packages the database has no advisories for, are warnings instead of "
                "failures (exit 2 for an incomplete inventory, the gate failing for a scan)")
      ->envname("VIGIL_ACCEPT_INCOMPLETE");
  cmd->add_option("--parallel", flags->parallel, "Layers analysed at once (default: one per core)")
      ->envname("VIGIL_PARALLEL")
      ->check(CLI::Range(0u, 256u));
  cmd->add_option("--max-memory", flags->max_memory,
                  "Bytes of file content all layer workers together may hold at once (default 1 GiB); a "
                  "larger file is read alone")
      ->envname("VIGIL_MAX_MEMORY");
}

bool CheckComplete(const catalog::Inventory& inventory, const ImageFlags& flags, const char* cmd, bool quiet) {
  if (inventory.complete()) return true;
  for (const catalog::UnreadFile& u : inventory.unread) {
    if (flags.accept_incomplete && quiet) break;
    std::cerr << cmd << (flags.accept_incomplete ? "warning: " : "error: ")
              << "not read, its packages are unknown: " << EscapeControls(catalog::Describe(u)) << "\n";
  }
  if (flags.accept_incomplete) return true;
  std::cerr << cmd << "the result is incomplete (" << inventory.unread.size()
            << " file(s) above); --accept-incomplete accepts it\n";
  return false;
}

catalog::AnalyzeOptions AnalyzeOptionsFrom(const ImageFlags& flags, bool quiet) {
  catalog::AnalyzeOptions opts;
  opts.cache_dir = flags.no_cache ? "" : (flags.cache_dir.empty() ? catalog::DefaultCacheDir() : flags.cache_dir);
  opts.limits.max_uncompressed_bytes = flags.max_layer_size;
  opts.threads = flags.parallel;
  opts.memory_budget = flags.max_memory;
  opts.cache_max_bytes = flags.cache_max_size;
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
