#include "catalog/catalogers/lock_util.h"

namespace vigil::catalog {

Package LockPackage(std::string_view type, std::string_view name_space, std::string_view name,
                    std::string_view version) {
  Package p;
  p.type = std::string(type);
  p.name_space = std::string(name_space);
  p.name = std::string(name);
  p.version = std::string(version);
  p.properties["lockfile"] = "true";
  return p;
}

void SplitNpmName(std::string_view full, std::string& name_space, std::string& name) {
  name_space.clear();
  size_t slash = full.find('/');
  if (!full.empty() && full.front() == '@' && slash != std::string_view::npos) {
    name_space = std::string(full.substr(0, slash));
    name = std::string(full.substr(slash + 1));
  } else {
    name = std::string(full);
  }
}

void UniquePackages::Add(Package p) {
  std::string key = p.type + '\n' + p.name_space + '\n' + p.name + '\n' + p.version;
  auto [it, inserted] = index_.emplace(std::move(key), packages_.size());
  if (inserted) {
    packages_.push_back(std::move(p));
    return;
  }
  Package& have = packages_[it->second];
  if (!group_flag_.empty() && have.properties.count(group_flag_) != 0 && p.properties.count(group_flag_) == 0) {
    have.properties.erase(group_flag_);
  }
  for (auto& [k, v] : p.properties) {
    if (k == group_flag_) continue;
    have.properties.emplace(k, v);
  }
  if (have.licenses.empty()) have.licenses = std::move(p.licenses);
}

void UniquePackages::MoveTo(std::vector<Package>& out) {
  for (Package& p : packages_) out.push_back(std::move(p));
  packages_.clear();
  index_.clear();
}

}  // namespace vigil::catalog
