// The identity of the agent's own gRPC listener: the live slot of the bound profile, served from
// memory. A rotation swaps it for the next handshake; the listener is never restarted and open
// connections keep their session.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/certz/profile_store.h"
#include "agent/certz/tls_serving.h"
#include "agent/tls/client_verifier.h"
#include "agent/tls/probe.h"
#include "agent/tls/swappable_credentials.h"

namespace rotagent::tls {

class ListenerIdentity final : public certz::TlsServing {
 public:
  explicit ListenerIdentity(certz::ProfileStore& store);

  // Binds the listener to `profile` (falling back to system_default_profile while it holds no
  // certificate) and serves its live slot. Call before Credentials().
  Status Bind(const std::string& profile);
  std::shared_ptr<grpc::ServerCredentials> Credentials();
  // Where the listener can be probed, once the port is known.
  void SetProbeTarget(std::string host, int port);

  Status ProfileChanged(const std::string& profile) override;
  Result<std::function<Status()>> ServeCandidate(const std::string& profile,
                                                 const std::string& chain_pem, ossl::Pkey key,
                                                 const std::string& trust_pem) override;
  Status TrustCandidate(const std::string& profile, const std::string& trust_pem,
                        const std::string& crl_pem) override;
  // The profile the listener is bound to.
  std::string Bound() const;
  // The listener is shutting down: swap identities but stop proving them with handshakes.
  void Stopping();
  // How clients are verified (e.g. its expired-CRL policy).
  ClientVerifier& verifier() { return *verifier_; }

 private:
  // What proving a swap takes: the leaf new handshakes must show, where, and which swap it was;
  // and the first handshake, if it was started ahead.
  struct Proof {
    std::string profile, want, host;
    int port = 0;
    uint64_t generation = 0;
    std::optional<ServedProbe> first;
  };
  // Swaps in the bound profile's live slot under mu_, then (with `probe`) proves it with new
  // handshakes, holding no lock.
  Status Refresh(bool probe);
  // Under mu_: serves `chain_pem` with `key` as `profile` (clients are verified as before); the
  // proof to run, if `probe` and the listener runs.
  Result<std::optional<Proof>> ServeLocked(const std::string& profile, const std::string& chain_pem,
                                           ossl::Pkey key, const std::string& trust_pem,
                                           bool probe);
  Status Prove(Proof& p);

  certz::ProfileStore& store_;
  std::shared_ptr<ClientVerifier> verifier_;
  SwappableIdentity served_;
  mutable std::mutex mu_;
  std::string bound_;
  std::string probe_host_;
  int probe_port_ = 0;
  bool stopping_ = false;
  uint64_t generation_ = 0;  // swaps so far; a probe outrun by a later swap stops
  std::string serving_;      // the last swap's leaf fingerprint, if it was to be proven
};

}  // namespace rotagent::tls
