// What a rotation needs from the TLS listeners: to be told that a profile's live version changed,
// and not to return until new handshakes see it.
#pragma once

#include <functional>
#include <string>

#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::certz {

class TlsServing {
 public:
  virtual ~TlsServing() = default;
  virtual Status ProfileChanged(const std::string& profile) = 0;
  // Serves `chain_pem` with `key` as `profile` at once, before the candidate is live in the store,
  // if a listener serves that profile; `trust_pem` only names CAs to clients. Clients are still
  // verified as before (see TrustCandidate). Returns the proof to run (it returns once new
  // handshakes see the chain), or an empty function when no listener changed. ProfileChanged
  // puts the store's version back.
  virtual Result<std::function<Status()>> ServeCandidate(const std::string& /*profile*/,
                                                         const std::string& /*chain_pem*/,
                                                         ossl::Pkey /*key*/,
                                                         const std::string& /*trust_pem*/) {
    return std::function<Status()>();
  }
  // From now on verifies clients against the candidate's trust bundle and CRLs, if a listener
  // serves `profile`. ProfileChanged puts the store's version back.
  virtual Status TrustCandidate(const std::string& /*profile*/, const std::string& /*trust_pem*/,
                                const std::string& /*crl_pem*/) {
    return Status::Ok();
  }
};

}  // namespace rotagent::certz
