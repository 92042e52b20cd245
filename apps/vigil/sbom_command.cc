// `vigil sbom IMAGE`: inventory an image and write it as a table, JSON, CycloneDX or SPDX.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "catalog/analyzer.h"
#include "commands.h"
#include "image_input.h"
#include "sbom/sbom.h"

namespace vigil::app {
namespace {

struct SbomFlags {
  std::string image;
  std::string format;
  std::string output;
  ImageFlags image_flags;
  bool quiet = false;
};

int RunSbom(const SbomFlags& f) {
  catalog::AnalyzeImageRequest req{f.image, f.image_flags.platform, AnalyzeOptionsFrom(f.image_flags, f.quiet)};
  auto inv = catalog::AnalyzeImage(req);
  EndProgress(req.options);
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
  if (Status st = WriteOutput(f.output, doc); !st.ok()) {
    std::cerr << "vigil sbom: " << st.error().ToString() << "\n";
    return kExitError;
  }
  if (!f.quiet && *fmt != sbom::Format::kTable) {
    for (const auto& w : inv->warnings) std::cerr << "vigil sbom: warning: " << w << "\n";
  }
  if (!CheckComplete(*inv, f.image_flags, "vigil sbom: ", f.quiet)) return kExitError;
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
  AddImageFlags(cmd, &flags->image_flags);
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress or warnings on standard error");
  cmd->callback([flags, exit_code]() { *exit_code = RunSbom(*flags); });
}

}  // namespace vigil::app
