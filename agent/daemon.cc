#include "agent/daemon.h"

#include <grpc/grpc.h>
#include <grpc/support/log.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/server_builder.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <chrono>

#include "agent/audit/trail.h"
#include "agent/authz/policy_kind.h"
#include "agent/certz/profiles_kind.h"
#include "agent/credentialz/accounts_kind.h"
#include "agent/credentialz/ssh_host_kind.h"
#include "agent/gnmi/gnmi_paths.h"
#include "agent/log.h"
#include "agent/message_size_cap.h"
#include "agent/net/connection_gate.h"
#include "agent/net/fd_limit.h"
#include "agent/state/drift_check.h"
#include "agent/tls/bootstrap.h"
#include "agent/tls/probe.h"
#include "agent/tls/swappable_credentials.h"
#include "common/atomic_file.h"
#include "platform/registry.h"

namespace rotagent {

namespace {

certz::EngineSettings SettingsOf(const Config& c) {
  // Settings are copied on every read; they share one copy of the config rather than each
  // holding their own.
  auto config = std::make_shared<const Config>(c);
  return {c.certz.key_policy, c.certz.limits,
          [config](const std::string& id) { return RoleOf(*config, id); }};
}

credentialz::Settings CredentialzSettingsOf(const Config& c) {
  const auto& p = c.credentialz.password_hash_policy;
  auto allowed = [&](const char* m) {
    return std::find(p.allowed_methods.begin(), p.allowed_methods.end(), m) !=
           p.allowed_methods.end();
  };
  return {c.credentialz.accounts,
          {allowed("yescrypt"), allowed("sha512crypt"), allowed("md5crypt"), p.max_sha512_rounds,
           p.max_yescrypt_cost}};
}

state::ReportSettings ReportSettingsOf(const Config& c) {
  return {c.state.created_on_ns, c.state.expiry_warning_days, c.state.expiry_critical_days,
          c.state.grpc_server_name};
}

std::pair<std::string, std::string> SplitHostPort(const std::string& listen) {
  auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {host, listen.substr(colon + 1)};
}

// Where the agent can reach its own listener to probe it.
std::string ProbeHost(const std::string& host) {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

// What one client can hold of the server: handshake time, idle connections, calls, threads.
void ApplyLimits(const Config::Limits& l, grpc::ServerBuilder& b) {
  b.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, l.handshake_timeout_seconds * 1000);
  b.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, l.max_connection_idle_seconds * 1000);
  b.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, l.keepalive_time_seconds * 1000);
  b.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, l.keepalive_timeout_seconds * 1000);
  b.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, l.max_concurrent_streams);
  grpc::ResourceQuota quota("rotagentd");
  quota.SetMaxThreads(l.max_threads);
  b.SetResourceQuota(quota);
}

// Caps accepted connections below the open-file limit (see agent/net/connection_gate.h).
void StartConnectionGate(const Config::Limits& l) {
  auto fd_limit = net::RaiseFdLimit();
  if (!fd_limit.ok()) spdlog::warn("{}", fd_limit.status().message());
  const int cap = net::ConfigureGate({l.max_connections, l.fd_reserve});
  if (!net::Stats().interposed) {
    spdlog::error(
        "connection gate inactive: libgrpc does not call rotagentd's accept4, so connections are "
        "not capped and running out of fds stops the listener");
    return;
  }
  spdlog::info("accepting at most {} connections", cap);
}

}  // namespace

Daemon::Daemon(Config config, std::string config_path)
    : config_(std::move(config)), config_path_(std::move(config_path)) {}

Daemon::~Daemon() {
  StopChecker();
  if (server_) server_->Shutdown();
  server_.reset();
  // The engines go first: each drains the work its threads still run (a rotation's clean-up, a
  // proof) before what that work uses is destroyed.
  gnmi_service_.reset();
  authz_service_.reset();
  credz_service_.reset();
  certz_service_.reset();
  authz_.reset();
  credz_.reset();
  engine_.reset();
}

void Daemon::StopChecker() {
  {
    std::lock_guard lock(check_mu_);
    stopping_ = true;
  }
  check_cv_.notify_all();
  if (checker_.joinable()) checker_.join();
}

