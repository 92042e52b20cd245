// libFuzzer target: feeds each input to every lock-file and language-metadata parser of the
// catalog (npm/yarn/pnpm locks, gemspec, Gemfile.lock, composer, .NET, Cargo.lock, poetry.lock,
// Pipfile.lock). A parser may reject the input; it must not crash, hang, throw or report a
// package without a type, name or version.
//
// Build by hand until fuzz/CMakeLists.txt lists it, e.g. with clang and the catalog sources:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc fuzz/lockfile_fuzz.cc \
//     src/catalog/{lock_util,npm_lock,ruby,php,dotnet,cargo_lock,python_lock,toml_adapter}.cc \
//     src/common/{status,strings,path,json}.cc -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 \
//     -lyaml-cpp -ltomlplusplus -o lockfile_fuzz
//   ./lockfile_fuzz -max_len=65536 corpus/ tests/catalog/testdata/{npm,ruby,php,dotnet,rust,python}/*
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cargo_lock.h"
#include "catalog/catalogers/dotnet.h"
#include "catalog/catalogers/npm_lock.h"
#include "catalog/catalogers/php.h"
#include "catalog/catalogers/python_lock.h"
#include "catalog/catalogers/ruby.h"

namespace {

using ParseFn = vigil::Status (*)(std::string_view, std::vector<vigil::catalog::Package>&);

constexpr ParseFn kParsers[] = {
    vigil::catalog::ParsePackageLock,  vigil::catalog::ParseYarnLock,    vigil::catalog::ParsePnpmLock,
    vigil::catalog::ParseGemspec,      vigil::catalog::ParseGemfileLock, vigil::catalog::ParseComposerInstalled,
    vigil::catalog::ParseComposerLock, vigil::catalog::ParseDepsJson,    vigil::catalog::ParseNugetPackagesLock,
    vigil::catalog::ParseCargoLock,    vigil::catalog::ParsePoetryLock,  vigil::catalog::ParsePipfileLock,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (ParseFn parse : kParsers) {
    std::vector<vigil::catalog::Package> pkgs;
    (void)parse(text, pkgs);
    for (const auto& p : pkgs) {
      if (p.type.empty() || p.name.empty() || p.version.empty()) __builtin_trap();
    }
  }
  return 0;
}
