#include "agent/authz/authorizer.h"

#include <algorithm>

#include "agent/authz/methods.h"
#include "agent/authz/peer_identity.h"
#include "common/x509.h"

namespace rotagent::authz {

Status Authorizer::Check(const std::string& method, const std::string& peer_pem) const {
  auto certs = x509::ParseCertificates(peer_pem, x509::Encoding::kPem, "peer certificate");
  if (!certs.ok()) return {Code::kUnauthenticated, "no verified client certificate"};
  X509* leaf = certs->front().get();
  auto ids = IdentitiesOf(leaf);
  if (!ids.ok()) return ids.status().WithContext(method);
  for (const auto& key : KeysFor(method)) {
    auto it = rules_.find(key);
    if (it == rules_.end()) continue;
    for (const auto& allowed : it->second) {
      if (allowed == "*" || std::find(ids->begin(), ids->end(), allowed) != ids->end()) {
        return Status::Ok();
      }
    }
  }
  const std::string who = ids->empty() ? x509::SubjectText(leaf) : ids->front();
  return {Code::kPermissionDenied, "client '" + who + "' is not allowed to call " + method +
                                       " (see authorization in the agent config)"};
}

}  // namespace rotagent::authz
