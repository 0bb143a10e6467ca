#include "agent/certz/lockout.h"

#include "agent/tls/client_verifier.h"
#include "common/x509.h"

namespace rotagent::certz {

Status CheckCallerAdmitted(const Caller& caller, const ProfileMaterial& served,
                           bool keep_expired_crl, const std::string& change) {
  if (caller.leaf_pem.empty()) return Status::Ok();
  auto leaf = x509::ParseCertificates(caller.leaf_pem, x509::Encoding::kPem, "caller certificate");
  if (!leaf.ok()) return leaf.status();
  const std::string who = x509::SubjectText(leaf->front().get());
  tls::ClientVerifier verifier;
  verifier.SetKeepExpiredCrl(keep_expired_crl);
  Status s = verifier.Update(served.trust_pem, served.crl_pem);
  if (s.ok()) s = verifier.Check(caller.leaf_pem, caller.chain_pem);
  if (s.ok()) return Status::Ok();
  return FailedPrecondition(change + " would lock out the calling client " + who +
                            ": the listener would refuse its certificate (" + s.message() +
                            "); include the client's CA, or make the change from a client the "
                            "new material admits");
}

}  // namespace rotagent::certz