std::string Daemon::Role(const std::string& profile) const {
  std::lock_guard lock(mu_);
  return RoleOf(config_, profile);
}

void Daemon::ApplySettings(const Config& c) {
  std::lock_guard lock(mu_);
  if (authz_) authz_->SetFactory(c.authorization);
  certz_timeouts_ = {c.certz.confirm_timeout_seconds, c.certz.idle_timeout_seconds};
  credz_timeouts_ = {c.credentialz.confirm_timeout_seconds, c.credentialz.idle_timeout_seconds};
  authz_timeouts_ = {c.authz.confirm_timeout_seconds, c.authz.idle_timeout_seconds};
  keep_expired_crl_ = c.certz.keep_expired_crl;
  if (identity_) identity_->verifier().SetKeepExpiredCrl(c.certz.keep_expired_crl);
}

std::shared_ptr<const authz::Authorizer> Daemon::Authorizer() const { return authz_->Current(); }

Status Daemon::Start() {
  auto platform = platform::Create(config_.platform);
  if (!platform.ok()) return platform.status();
  platform_ = std::move(*platform);
  store_ = std::make_unique<certz::ProfileStore>(config_.state_dir);
  ROTAGENT_RETURN_IF_ERROR(store_->Init().WithContext("state_dir " + config_.state_dir.string()));
  // The state dir is the agent's alone: a temporary found there is a crash's leftover.
  auto stale = RemoveStaleTemps(config_.state_dir);
  if (!stale.ok()) return stale.status().WithContext("state_dir " + config_.state_dir.string());
  if (*stale > 0)
    spdlog::warn("removed {} temporary file(s) left by a crash in the state dir", *stale);
  journal_ = std::make_unique<store::Journal>(config_.state_dir / "journal");
  ROTAGENT_RETURN_IF_ERROR(journal_->Init());
  ROTAGENT_RETURN_IF_ERROR(audit::Configure(config_.audit));
  identity_ = std::make_unique<tls::ListenerIdentity>(*store_);
  guard_ = std::make_unique<certz::ListenerGuard>(
      *store_, [this] { return identity_->Bound(); },
      [this] {
        std::lock_guard lock(mu_);
        return keep_expired_crl_;
      });
  engine_ = std::make_unique<certz::Engine>(*store_, *platform_, *identity_, SettingsOf(config_),
                                            *journal_, domains_);
  accounts_ = std::make_unique<store::SlotStore>(config_.state_dir / "accounts", "account");
  ssh_ = std::make_unique<store::SlotStore>(config_.state_dir / "ssh", "ssh item");
  ROTAGENT_RETURN_IF_ERROR(accounts_->Init());
  ROTAGENT_RETURN_IF_ERROR(ssh_->Init());
  credz_ = std::make_unique<credentialz::Engine>(*platform_, *accounts_, *ssh_, *journal_, domains_,
                                                 CredentialzSettingsOf(config_));
  authz_store_ = std::make_unique<store::SlotStore>(config_.state_dir / "authz", "authz policy");
  ROTAGENT_RETURN_IF_ERROR(authz_store_->Init());
  authz_ = std::make_unique<authz::Engine>(*authz_store_, *journal_, domains_);

  tree_ = std::make_unique<state::Tree>();
  admin_ = std::make_unique<state::AdminState>(config_.state_dir / "admin-state",
                                               config_.state.admin_state);
  // A rotation's RPC does not wait for the state tree; gNMI readers settle it first.
  ledger_ = std::make_unique<state::SyncLedger>(config_.state_dir / "sync-status.json", [this] {
    if (reporter_) reporter_->RefreshSoon();
  });
  ledger_->Load();
  RegisterKinds();
  engine_->SetAdmission([this] { return admin_->Admit(); });
  credz_->SetAdmission([this] { return admin_->Admit(); });
  authz_->SetAdmission([this] { return admin_->Admit(); });
  engine_->SetLockoutCheck(
      [this](const Caller& caller, const std::string& profile, const certz::ProfileMaterial* next) {
        return guard_->CheckChange(caller, profile, next);
      });
  ApplySettings(config_);

  auto material = config_.identity.cert.empty()
                      ? tls::BootstrapIdentity(config_.state_dir, config_.identity.hostnames)
                      : tls::LoadIdentityFiles(config_.identity.cert, config_.identity.key,
                                               config_.identity.trust_bundle);
  if (!material.ok()) return material.status();
  ROTAGENT_RETURN_IF_ERROR(engine_->SetDefaultIdentity(std::move(*material)));
  for (const auto& p : config_.certz.profiles) {
    if (!store_->Exists(p.id)) ROTAGENT_RETURN_IF_ERROR(store_->Create(p.id));
  }
  ROTAGENT_RETURN_IF_ERROR(txn::Recover(*journal_, domains_).WithContext("recovery"));
  ROTAGENT_RETURN_IF_ERROR(authz_->Load().WithContext("authz policy"));
  // A profile bound with gNMI Set survives restarts; until then the configured one is served.
  auto bound = ReadFile(config_.state_dir / "grpc-server-profile");
  ROTAGENT_RETURN_IF_ERROR(identity_->Bind(bound.ok() ? *bound : config_.server_profile));
  reporter_ = std::make_unique<state::Reporter>(
      state::Sources{&kinds_, ledger_.get(), admin_.get(), platform_.get(),
                     config_.credentialz.accounts},
      ReportSettingsOf(config_), *tree_);
  reporter_->Refresh();
  // Counters change with every call: published at most once a second, and before gNMI reads.
  authz_->counters().SetPublisher([this] { reporter_->Refresh(); }, std::chrono::seconds(1));
  gnmi_service_ = std::make_unique<gnmi_service::GnmiService>(
      *tree_,
      gnmi_service::SubscribeLimits{config_.gnmi.max_streams, config_.gnmi.max_streams_per_client,
                                    config_.gnmi.max_subscriptions_per_request,
                                    std::chrono::milliseconds(config_.gnmi.min_sample_interval_ms)},
      gnmi_service::Writers{
          {[](const std::string& v, const Caller&) { return state::AdminState::Check(v); },
           [this](const std::string& v) {
             Status s = admin_->Set(v);
             if (s.ok()) reporter_->Refresh();
             return s;
           },
           [this] { return admin_->Get(); }},
          {[this](const std::string& p, const Caller& caller) { return CheckBinding(p, caller); },
           [this](const std::string& p) { return BindListener(p); },
           [this] { return identity_->Bound(); }}},
      [this] { return Authorizer(); });
  gnmi_service_->SetBeforeRead([this] {
    authz_->counters().Flush();
    reporter_->Settle();
  });

  certz_service_ = std::make_unique<certz::CertzService>(
      *engine_, [this] { return Authorizer(); },
      [this] {
        std::lock_guard lock(mu_);
        return certz_timeouts_;
      });
  credz_service_ = std::make_unique<credentialz::CredentialzService>(
      *credz_, [this] { return Authorizer(); },
      [this] {
        std::lock_guard lock(mu_);
        return credz_timeouts_;
      });
  authz_service_ = std::make_unique<authz::AuthzService>(*authz_, [this] {
    std::lock_guard lock(mu_);
    return authz_timeouts_;
  });
  StartConnectionGate(config_.limits);
  if (!tls::SwappableIdentity::PerConnection()) {
    spdlog::warn(
        "libgrpc does not call rotagentd's SSL_new: every certificate swap rebuilds gRPC's TLS "
        "context on the next handshake (slower, equally correct)");
  }
  grpc::ServerBuilder builder;
  ApplyLimits(config_.limits, builder);
  int port = 0;
  builder.AddListeningPort(config_.listen, identity_->Credentials(), &port);
  builder.RegisterService(certz_service_.get());
  builder.RegisterService(credz_service_.get());
  builder.RegisterService(authz_service_.get());
  builder.RegisterService(gnmi_service_.get());
  // certz alone takes trust bundles of many CAs; every other service keeps a 4 MiB cap.
  builder.SetMaxReceiveMessageSize(static_cast<int>(CertzMessageLimit(
      config_.certz.limits.max_bundle_bytes, config_.certz.limits.max_entity_bytes)));
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> caps;
  caps.push_back(std::make_unique<MessageSizeCapFactory>("/gnsi.certz.v1.Certz/", 4 << 20));
  builder.experimental().SetInterceptorCreators(std::move(caps));
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) {
    return {Code::kUnavailable, "cannot listen on " + config_.listen};
  }
  auto [host, _] = SplitHostPort(config_.listen);
  identity_->SetProbeTarget(ProbeHost(host), port);
  probe_host_ = ProbeHost(host);
  port_ = port;
  checker_ = std::thread([this] { CheckLoop(); });
  spdlog::info("rotagentd listening on {}:{} (platform {}, state {}, config {})", host, port,
               platform_->Name(), config_.state_dir.string(), config_.source);
  if (config_.identity.bootstrap && config_.identity.cert.empty()) {
    auto b = config_.state_dir / "bootstrap";
    spdlog::info(
        "connect with mTLS: CA {}/ca-cert.pem, client cert {}/admin-cert.pem, key "
        "{}/admin-key.pem, server name localhost",
        b.string(), b.string(), b.string());
  }
  sd_notifyf(0, "READY=1\nSTATUS=listening on %s:%d\nMAINPID=%d", host.c_str(), port, getpid());
  return Status::Ok();
}

