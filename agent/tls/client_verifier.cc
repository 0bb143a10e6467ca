#include "agent/tls/client_verifier.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <chrono>
#include <ctime>
#include <map>
#include <mutex>

#include "common/x509.h"

namespace rotagent::tls {
namespace {

constexpr size_t kMaxVerdicts = 4096;

// The security level a TLS server context of this OpenSSL starts with (the system configuration's
// @SECLEVEL): the handshake used to check client chains with it, so key sizes and signature
// digests it refused are refused here too.
int DefaultSecurityLevel() {
  static const int level = [] {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    const int l = ctx == nullptr ? 1 : SSL_CTX_get_security_level(ctx);
    SSL_CTX_free(ctx);
    return l;
  }();
  return level;
}
constexpr auto kVerdictLife = std::chrono::seconds(30);

struct Verdict {
  std::chrono::steady_clock::time_point at;
  int64_t until = 0;  // seconds since the epoch it stops holding (a certificate's notAfter, a
                      // CRL's nextUpdate); 0: none
  Status status;
};

// (trust store serial, expired-CRL policy, SHA-256 of leaf and chain) -> verdict, for every
// verifier; bounded, and short-lived so that a certificate expiring or a CRL passing its
// nextUpdate is seen soon.
struct Verdicts {
  std::mutex mu;
  std::map<std::string, Verdict> by_key;
};
Verdicts& SharedVerdicts() {
  static auto* v = new Verdicts();
  return *v;
}

// A CRL check only applies to issuers that have a CRL. An expired CRL still lists what it revoked;
// under the keep policy (app data) it goes on being used rather than refusing everyone.
int VerifyCallback(int ok, X509_STORE_CTX* ctx) {
  if (ok) return ok;
  const int err = X509_STORE_CTX_get_error(ctx);
  if (err == X509_V_ERR_UNABLE_TO_GET_CRL) return 1;
  const auto* keep_expired = static_cast<const bool*>(X509_STORE_CTX_get_app_data(ctx));
  if (err == X509_V_ERR_CRL_HAS_EXPIRED && keep_expired != nullptr && *keep_expired) return 1;
  return ok;
}

}  // namespace

Status ClientVerifier::Update(const std::string& trust_pem, const std::string& crl_pem) {
  auto store = certz::TrustStore::ForPem(trust_pem, crl_pem);
  if (!store.ok()) return store.status();
  std::lock_guard lock(mu_);
  current_ = std::move(*store);
  return Status::Ok();
}

void ClientVerifier::SetKeepExpiredCrl(bool keep) { keep_expired_crl_ = keep; }

std::shared_ptr<const certz::TrustStore> ClientVerifier::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

bool ClientVerifier::ChecksCrls() const {
  auto store = Current();
  return store && store->has_crls();
}

Status ClientVerifier::Check(const std::string& leaf_pem, const std::string& chain_pem) const {
  auto store = Current();
  if (!store) return {Code::kUnavailable, "no trust bundle loaded"};
  const bool keep_expired = keep_expired_crl_;
  const std::string key = std::to_string(store->serial()) + (keep_expired ? "/keep/" : "/drop/") +
                          ossl::PairDigest(leaf_pem, chain_pem);
  const auto now = std::chrono::steady_clock::now();
  Verdicts& verdicts = SharedVerdicts();
  {
    std::lock_guard lock(verdicts.mu);
    auto it = verdicts.by_key.find(key);
    if (it != verdicts.by_key.end() && now - it->second.at < kVerdictLife &&
        (it->second.until == 0 || std::time(nullptr) < it->second.until)) {
      return it->second.status;
    }
  }
  int64_t until = 0;
  Status s = Verify(*store, leaf_pem, chain_pem, keep_expired, until);
  std::lock_guard lock(verdicts.mu);
  if (verdicts.by_key.size() >= kMaxVerdicts) verdicts.by_key.clear();
  verdicts.by_key[key] = Verdict{now, until, s};
  return s;
}

Status ClientVerifier::Verify(const certz::TrustStore& store, const std::string& leaf_pem,
                              const std::string& chain_pem, bool keep_expired, int64_t& until) {
  until = store.crls_next_update();
  auto certs = x509::ParseCertificates(leaf_pem, x509::Encoding::kPem, "client certificate");
  if (!certs.ok()) return {Code::kUnauthenticated, certs.status().message()};
  std::vector<ossl::X509Ptr> sent;
  if (!chain_pem.empty()) {
    auto parsed = x509::ParseCertificates(chain_pem, x509::Encoding::kPem, "client chain");
    if (parsed.ok()) sent = std::move(*parsed);
  }
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (const auto& c : sent) sk_X509_push(untrusted, c.get());
  ossl::X509StoreCtx ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), certs->front().get(), untrusted);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(ctx.get()), DefaultSecurityLevel());
  if (store.has_crls()) X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_CRL_CHECK);
  X509_STORE_CTX_set_verify_cb(ctx.get(), VerifyCallback);
  X509_STORE_CTX_set_app_data(ctx.get(), &keep_expired);
  int ok = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  // The verdict holds until the first certificate of the chain expires (a refusal for a
  // not-yet-valid certificate is re-checked after kVerdictLife anyway).
  const STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    const int64_t not_after = x509::NotAfter(sk_X509_value(chain, i));
    if (not_after != 0 && (until == 0 || not_after < until)) until = not_after;
  }
  if (until != 0 && until <= std::time(nullptr)) until = 0;  // already past: kVerdictLife bounds it
  sk_X509_free(untrusted);
  ERR_clear_error();
  if (ok == 1) return Status::Ok();
  return {Code::kUnauthenticated,
          std::string("client certificate rejected: ") + X509_verify_cert_error_string(err)};
}

}  // namespace rotagent::tls
