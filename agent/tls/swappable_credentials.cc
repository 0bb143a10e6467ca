#include "agent/tls/swappable_credentials.h"

#include <grpc/grpc.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string_view>

#include "agent/tls/key_engine.h"

namespace rotagent::tls {

struct SwappableIdentity::Material {
  std::string chain_pem;
  RegisteredKey key;
  std::string ca_names_pem;
};

namespace {

std::string Property(const grpc_auth_context* ctx, const char* name) {
  grpc_auth_property_iterator it = grpc_auth_context_find_properties_by_name(ctx, name);
  const grpc_auth_property* p = grpc_auth_property_iterator_next(&it);
  return p == nullptr ? std::string() : std::string(p->value, p->value_length);
}

// The first `n` PEM certificates of `pem` (all of it if it holds fewer).
std::string FirstCertificates(const std::string& pem, size_t n) {
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  size_t end = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t at = pem.find(kEnd, end);
    if (at == std::string::npos) return pem;
    end = at + kEnd.size();
  }
  return pem.substr(0, end) + "\n";
}

// Every call is admitted only once the client's chain verifies against the current trust store
// and CRLs (the handshake proved possession of the leaf's key but checked no chain). Per call, so
// a trust bundle or CRL update also reaches connections opened before it.
void VerifyClient(void* state, grpc_auth_context* ctx, const grpc_metadata* /*md*/,
                  size_t /*num_md*/, grpc_process_auth_metadata_done_cb done, void* user_data) {
  const auto& verifier = *static_cast<std::shared_ptr<ClientVerifier>*>(state);
  if (ctx == nullptr) {
    done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_UNAUTHENTICATED,
         "no TLS client certificate");
    return;
  }
  Status s = verifier->Check(Property(ctx, GRPC_X509_PEM_CERT_PROPERTY_NAME),
                             Property(ctx, GRPC_X509_PEM_CERT_CHAIN_PROPERTY_NAME));
  if (s.ok()) {
    done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_OK, nullptr);
    return;
  }
  spdlog::warn("TLS client refused: {}", s.message());
  done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_UNAUTHENTICATED, s.message().c_str());
}

void DestroyVerifierRef(void* state) {
  delete static_cast<std::shared_ptr<ClientVerifier>*>(state);
}

// One listening port's credentials: an SSL server whose certificate config comes from a fetcher.
class PortCredentials final : public grpc::ServerCredentials {
 public:
  PortCredentials(void* port, grpc_ssl_server_certificate_config_callback fetch,
                  std::shared_ptr<ClientVerifier> verifier)
      : port_(port), fetch_(fetch), verifier_(std::move(verifier)) {}

  void SetAuthMetadataProcessor(
      const std::shared_ptr<grpc::AuthMetadataProcessor>& /*processor*/) override {
    // The slot is taken by the client verification; nothing in rotagent installs another.
    spdlog::critical("SwappableIdentity credentials take no AuthMetadataProcessor");
    std::abort();
  }

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    grpc_ssl_server_credentials_options* options =
        grpc_ssl_server_credentials_create_options_using_config_fetcher(
            GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY, fetch_, port_);
    grpc_server_credentials* creds = grpc_ssl_server_credentials_create_with_options(options);
    grpc_server_credentials_set_auth_metadata_processor(
        creds, {VerifyClient, DestroyVerifierRef, new std::shared_ptr<ClientVerifier>(verifier_)});
    int bound = grpc_server_add_http2_port(server, addr.c_str(), creds);
    grpc_server_credentials_release(creds);
    return bound;
  }

  void* port_;
  grpc_ssl_server_certificate_config_callback fetch_;
  std::shared_ptr<ClientVerifier> verifier_;
};

}  // namespace

SwappableIdentity::SwappableIdentity(std::shared_ptr<ClientVerifier> verifier)
    : verifier_(std::move(verifier)) {}

SwappableIdentity::~SwappableIdentity() = default;

Status SwappableIdentity::Swap(const std::string& chain_pem, ossl::Pkey key,
                               const std::string& trust_pem) {
  auto registered = RegisteredKey::Register(std::move(key));
  if (!registered.ok()) return registered.status();
  auto next = std::make_shared<const Material>(
      Material{chain_pem, std::move(*registered), FirstCertificates(trust_pem, kCaNamesSent)});
  std::lock_guard lock(mu_);
  current_ = std::move(next);
  ++generation_;
  return Status::Ok();
}

std::shared_ptr<grpc::ServerCredentials> SwappableIdentity::Credentials() {
  std::lock_guard lock(mu_);
  Port& port = ports_.emplace_back(Port{this});
  return std::make_shared<PortCredentials>(&port, &SwappableIdentity::Fetch, verifier_);
}

// Runs at the start of every handshake on the port, so it only compares a counter unless a swap
// happened since the port last asked.
grpc_ssl_certificate_config_reload_status SwappableIdentity::Fetch(
    void* port, grpc_ssl_server_certificate_config** out) {
  auto* p = static_cast<Port*>(port);
  std::lock_guard lock(p->owner->mu_);
  const auto& m = p->owner->current_;
  if (!m) return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_FAIL;
  if (p->served == p->owner->generation_) return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_UNCHANGED;
  grpc_ssl_pem_key_cert_pair pair{m->key.reference().c_str(), m->chain_pem.c_str()};
  // gRPC copies the strings and takes ownership of the config. The anchors only name CAs in the
  // CertificateRequest: the port verifies no chain itself.
  *out = grpc_ssl_server_certificate_config_create(m->ca_names_pem.c_str(), &pair, 1);
  p->served = p->owner->generation_;
  p->fetched = m;
  return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW;
}

}  // namespace rotagent::tls
