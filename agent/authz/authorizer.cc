#include "agent/authz/authorizer.h"

#include "agent/authz/peer_identity.h"
#include "common/x509.h"

namespace rotagent::authz {

Status Authorizer::Check(const std::string& method, const std::string& peer_pem) const {
  Status s = Checked(method, peer_pem);
  if (counters_) counters_->Count(method, s.ok());
  return s;
}

Status Authorizer::Checked(const std::string& method, const std::string& peer_pem) const {
  auto certs = x509::ParseCertificates(peer_pem, x509::Encoding::kPem, "peer certificate");
  if (!certs.ok()) return {Code::kUnauthenticated, "no verified client certificate"};
  X509* leaf = certs->front().get();
  auto ids = IdentitiesOf(leaf);
  if (!ids.ok()) return ids.status().WithContext(method);
  const Decision d = Decide(method, *ids);
  if (d.allowed) return Status::Ok();
  const std::string who = ids->empty() ? x509::SubjectText(leaf) : ids->front();
  if (factory()) {
    return {Code::kPermissionDenied, "client '" + who + "' is not allowed to call " + method +
                                         " (see authorization in the agent config)"};
  }
  return {Code::kPermissionDenied,
          "client '" + who + "' is not allowed to call " + method + " by authz policy version '" +
              version_ + "'" +
              (d.rule.empty() ? " (no allow rule matches)" : " (deny rule '" + d.rule + "')")};
}

}  // namespace rotagent::authz
