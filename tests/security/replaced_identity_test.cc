// A TLS client chooses which of a server's certificates it is shown by the signature algorithms it
// offers. rotagentd sets each connection's identity itself (agent/tls/swappable_credentials.h),
// on top of gRPC's context, which holds an identity of its own: after a rotation to a key of
// another type, no choice of algorithms may reach the replaced certificate or that context's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/tls/probe.h"
#include "common/x509.h"
#include "tests/security/attack_helpers.h"
#include "tests/support/pki.h"

namespace rotagent::testing {
namespace {

class ReplacedIdentityTest : public AttackTest {
 protected:
  // The fingerprint of the certificate a new handshake of TLS `version` offering only `sigalgs`
  // is shown; "" when the server shows none.
  std::string ServedWith(int version, const std::string& sigalgs) const {
    ossl::SslCtx ctx(SSL_CTX_new(TLS_client_method()));
    EXPECT_EQ(SSL_CTX_set1_sigalgs_list(ctx.get(), sigalgs.c_str()), 1) << sigalgs;
    SSL_CTX_set_min_proto_version(ctx.get(), version);
    SSL_CTX_set_max_proto_version(ctx.get(), version);
    tls::StopAtServerCertificate(ctx.get());
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(agent_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string seen;
    ossl::Ssl ssl(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), fd);
    SSL_set_app_data(ssl.get(), &seen);
    SSL_set_tlsext_host_name(ssl.get(), "localhost");
    SSL_connect(ssl.get());
    ssl.reset();
    close(fd);
    return seen;
  }

  // A server certificate for an RSA key, from CA A.
  Identity RsaServer() const {
    Identity id;
    id.key_pem = RsaKeyPem(2048);
    auto key = x509::ParsePrivateKey(id.key_pem, x509::Encoding::kPem, "rsa");
    EXPECT_TRUE(key.ok()) << key.status().message();
    id.key = std::move(*key);
    auto cert =
        x509::IssueFor(id.key.get(), {.common_name = "rotagentd", .dns_names = {"localhost"}},
                       ca_a_.cert.get(), ca_a_.key.get());
    EXPECT_TRUE(cert.ok()) << cert.status().message();
    id.cert = std::move(*cert);
    id.cert_pem = x509::CertToPem(id.cert.get());
    return id;
  }
};

constexpr const char* kEcdsaOnly = "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384";
constexpr const char* kRsaOnly = "rsa_pss_rsae_sha256:rsa_pkcs1_sha256";

// In TLS 1.2 the signature algorithms and the cipher suites choose the certificate; the agent's
// proof speaks TLS 1.2, controllers mostly TLS 1.3.
TEST_F(ReplacedIdentityTest, NoSignatureAlgorithmReachesAReplacedCertificate) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "ec");
  const std::string ec = Fingerprint(server_a_.cert_pem);
  for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(v == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
    ASSERT_EQ(ServedWith(v, kEcdsaOnly), ec);
    EXPECT_EQ(ServedWith(v, kRsaOnly), "")
        << "an RSA client was shown a certificate the agent never served";
  }

  const Identity rsa = RsaServer();
  RotateGnsi(rsa, {trust_pem_}, "rsa");
  for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(v == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
    EXPECT_EQ(ServedWith(v, kRsaOnly), Fingerprint(rsa.cert_pem));
    EXPECT_EQ(ServedWith(v, kEcdsaOnly), "") << "an ECDSA client was shown a replaced certificate";
  }

  RotateGnsi(next_, {trust_pem_}, "ec2");
  for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(v == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
    EXPECT_EQ(ServedWith(v, kEcdsaOnly), Fingerprint(next_.cert_pem));
    EXPECT_EQ(ServedWith(v, kRsaOnly), "") << "an RSA client was shown a replaced certificate";
  }
}

}  // namespace
}  // namespace rotagent::testing
