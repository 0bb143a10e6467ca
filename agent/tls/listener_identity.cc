#include "agent/tls/listener_identity.h"

#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "agent/certz/x509.h"
#include "agent/tls/probe.h"
#include "common/atomic_file.h"
#include "common/failpoint.h"

namespace rotagent::tls {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
constexpr const char* kDefaultProfile = "system_default_profile";
// gRPC's file watcher re-reads the served files this often; the probe bounds the wait.
constexpr unsigned kRefreshSeconds = 1;
constexpr auto kProbeDeadline = 10s;

// Hands gRPC's handshakes to the shared verifier, whose trust set a rotation swaps.
class VerifierRef final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit VerifierRef(std::shared_ptr<ClientVerifier> v) : v_(std::move(v)) {}
  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    // On a server, the "full chain" is what the client sent after its leaf.
    grpc::string_ref leaf = request->peer_cert();
    grpc::string_ref chain = request->peer_cert_full_chain();
    Status s =
        v_->Check(std::string(leaf.data(), leaf.size()), std::string(chain.data(), chain.size()));
    if (!s.ok()) spdlog::warn("TLS client refused: {}", s.message());
    *sync_status = s.ok() ? grpc::Status::OK
                          : grpc::Status(static_cast<grpc::StatusCode>(s.code()), s.message());
    return true;  // answered synchronously
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest* /*request*/) override {}

 private:
  std::shared_ptr<ClientVerifier> v_;
};

}  // namespace

ListenerIdentity::ListenerIdentity(fs::path state_dir, certz::ProfileStore& store)
    : state_dir_(std::move(state_dir)),
      store_(store),
      verifier_(std::make_shared<ClientVerifier>()) {}

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
  ROTAGENT_RETURN_IF_ERROR(verifier_->Update(m->trust_pem, m->crl_pem));
  Wipe(m->key_pem);
  fs::path target = fs::relative(store_.SlotDir(profile, *slot), state_dir_);
  ROTAGENT_RETURN_IF_ERROR(ReplaceSymlink(state_dir_ / "served", target));
  if (!probe || stopping_) return Status::Ok();
  Failpoint("listener.served_switched");

  auto leaf = certz::ParseCertificates(m->chain_pem, certz::Encoding::kPem, "served chain");
  if (!leaf.ok()) return leaf.status();
  const std::string want = certz::Fingerprint(leaf->front().get());
  auto deadline = std::chrono::steady_clock::now() + kProbeDeadline;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline) {
    auto got = ServedFingerprint(probe_host_, probe_port_);
    if (got.ok() && *got == want) {
      spdlog::debug("listener now serves profile '{}' ({})", profile, want);
      return Status::Ok();
    }
    if (got.ok()) seen = *got;
    // Polls the listener itself: gRPC exposes no event for "the watcher reloaded".
    std::this_thread::sleep_for(20ms);
  }
  return {Code::kUnavailable, "listener did not start serving profile '" + profile +
                                  "' within 10s (still serving " + seen + ")"};
}

std::shared_ptr<grpc::ServerCredentials> ListenerIdentity::Credentials() {
  const std::string served = (state_dir_ / "served").string();
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      served + "/key.pem", served + "/chain.pem", kRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  // Client chains are checked by our verifier so trust bundle and CRLs swap with the identity.
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<VerifierRef>(verifier_));
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace rotagent::tls
