#include "catalog/catalogers/cargo_lock.h"

#include "catalog/catalogers/lock_util.h"
#include "catalog/catalogers/toml_adapter.h"
#include "common/path.h"

namespace vigil::catalog {
namespace {

class CargoLockCataloger : public Cataloger {
 public:
  std::string_view name() const override { return "cargo-lock"; }
  bool Wants(const FileRef& f) const override { return IsCargoLock(f.path); }
  uint64_t MaxSize() const override { return 16u << 20; }
  Status Parse(const FileRef&, std::string_view content, FileResult& out) const override {
    return ParseCargoLock(content, out.packages);
  }
};

}  // namespace

bool IsCargoLock(std::string_view path) { return BaseName(path) == "Cargo.lock"; }

Status ParseCargoLock(std::string_view text, std::vector<Package>& out) {
  UniquePackages pkgs;
  VIGIL_RETURN_IF_ERROR(ForEachTomlPackage(
      text, "Cargo.lock", [&pkgs](const toml::table& t, const std::string& name, const std::string& version) {
        Package p = LockPackage("cargo", "", name, version);
        // Registry and git crates name their source; path crates (the workspace's members) have none.
        if (t.get("source") == nullptr) p.properties["cargo:local"] = "true";
        pkgs.Add(std::move(p));
      }));
  pkgs.MoveTo(out);
  return OkStatus();
}

std::unique_ptr<Cataloger> NewCargoLockCataloger() { return std::make_unique<CargoLockCataloger>(); }

}  // namespace vigil::catalog