// The credential kinds the agent rotates and reports. Each one's domain joins the transaction,
// observed by the ledger; the reporter, the drift check and gNMI's schema read them.
void Daemon::RegisterKinds() {
  kinds_.push_back(certz::MakeProfilesKind(
      {store_.get(), engine_.get(), platform_.get(), [this] { return identity_->Bound(); },
       [this](const std::string& id) { return Role(id); },
       [this] { return tls::ServedFingerprint(probe_host_, port_); }}));
  kinds_.push_back(
      credentialz::MakeAccountsKind(accounts_.get(), &credz_->account_applier(), platform_.get()));
  kinds_.push_back(credentialz::MakeSshHostKind(ssh_.get(), &credz_->ssh_applier(), [this] {
    platform::SshHostSink* ssh = platform_->SshHost();
    return ssh ? ssh->AuthResults() : std::nullopt;
  }));
  kinds_.push_back(authz::MakePolicyKind(authz_store_.get(), authz_.get()));
  std::vector<std::string> leaves;
  for (const auto& k : kinds_) {
    domains_[k.domain] = {k.store, k.applier, ledger_.get()};
    for (auto& l : k.OcSchema()) leaves.push_back(std::move(l));
  }
  gnmi_service::SetKindLeaves(leaves);
}

Status Daemon::CheckBinding(const std::string& profile, const Caller& caller) const {
  ROTAGENT_RETURN_IF_ERROR(certz::ProfileStore::CheckProfileId(profile));
  if (!store_->Exists(profile)) return NotFound("profile '" + profile + "' does not exist");
  if (Role(profile) != "server") {
    return FailedPrecondition("profile '" + profile +
                              "' has role client; only a server profile can be served");
  }
  // A staged candidate could still roll back to material that does not admit the caller, after
  // the binding was checked against the candidate.
  if (store_->Get(profile, store::Pointer::kLive) !=
      store_->Get(profile, store::Pointer::kCommitted)) {
    return FailedPrecondition("profile '" + profile +
                              "' has a rotation in progress; bind it once that rotation is "
                              "finalized");
  }
  return guard_->CheckBinding(caller, profile);
}

