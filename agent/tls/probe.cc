#include "agent/tls/probe.h"

#include <netdb.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/ossl.h"
#include "common/x509.h"

namespace rotagent::tls {
namespace {

// Captures the leaf into the connection's app data and stops the handshake there: the probe
// needs no client identity.
int CaptureLeaf(X509_STORE_CTX* ctx, void* /*arg*/) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* out = static_cast<std::string*>(SSL_get_app_data(ssl));
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  if (leaf != nullptr && out != nullptr) *out = x509::Fingerprint(leaf);
  return 0;
}

// One context for every probe: building it costs more than the handshake.
SSL_CTX* ProbeContext() {
  static SSL_CTX* const ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_cert_verify_callback(c, CaptureLeaf, nullptr);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    // gRPC's TLS servers take P-256 key shares; offering it first avoids a HelloRetryRequest.
    SSL_CTX_set1_groups_list(c, "P-256:X25519:P-384");
    static const unsigned char kAlpn[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(c, kAlpn, sizeof kAlpn);
    return c;
  }();
  return ctx;
}

int Connect(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  return fd;
}

}  // namespace

Result<std::string> ServedFingerprint(const std::string& host, int port) {
  int fd = Connect(host, port);
  if (fd < 0)
    return Status(Code::kUnavailable,
                  "probe: cannot connect to " + host + ":" + std::to_string(port));
  std::string fingerprint;
  ossl::Ssl ssl(SSL_new(ProbeContext()));
  SSL_set_app_data(ssl.get(), &fingerprint);
  SSL_set_fd(ssl.get(), fd);
  SSL_connect(ssl.get());  // fails by design once the leaf is captured
  close(fd);
  ERR_clear_error();
  if (fingerprint.empty()) {
    return Status(Code::kUnavailable,
                  "probe: no certificate served at " + host + ":" + std::to_string(port));
  }
  return fingerprint;
}

}  // namespace rotagent::tls
