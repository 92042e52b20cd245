// The subcommands of the vigil executable: each registers its flags and a callback.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::app {

// Exit codes: 0 success, 1 a policy failed (scan's --fail-on gates), 2 an error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitPolicy = 1;
inline constexpr int kExitError = 2;

// Adds `vigil sbom` to `app`; the command stores its exit code in `*exit_code`.
void AddSbomCommand(CLI::App& app, int* exit_code);

// vigil's version ("0.1.0", CMake's project version).
extern const char* const kVersion;

// Adds `vigil version` (the version and build facts, as text or with -f json) and
// `vigil version compare` to `app`; the command stores its exit code in `*exit_code`.
void AddVersionCommand(CLI::App& app, int* exit_code);

// Adds `vigil scan` (image or SBOM against the database, reports, CI gate) to `app`.
void AddScanCommand(CLI::App& app, int* exit_code);

// Adds `vigil sensor` (the eBPF runtime sensor) to `app`.
void AddSensorCommand(CLI::App& app, int* exit_code);

// Adds `vigil db` (import, update, status, get, lookup, changes) to `app`.
void AddDbCommand(CLI::App& app, int* exit_code);

// Adds `vigil cache` (info, clean: the layer cache) to `app`.
void AddCacheCommand(CLI::App& app, int* exit_code);

// Adds `vigil serve` (the fleet server) to `app`.
void AddServeCommand(CLI::App& app, int* exit_code);

// Adds `vigil fleet` (the fleet server's client) to `app`.
void AddFleetCommand(CLI::App& app, int* exit_code);

}  // namespace vigil::app
