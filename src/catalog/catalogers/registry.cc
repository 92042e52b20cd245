// The registry of catalogers. Adding an ecosystem: docs/howto/add-a-cataloger.md.
#include "catalog/catalogers/apk.h"
#include "catalog/catalogers/cargo_lock.h"
#include "catalog/catalogers/cataloger.h"
#include "catalog/catalogers/dotnet.h"
#include "catalog/catalogers/dpkg.h"
#include "catalog/catalogers/go_binary.h"
#include "catalog/catalogers/java.h"
#include "catalog/catalogers/npm.h"
#include "catalog/catalogers/npm_lock.h"
#include "catalog/catalogers/os_release.h"
#include "catalog/catalogers/php.h"
#include "catalog/catalogers/python.h"
#include "catalog/catalogers/python_lock.h"
#include "catalog/catalogers/rpm.h"
#include "catalog/catalogers/ruby.h"
#include "catalog/catalogers/rust_binary.h"

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
