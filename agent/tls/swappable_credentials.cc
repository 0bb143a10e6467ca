#include "agent/tls/swappable_credentials.h"

#include <dlfcn.h>
#include <grpc/grpc.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <set>
#include <string_view>
#include <unordered_map>

#include "agent/tls/key_engine.h"
#include "common/x509.h"
#include "common/x509_issuer.h"

namespace rotagent::tls {
namespace {

struct FreeChain {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct FreeNames {
  void operator()(STACK_OF(X509_NAME) * s) const { sk_X509_NAME_pop_free(s, X509_NAME_free); }
};
using Chain = std::unique_ptr<STACK_OF(X509), FreeChain>;
using Names = std::unique_ptr<STACK_OF(X509_NAME), FreeNames>;

}  // namespace

struct SwappableIdentity::Material {
  // What gRPC builds its context from: on each swap without the SSL_new interposition, once with.
  std::string chain_pem;
  RegisteredKey key;
  std::string ca_names_pem;
  // What each new connection is given with the interposition.
  ossl::X509Ptr leaf;
  Chain extra;  // the chain after the leaf
  ossl::Pkey served_key;
  Names ca_names;
};

namespace {

// Which SSL_CTX belongs to which port: gRPC's context holds the key it loaded through the key
// engine, the very EVP_PKEY of the port's placeholder.
struct Hook {
  std::mutex mu;
  void* override_fn = nullptr;
  std::unordered_map<const EVP_PKEY*, SwappableIdentity*> owners;
  std::set<const SSL_CTX*> prepared;
};

Hook& TheHook() {
  static Hook* const h = new Hook;  // used by gRPC threads until exit
  return *h;
}

// gRPC's server name callback moves a connection to the context whose certificate names the
// client's SNI, and logs an error when none does; its names are those of the one context it
// built, not of the identity each connection serves, so the port answers every name alike.
int AnyServerName(SSL* /*ssl*/, int* /*alert*/, void* /*arg*/) { return SSL_TLSEXT_ERR_OK; }

Result<Chain> ParseChain(const std::string& chain_pem, ossl::X509Ptr& leaf) {
  auto certs = x509::ParseCertificates(chain_pem, x509::Encoding::kPem, "served chain");
  if (!certs.ok()) return certs.status();
  if (certs->empty()) return InvalidArgument("served chain: no certificate");
  Chain extra(sk_X509_new_null());
  if (extra == nullptr) return Internal("out of memory for the served chain");
  for (size_t i = 1; i < certs->size(); ++i) {
    if (sk_X509_push(extra.get(), (*certs)[i].get()) == 0) return Internal("out of memory");
    (void)(*certs)[i].release();
  }
  leaf = std::move(certs->front());
  return extra;
}

// The subject names the CertificateRequest lists.
Result<Names> CaNames(const std::string& ca_pem) {
  auto certs = x509::ParseCertificates(ca_pem, x509::Encoding::kPem, "trust bundle",
                                       x509::PublicKeys::kDeferred);
  if (!certs.ok()) return certs.status();
  Names names(sk_X509_NAME_new_null());
  if (names == nullptr) return Internal("out of memory for CA names");
  for (const auto& c : *certs) {
    X509_NAME* n = X509_NAME_dup(X509_get_subject_name(c.get()));
    if (n == nullptr || sk_X509_NAME_push(names.get(), n) == 0) {
      X509_NAME_free(n);
      return Internal("out of memory for CA names");
    }
  }
  return names;
}

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

SwappableIdentity::~SwappableIdentity() {
  Hook& h = TheHook();
  std::lock_guard lock(h.mu);
  std::erase_if(h.owners, [this](const auto& o) { return o.second == this; });
}

Status SwappableIdentity::Swap(const std::string& chain_pem, ossl::Pkey key,
                               const std::string& trust_pem) {
  if (key == nullptr) return InvalidArgument("no private key to serve");
  ossl::X509Ptr leaf;
  auto extra = ParseChain(chain_pem, leaf);
  if (!extra.ok()) return extra.status();
  std::string ca_pem = FirstCertificates(trust_pem, kCaNamesSent);
  std::shared_ptr<const Material> last = Current();
  Names names;
  if (last && last->ca_names_pem == ca_pem) {
    names.reset(SSL_dup_CA_list(last->ca_names.get()));
    if (names == nullptr) return Internal("out of memory for CA names");
  } else {
    auto parsed = CaNames(ca_pem);
    if (!parsed.ok()) return parsed.status();
    names = std::move(*parsed);
  }
  EVP_PKEY_up_ref(key.get());
  ossl::Pkey served_key(key.get());
  auto registered = RegisteredKey::Register(std::move(key));
  if (!registered.ok()) return registered.status();
  auto next = std::make_shared<const Material>(
      Material{chain_pem, std::move(*registered), std::move(ca_pem), std::move(leaf),
               std::move(*extra), std::move(served_key), std::move(names)});
  std::lock_guard lock(mu_);
  current_ = std::move(next);
  ++generation_;
  return Status::Ok();
}

// A fresh self-signed identity for gRPC's own context to be built from: every connection is
// given the current identity in its place, so no identity the agent serves, and no key it
// rotated out, stays in that context. Should a connection ever miss its identity, it shows this
// certificate, which no client trusts.
Result<std::shared_ptr<const SwappableIdentity::Material>> SwappableIdentity::Placeholder() {
  auto issued =
      x509::Issue({.common_name = "rotagent placeholder, never served"}, nullptr, nullptr);
  if (!issued.ok()) return issued.status();
  EVP_PKEY_up_ref(issued->key.get());
  ossl::Pkey served_key(issued->key.get());
  auto registered = RegisteredKey::Register(std::move(issued->key));
  if (!registered.ok()) return registered.status();
  std::string pem = x509::CertToPem(issued->cert.get());
  return std::make_shared<const Material>(
      Material{pem, std::move(*registered), pem, nullptr, nullptr, std::move(served_key), nullptr});
}

std::shared_ptr<const SwappableIdentity::Material> SwappableIdentity::Current() {
  std::lock_guard lock(mu_);
  return current_;
}

bool SwappableIdentity::PerConnection() {
  static const bool interposed = [] {
    Hook& h = TheHook();
    std::lock_guard lock(h.mu);
    return h.override_fn != nullptr && dlsym(RTLD_DEFAULT, "SSL_new") == h.override_fn;
  }();
  return interposed;
}

void RegisterSslNewOverride(void* fn) {
  Hook& h = TheHook();
  std::lock_guard lock(h.mu);
  h.override_fn = fn;
}

SSL* NewServedSsl(SSL_CTX* ctx) {
  using SslNew = SSL* (*)(SSL_CTX*);
  static const auto real = reinterpret_cast<SslNew>(dlsym(RTLD_NEXT, "SSL_new"));
  if (real == nullptr) return nullptr;
  SwappableIdentity* owner = nullptr;
  if (ctx != nullptr) {
    Hook& h = TheHook();
    std::lock_guard lock(h.mu);
    auto it = h.owners.find(SSL_CTX_get0_privatekey(ctx));
    if (it != h.owners.end()) {
      owner = it->second;
      // Before the context's first connection exists, so no handshake reads the callback while
      // it changes; gRPC sets it once, when it builds the context.
      if (h.prepared.insert(ctx).second) {
        SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                              reinterpret_cast<void (*)()>(&AnyServerName));
      }
    }
  }
  SSL* ssl = real(ctx);
  if (ssl == nullptr || owner == nullptr) return ssl;
  auto m = owner->Current();
  if (m == nullptr) {
    SSL_free(ssl);
    return nullptr;
  }
  STACK_OF(X509_NAME)* names = SSL_dup_CA_list(m->ca_names.get());
  // The connection starts with the context's identity, one slot per key type: all go, or a
  // client could be served the first identity's slot of another type.
  SSL_certs_clear(ssl);
  if (names == nullptr ||
      SSL_use_cert_and_key(ssl, m->leaf.get(), m->served_key.get(), m->extra.get(), 1) != 1) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_client_CA_list(ssl, names);
  return ssl;
}

std::shared_ptr<grpc::ServerCredentials> SwappableIdentity::Credentials() {
  std::shared_ptr<const Material> placeholder;
  if (PerConnection()) {
    auto made = Placeholder();
    if (made.ok()) {
      placeholder = std::move(*made);
      Hook& h = TheHook();
      std::lock_guard lock(h.mu);
      h.owners[placeholder->served_key.get()] = this;
    } else {
      spdlog::warn("TLS swaps rebuild gRPC's context: {}", made.status().message());
    }
  }
  std::lock_guard lock(mu_);
  Port& port = ports_.emplace_back(Port{this, 0, std::move(placeholder), nullptr});
  return std::make_shared<PortCredentials>(&port, &SwappableIdentity::Fetch, verifier_);
}

// Runs at the start of every handshake on the port, so it only compares a counter unless a swap
// happened since the port last asked.
grpc_ssl_certificate_config_reload_status SwappableIdentity::Fetch(
    void* port, grpc_ssl_server_certificate_config** out) {
  auto* p = static_cast<Port*>(port);
  std::lock_guard lock(p->owner->mu_);
  std::shared_ptr<const Material> m = p->placeholder ? p->placeholder : p->owner->current_;
  if (!m) return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_FAIL;
  if (p->placeholder ? p->fetched != nullptr : p->served == p->owner->generation_) {
    return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_UNCHANGED;
  }
  grpc_ssl_pem_key_cert_pair pair{m->key.reference().c_str(), m->chain_pem.c_str()};
  // gRPC copies the strings and takes ownership of the config. The anchors only name CAs in the
  // CertificateRequest: the port verifies no chain itself.
  *out = grpc_ssl_server_certificate_config_create(m->ca_names_pem.c_str(), &pair, 1);
  p->served = p->owner->generation_;
  p->fetched = std::move(m);
  return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW;
}

}  // namespace rotagent::tls
