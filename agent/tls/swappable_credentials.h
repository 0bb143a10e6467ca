// gRPC server credentials whose certificate chain, key and client trust bundle live in memory
// and are swapped at runtime. gRPC asks for the current set at the start of every handshake, so a
// swap is served by the very next connection; open connections keep their session.
#pragma once

#include <grpc/grpc_security.h>
#include <grpcpp/security/server_credentials.h>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "agent/tls/client_verifier.h"

namespace rotagent::tls {

class SwappableIdentity {
 public:
  // `verifier` answers for revocation on every call while it holds CRLs.
  explicit SwappableIdentity(std::shared_ptr<ClientVerifier> verifier);
  SwappableIdentity(const SwappableIdentity&) = delete;
  SwappableIdentity& operator=(const SwappableIdentity&) = delete;
  ~SwappableIdentity();

  // New handshakes serve `chain_pem` with `key_pem` and accept clients that chain to `trust_pem`.
  void Swap(const std::string& chain_pem, const std::string& key_pem, const std::string& trust_pem);

  // Credentials for one listening port. Swap() must have been called once. The credentials
  // reach back into this object: it must outlive the server.
  std::shared_ptr<grpc::ServerCredentials> Credentials();

 private:
  struct Material;
  struct Port {
    SwappableIdentity* owner;
    uint64_t served = 0;  // generation this port's handshakes use
  };
  static grpc_ssl_certificate_config_reload_status Fetch(void* port,
                                                         grpc_ssl_server_certificate_config** out);

  std::shared_ptr<ClientVerifier> verifier_;
  std::mutex mu_;
  std::shared_ptr<const Material> current_;
  uint64_t generation_ = 0;
  std::list<Port> ports_;  // stable addresses: gRPC holds pointers to them
};

}  // namespace rotagent::tls