Status Daemon::BindListener(const std::string& profile) {
  ROTAGENT_RETURN_IF_ERROR(CheckBinding(profile, Caller{}));
  const std::string before = identity_->Bound();
  if (Status s = identity_->Bind(profile); !s.ok()) {
    (void)identity_->Bind(before);  // a failed Set changes nothing
    return s;
  }
  ROTAGENT_RETURN_IF_ERROR(
      WriteFileAtomic(config_.state_dir / "grpc-server-profile", profile, 0600));
  spdlog::info("listener now serves profile '{}'", profile);
  reporter_->Refresh();
  return Status::Ok();
}

void Daemon::CheckLoop() {
  std::unique_lock lock(check_mu_);
  while (!stopping_) {
    lock.unlock();
    const int interval = [this] {
      std::lock_guard config_lock(mu_);
      return config_.state.check_interval_seconds;
    }();
    state::CheckDrift(kinds_, *ledger_);
    reporter_->Refresh();  // expiry counts down with the wall clock
    lock.lock();
    check_cv_.wait_for(lock, std::chrono::seconds(interval), [this] { return stopping_; });
  }
}

void Daemon::Reload() {
  if (config_path_.empty()) {
    spdlog::info("SIGHUP: running on the embedded default config; nothing to reload");
    return;
  }
  sd_notify(0, "RELOADING=1");
  auto next = LoadConfig(config_path_);
  if (!next.ok()) {
    spdlog::error("SIGHUP: config not reloaded, keeping the running one: {}",
                  next.status().message());
    sd_notify(0, "READY=1");
    return;
  }
  for (const auto& [key, changed] :
       {std::pair{"listen", next->listen != config_.listen},
        {"state_dir", next->state_dir != config_.state_dir},
        {"platform.kind", next->platform.kind != config_.platform.kind},
        {"limits", next->limits != config_.limits},
        {"gnmi", next->gnmi != config_.gnmi}}) {
    if (changed) spdlog::warn("SIGHUP: {} changed; it takes effect at the next restart", key);
  }
  SetLogLevel(next->log_level);
  if (Status s = audit::Configure(next->audit); !s.ok()) {
    spdlog::error("SIGHUP: audit settings not applied, keeping the running ones: {}", s.message());
  }
  ApplySettings(*next);
  engine_->UpdateSettings(SettingsOf(*next));
  credz_->UpdateSettings(CredentialzSettingsOf(*next));
  reporter_->Update(ReportSettingsOf(*next), next->credentialz.accounts);
  for (const auto& p : next->certz.profiles) {
    if (!store_->Exists(p.id)) (void)store_->Create(p.id);
  }
  if (next->server_profile != config_.server_profile) {
    Status s = identity_->Bind(next->server_profile);
    if (!s.ok())
      spdlog::error("SIGHUP: cannot serve profile '{}': {}", next->server_profile, s.message());
  }
  std::lock_guard lock(mu_);  // the checker and reporter read config_ from other threads
  config_.log_level = next->log_level;
  config_.authorization = next->authorization;
  config_.certz = next->certz;
  config_.credentialz = next->credentialz;
  config_.authz = next->authz;
  config_.state = next->state;
  config_.server_profile = next->server_profile;
  spdlog::info("SIGHUP: config reloaded from {}", config_path_);
  sd_notify(0, "READY=1");
}

