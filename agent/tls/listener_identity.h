// The identity of the agent's own gRPC listener. gRPC watches `<state>/served/{chain,key}.pem`;
// `served` is a symlink to the live slot of the bound profile, swapped with one rename, so the
// listener is never restarted and open connections keep their session.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "agent/certz/profile_store.h"
#include "agent/certz/tls_serving.h"
#include "agent/tls/client_verifier.h"

namespace rotagent::tls {

class ListenerIdentity final : public certz::TlsServing {
 public:
  ListenerIdentity(std::filesystem::path state_dir, certz::ProfileStore& store);

  // Binds the listener to `profile` (falling back to system_default_profile while it holds no
  // certificate) and points `served` at its live slot. Call before Credentials().
  Status Bind(const std::string& profile);
  std::shared_ptr<grpc::ServerCredentials> Credentials();
  // Where the listener can be probed, once the port is known.
  void SetProbeTarget(std::string host, int port);

  Status ProfileChanged(const std::string& profile) override;
  // The profile the listener is bound to.
  std::string Bound() const;
  // The listener is shutting down: switch files but stop proving them with handshakes.
  void Stopping();

 private:
  Status Refresh(bool probe);

  std::filesystem::path state_dir_;
  certz::ProfileStore& store_;
  std::shared_ptr<ClientVerifier> verifier_;
  mutable std::mutex mu_;
  std::string bound_;
  std::string probe_host_;
  int probe_port_ = 0;
  bool stopping_ = false;
};

}  // namespace rotagent::tls
