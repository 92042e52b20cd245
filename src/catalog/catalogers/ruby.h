// Ruby gems: installed gem specifications (<gem home>/specifications/[default/]*.gemspec) and
// Bundler lock files (Gemfile.lock, gems.locked). Type "gem".
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// True for ".../specifications/<x>.gemspec" and ".../specifications/default/<x>.gemspec" (the
// stubs RubyGems writes for installed and default gems).
bool IsInstalledGemspec(std::string_view path);

// True for Bundler lock files: "Gemfile.lock" and "gems.locked".
bool IsGemfileLock(std::string_view path);

// Parses an installed gemspec: the Ruby DSL RubyGems writes, read as text (it is never run).
// Finds the block variable of `Gem::Specification.new do |s|` (any name), then the string
// literals assigned to <var>.name, <var>.version (also inside Gem::Version.new(...)),
// <var>.license and <var>.licenses; "…", '…' and %q{…} literals, `.freeze` or not. Appends one
// package; kCorrupt when there is no specification block, name or version.
Status ParseGemspec(std::string_view text, std::vector<Package>& out);

// Parses a Gemfile.lock: the 4-space indented "name (version)" lines under "specs:" of the GEM,
// GIT and PATH sections, each with properties["lockfile"] = "true". A platform suffix
// ("1.13.6-x86_64-linux") is split off into properties["gem:platform"], as Bundler does; GIT
// gems get "gem:git", PATH gems (the project's own) "gem:local". A gem listed for several
// platforms is one package (the first platform is kept). kCorrupt for a spec line that
// is not "name (version)"; packages parsed before it stay in `out`.
Status ParseGemfileLock(std::string_view text, std::vector<Package>& out);

// The "ruby" cataloger: both kinds of file above.
std::unique_ptr<Cataloger> NewRubyCataloger();

}  // namespace vigil::catalog
