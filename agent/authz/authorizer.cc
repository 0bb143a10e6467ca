#include "agent/authz/authorizer.h"

#include <openssl/x509v3.h>

#include <algorithm>

#include "common/x509.h"

namespace rotagent::authz {
namespace {

// "CN=x", "DNS=x" and "URI=x" identities presented by a certificate.
std::vector<std::string> IdentitiesOf(X509* cert) {
  std::vector<std::string> ids;
  char cn[256];
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) {
    ids.push_back(std::string("CN=") + cn);
  }
  ossl::GeneralNames names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    const char* prefix = n->type == GEN_DNS ? "DNS=" : n->type == GEN_URI ? "URI=" : nullptr;
    if (prefix == nullptr) continue;
    const ASN1_IA5STRING* s = n->d.ia5;
    ids.push_back(prefix + std::string(reinterpret_cast<const char*>(s->data),
                                       static_cast<size_t>(s->length)));
  }
  return ids;
}

}  // namespace

Status Authorizer::Check(const std::string& service, const std::string& peer_pem) const {
  auto certs = x509::ParseCertificates(peer_pem, x509::Encoding::kPem, "peer certificate");
  if (!certs.ok()) return {Code::kUnauthenticated, "no verified client certificate"};
  std::vector<std::string> ids = IdentitiesOf(certs->front().get());
  auto it = rules_.find(service);
  if (it != rules_.end()) {
    for (const auto& allowed : it->second) {
      if (allowed == "*" || std::find(ids.begin(), ids.end(), allowed) != ids.end()) {
        return Status::Ok();
      }
    }
  }
  std::string who = ids.empty() ? x509::SubjectText(certs->front().get()) : ids.front();
  return {Code::kPermissionDenied, "client '" + who + "' is not allowed to call " + service +
                                       " (see authorization." + service + " in the agent config)"};
}

}  // namespace rotagent::authz
