#include "agent/tls/probe.h"

#include <netdb.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/certz/x509.h"
#include "common/ossl.h"

namespace rotagent::tls {
namespace {

// Captures the leaf and stops the handshake there: the probe needs no client identity.
int CaptureLeaf(X509_STORE_CTX* ctx, void* arg) {
  auto* out = static_cast<std::string*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  if (leaf != nullptr) *out = certz::Fingerprint(leaf);
  return 0;
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
  ossl::SslCtx ctx(SSL_CTX_new(TLS_client_method()));
  std::string fingerprint;
  SSL_CTX_set_cert_verify_callback(ctx.get(), CaptureLeaf, &fingerprint);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof kAlpn);
  ossl::Ssl ssl(SSL_new(ctx.get()));
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
