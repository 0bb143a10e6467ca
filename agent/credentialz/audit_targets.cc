#include "agent/credentialz/audit_targets.h"

#include <set>

namespace rotagent::credentialz {
namespace pb = gnsi::credentialz::v1;
namespace {

// "kind: a, b" and the versions ("v1", or "v1, v2" when accounts differ).
template <typename List>
AuditStep Accounts(const std::string& kind, const List& list) {
  AuditStep out{kind + ":", ""};
  std::set<std::string> versions;
  std::string sep = " ";
  for (const auto& a : list) {
    out.what += sep + a.account();
    sep = ", ";
    if (!a.version().empty() && versions.insert(a.version()).second) {
      out.version += (out.version.empty() ? "" : ", ") + a.version();
    }
  }
  return out;
}

}  // namespace

AuditStep AuditOf(const pb::RotateAccountCredentialsRequest& req) {
  switch (req.request_case()) {
    case pb::RotateAccountCredentialsRequest::kPassword:
      return Accounts("password", req.password().accounts());
    case pb::RotateAccountCredentialsRequest::kCredential:
      return Accounts("authorized keys", req.credential().credentials());
    case pb::RotateAccountCredentialsRequest::kUser:
      return Accounts("authorized principals", req.user().policies());
    case pb::RotateAccountCredentialsRequest::kFinalize:
    case pb::RotateAccountCredentialsRequest::REQUEST_NOT_SET:
      break;
  }
  return {"", ""};
}

AuditStep AuditOf(const pb::RotateHostParametersRequest& req) {
  switch (req.request_case()) {
    case pb::RotateHostParametersRequest::kSshCaPublicKey:
      return {"trusted user CA keys", req.ssh_ca_public_key().version()};
    case pb::RotateHostParametersRequest::kServerKeys:
      return {"host keys", req.server_keys().version()};
    case pb::RotateHostParametersRequest::kGenerateKeys:
      return {"generated host keys", req.generate_keys().version()};
    case pb::RotateHostParametersRequest::kAuthenticationAllowed:
      return {"allowed authentication", ""};
    case pb::RotateHostParametersRequest::kAuthorizedPrincipalCheck:
      return {"authorized principal check", ""};
    case pb::RotateHostParametersRequest::kGlome:
      return {"glome", ""};
    case pb::RotateHostParametersRequest::kFinalize:
    case pb::RotateHostParametersRequest::REQUEST_NOT_SET:
      break;
  }
  return {"", ""};
}

}  // namespace rotagent::credentialz
