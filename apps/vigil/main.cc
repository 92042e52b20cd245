// vigil: container security. This file only wires subcommands; the work is in src/.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli.h"
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"vigil: know what is in your containers and what threatens them", "vigil"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("vigil ") + vigil::app::kVersion);
  int exit_code = vigil::app::kExitOk;
  vigil::app::AddSbomCommand(app, &exit_code);
  vigil::app::AddScanCommand(app, &exit_code);
  vigil::app::AddSensorCommand(app, &exit_code);
  vigil::app::AddVersionCommand(app, &exit_code);
  vigil::app::AddDbCommand(app, &exit_code);
  vigil::app::AddCacheCommand(app, &exit_code);
  vigil::app::AddServeCommand(app, &exit_code);
  vigil::app::AddFleetCommand(app, &exit_code);
  vigil::app::AddHelpCommands(app, &exit_code);
  vigil::app::AddEnvironmentNames(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : vigil::app::kExitError;
  }
  return exit_code;
}
