// Certificates already parsed with their public keys, found again by their DER. OpenSSL 3.0
// spends about 240 us preparing a key decoder for every certificate it parses, and the same few
// certificates (a controller's client certificate, the served leaf, its CA) are parsed on every
// call and at every step of a rotation. A parsed X509 is reference-counted and not changed by
// its readers, so one parse is shared by all of them.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/ossl.h"

namespace rotagent::x509 {

class CertCache {
 public:
  explicit CertCache(size_t capacity) : capacity_(capacity) {}

  // Another reference to the certificate parsed from exactly `der`, or null.
  ossl::X509Ptr Find(std::string_view der) const;
  // Remembers `cert` (which must hold its public key) as the parse of `der`; the oldest entry
  // goes once `capacity` are held. A DER over kMaxDerBytes is not kept: any TLS client can have
  // its certificate parsed, and real ones are 0.5-2 KB, so this bounds what strangers can pin.
  void Add(std::string_view der, X509* cert);
  static constexpr size_t kMaxDerBytes = size_t{8} * 1024;
  size_t size() const;

  // The process's cache, used by ParseCertificates and WithPublicKey.
  static CertCache& Shared();

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, ossl::X509Ptr> by_der_;
  std::deque<std::string> order_;  // oldest first
};

}  // namespace rotagent::x509
