// The registry of catalogers. Adding an ecosystem: docs/howto/add-a-cataloger.md.
#include "catalog/apk.h"
#include "catalog/cargo_lock.h"
#include "catalog/cataloger.h"
#include "catalog/dotnet.h"
#include "catalog/dpkg.h"
#include "catalog/go_binary.h"
#include "catalog/java.h"
#include "catalog/npm.h"
#include "catalog/npm_lock.h"
#include "catalog/os_release.h"
#include "catalog/php.h"
#include "catalog/python.h"
#include "catalog/python_lock.h"
#include "catalog/rpm.h"
#include "catalog/ruby.h"
#include "catalog/rust_binary.h"

namespace vigil::catalog {

std::vector<std::unique_ptr<Cataloger>> DefaultCatalogers() {
  std::vector<std::unique_ptr<Cataloger>> out;
  out.push_back(NewOsReleaseCataloger());
  out.push_back(NewDpkgCataloger());
  out.push_back(NewApkCataloger());
  out.push_back(NewRpmCataloger());
  out.push_back(NewNpmCataloger());
  out.push_back(NewNpmLockCataloger());
  out.push_back(NewYarnLockCataloger());
  out.push_back(NewPnpmLockCataloger());
  out.push_back(NewPythonCataloger());
  out.push_back(NewRubyCataloger());
  out.push_back(NewComposerCataloger());
  out.push_back(NewDotnetCataloger());
  out.push_back(NewCargoLockCataloger());
  out.push_back(NewPythonLockCataloger());
  out.push_back(NewJavaCataloger());
  out.push_back(NewGoBinaryCataloger());
  out.push_back(NewRustBinaryCataloger());
  return out;
}

}  // namespace vigil::catalog
