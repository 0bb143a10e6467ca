#include "agent/tls/listener_identity.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

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
  std::optional<Proof> proof;
  {
    // Held for the read and the swap only: the probe is network I/O, and the reporter, the drift
    // checker and gNMI Set all read Bound().
    std::lock_guard lock(mu_);
    std::string profile = bound_;
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
    auto key = x509::ParsePrivateKey(m->key_pem.reveal(), x509::Encoding::kPem, "served key");
    if (!key.ok()) return key.status();
    ROTAGENT_RETURN_IF_ERROR(verifier_->Update(m->trust_pem, m->crl_pem));
    auto swapped = ServeLocked(profile, m->chain_pem, std::move(*key), m->trust_pem, probe);
    if (!swapped.ok()) return swapped.status();
    proof = std::move(*swapped);
  }
  return proof ? Prove(*proof) : Status::Ok();
}

Result<std::function<Status()>> ListenerIdentity::ServeCandidate(const std::string& profile,
                                                                 const std::string& chain_pem,
                                                                 ossl::Pkey key,
                                                                 const std::string& trust_pem) {
  std::optional<Proof> proof;
  {
    std::lock_guard lock(mu_);
    if (profile != bound_) return std::function<Status()>();
    auto swapped = ServeLocked(profile, chain_pem, std::move(key), trust_pem, true);
    if (!swapped.ok()) return swapped.status();
    proof = std::move(*swapped);
  }
  // Swapped: a function even when there is nothing to probe (shutting down), so that the caller
  // knows to put the listener back if the candidate goes no further.
  if (!proof) return std::function<Status()>([] { return Status::Ok(); });
  // Its first handshake starts now: the listener builds its new context and answers while the
  // caller goes on, and the function only reads the answer.
  proof->first = ServedProbe::Start(proof->host, proof->port, kProbeAttempt);
  return std::function<Status()>(
      [this, p = std::make_shared<Proof>(std::move(*proof))] { return Prove(*p); });
}

Status ListenerIdentity::TrustCandidate(const std::string& profile, const std::string& trust_pem,
                                        const std::string& crl_pem) {
  std::lock_guard lock(mu_);
  if (profile != bound_) return Status::Ok();
  return verifier_->Update(trust_pem, crl_pem);
}

Result<std::optional<ListenerIdentity::Proof>> ListenerIdentity::ServeLocked(
    const std::string& profile, const std::string& chain_pem, ossl::Pkey key,
    const std::string& trust_pem, bool probe) {
  ROTAGENT_RETURN_IF_ERROR(served_.Swap(chain_pem, std::move(key), trust_pem));
  const uint64_t generation = ++generation_;
  serving_.clear();
  if (!probe || stopping_ || probe_port_ == 0) return std::optional<Proof>();
  auto leaf = x509::ParseCertificates(chain_pem, x509::Encoding::kPem, "served chain");
  if (!leaf.ok()) return leaf.status();
  serving_ = x509::Fingerprint(leaf->front().get());
  return std::optional<Proof>(Proof{profile, serving_, probe_host_, probe_port_, generation});
}

Status ListenerIdentity::Prove(Proof& p) {
  Failpoint("listener.served_switched");
  auto deadline = std::chrono::steady_clock::now() + kProbeDeadline;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Status::Ok();
      // A later swap proves itself. One that serves another leaf of the same profile (it was
      // bound again meanwhile, from the store) leaves this one unserved.
      if (generation_ != p.generation) {
        if (bound_ != p.profile || serving_ == p.want) return Status::Ok();
        return {Code::kAborted, "the listener was bound to profile '" + p.profile +
                                    "' again while its new certificate was being proven; "
                                    "rotate again"};
      }
    }
    auto got = p.first ? p.first->Finish() : ServedFingerprint(p.host, p.port, kProbeAttempt);
    p.first.reset();
    if (got.ok() && *got == p.want) {
      spdlog::debug("listener now serves profile '{}' ({})", p.profile, p.want);
      return Status::Ok();
    }
    if (got.ok()) seen = *got;
    std::this_thread::sleep_for(5ms);  // the listener is busy or restarting its accept loop
  }
  return {Code::kUnavailable, "listener did not start serving profile '" + p.profile +
                                  "' within 10s (still serving " + seen + ")"};
}

std::shared_ptr<grpc::ServerCredentials> ListenerIdentity::Credentials() {
  return served_.Credentials();
}

}  // namespace rotagent::tls
