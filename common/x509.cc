#include "common/x509.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "common/cert_cache.h"

namespace rotagent::x509 {
namespace {

bool LooksLikePem(std::string_view data) {
  return data.find("-----BEGIN ") != std::string_view::npos;
}

Status ParseError(const std::string& what, const std::string& detail) {
  return InvalidArgument(what + ": " + detail);
}

// A library context whose only provider is "null": nothing in it can decode a public key, so a
// certificate parsed in it keeps its key as the encoded bytes (see PublicKeys).
OSSL_LIB_CTX* KeylessContext() {
  static OSSL_LIB_CTX* const ctx = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    if (c != nullptr && OSSL_PROVIDER_load(c, "null") == nullptr) {
      OSSL_LIB_CTX_free(c);
      c = nullptr;
    }
    return c;
  }();
  return ctx;
}

// Null (the default context) decodes keys; so does a failure to make the keyless context.
OSSL_LIB_CTX* LibCtx(PublicKeys keys) {
  return keys == PublicKeys::kDeferred ? KeylessContext() : nullptr;
}

template <typename T>
T* D2i(std::string_view der, const ASN1_ITEM* item, OSSL_LIB_CTX* libctx) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return reinterpret_cast<T*>(
      ASN1_item_d2i_ex(nullptr, &p, static_cast<long>(der.size()), item, libctx, nullptr));
}

bool HasPublicKey(X509* cert) {
  ERR_set_mark();
  const bool has = X509_get0_pubkey(cert) != nullptr;
  ERR_pop_to_mark();
  return has;
}

// One certificate from its DER. Parses that decode keys are shared through CertCache; deferred
// ones are cheap and would only crowd it.
ossl::X509Ptr ParseDer(std::string_view der, PublicKeys keys) {
  if (keys == PublicKeys::kDecode) {
    if (ossl::X509Ptr known = CertCache::Shared().Find(der)) return known;
  }
  ossl::X509Ptr cert(D2i<X509>(der, ASN1_ITEM_rptr(X509), LibCtx(keys)));
  if (cert && keys == PublicKeys::kDecode && HasPublicKey(cert.get())) {
    CertCache::Shared().Add(der, cert.get());
  }
  return cert;
}

// The DER of the next PEM block named `name` (blocks of other names are skipped, as
// PEM_read_bio_X509 does); nullopt at the end or on an error, left on OpenSSL's error queue.
std::optional<std::string> PemBytes(BIO* bio, const char* name) {
  unsigned char* data = nullptr;
  long len = 0;  // NOLINT(google-runtime-int)
  char* found = nullptr;
  if (PEM_bytes_read_bio(&data, &len, &found, name, bio, nullptr, nullptr) != 1) {
    return std::nullopt;
  }
  std::string out(reinterpret_cast<const char*>(data), static_cast<size_t>(len));
  OPENSSL_free(data);
  OPENSSL_free(found);
  return out;
}

