// `vigil sbom IMAGE`: inventory an image and write it as a table, JSON, CycloneDX or SPDX.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "catalog/analyzer.h"
#include "cli.h"
#include "commands.h"
#include "common/escape.h"
#include "common/strings.h"
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

constexpr const char* kCmd = "vigil sbom: ";

int Fail(const std::string& message) {
  std::cerr << kCmd << EscapeControls(message) << "\n";
  return kExitError;
}

int RunSbom(const SbomFlags& f) {
  if (Status st = CheckOutputPath(f.output); !st.ok()) return Fail(st.error().message());
  std::string format = AsciiLower(f.format);
  if (format.empty()) format = (f.output.empty() && isatty(STDOUT_FILENO)) ? "table" : "json";
  if (format == "sarif" || format == "markdown" || format == "md") {
    return Fail("-f " + format + " is a report of findings: use `vigil scan -f " + format +
                "`; vigil sbom writes table, json, cyclonedx (cyclonedx-json) or spdx (spdx-json)");
  }
  auto fmt = sbom::ParseFormat(format);
  if (!fmt.ok()) return Fail(fmt.error().ToString());
  catalog::AnalyzeImageRequest req{f.image, f.image_flags.platform, AnalyzeOptionsFrom(f.image_flags, f.quiet)};
  auto inv = catalog::AnalyzeImage(req);
  EndProgress(req.options);
  if (!inv.ok()) return Fail(f.image + ": " + inv.error().ToString());
  sbom::WriteOptions options;
  options.tool_version = kVersion;
  std::string doc = sbom::Write(*fmt, *inv, options);
  if (Status st = WriteOutput(f.output, doc); !st.ok()) return Fail(st.error().ToString());
  if (!f.quiet) {
    for (const auto& w : inv->warnings) PrintWarning(kCmd, w);
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
                  "table, json, cyclonedx (cyclonedx-json, 1.6) or spdx (spdx-json, 2.3); default: table on a "
                  "terminal, else json")
      ->check(CLI::IsMember(FormatNames(), CLI::ignore_case));
  cmd->add_option("-o,--output", flags->output, "Write to this file instead of standard output (-f picks the format)");
  AddImageFlags(cmd, &flags->image_flags);
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress or warnings on standard error");
  cmd->callback([flags, exit_code]() { *exit_code = RunSbom(*flags); });
}

}  // namespace vigil::app
