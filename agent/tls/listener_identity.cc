#include "agent/tls/listener_identity.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "agent/tls/probe.h"
#include "common/failpoint.h"
#include "common/x509.h"

namespace rotagent::tls {
using namespace std::chrono_literals;

namespace {
constexpr const char* kDefaultProfile = "system_default_profile";
// The swap is live for the next handshake; the deadline only bounds a listener that hangs.
constexpr auto kProbeDeadline = 10s;
constexpr auto kProbeAttempt = 2s;  // one connect and handshake
}  // namespace

ListenerIdentity::ListenerIdentity(certz::ProfileStore& store)
    : store_(store), verifier_(std::make_shared<ClientVerifier>()), served_(verifier_) {}

Status ListenerIdentity::Bind(const std::string& profile) {
  {
    std::lock_guard lock(mu_);
    bound_ = profile;
  }
  return Refresh(probe_port_ != 0);
}

void ListenerIdentity::SetProbeTarget(std::string host, int port) {
  std::lock_guard lock(mu_);
  probe_host_ = std::move(host);
  probe_port_ = port;
}

void ListenerIdentity::Stopping() {
  std::lock_guard lock(mu_);
  stopping_ = true;
}

std::string ListenerIdentity::Bound() const {
  std::lock_guard lock(mu_);
  return bound_;
}

Status ListenerIdentity::ProfileChanged(const std::string& profile) {
  {
    std::lock_guard lock(mu_);
    if (profile != bound_ && profile != kDefaultProfile) return Status::Ok();
  }
  return Refresh(true);
}

Status ListenerIdentity::Refresh(bool probe) {
  std::string profile, want, host;
  int port = 0;
  uint64_t generation = 0;
  {
    // Held for the read and the swap only: the probe below is network I/O, and the reporter,
    // the drift checker and gNMI Set all read Bound().
    std::lock_guard lock(mu_);
    profile = bound_;
    auto slot = store_.Get(profile, certz::Pointer::kLive);
    std::optional<certz::ProfileMaterial> m;
    if (slot) {
      auto r = store_.ReadSlot(profile, *slot);
      if (r.ok() && r->has_certificate()) m = std::move(*r);
    }
    if (!m) {  // the bound profile holds nothing yet: serve the built-in identity
      profile = kDefaultProfile;
      slot = store_.Get(profile, certz::Pointer::kLive);
      if (!slot) return FailedPrecondition("system_default_profile has no identity");
      auto r = store_.ReadSlot(profile, *slot);
      if (!r.ok()) return r.status();
      m = std::move(*r);
    }
    ROTAGENT_RETURN_IF_ERROR(verifier_->Update(m->trust_pem, m->crl_pem));
    served_.Swap(m->chain_pem, std::move(m->key_pem), m->trust_pem);
    generation = ++generation_;
    if (!probe || stopping_) return Status::Ok();
    auto leaf = x509::ParseCertificates(m->chain_pem, x509::Encoding::kPem, "served chain");
    if (!leaf.ok()) return leaf.status();
    want = x509::Fingerprint(leaf->front().get());
    host = probe_host_;
    port = probe_port_;
  }
  Failpoint("listener.served_switched");

  auto deadline = std::chrono::steady_clock::now() + kProbeDeadline;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      if (generation_ != generation || stopping_)
        return Status::Ok();  // a later swap proves itself
    }
    auto got = ServedFingerprint(host, port, kProbeAttempt);
    if (got.ok() && *got == want) {
      spdlog::debug("listener now serves profile '{}' ({})", profile, want);
      return Status::Ok();
    }
    if (got.ok()) seen = *got;
    std::this_thread::sleep_for(5ms);  // the listener is busy or restarting its accept loop
  }
  return {Code::kUnavailable, "listener did not start serving profile '" + profile +
                                  "' within 10s (still serving " + seen + ")"};
}

std::shared_ptr<grpc::ServerCredentials> ListenerIdentity::Credentials() {
  return served_.Credentials();
}

}  // namespace rotagent::tls