// Everything a (filter) BIO yields; nullopt if it yields nothing.
std::optional<std::string> ReadAll(BIO* bio) {
  std::string out;
  char buf[16384];
  int n = 0;
  while ((n = BIO_read(bio, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  if (out.empty()) return std::nullopt;
  return out;
}

// OpenSSL 3.0 prepares a decoder for every key type it knows unless told which one to expect
// (about 800 us against 160 us for a P-256 key), so the type is read from the key's PKCS#8
// structure first. Null for other types, which take the general path.
const char* KeyTypeName(const ASN1_OBJECT* algorithm) {
  switch (OBJ_obj2nid(algorithm)) {
    case NID_X9_62_id_ecPublicKey:
      return "EC";
    case NID_rsaEncryption:
      return "RSA";
    case NID_rsassaPss:
      return "RSA-PSS";
    case NID_ED25519:
      return "ED25519";
    case NID_ED448:
      return "ED448";
    default:
      return nullptr;
  }
}

// A PKCS#8 decoder for one key type. OpenSSL 3.0 prepares a decoder context by walking every
// provider's decoders, which costs several times the decoding itself, so each thread keeps one
// per key type and reuses it; the context writes each key it decodes to `out`.
struct KeyDecoder {
  EVP_PKEY* out = nullptr;
  OSSL_DECODER_CTX* ctx = nullptr;

  KeyDecoder() = default;
  KeyDecoder(const KeyDecoder&) = delete;
  KeyDecoder& operator=(const KeyDecoder&) = delete;
  ~KeyDecoder() {
    OSSL_DECODER_CTX_free(ctx);
    EVP_PKEY_free(out);
  }

  // `type` is one of KeyTypeName's names. A context that cannot be made is null, and tried again
  // on the next call.
  static KeyDecoder& For(const char* type) {
    thread_local std::map<std::string, std::unique_ptr<KeyDecoder>, std::less<>> decoders;
    auto& d = decoders[type];
    if (!d) d = std::make_unique<KeyDecoder>();
    if (d->ctx == nullptr) {  // made on first use, and again after a failure to make it
      d->ctx = OSSL_DECODER_CTX_new_for_pkey(&d->out, "DER", "PrivateKeyInfo", type,
                                             EVP_PKEY_KEYPAIR, nullptr, nullptr);
    }
    return *d;
  }
};

// A PKCS#8 PrivateKeyInfo decoded by the decoders of its own key type; null if that fails.
// `used`, if given, receives the length of the PrivateKeyInfo (bytes after it are ignored).
ossl::Pkey DecodePkcs8(const unsigned char* der, size_t len, size_t* used = nullptr) {
  const unsigned char* p = der;
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(len));
  if (info == nullptr) return nullptr;
  if (used != nullptr) *used = static_cast<size_t>(p - der);
  const ASN1_OBJECT* algorithm = nullptr;
  PKCS8_pkey_get0(&algorithm, nullptr, nullptr, nullptr, info);
  const char* type = KeyTypeName(algorithm);
  PKCS8_PRIV_KEY_INFO_free(info);  // clears the key bytes it copied
  if (type == nullptr) return nullptr;
  KeyDecoder& decoder = KeyDecoder::For(type);
  if (decoder.ctx == nullptr) return nullptr;
  p = der;
  size_t left = len;
  const bool decoded = OSSL_DECODER_from_data(decoder.ctx, &p, &left) == 1;
  ossl::Pkey key(std::exchange(decoder.out, nullptr));  // the cache keeps no key
  return decoded ? std::move(key) : nullptr;
}

// Encrypted keys are refused: without this OpenSSL would ask for a pass phrase on the terminal.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

// `der` (a PKCS#8 PrivateKeyInfo) as a "PRIVATE KEY" PEM block; a secret.
std::string ArmorPkcs8(const unsigned char* der, size_t len) {
  ossl::Bio bio(BIO_new(BIO_s_secmem()));  // clears its buffer when freed
  PEM_write_bio(bio.get(), PEM_STRING_PKCS8INF, "", der, static_cast<long>(len));
  return ossl::BioString(bio.get());
}

// The key of a PEM whose first block is an unencrypted PKCS#8 "PRIVATE KEY"; null otherwise.
// `armored`, if given, receives that block armoured again (ArmorPkcs8) when the key decodes.
ossl::Pkey DecodePemPkcs8(std::string_view pem, std::string* armored = nullptr) {
  auto bio = ossl::MemBio(pem);
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* der = nullptr;
  long len = 0;  // NOLINT(google-runtime-int)
  ossl::Pkey key;
  if (PEM_read_bio(bio.get(), &name, &header, &der, &len) == 1 &&
      std::string_view(name) == PEM_STRING_PKCS8INF && *header == '\0') {
    size_t used = 0;
    key = DecodePkcs8(der, static_cast<size_t>(len), &used);
    if (key && armored != nullptr) *armored = ArmorPkcs8(der, used);
  }
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_clear_free(der, static_cast<size_t>(std::max(len, 0L)));
  return key;
}

// ParsePrivateKey; `pem`, if given, receives the key as KeyToPem would write it.
Result<ossl::Pkey> ParseKey(std::string_view data, Encoding enc, const std::string& what,
                            std::string* pem) {
  if (data.empty()) return ParseError(what, "is empty");
  ossl::Pkey key;
  std::string armored;
  std::string* want = pem != nullptr ? &armored : nullptr;
  if (enc == Encoding::kDer || !LooksLikePem(data)) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    size_t used = 0;
    key = DecodePkcs8(p, data.size(), &used);
    if (key && want != nullptr) *want = ArmorPkcs8(p, used);
    if (!key) key.reset(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(data.size())));
  } else {
    key = DecodePemPkcs8(data, want);
    if (!key) {
      auto bio = ossl::MemBio(data);
      key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
    }
  }
  ERR_clear_error();
  // Never echo key material or OpenSSL's detail about it.
  if (!key) return ParseError(what, "is not a valid unencrypted private key");
  if (pem != nullptr) {
    OPENSSL_cleanse(pem->data(), pem->size());
    *pem = armored.empty() ? KeyToPem(key.get()) : std::move(armored);
  }
  return key;
}

