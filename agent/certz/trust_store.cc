#include "agent/certz/trust_store.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <atomic>
#include <mutex>

#include "common/x509.h"

namespace rotagent::certz {
namespace {

unsigned long SubjectHash(const X509_NAME* name) {
  int ok = 0;
  const unsigned long h = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
  return ok == 1 ? h : 0;
}

// The method every TrustStore's lookup uses; its data points at the TrustStore.
X509_LOOKUP_METHOD* IndexMethod(X509_LOOKUP_get_by_subject_fn fn) {
  static X509_LOOKUP_METHOD* const method = [fn] {
    X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("rotagent trust index");
    X509_LOOKUP_meth_set_get_by_subject(m, fn);
    return m;
  }();
  return method;
}

// Stores in use, by the digest of their PEM text. Weak: a store lives only while a verifier,
// a rotation or a verification holds it.
std::mutex registry_mu;
std::map<std::string, std::weak_ptr<const TrustStore>>& Registry() {
  static auto* r = new std::map<std::string, std::weak_ptr<const TrustStore>>();
  return *r;
}

}  // namespace

int TrustStore::BySubject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                          X509_OBJECT* ret) {
  if (type != X509_LU_X509) return 0;
  const auto* self = static_cast<const TrustStore*>(X509_LOOKUP_get_method_data(lookup));
  if (self == nullptr) return 0;
  X509* first = nullptr;
  std::lock_guard lock(self->complete_mu_);
  auto [begin, end] = self->by_subject_.equal_range(SubjectHash(name));
  for (auto it = begin; it != end; ++it) {
    ossl::X509Ptr& complete = self->complete_[it->second];
    if (!complete) {
      // Through the shared parse cache: a rotation usually keeps the CAs of the bundle it
      // replaces, and a parse that decodes the key costs about 240 us.
      auto parsed =
          x509::ParseCertificates(self->der_[it->second], x509::Encoding::kDer, "trust anchor");
      if (parsed.ok()) complete = std::move(parsed->front());
    }
    // Null: a key this OpenSSL cannot decode, which verifies nothing.
    if (!complete || X509_get0_pubkey(complete.get()) == nullptr) continue;
    if (X509_NAME_cmp(X509_get_subject_name(complete.get()), name) != 0) continue;
    // Cached in the store, as OpenSSL's own directory lookup does, so that the verifier's later
    // searches among same-named certificates see every match.
    X509_STORE_add_cert(X509_LOOKUP_get_store(lookup), complete.get());
    if (first == nullptr) first = complete.get();
  }
  ERR_clear_error();
  if (first == nullptr) return 0;
  // Lent, as OpenSSL's directory lookup lends its cached object: the caller takes its own
  // reference, and the store cache and complete_ keep theirs.
  if (X509_OBJECT_set1_X509(ret, first) != 1) return 0;
  X509_free(first);
  return 1;
}

std::shared_ptr<const TrustStore> TrustStore::Build(std::vector<ossl::X509Ptr> certs,
                                                    std::vector<ossl::X509Crl> crls) {
  static std::atomic<uint64_t> built{0};
  auto s = std::make_shared<TrustStore>();
  s->serial_ = ++built;
  s->der_.reserve(certs.size());
  for (auto& c : certs) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(c.get(), &der);
    if (len <= 0) continue;
    s->by_subject_.emplace(SubjectHash(X509_get_subject_name(c.get())), s->der_.size());
    s->der_.emplace_back(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    c.reset();
  }
  s->complete_.resize(s->der_.size());
  s->store_.reset(X509_STORE_new());
  X509_LOOKUP* lookup = X509_STORE_add_lookup(s->store_.get(), IndexMethod(&TrustStore::BySubject));
  X509_LOOKUP_set_method_data(lookup, s.get());
  for (const auto& c : crls) {
    X509_STORE_add_crl(s->store_.get(), c.get());
    const int64_t next = x509::CrlNextUpdate(c.get());
    if (next != 0 && (s->crls_next_update_ == 0 || next < s->crls_next_update_)) {
      s->crls_next_update_ = next;
    }
  }
  s->has_crls_ = !crls.empty();
  return s;
}

Result<std::shared_ptr<const TrustStore>> TrustStore::ForPem(const std::string& trust_pem,
                                                             const std::string& crl_pem) {
  if (auto known = Find(trust_pem, crl_pem)) return known;
  std::vector<ossl::X509Ptr> certs;
  if (!trust_pem.empty()) {
    auto parsed = x509::ParseCertificates(trust_pem, x509::Encoding::kPem, "trust bundle",
                                          x509::PublicKeys::kDeferred);
    if (!parsed.ok()) return parsed.status();
    certs = std::move(*parsed);
  }
  std::vector<ossl::X509Crl> crls;
  if (!crl_pem.empty()) {
    auto parsed = x509::ParseCrls(crl_pem, x509::Encoding::kPem, "CRL bundle");
    if (!parsed.ok()) return parsed.status();
    crls = std::move(*parsed);
  }
  auto s = Build(std::move(certs), std::move(crls));
  Publish(trust_pem, crl_pem, s);
  return s;
}

std::shared_ptr<const TrustStore> TrustStore::Find(const std::string& trust_pem,
                                                   const std::string& crl_pem) {
  const std::string key = ossl::PairDigest(trust_pem, crl_pem);
  std::lock_guard lock(registry_mu);
  auto it = Registry().find(key);
  return it == Registry().end() ? nullptr : it->second.lock();
}

void TrustStore::Publish(const std::string& trust_pem, const std::string& crl_pem,
                         const std::shared_ptr<const TrustStore>& store) {
  const std::string key = ossl::PairDigest(trust_pem, crl_pem);
  std::lock_guard lock(registry_mu);
  auto& r = Registry();
  for (auto it = r.begin(); it != r.end();) {  // forget stores nobody holds any more
    it = it->second.expired() ? r.erase(it) : std::next(it);
  }
  r[key] = store;
}

}  // namespace rotagent::certz
