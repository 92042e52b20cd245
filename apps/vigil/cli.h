// What the commands share beyond image input: the output flags (-f with the format names every
// command accepts, -o as the output file), the terminal (colour, width), printing text that came
// from an image or a feed on standard error, and the command tree itself (help, completion
// scripts, the man page and the VIGIL_* environment variables are all generated from it).
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil::app {

// Every name -f accepts in any command: "table", "json", "sarif", "cyclonedx", "cyclonedx-json",
// "spdx", "spdx-json", "markdown" (and the short "cdx", "md").
const std::vector<std::string>& FormatNames();

// kInvalidArgument when `output` (the value of -o) is a format name rather than a file: -o names
// the output file as in Trivy, and "-o json" is almost always meant as "-f json". The message
// says so and how to write a file of that name anyway ("-o ./json"). OK otherwise.
Status CheckOutputPath(const std::string& output);

// Adds --color auto|always|never (default auto) to `cmd`.
void AddColorOption(CLI::App* cmd, std::string* value);

// Whether output on `fd` gets ANSI colours: "always" yes, "never" no, "auto" when `fd` is a
// terminal and $NO_COLOR is unset or empty (https://no-color.org).
bool WantColor(const std::string& mode, int fd);

// The width in columns tables on `fd` are fitted to: $COLUMNS when it is a number of at least 40,
// else the terminal's width (TIOCGWINSZ) when `fd` is one, else 0 (no limit).
size_t OutputWidth(int fd);

// Prints "<prefix>warning: <text>" on standard error, `text` escaped (common/escape.h): warnings
// quote package names, versions and paths from the image.
void PrintWarning(std::string_view prefix, std::string_view text);

// Sets VIGIL_<NAME> (upper case, '-' → '_') as the environment variable of every long option of
// the commands `scan` and `sbom` and of `db`'s own --db, except the options that name what to
// read or write (the image, --sbom, --base, -o): those differ on every run. Options that already
// have a variable keep it. Call after every command was added.
void AddEnvironmentNames(CLI::App& app);

// Adds `vigil help [COMMAND...]`, `vigil completion bash|zsh|fish` and the hidden `vigil man`
// (the man page in roff, which the build writes to vigil.1). All three read `app`'s command tree
// when they run, so they describe every command and option that exists.
void AddHelpCommands(CLI::App& app, int* exit_code);

// The man page of `app` (roff, section 1).
std::string ManPage(const CLI::App& app);

// The completion script of `app` for `shell` ("bash", "zsh", "fish"); kInvalidArgument for
// another shell.
Result<std::string> CompletionScript(const CLI::App& app, std::string_view shell);

}  // namespace vigil::app
