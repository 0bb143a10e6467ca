#include "ctl/signer_pkcs11.h"

#include <openssl/pem.h>
#include <openssl/sha.h>

#include "common/atomic_file.h"
#include "common/x509.h"
#include "common/x509_issuer.h"

namespace rotagent::ctl {
namespace {

Result<std::unique_ptr<Pkcs11Token>> OpenToken(const SignerConfig& c) {
  auto pin = ReadPin(c.pin_file, c.pin_env);
  if (!pin.ok()) return pin.status();
  auto token = Pkcs11Token::Open(c.module, c.token_label, *pin);
  Wipe(*pin);
  return token;
}

// Replaces the placeholder's signature on `cert` with the token's over the same to-be-signed
// bytes (both are ECDSA with SHA-256, so the signature algorithm fields stay right), and
// proves it with `ca_key`.
Result<ossl::X509Ptr> ResignInToken(X509* cert, Pkcs11Token& token, unsigned long key,  // NOLINT
                                    EVP_PKEY* ca_key) {
  unsigned char* tbs = nullptr;
  const int len = i2d_re_X509_tbs(cert, &tbs);
  if (len <= 0) return Internal("cannot encode the certificate to sign");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(tbs, static_cast<size_t>(len), digest);
  OPENSSL_free(tbs);
  auto sig = token.SignDigest(key, digest, sizeof digest);
  if (!sig.ok()) return sig.status();
  const ASN1_BIT_STRING* current = nullptr;
  X509_get0_signature(&current, nullptr, cert);
  // OpenSSL has no setter for a certificate's signature; the field is ours until encoded.
  auto* bits = const_cast<ASN1_BIT_STRING*>(current);
  if (ASN1_BIT_STRING_set(bits, reinterpret_cast<unsigned char*>(sig->data()),
                          static_cast<int>(sig->size())) != 1) {
    return Internal("cannot set the token's signature");
  }
  bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
  bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
  // Re-parse, so no cached state of the placeholder's certificate survives.
  auto parsed = x509::ParseCertificates(x509::CertToPem(cert), x509::Encoding::kPem, "signed");
  if (!parsed.ok() || parsed->size() != 1)
    return Internal("the token-signed certificate is unreadable");
  if (X509_verify((*parsed)[0].get(), ca_key) != 1) {
    return Internal("the token's signature does not verify with the CA certificate's key");
  }
  return std::move((*parsed)[0]);
}

}  // namespace

Result<std::unique_ptr<Pkcs11Signer>> Pkcs11Signer::Open(const SignerConfig& config,
                                                         const std::filesystem::path& ca_cert) {
  auto pem = ReadFile(ca_cert);
  if (!pem.ok()) {
    return FailedPrecondition("no CA certificate at " + ca_cert.string() +
                              "; create the CA in the token with `rotctl ca init`");
  }
  auto certs = x509::ParseCertificates(*pem, x509::Encoding::kPem, ca_cert.string());
  if (!certs.ok() || certs->size() != 1) {
    return FailedPrecondition(ca_cert.string() + " is not one PEM certificate");
  }
  std::unique_ptr<Pkcs11Signer> s(new Pkcs11Signer());
  s->config_ = config;
  s->ca_cert_ = std::move((*certs)[0]);
  auto token = OpenToken(config);
  if (!token.ok()) return token.status();
  s->token_ = std::move(*token);
  auto key = s->token_->FindSigningKey(config.key_label);
  if (!key.ok()) return key.status();
  s->key_ = *key;
  s->placeholder_.reset(EVP_EC_gen("prime256v1"));
  if (!s->placeholder_) return Internal("key generation failed: " + ossl::LastError());
  // The token's key must be the one the CA certificate names, or every leaf would be refused.
  auto probe = x509::IssueFor(s->placeholder_.get(), {.common_name = "probe", .lifetime = 60},
                              s->ca_cert_.get(), s->placeholder_.get());
  if (!probe.ok()) return probe.status();
  auto signed_probe =
      ResignInToken(probe->get(), *s->token_, s->key_, X509_get0_pubkey(s->ca_cert_.get()));
  if (!signed_probe.ok()) {
    return FailedPrecondition("the token's key '" + config.key_label + "' does not match " +
                              ca_cert.string());
  }
  return s;
}

Status Pkcs11Signer::InitCa(const SignerConfig& config, const std::filesystem::path& ca_cert,
                            const std::string& common_name, int days) {
  if (std::filesystem::exists(ca_cert)) {
    return Status(Code::kAlreadyExists, "a CA certificate already exists at " + ca_cert.string() +
                                            "; it is never overwritten");
  }
  auto token = OpenToken(config);
  if (!token.ok()) return token.status();
  auto pub = (*token)->GenerateEcKey(config.key_label);
  if (!pub.ok()) return pub.status();
  auto key = (*token)->FindSigningKey(config.key_label);
  if (!key.ok()) return key.status();
  ossl::Pkey placeholder(EVP_EC_gen("prime256v1"));
  auto cert = x509::IssueFor(
      pub->get(), {.common_name = common_name, .is_ca = true, .lifetime = int64_t{days} * 86400},
      nullptr, placeholder.get());
  if (!cert.ok()) return cert.status();
  auto self_signed = ResignInToken(cert->get(), **token, *key, pub->get());
  if (!self_signed.ok()) return self_signed.status();
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(ca_cert.parent_path(), 0700));
  return WriteFileAtomic(ca_cert, x509::CertToPem(self_signed->get()), 0644);
}

std::string Pkcs11Signer::Describe() const {
  return "pkcs11 token '" + config_.token_label + "' key '" + config_.key_label + "'";
}

Result<std::string> Pkcs11Signer::Sign(const std::string& csr_pem, const LeafSpec& spec) const {
  auto cert = IssueFromCsr(csr_pem, spec, ca_cert_.get(), placeholder_.get());
  if (!cert.ok()) return cert.status();
  auto signed_cert = ResignInToken(cert->get(), *token_, key_, X509_get0_pubkey(ca_cert_.get()));
  if (!signed_cert.ok()) return signed_cert.status();
  return x509::CertToPem(signed_cert->get());
}

}  // namespace rotagent::ctl