int64_t AsnTimeToEpoch(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

}  // namespace

Result<std::vector<ossl::X509Ptr>> ParseCertificates(std::string_view data, Encoding enc,
                                                     const std::string& what, PublicKeys keys) {
  if (data.empty()) return ParseError(what, "is empty");
  std::vector<ossl::X509Ptr> out;
  if (enc == Encoding::kDer) {
    ossl::X509Ptr cert = ParseDer(data, keys);
    if (!cert)
      return ParseError(what, "is not a DER X.509 certificate (" + ossl::LastError() + ")");
    out.push_back(std::move(cert));
    return out;
  }
  if (!LooksLikePem(data)) return ParseError(what, "is not PEM (no BEGIN CERTIFICATE block)");
  auto bio = ossl::MemBio(data);
  while (true) {
    auto der = PemBytes(bio.get(), PEM_STRING_X509);
    if (!der) break;
    ossl::X509Ptr cert = ParseDer(*der, keys);
    if (!cert) break;
    out.push_back(std::move(cert));
  }
  unsigned long err = ERR_peek_last_error();  // NOLINT(google-runtime-int)
  if (err != 0 && ERR_GET_REASON(err) != PEM_R_NO_START_LINE) {
    return ParseError(what, "contains an unparsable PEM certificate (" + ossl::LastError() + ")");
  }
  ERR_clear_error();
  if (out.empty()) return ParseError(what, "contains no PEM certificate");
  return out;
}

ossl::X509Ptr WithPublicKey(X509* cert) {
  if (HasPublicKey(cert)) {
    X509_up_ref(cert);
    return ossl::X509Ptr(cert);
  }
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return nullptr;
  ossl::X509Ptr full =
      ParseDer({reinterpret_cast<const char*>(der), static_cast<size_t>(len)}, PublicKeys::kDecode);
  OPENSSL_free(der);
  if (full && !HasPublicKey(full.get())) full.reset();
  ERR_clear_error();
  return full;
}

Result<ossl::Pkey> ParsePrivateKey(std::string_view data, Encoding enc, const std::string& what) {
  return ParseKey(data, enc, what, nullptr);
}

Result<ossl::Pkey> ParsePrivateKey(std::string_view data, Encoding enc, const std::string& what,
                                   std::string& pem) {
  return ParseKey(data, enc, what, &pem);
}

Result<std::vector<ossl::X509Ptr>> ParsePkcs7(std::string_view block, const std::string& what,
                                              PublicKeys keys) {
  if (block.empty()) return ParseError(what, "is empty");
  std::optional<std::string> der;
  if (LooksLikePem(block)) {
    auto bio = ossl::MemBio(block);
    der = PemBytes(bio.get(), PEM_STRING_PKCS7);
  } else {
    ossl::Bio b64(BIO_new(BIO_f_base64()));
    BIO_set_flags(b64.get(), BIO_FLAGS_BASE64_NO_NL);
    std::string compact;
    for (char c : block) {
      if (c != '\n' && c != '\r' && c != ' ') compact.push_back(c);
    }
    BIO_push(b64.get(), BIO_new_mem_buf(compact.data(), static_cast<int>(compact.size())));
    der = ReadAll(b64.get());
  }
  ossl::Pkcs7 p7;
  if (der) p7.reset(D2i<PKCS7>(*der, ASN1_ITEM_rptr(PKCS7), LibCtx(keys)));
  if (!p7) return ParseError(what, "is not a PKCS#7 block (" + ossl::LastError() + ")");
  STACK_OF(X509)* certs = nullptr;
  if (PKCS7_type_is_signed(p7.get()) && p7->d.sign != nullptr) certs = p7->d.sign->cert;
  if (certs == nullptr || sk_X509_num(certs) == 0) {
    return ParseError(what, "PKCS#7 block holds no certificate");
  }
  std::vector<ossl::X509Ptr> out;
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    X509* c = sk_X509_value(certs, i);
    X509_up_ref(c);
    out.emplace_back(c);
  }
  return out;
}

