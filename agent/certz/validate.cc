#include "agent/certz/validate.h"

#include <openssl/err.h>

#include <set>

#include "common/x509.h"

namespace rotagent::certz {

Status CheckKeyPolicy(EVP_PKEY* key, const KeyPolicy& policy, const std::string& what) {
  int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (bits < policy.min_rsa_bits) {
        return InvalidArgument(what + ": RSA key of " + std::to_string(bits) +
                               " bits is below the policy minimum of " +
                               std::to_string(policy.min_rsa_bits));
      }
      return Status::Ok();
    case EVP_PKEY_EC:
      if (bits < policy.min_ec_bits) {
        return InvalidArgument(what + ": EC key of " + std::to_string(bits) +
                               " bits is below the policy minimum of " +
                               std::to_string(policy.min_ec_bits));
      }
      return Status::Ok();
    case EVP_PKEY_ED25519:
      if (!policy.allow_ed25519) return InvalidArgument(what + ": Ed25519 keys are not allowed");
      return Status::Ok();
    default:
      return InvalidArgument(what + ": unsupported key type " +
                             std::string(OBJ_nid2sn(EVP_PKEY_get_base_id(key))) +
                             " (RSA, EC or Ed25519 expected)");
  }
}

Status CheckKeyMatches(X509* cert, EVP_PKEY* key, const std::string& what) {
  if (X509_check_private_key(cert, key) != 1) {
    ERR_clear_error();
    return InvalidArgument(what + ": private key does not match certificate " +
                           x509::SubjectText(cert));
  }
  return Status::Ok();
}

Status CheckValidity(X509* cert, int64_t now, const std::string& what) {
  int64_t nb = x509::NotBefore(cert);
  int64_t na = x509::NotAfter(cert);
  if (now < nb) {
    return InvalidArgument(what + ": certificate " + x509::SubjectText(cert) +
                           " is not yet valid (now " + x509::FormatTime(now) + ", notBefore " +
                           x509::FormatTime(nb) + ")");
  }
  if (now > na) {
    return InvalidArgument(what + ": certificate " + x509::SubjectText(cert) +
                           " has expired (now " + x509::FormatTime(now) + ", notAfter " +
                           x509::FormatTime(na) + ")");
  }
  return Status::Ok();
}

Status CheckNoRepeats(const std::vector<ossl::X509Ptr>& chain, const std::string& what) {
  std::set<std::string> seen;
  for (const auto& c : chain) {
    if (!seen.insert(x509::Fingerprint(c.get())).second) {
      return InvalidArgument(what + ": certificate " + x509::SubjectText(c.get()) +
                             " appears twice (parent loop)");
    }
  }
  return Status::Ok();
}

namespace {

// A CRL check only applies to issuers that have a CRL; the others are not "unknown".
int IgnoreMissingCrl(int ok, X509_STORE_CTX* ctx) {
  if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL) return 1;
  return ok;
}

}  // namespace

Status VerifyChain(X509* leaf, const std::vector<ossl::X509Ptr>& intermediates,
                   const TrustStore& trust, int64_t now) {
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (const auto& c : intermediates) sk_X509_push(untrusted, c.get());
  ossl::X509StoreCtx ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), trust.get(), leaf, untrusted);
  if (trust.has_crls()) X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_CRL_CHECK);
  X509_STORE_CTX_set_verify_cb(ctx.get(), IgnoreMissingCrl);
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(now));
  int ok = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  sk_X509_free(untrusted);
  ERR_clear_error();
  if (ok == 1) return Status::Ok();
  return InvalidArgument(std::string(X509_verify_cert_error_string(err)));
}

Status CheckCrlCurrent(const std::vector<ossl::X509Crl>& crls, int64_t now,
                       const std::string& what) {
  for (const auto& crl : crls) {
    const int64_t next = x509::CrlNextUpdate(crl.get());
    if (next != 0 && next < now) {
      return FailedPrecondition(what + ": CRL of " + x509::CrlIssuerText(crl.get()) +
                                " has expired (nextUpdate " + x509::FormatTime(next) + ", now " +
                                x509::FormatTime(now) + "); upload a current CRL");
    }
  }
  return Status::Ok();
}

Status CheckCrlIssuers(const std::vector<ossl::X509Crl>& crls,
                       const std::vector<ossl::X509Ptr>& trust, const std::string& what) {
  for (size_t i = 0; i < crls.size(); ++i) {
    X509_CRL* crl = crls[i].get();
    bool signed_by_trusted = false;
    for (const auto& ca : trust) {
      if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca.get())) != 0) continue;
      ossl::X509Ptr full = x509::WithPublicKey(ca.get());  // bundles keep keys encoded
      if (full && X509_CRL_verify(crl, X509_get0_pubkey(full.get())) == 1) {
        signed_by_trusted = true;
      }
    }
    ERR_clear_error();
    if (!signed_by_trusted) {
      return InvalidArgument(what + ": CRL " + std::to_string(i) +
                             " is not signed by any certificate in the trust bundle");
    }
  }
  return Status::Ok();
}

}  // namespace rotagent::certz
