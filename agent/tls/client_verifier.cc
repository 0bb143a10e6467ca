#include "agent/tls/client_verifier.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/x509.h"

namespace rotagent::tls {
namespace {

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
  auto set = std::make_shared<TrustSet>();
  set->store.reset(X509_STORE_new());
  auto certs = x509::ParseCertificates(trust_pem, x509::Encoding::kPem, "trust bundle");
  if (!certs.ok()) return certs.status();
  for (const auto& c : *certs) X509_STORE_add_cert(set->store.get(), c.get());
  if (!crl_pem.empty()) {
    auto crls = x509::ParseCrls(crl_pem, x509::Encoding::kPem, "CRL bundle");
    if (!crls.ok()) return crls.status();
    for (const auto& c : *crls) X509_STORE_add_crl(set->store.get(), c.get());
    X509_STORE_set_flags(set->store.get(), X509_V_FLAG_CRL_CHECK);
    set->check_crls = true;
  }
  X509_STORE_set_verify_cb(set->store.get(), VerifyCallback);
  std::lock_guard lock(mu_);
  current_ = std::move(set);
  return Status::Ok();
}

std::shared_ptr<const ClientVerifier::TrustSet> ClientVerifier::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

bool ClientVerifier::ChecksCrls() const {
  auto set = Current();
  return set && set->check_crls;
}

Status ClientVerifier::Check(const std::string& leaf_pem, const std::string& chain_pem) const {
  auto set = Current();
  if (!set) return {Code::kUnavailable, "no trust bundle loaded"};
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
  X509_STORE_CTX_init(ctx.get(), set->store.get(), certs->front().get(), untrusted);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  bool keep_expired = keep_expired_crl_;
  X509_STORE_CTX_set_app_data(ctx.get(), &keep_expired);
  int ok = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  sk_X509_free(untrusted);
  ERR_clear_error();
  if (ok == 1) return Status::Ok();
  return {Code::kUnauthenticated,
          std::string("client certificate rejected: ") + X509_verify_cert_error_string(err)};
}

}  // namespace rotagent::tls
