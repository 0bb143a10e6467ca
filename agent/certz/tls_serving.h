// What a rotation needs from the TLS listeners: to be told that a profile's live version changed,
// and not to return until new handshakes see it.
#pragma once

#include <functional>
#include <string>

#include "agent/certz/material.h"
#include "common/status.h"

namespace rotagent::certz {

class TlsServing {
 public:
  virtual ~TlsServing() = default;
  virtual Status ProfileChanged(const std::string& profile) = 0;
  // Serves `candidate` as `profile` at once, before it is live in the store, if a listener serves
  // that profile. Returns the proof to run (it returns once new handshakes see the candidate), or
  // an empty function when no listener changed. ProfileChanged puts the store's version back.
  virtual Result<std::function<Status()>> ServeCandidate(const std::string& /*profile*/,
                                                         ProfileMaterial /*candidate*/) {
    return std::function<Status()>();
  }
};

}  // namespace rotagent::certz
