// The scheme singletons, one per file of src/version/. Use FindScheme / LookupScheme rather than
// these; they are declared here for the registry (registry.cc) and for the tests.
#pragma once

#include "version/version.h"

namespace vigil::version {

const Scheme* DpkgScheme();      // dpkg.cc: Debian, Ubuntu
const Scheme* RpmScheme();       // rpm.cc: Red Hat, AlmaLinux, Rocky Linux, SUSE, ...
const Scheme* ApkScheme();       // apk.cc: Alpine, Wolfi, Chainguard
const Scheme* SemverScheme();    // semver.cc: npm, crates.io
const Scheme* GoScheme();        // go.cc: Go modules
const Scheme* Pep440Scheme();    // pep440.cc: PyPI
const Scheme* MavenScheme();     // maven.cc: Maven
const Scheme* GemScheme();       // gem.cc: RubyGems
const Scheme* NugetScheme();     // nuget.cc: NuGet
const Scheme* ComposerScheme();  // composer.cc: Packagist

}  // namespace vigil::version
