// A trust bundle of any size as one X509_STORE, built once per bundle and shared by validation,
// the lockout check and every client verification. Certificates are found through an index by
// subject instead of being added to the store one by one: OpenSSL 3.0 re-sorts a store on every
// add, so 5,000 adds take half a minute and 20,000 take many minutes. Anchors keep their public
// keys encoded until a verification looks them up (x509::PublicKeys).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::certz {

class TrustStore {
 public:
  // Builds the store of `certs` (anchors) and `crls`.
  static std::shared_ptr<const TrustStore> Build(std::vector<ossl::X509Ptr> certs,
                                                 std::vector<ossl::X509Crl> crls);
  // The store for this exact PEM text: one already built and still in use (or published) if
  // any, else parsed and built now.
  static Result<std::shared_ptr<const TrustStore>> ForPem(const std::string& trust_pem,
                                                          const std::string& crl_pem);
  // The store already built for this exact PEM text and still in use (or published); null if
  // none. Reusing it keeps the anchors it has parsed and the verdicts reached with it.
  static std::shared_ptr<const TrustStore> Find(const std::string& trust_pem,
                                                const std::string& crl_pem);
  // Makes ForPem of this text answer `store` while anyone holds it.
  static void Publish(const std::string& trust_pem, const std::string& crl_pem,
                      const std::shared_ptr<const TrustStore>& store);

  X509_STORE* get() const { return store_.get(); }
  bool has_crls() const { return has_crls_; }
  // The earliest nextUpdate of its CRLs (seconds since the epoch), 0 if none has one: a verdict
  // reached with them may change then.
  int64_t crls_next_update() const { return crls_next_update_; }
  size_t size() const { return der_.size(); }
  // Unique to this store in the process, never reused: what a verdict reached with it is filed
  // under (an address could be reused by a later store).
  uint64_t serial() const { return serial_; }

  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;
  TrustStore() = default;  // use Build

 private:
  static int BySubject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                       X509_OBJECT* ret);

  std::vector<std::string> der_;  // each anchor's DER: a seventh of its parsed size
  std::multimap<unsigned long, size_t> by_subject_;  // X509_NAME_hash_ex -> index in der_
  // der_[i] parsed with its key, on its first lookup, and kept while the store lives (the lookup
  // lends it to OpenSSL).
  mutable std::mutex complete_mu_;
  mutable std::vector<ossl::X509Ptr> complete_;
  ossl::X509Store store_;
  bool has_crls_ = false;
  int64_t crls_next_update_ = 0;
  uint64_t serial_ = 0;
};

}  // namespace rotagent::certz
