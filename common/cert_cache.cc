#include "common/cert_cache.h"

namespace rotagent::x509 {
namespace {
// Room for every certificate a busy agent re-reads (its controllers, its profiles' leaves and
// CAs), about 4 KB each; a 20,000-CA bundle is not parsed with keys and never enters.
constexpr size_t kSharedCapacity = 256;
}  // namespace

ossl::X509Ptr CertCache::Find(std::string_view der) const {
  std::lock_guard lock(mu_);
  auto it = by_der_.find(std::string(der));
  if (it == by_der_.end()) return nullptr;
  X509_up_ref(it->second.get());
  return ossl::X509Ptr(it->second.get());
}

void CertCache::Add(std::string_view der, X509* cert) {
  if (capacity_ == 0 || der.size() > kMaxDerBytes) return;
  std::lock_guard lock(mu_);
  auto [it, added] = by_der_.try_emplace(std::string(der));
  if (!added) return;
  X509_up_ref(cert);
  it->second.reset(cert);
  order_.push_back(it->first);
  if (order_.size() > capacity_) {
    by_der_.erase(order_.front());
    order_.pop_front();
  }
}

size_t CertCache::size() const {
  std::lock_guard lock(mu_);
  return by_der_.size();
}

CertCache& CertCache::Shared() {
  static CertCache* const cache = new CertCache(kSharedCapacity);  // never destroyed: used at exit
  return *cache;
}

}  // namespace rotagent::x509
