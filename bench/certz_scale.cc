// certz at both ends: one rotation split into its parts (validate, stage, prove, commit, as the
// agent logs them) beside the physical floor, and trust bundles of 1, 1,000 and 20,000 CAs
// (upload-to-response, Finalize, mTLS handshake p50/p99 with the bundle installed, RSS).
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>

#include "bench/bench.h"
#include "tests/support/agent_process.h"
#include "tests/support/ca_bundle.h"
#include "tests/support/certz_client.h"
#include "tests/support/sshd_process.h"

namespace rotagent::bench {
namespace fs = std::filesystem;
using namespace rotagent::testing;  // NOLINT(google-build-using-namespace): test support API

namespace {

double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// One full mutual-TLS handshake with `client` (the first byte the server sends after it, its
// HTTP/2 SETTINGS, proves the server accepted the client certificate). Milliseconds.
class MtlsClient {
 public:
  explicit MtlsClient(const Identity& client) : ctx_(SSL_CTX_new(TLS_client_method())) {
    SSL_CTX_use_certificate(ctx_.get(), client.cert.get());
    SSL_CTX_use_PrivateKey(ctx_.get(), client.key.get());
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set1_groups_list(ctx_.get(), "P-256:X25519");
    static const unsigned char kAlpn[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(ctx_.get(), kAlpn, sizeof kAlpn);
  }
  double Handshake(int port) {
    const auto start = std::chrono::steady_clock::now();
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    Must(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0, "connect");
    ossl::Ssl ssl(SSL_new(ctx_.get()));
    SSL_set_fd(ssl.get(), fd);
    const bool ok = SSL_connect(ssl.get()) == 1;
    char byte = 0;
    const bool read = ok && SSL_read(ssl.get(), &byte, 1) == 1;
    const auto end = std::chrono::steady_clock::now();
    ERR_clear_error();
    ssl.reset();
    close(fd);
    Must(read, "mTLS handshake refused");
    return Ms(start, end);
  }

 private:
  ossl::SslCtx ctx_;
};

// The last "<what> in X ms" figure the agent logged, or -1.
double LoggedMs(const std::string& log, const std::string& what) {
  const std::regex re(what + " in ([0-9.]+) ms");
  double last = -1;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator();
       ++it) {
    last = std::stod((*it)[1]);
  }
  return last;
}

std::string InfoConfig(const std::string& dir, int port) {
  std::string c = AgentConfig(dir, port, "benchuser", 1);
  return std::regex_replace(c, std::regex("log_level: warn"), "log_level: info");
}

}  // namespace

void CertzParts(Report& r, const std::string& scratch, int runs) {
  const fs::path dir = fs::path(scratch) / "certz-parts";
  fs::create_directories(dir);
  Pki pki = MakePki(runs);
  WriteIdentity(dir.string(), pki);
  AgentProcess agent(dir / "agent", InfoConfig(dir.string(), FreePort()));
  agent.Start();
  auto certz = pb::Certz::NewStub(NewChannel(agent.port(), pki.ca.cert_pem, pki.admin));

  const double floor_p50 = MeasureFloor(pki, dir.string(), agent.port(), runs).p50();
  r.Add("certz floor: write+fsync+TLS handshake p50", floor_p50, "ms");

  std::vector<double> total, validate, stage, prove, commit;
  for (int i = 0; i < runs; ++i) {
    const Identity& leaf = pki.leaves[i];  // a new certificate each time, as in a fleet
    const std::string v = "p" + std::to_string(i);
    // Built before the clock runs, as a controller has it ready.
    const auto upload = Upload("gnsi", {ChainEntity(v, 1700000000, {leaf.cert_pem}, leaf.key_pem),
                                        TrustEntity(v, 1700000000, {pki.ca.cert_pem})});
    const auto begin = std::chrono::steady_clock::now();
    RotateStream s(*certz);
    Must(s.Exchange(upload), "upload");
    Must(s.Send(Finalize("gnsi")) && s.Finish().ok(), "finalize");
    total.push_back(Ms(begin, std::chrono::steady_clock::now()));
    const std::string log = agent.Log();
    validate.push_back(LoggedMs(log, "upload validated"));
    stage.push_back(LoggedMs(log, "staged"));
    prove.push_back(LoggedMs(log, "proven served"));
    commit.push_back(LoggedMs(log, "rotation committed"));
  }
  r.Add("certz rotation (uploaded ECDSA key) p50", Percentile(total, 50), "ms");
  r.Add("  validate p50", Percentile(validate, 50), "ms");
  r.Add("  stage (flushes; the proof overlaps) p50", Percentile(stage, 50), "ms");
  r.Add("  prove (swap + handshake, in stage) p50", Percentile(prove, 50), "ms");
  r.Add("  commit p50", Percentile(commit, 50), "ms");
  const double ratio = Percentile(total, 50) / floor_p50;
  r.Add("certz rotation p50 / floor p50 (parts run)", ratio, "x", "<= 3", ratio <= 3);
}

void BundleScale(Report& r, const std::string& scratch, const std::vector<size_t>& sizes,
                 int handshakes) {
  const fs::path dir = fs::path(scratch) / "certz-bundles";
  fs::create_directories(dir);
  Pki pki = MakePki(1);
  WriteIdentity(dir.string(), pki);
  AgentProcess agent(dir / "agent", InfoConfig(dir.string(), FreePort()));
  agent.Start();
  auto certz = pb::Certz::NewStub(NewChannel(agent.port(), pki.ca.cert_pem, pki.admin));
  {
    RotateStream s(*certz);
    const Identity& leaf = pki.leaves[0];
    Must(s.Exchange(Upload("gnsi", {ChainEntity("b0", 1700000000, {leaf.cert_pem}, leaf.key_pem),
                                    TrustEntity("b0", 1700000000, {pki.ca.cert_pem})})),
         "initial upload");
    Must(s.Send(Finalize("gnsi")) && s.Finish().ok(), "initial finalize");
  }
  MtlsClient client(pki.admin);
  double p50_one = 0, installed = 0;
  int version = 0;
  for (size_t n : sizes) {
    const CaBundle& bundle = CaBundleOf(n > 1 ? n - 1 : 0);  // plus the bench CA: n in all
    const std::string label = std::to_string(n) + " CAs";
    for (int round = 0; round < (n > 1 ? 2 : 1); ++round) {
      pb::Entity e = BundleEntity("bundle" + std::to_string(++version), 1700000000, bundle,
                                  {pki.ca.cert_pem}, BundleEncoding::kPkcs7);
      const auto begin = std::chrono::steady_clock::now();
      RotateStream s(*certz);
      Must(s.Exchange(Upload("gnsi", {e})), "bundle upload of " + label);
      const auto uploaded = std::chrono::steady_clock::now();
      Must(s.Send(Finalize("gnsi")) && s.Finish().ok(), "bundle finalize of " + label);
      const auto done = std::chrono::steady_clock::now();
      if (round == 0) {
        const bool big = n >= 20000;
        r.Add("bundle " + label + ": upload to response", Ms(begin, uploaded), "ms",
              big ? "< 2000" : "", !big || Ms(begin, uploaded) < 2000);
        r.Add("bundle " + label + ": Finalize", Ms(uploaded, done), "ms");
        installed = SettledRssMiB(agent.pid());
        r.Add("bundle " + label + ": agent RSS installed", installed, "MiB");
        std::vector<double> ms;
        ms.reserve(handshakes);
        for (int i = 0; i < handshakes; ++i) ms.push_back(client.Handshake(agent.port()));
        const double p50 = Percentile(ms, 50);
        if (n == 1) p50_one = p50;
        r.Add("bundle " + label + ": mTLS handshake p50", p50, "ms", big ? "<= 1.2x 1-CA" : "",
              !big || p50 <= 1.2 * p50_one);
        r.Add("bundle " + label + ": mTLS handshake p99", Percentile(ms, 99), "ms");
      } else {
        client.Handshake(agent.port());  // the listener drops the first bundle's store
        const double again = SettledRssMiB(agent.pid());
        r.Add("bundle " + label + ": agent RSS after a second rotation", again, "MiB",
              "< 2x installed", again < 2 * installed);
      }
    }
  }
}

}  // namespace rotagent::bench
