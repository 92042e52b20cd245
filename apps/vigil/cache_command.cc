// `vigil cache info | clean`: the layer cache's size, and emptying it (catalog/layer_cache.h).
#include <iostream>

#include "catalog/analyzer.h"
#include "catalog/layer_cache.h"
#include "commands.h"
#include "common/escape.h"

namespace vigil::app {
namespace {

std::string Size(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

int RunInfo(const std::string& dir) {
  auto usage = catalog::MeasureCache(dir);
  if (!usage.ok()) {
    std::cerr << "vigil cache info: " << EscapeControls(usage.error().ToString()) << "\n";
    return kExitError;
  }
  std::cout << "cache: " << EscapeControls(dir) << "\nlayers: " << usage->entries << "\nsize: " << Size(usage->bytes)
            << " (" << usage->bytes << " bytes)\n";
  return kExitOk;
}

int RunClean(const std::string& dir) {
  auto removed = catalog::CleanCache(dir);
  if (!removed.ok()) {
    std::cerr << "vigil cache clean: " << EscapeControls(removed.error().ToString()) << "\n";
    return kExitError;
  }
  std::cout << "removed " << removed->entries << " cached layer analyses (" << Size(removed->bytes) << ") from "
            << EscapeControls(dir) << "\n";
  return kExitOk;
}

}  // namespace

void AddCacheCommand(CLI::App& app, int* exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("cache", "The layer cache: how large it is, and emptying it");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // --cache-dir before or after info/clean
  cmd->add_option("--cache-dir", *dir, "Layer cache folder (default: $VIGIL_CACHE_DIR, else $XDG_CACHE_HOME/vigil)");
  auto resolved = [dir]() { return dir->empty() ? catalog::DefaultCacheDir() : *dir; };
  cmd->add_subcommand("info", "Print the cache folder, its cached layers and their size")->callback([=]() {
    *exit_code = RunInfo(resolved());
  });
  cmd->add_subcommand("clean", "Remove every cached layer analysis (nothing else in the folder)")->callback([=]() {
    *exit_code = RunClean(resolved());
  });
}

}  // namespace vigil::app
