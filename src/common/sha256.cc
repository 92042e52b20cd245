#include "common/sha256.h"

#include <openssl/evp.h>

namespace vigil {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::Update(const void* data, size_t size) {
  if (size > 0) EVP_DigestUpdate(impl_->ctx, data, size);
}

std::string Sha256::FinishHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string Sha256::FinishDigest() { return "sha256:" + FinishHex(); }

std::string Sha256Digest(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.FinishDigest();
}

Result<std::string> DigestHex(std::string_view digest) {
  auto colon = digest.find(':');
  if (colon == std::string_view::npos) {
    return Corrupt("digest '" + std::string(digest.substr(0, 100)) + "' has no algorithm prefix");
  }
  std::string_view algo = digest.substr(0, colon);
  std::string_view hex = digest.substr(colon + 1);
  if (algo != "sha256") {
    return Unsupported("digest algorithm '" + std::string(algo.substr(0, 20)) + "' is not supported");
  }
  if (hex.size() != 64) return Corrupt("sha256 digest does not have 64 hex digits");
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Corrupt("sha256 digest has a character that is not lower-case hex");
    }
  }
  return std::string(hex);
}

}  // namespace vigil
