// Who makes a change: the client certificates of the TLS session, so that a change to what the
// listener trusts can be checked to still admit the client making it.
#pragma once

#include <string>

namespace rotagent {

struct Caller {
  std::string leaf_pem;   // empty for the agent itself (start-up, reload)
  std::string chain_pem;  // the chain the client sent, if the TLS layer exposes it
};

}  // namespace rotagent
