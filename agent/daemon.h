// Wires the agent together: store, platform, listener identity, engine, services, gRPC server;
// and runs its lifecycle (READY, watchdog, SIGHUP reload, SIGTERM drain).
#pragma once

#include <grpcpp/server.h>

#include <memory>
#include <mutex>
#include <optional>

#include "agent/authz/authorizer.h"
#include "agent/certz/certz_service.h"
#include "agent/certz/engine.h"
#include "agent/config/config.h"
#include "agent/credentialz/credentialz_service.h"
#include "agent/credentialz/engine.h"
#include "agent/tls/listener_identity.h"

namespace rotagent {

class Daemon {
 public:
  // `config_path` is empty for the embedded default.
  Daemon(Config config, std::string config_path);
  ~Daemon();

  Status Start();
  // Blocks until SIGTERM or SIGINT, handling SIGHUP and the systemd watchdog meanwhile.
  void Run();

 private:
  void Reload();
  void ApplySettings(const Config& c);
  std::shared_ptr<const authz::Authorizer> Authorizer() const;

  Config config_;
  std::string config_path_;
  std::unique_ptr<platform::Platform> platform_;
  std::unique_ptr<store::Journal> journal_;
  txn::Domains domains_;
  std::unique_ptr<certz::ProfileStore> store_;
  std::unique_ptr<tls::ListenerIdentity> identity_;
  std::unique_ptr<certz::Engine> engine_;
  std::unique_ptr<certz::CertzService> certz_service_;
  std::unique_ptr<store::SlotStore> accounts_, ssh_;
  std::unique_ptr<credentialz::Engine> credz_;
  std::unique_ptr<credentialz::CredentialzService> credz_service_;
  std::unique_ptr<grpc::Server> server_;

  mutable std::mutex mu_;  // guards the reloadable settings below
  std::shared_ptr<const authz::Authorizer> authorizer_;
  int confirm_timeout_seconds_ = 300;
  int credz_confirm_timeout_seconds_ = 300;
  Config::Identity identity_config_;
};

}  // namespace rotagent