bool Daemon::ListenerAnswers(std::chrono::milliseconds timeout) const {
  auto served = tls::ServedFingerprint(probe_host_, port_, timeout);
  if (!served.ok()) {
    spdlog::error("listener self-probe failed, withholding the watchdog ping: {}",
                  served.status().message());
  }
  return served.ok();
}

void Daemon::Run() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  // A third of the watchdog period: the agent is restarted after two failed self-probes in a row.
  const auto period = std::chrono::microseconds(watchdog ? watchdog_usec / 3 : 60'000'000);
  auto next_ping = std::chrono::steady_clock::now();
  while (true) {
    const auto wait = std::max(std::chrono::steady_clock::duration::zero(),
                               next_ping - std::chrono::steady_clock::now());
    timespec tick{};
    tick.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(wait).count();
    tick.tv_nsec = static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         wait - std::chrono::seconds(tick.tv_sec))
                                         .count());
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGHUP) Reload();
    if (sig == SIGTERM || sig == SIGINT) break;
    if (std::chrono::steady_clock::now() < next_ping) continue;
    next_ping = std::chrono::steady_clock::now() + period;
    // Fed only while a new connection gets a TLS handshake: a wedged listener gets the agent
    // restarted by systemd instead of leaving it alive and unreachable.
    if (watchdog &&
        ListenerAnswers(std::chrono::duration_cast<std::chrono::milliseconds>(period) / 2)) {
      sd_notify(0, "WATCHDOG=1");
    }
  }
  spdlog::info("shutting down: draining open calls (open rotations roll back)");
  StopChecker();
  tree_->Kick();
  sd_notify(0, "STOPPING=1");
  identity_->Stopping();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server_.reset();
  spdlog::info("stopped");
}

}  // namespace rotagent
