// gRPC server credentials whose certificate chain and key live in memory and are swapped at
// runtime. A swap is served by the very next connection; open connections keep their session.
//
// In rotagentd, libssl's SSL_new is interposed (ssl_new_override.cc): each new connection of a
// port is given the identity current at its accept, already parsed, and gRPC builds its own TLS
// context once. Without the interposition (a test binary) gRPC asks for the current pair at the
// start of every handshake and rebuilds its context after each swap: on OpenSSL 3.0 about 1 ms of
// parsing the chain twice and each CA name, and a new SSL_CTX, on the path of the swap's proof.
//
// Client certificates are verified by rotagent, not by gRPC: gRPC 1.51 builds a store of its own
// from every trust anchor on each swap (one sorted insert per anchor, minutes for 20,000 CAs) and
// lists every anchor's name in the CertificateRequest. The handshake therefore requires a client
// certificate and its proof of possession, and every call is admitted only once ClientVerifier
// has verified the client's chain against the trust store built once per rotation (a verdict is
// remembered per chain, so a call costs a digest). The CertificateRequest names at most
// kCaNamesSent anchors of the bundle.
#pragma once

#include <grpc/grpc_security.h>
#include <grpcpp/security/server_credentials.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "agent/tls/client_verifier.h"
#include "common/ossl.h"
#include "common/status.h"

namespace rotagent::tls {

class SwappableIdentity {
 public:
  // `verifier` answers for revocation on every call while it holds CRLs.
  explicit SwappableIdentity(std::shared_ptr<ClientVerifier> verifier);
  SwappableIdentity(const SwappableIdentity&) = delete;
  SwappableIdentity& operator=(const SwappableIdentity&) = delete;
  ~SwappableIdentity();

  // How many trust anchors the CertificateRequest names (the first of the bundle).
  static constexpr size_t kCaNamesSent = 16;

  // New handshakes serve `chain_pem` with `key`; the CertificateRequest names the first
  // kCaNamesSent anchors of `trust_pem`. Clients are verified by the ClientVerifier. The key goes
  // to gRPC parsed (key_engine.h), never as PEM.
  Status Swap(const std::string& chain_pem, ossl::Pkey key, const std::string& trust_pem);

  // Credentials for one listening port. Swap() must have been called once. The credentials
  // reach back into this object: it must outlive the server.
  std::shared_ptr<grpc::ServerCredentials> Credentials();

  // Whether this process's SSL_new is rotagentd's (ssl_new_override.cc).
  static bool PerConnection();

 private:
  friend SSL* NewServedSsl(SSL_CTX* ctx);
  struct Material;
  std::shared_ptr<const Material> Current();
  struct Port {
    SwappableIdentity* owner;
    uint64_t served = 0;  // generation this port's handshakes use
    // With the SSL_new interposition: what gRPC's context is built from, once.
    std::shared_ptr<const Material> placeholder;
    // What the port last fetched: its key stays loadable while gRPC builds the context from it.
    std::shared_ptr<const Material> fetched;
  };
  static Result<std::shared_ptr<const Material>> Placeholder();
  static grpc_ssl_certificate_config_reload_status Fetch(void* port,
                                                         grpc_ssl_server_certificate_config** out);

  std::shared_ptr<ClientVerifier> verifier_;
  std::mutex mu_;
  std::shared_ptr<const Material> current_;
  uint64_t generation_ = 0;
  std::list<Port> ports_;  // stable addresses: gRPC holds pointers to them
};

// rotagentd's SSL_new: libssl's, then, for a context gRPC built for a SwappableIdentity port, the
// port's current identity set on the new connection. Null if that cannot be done, which fails
// the handshake rather than serve a replaced certificate.
SSL* NewServedSsl(SSL_CTX* ctx);
// Called once by the interposing SSL_new, so the agent can check that libgrpc calls it.
void RegisterSslNewOverride(void* fn);

}  // namespace rotagent::tls