Result<std::vector<ossl::X509Crl>> ParseCrls(std::string_view data, Encoding enc,
                                             const std::string& what) {
  if (data.empty()) return ParseError(what, "is empty");
  std::vector<ossl::X509Crl> out;
  if (enc == Encoding::kDer) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    ossl::X509Crl crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size())));
    if (!crl) return ParseError(what, "is not a DER CRL (" + ossl::LastError() + ")");
    out.push_back(std::move(crl));
    return out;
  }
  if (!LooksLikePem(data)) return ParseError(what, "is not PEM (no BEGIN X509 CRL block)");
  auto bio = ossl::MemBio(data);
  while (true) {
    ossl::X509Crl crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (!crl) break;
    out.push_back(std::move(crl));
  }
  unsigned long err = ERR_peek_last_error();  // NOLINT(google-runtime-int)
  if (err != 0 && ERR_GET_REASON(err) != PEM_R_NO_START_LINE) {
    return ParseError(what, "contains an unparsable PEM CRL (" + ossl::LastError() + ")");
  }
  ERR_clear_error();
  if (out.empty()) return ParseError(what, "contains no PEM CRL");
  return out;
}

Result<std::vector<std::string>> SplitPemCertificates(std::string_view pem,
                                                      const std::string& what) {
  auto certs = ParseCertificates(pem, Encoding::kPem, what);
  if (!certs.ok()) return certs.status();
  std::vector<std::string> out;
  for (const auto& c : *certs) out.push_back(CertToPem(c.get()));
  return out;
}

std::string CertToPem(X509* cert) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return ossl::BioString(bio.get());
}

std::string CertsToPem(const std::vector<ossl::X509Ptr>& certs) {
  std::string out;
  for (const auto& c : certs) out += CertToPem(c.get());
  return out;
}

std::string CrlsToPem(const std::vector<ossl::X509Crl>& crls) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  for (const auto& c : crls) PEM_write_bio_X509_CRL(bio.get(), c.get());
  return ossl::BioString(bio.get());
}

std::string KeyToPem(EVP_PKEY* key) {
  // A secure-memory BIO clears its buffer when freed.
  ossl::Bio bio(BIO_new(BIO_s_secmem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return ossl::BioString(bio.get());
}

std::string Fingerprint(X509* cert) {
  // Over the DER in the default context: X509_digest would fetch SHA-256 from the context the
  // certificate was parsed in, which for PublicKeys::kDeferred has no digests.
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  std::string out =
      len > 0 ? DerFingerprint({reinterpret_cast<const char*>(der), static_cast<size_t>(len)}) : "";
  OPENSSL_free(der);
  return out;
}

std::string DerFingerprint(std::string_view der) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(der.data(), der.size(), md, &n, EVP_sha256(), nullptr) != 1) return "";
  std::ostringstream ss;
  for (unsigned int i = 0; i < n; ++i) {
    if (i) ss << ':';
    ss << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(md[i]);
  }
  return ss.str();
}

static std::string NameText(X509_NAME* name) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return ossl::BioString(bio.get());
}

std::string SubjectText(X509* cert) { return NameText(X509_get_subject_name(cert)); }
std::string IssuerText(X509* cert) { return NameText(X509_get_issuer_name(cert)); }
int64_t NotBefore(X509* cert) { return AsnTimeToEpoch(X509_get0_notBefore(cert)); }
int64_t NotAfter(X509* cert) { return AsnTimeToEpoch(X509_get0_notAfter(cert)); }
std::string CrlIssuerText(X509_CRL* crl) { return NameText(X509_CRL_get_issuer(crl)); }
int64_t CrlNextUpdate(X509_CRL* crl) {
  const ASN1_TIME* t = X509_CRL_get0_nextUpdate(crl);
  return t == nullptr ? 0 : AsnTimeToEpoch(t);
}

std::string FormatTime(int64_t epoch_seconds) {
  std::time_t t = epoch_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace rotagent::x509
