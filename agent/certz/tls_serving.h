// What a rotation needs from the TLS listeners: to be told that a profile's live version changed,
// and not to return until new handshakes see it.
#pragma once

#include <string>

#include "common/status.h"

namespace rotagent::certz {

class TlsServing {
 public:
  virtual ~TlsServing() = default;
  virtual Status ProfileChanged(const std::string& profile) = 0;
};

}  // namespace rotagent::certz
