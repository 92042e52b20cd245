// `vigil sbom IMAGE`: inventory an image and write it as a table, JSON, CycloneDX or SPDX.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "catalog/analyzer.h"
#include "commands.h"
#include "common/file.h"
#include "image/image.h"
#include "sbom/sbom.h"

namespace vigil::app {
namespace {

struct SbomFlags {
  std::string image;
  std::string format;
  std::string output;
  std::string platform;
  std::string cache_dir;
  bool no_cache = false;
  bool quiet = false;
  uint64_t max_layer_size = 32ull << 30;
};

int RunSbom(const SbomFlags& f) {
  image::OpenOptions open;
  open.platform = f.platform;
  auto img = image::Image::Open(f.image, open);
  if (!img.ok()) {
    std::cerr << "vigil sbom: " << img.error().ToString() << "\n";
    return kExitError;
  }
  catalog::AnalyzeOptions opts;
  opts.cache_dir = f.no_cache ? "" : (f.cache_dir.empty() ? catalog::DefaultCacheDir() : f.cache_dir);
  opts.limits.max_uncompressed_bytes = f.max_layer_size;
  bool tty = isatty(STDERR_FILENO) != 0;
  if (!f.quiet && tty) {
    opts.progress = [](const std::string& line) { std::cerr << "\r\033[Kvigil: " << line << std::flush; };
  }
  auto inv = catalog::Analyze(**img, opts);
  if (!f.quiet && tty) std::cerr << "\r\033[K" << std::flush;
  if (!inv.ok()) {
    std::cerr << "vigil sbom: " << f.image << ": " << inv.error().ToString() << "\n";
    return kExitError;
  }
  std::string format = f.format;
  if (format.empty()) format = (f.output.empty() && isatty(STDOUT_FILENO)) ? "table" : "json";
  auto fmt = sbom::ParseFormat(format);
  if (!fmt.ok()) {
    std::cerr << "vigil sbom: " << fmt.error().ToString() << "\n";
    return kExitError;
  }
  std::string doc = sbom::Write(*fmt, *inv, sbom::WriteOptions{});
  if (f.output.empty() || f.output == "-") {
    std::fwrite(doc.data(), 1, doc.size(), stdout);
  } else {
    Status st = WriteFileAtomic(f.output, doc);
    if (!st.ok()) {
      std::cerr << "vigil sbom: " << st.error().ToString() << "\n";
      return kExitError;
    }
  }
  if (!f.quiet && *fmt != sbom::Format::kTable) {
    for (const auto& w : inv->warnings) std::cerr << "vigil sbom: warning: " << w << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddSbomCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<SbomFlags>();
  CLI::App* cmd = app.add_subcommand("sbom", "List every component of an image, layer by layer");
  cmd->add_option("image", flags->image,
                  "Image: docker-archive or OCI archive (.tar), OCI layout folder, or root folder; "
                  "prefixes docker-archive:, oci-archive:, oci:, dir: force the form")
      ->required();
  cmd->add_option("-f,--format", flags->format,
                  "table, json, cyclonedx (1.6) or spdx (2.3); default: table on a terminal, else json");
  cmd->add_option("-o,--output", flags->output, "Write to this file instead of standard output");
  cmd->add_option("--platform", flags->platform, "os/arch[/variant] to pick from a multi-platform image");
  cmd->add_option("--cache-dir", flags->cache_dir, "Layer cache folder (default: $XDG_CACHE_HOME/vigil)");
  cmd->add_flag("--no-cache", flags->no_cache, "Neither read nor write the layer cache");
  cmd->add_option("--max-layer-size", flags->max_layer_size,
                  "Refuse a layer that decompresses to more bytes than this (default 32 GiB)");
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress or warnings on standard error");
  cmd->callback([flags, exit_code]() { *exit_code = RunSbom(*flags); });
}

}  // namespace vigil::app
