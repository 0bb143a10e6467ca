#include "agent/tls/probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "agent/net/connection_gate.h"
#include "agent/tls/server_certificate_reader.h"
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

SSL_CTX* NewProbeContext(int version) {
  SSL_CTX* c = SSL_CTX_new(TLS_client_method());
  StopAtServerCertificate(c);
  SSL_CTX_set_min_proto_version(c, version);
  SSL_CTX_set_max_proto_version(c, version);
  // gRPC's TLS servers take P-256 key shares; offering it first avoids a HelloRetryRequest.
  SSL_CTX_set1_groups_list(c, "P-256:X25519:P-384");
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(c, kAlpn, sizeof kAlpn);
  return c;
}

// One context for every probe of a version, built on its first use (the agent's proofs use only
// TLS 1.2): building it costs more than the handshake.
SSL_CTX* ProbeContext(ProbeVersion version) {
  if (version == ProbeVersion::kTls13) {
    static SSL_CTX* const tls13 = NewProbeContext(TLS1_3_VERSION);
    return tls13;
  }
  static SSL_CTX* const tls12 = NewProbeContext(TLS1_2_VERSION);
  return tls12;
}

// A socket bound to an ephemeral local port, so the gate can be told the port before connecting.
struct BoundSocket {
  int fd = -1;
  int port = 0;
};

BoundSocket Bind(const addrinfo& a) {
  BoundSocket s;
  s.fd = socket(a.ai_family, a.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a.ai_protocol);
  if (s.fd < 0) return s;
  sockaddr_storage local{};
  local.ss_family = static_cast<sa_family_t>(a.ai_family);
  socklen_t len = a.ai_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (bind(s.fd, reinterpret_cast<sockaddr*>(&local), len) != 0 ||
      getsockname(s.fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) {
    close(s.fd);
    return {};
  }
  s.port = ntohs(a.ai_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(local).sin6_port
                                         : reinterpret_cast<sockaddr_in&>(local).sin_port);
  return s;
}

// Connects within `timeout`; the socket stays non-blocking.
bool ConnectWithin(int fd, const addrinfo& a, std::chrono::milliseconds timeout) {
  if (connect(fd, a.ai_addr, a.ai_addrlen) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
  int err = 0;
  socklen_t len = sizeof err;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

// Makes the socket blocking, with `timeout` on each read and write.
bool BlockWithin(int fd, std::chrono::milliseconds timeout) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
         setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0;
}

}  // namespace

void StopAtServerCertificate(SSL_CTX* ctx) {
  SSL_CTX_set_cert_verify_callback(ctx, CaptureLeaf, nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
}

struct ServedProbe::Connection {
  std::string where;
  std::chrono::milliseconds timeout{};
  int fd = -1;
  std::unique_ptr<net::ExemptProbePort> exempt;  // held until the socket is closed
  ossl::Ssl ssl;
  std::string fingerprint;  // CaptureLeaf writes it (TLS 1.3)
  bool answered = false;    // the handshake already ended in Start
  bool raw = false;         // TLS 1.2: the answer is read from the socket, past OpenSSL
  bool resolved = false;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    ssl.reset();
    if (fd >= 0) close(fd);
  }
};

ServedProbe::ServedProbe(std::unique_ptr<Connection> c) : c_(std::move(c)) {}
ServedProbe::ServedProbe(ServedProbe&&) noexcept = default;
ServedProbe& ServedProbe::operator=(ServedProbe&&) noexcept = default;
ServedProbe::~ServedProbe() = default;

ServedProbe ServedProbe::Start(const std::string& host, int port, std::chrono::milliseconds timeout,
                               ProbeVersion version) {
  auto c = std::make_unique<Connection>();
  c->where = host + ":" + std::to_string(port);
  c->timeout = timeout;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) {
    return ServedProbe(std::move(c));
  }
  c->resolved = true;
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> hold(res, freeaddrinfo);
  for (addrinfo* a = res; a != nullptr && c->fd < 0; a = a->ai_next) {
    BoundSocket s = Bind(*a);
    if (s.fd < 0) continue;
    auto exempt = std::make_unique<net::ExemptProbePort>(s.port);
    if (!ConnectWithin(s.fd, *a, timeout)) {
      close(s.fd);
      continue;
    }
    c->fd = s.fd;
    c->exempt = std::move(exempt);
  }
  if (c->fd < 0) return ServedProbe(std::move(c));
  c->raw = version == ProbeVersion::kTls12;
  c->ssl.reset(SSL_new(ProbeContext(version)));
  SSL_set_app_data(c->ssl.get(), &c->fingerprint);
  SSL_set_fd(c->ssl.get(), c->fd);
  // Non-blocking: writes the ClientHello and stops where the answer is to be read.
  const int r = SSL_connect(c->ssl.get());
  const int e = SSL_get_error(c->ssl.get(), r);
  c->answered = e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
  ERR_clear_error();
  return ServedProbe(std::move(c));
}

namespace {

// The server's first flight in TLS 1.2, read off the socket: its certificate arrives in the clear.
// Returns why it holds no certificate ("" once `fingerprint` is set).
std::string ReadCertificateRaw(int fd, std::string& fingerprint) {
  ServerCertificateReader reader;
  char buf[16384];
  while (reader.state() == ServerCertificateReader::State::kMore) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return "the connection was closed";
    if (n < 0) return "";  // the read timed out: said by the caller
    reader.Feed({buf, static_cast<size_t>(n)});
  }
  if (reader.state() == ServerCertificateReader::State::kFailed) {
    return "the server sent " + reader.error();
  }
  fingerprint = x509::DerFingerprint(reader.leaf_der());
  return "";
}

}  // namespace

Result<std::string> ServedProbe::Finish() {
  Connection& c = *c_;
  if (c.fd < 0) {
    return Status(Code::kUnavailable, std::string("probe: cannot ") +
                                          (c.resolved ? "connect to " : "resolve ") + c.where);
  }
  std::string why;
  if (!c.answered && BlockWithin(c.fd, c.timeout)) {
    if (c.raw) {
      why = ReadCertificateRaw(c.fd, c.fingerprint);
    } else {
      SSL_connect(c.ssl.get());  // fails by design once the leaf is captured
      ERR_clear_error();
    }
  }
  if (!why.empty()) {
    return Status(Code::kUnavailable, "probe: no certificate served at " + c.where + ": " + why);
  }
  if (c.fingerprint.empty()) {
    return Status(Code::kUnavailable, "probe: no certificate served at " + c.where + " within " +
                                          std::to_string(c.timeout.count()) + " ms");
  }
  return c.fingerprint;
}

Result<std::string> ServedFingerprint(const std::string& host, int port,
                                      std::chrono::milliseconds timeout, ProbeVersion version) {
  return ServedProbe::Start(host, port, timeout, version).Finish();
}

}  // namespace rotagent::tls
