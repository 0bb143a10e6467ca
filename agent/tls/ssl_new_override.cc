// rotagentd's SSL_new: interposes libssl's for every caller in the process, libgrpc's TLS
// handshaker included (it calls SSL_new through its PLT), so that a swappable port's connections
// serve the identity current at their accept (agent/tls/swappable_credentials.h). Linked into
// the rotagentd executable only, and exported from it (see agent/CMakeLists.txt).
#include <openssl/ssl.h>

#include "agent/tls/swappable_credentials.h"

extern "C" SSL* SSL_new(SSL_CTX* ctx) { return rotagent::tls::NewServedSsl(ctx); }

namespace {
// Lets the agent check that the interposition really took.
const bool kRegistered = [] {
  rotagent::tls::RegisterSslNewOverride(reinterpret_cast<void*>(&SSL_new));
  return true;
}();
}  // namespace
