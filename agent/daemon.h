// Wires the agent together: store, platform, listener identity, engine, services, gRPC server;
// and runs its lifecycle (READY, watchdog, SIGHUP reload, SIGTERM drain).
#pragma once

#include <grpcpp/server.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/authz/authorizer.h"
#include "agent/authz/authz_service.h"
#include "agent/authz/engine.h"
#include "agent/certz/certz_service.h"
#include "agent/certz/engine.h"
#include "agent/certz/listener_guard.h"
#include "agent/config/config.h"
#include "agent/credentialz/credentialz_service.h"
#include "agent/credentialz/engine.h"
#include "agent/gnmi/gnmi_service.h"
#include "agent/state/admin_state.h"
#include "agent/state/credential_kind.h"
#include "agent/state/reporter.h"
#include "agent/state/sync_ledger.h"
#include "agent/state/tree.h"
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
  // True when a new TLS connection to the listener is served a certificate within `timeout`.
  bool ListenerAnswers(std::chrono::milliseconds timeout) const;
  Status BindListener(const std::string& profile);
  // Whether the listener may be bound to `profile` by `caller` (exists, server role, no lockout).
  Status CheckBinding(const std::string& profile, const Caller& caller) const;
  // Drift and expiry every state.check_interval, until Run() ends.
  void CheckLoop();
  void RegisterKinds();
  void StopChecker();
  std::string Role(const std::string& profile) const;
  void ApplySettings(const Config& c);
  std::shared_ptr<const authz::Authorizer> Authorizer() const;

  Config config_;
  std::string config_path_;
  std::unique_ptr<platform::Platform> platform_;
  std::unique_ptr<store::Journal> journal_;
  txn::Domains domains_;
  state::Kinds kinds_;  // every credential kind, registered in Start
  std::unique_ptr<certz::ProfileStore> store_;
  std::unique_ptr<tls::ListenerIdentity> identity_;
  std::unique_ptr<certz::ListenerGuard> guard_;
  std::unique_ptr<certz::Engine> engine_;
  std::unique_ptr<certz::CertzService> certz_service_;
  std::unique_ptr<store::SlotStore> accounts_, ssh_;
  std::unique_ptr<credentialz::Engine> credz_;
  std::unique_ptr<credentialz::CredentialzService> credz_service_;
  std::unique_ptr<store::SlotStore> authz_store_;
  std::unique_ptr<authz::Engine> authz_;
  std::unique_ptr<authz::AuthzService> authz_service_;
  std::unique_ptr<state::Tree> tree_;
  std::unique_ptr<state::AdminState> admin_;
  std::unique_ptr<state::SyncLedger> ledger_;
  std::unique_ptr<state::Reporter> reporter_;
  std::unique_ptr<gnmi_service::GnmiService> gnmi_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string probe_host_;
  int port_ = 0;
  std::thread checker_;
  std::mutex check_mu_;
  std::condition_variable check_cv_;
  bool stopping_ = false;

  mutable std::mutex mu_;  // guards config_ after Start, and the reloadable settings below
  StreamTimeouts certz_timeouts_, credz_timeouts_, authz_timeouts_;
  bool keep_expired_crl_ = true;
  Config::Identity identity_config_;
};

}  // namespace rotagent
