#include "agent/authz/peer_identity.h"

#include <openssl/x509v3.h>

#include <optional>

#include "common/x509.h"

namespace rotagent::authz {
namespace {

Status Malformed(X509* cert, const std::string& why) {
  return {Code::kPermissionDenied,
          "client certificate " + x509::SubjectText(cert) + " refused: " + why};
}

// The one commonName as UTF-8; nullopt without one.
Result<std::optional<std::string>> CommonName(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  const int first = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (first < 0) return std::optional<std::string>();
  if (X509_NAME_get_index_by_NID(subject, NID_commonName, first) >= 0) {
    return Malformed(cert, "its subject holds more than one commonName");
  }
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, first));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) return Malformed(cert, "its commonName is not a valid string");
  std::string cn(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  if (cn.find('\0') != std::string::npos) {
    return Malformed(cert, "its commonName holds an embedded NUL");
  }
  return std::optional<std::string>(std::move(cn));
}

}  // namespace

Result<std::vector<std::string>> IdentitiesOf(X509* cert) {
  std::vector<std::string> ids;
  auto cn = CommonName(cert);
  if (!cn.ok()) return cn.status();
  if (*cn) ids.push_back("CN=" + **cn);
  ossl::GeneralNames names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    const char* prefix = n->type == GEN_DNS ? "DNS=" : n->type == GEN_URI ? "URI=" : nullptr;
    if (prefix == nullptr) continue;
    const ASN1_IA5STRING* s = n->d.ia5;
    std::string value(reinterpret_cast<const char*>(s->data), static_cast<size_t>(s->length));
    if (value.find('\0') != std::string::npos) {
      return Malformed(cert, std::string("a subjectAltName ") +
                                 (n->type == GEN_DNS ? "DNS" : "URI") +
                                 " entry holds an embedded NUL");
    }
    ids.push_back(prefix + value);
  }
  return ids;
}

}  // namespace rotagent::authz
