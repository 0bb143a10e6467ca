// One agent over loopback TLS: certz rotations with an uploaded key and with on-device keys,
// password rotations (hash sent, and plaintext hashed on the box and proven by an SSH login),
// against the physical floor of the same bytes written and fsynced plus one TLS handshake.

#include <chrono>
#include <filesystem>

#include "bench/bench.h"
#include "tests/support/agent_process.h"
#include "tests/support/certz_client.h"
#include "tests/support/credentialz_client.h"
#include "tests/support/sshd_process.h"

namespace rotagent::bench {
namespace fs = std::filesystem;
using namespace rotagent::testing;  // NOLINT(google-build-using-namespace): test support API

namespace {

std::string Stats(Report& r, const std::string& name, const std::vector<double>& ms) {
  r.Add(name + " p50", Percentile(ms, 50), "ms");
  r.Add(name + " p99", Percentile(ms, 99), "ms");
  return name;
}

}  // namespace

void SingleDevice(Report& r, const std::string& scratch, int runs) {
  const fs::path dir = fs::path(scratch) / "single";
  fs::create_directories(dir);
  Pki pki = MakePki(runs);
  WriteIdentity(dir.string(), pki);
  SshdProcess sshd(dir / "sshd");
  sshd.Start();
  AgentProcess agent(dir / "agent", AgentConfig(dir.string(), FreePort(), "benchuser", sshd.port(),
                                                sshd.host_public_key().string()));
  agent.Start();
  auto certz = pb::Certz::NewStub(NewChannel(agent.port(), pki.ca.cert_pem, pki.admin));
  auto credz = cz::Credentialz::NewStub(NewChannel(agent.port(), pki.ca.cert_pem, pki.admin));

  // Floor: the bytes of one rotation written and fsynced, and one new TLS handshake.
  const Floor floor = MeasureFloor(pki, dir.string(), agent.port(), runs);
  r.Add("floor: write+fsync p50", Percentile(floor.write, 50), "ms");
  r.Add("floor: TLS handshake p50", Percentile(floor.handshake, 50), "ms");
  const double floor_p50 = floor.p50();
  r.Add("floor: write+fsync+TLS handshake p50", floor_p50, "ms");

  int version = 0;
  // A new certificate each time, as in a fleet; the requests are built before the clock runs, as
  // a controller has them ready.
  std::vector<pb::RotateCertificateRequest> uploads;
  uploads.reserve(runs);
  for (int i = 0; i < runs; ++i) {
    const Identity& leaf = pki.leaves[i];
    const std::string v = "b" + std::to_string(++version);
    uploads.push_back(Upload("gnsi", {ChainEntity(v, 1700000000, {leaf.cert_pem}, leaf.key_pem),
                                      TrustEntity(v, 1700000000, {pki.ca.cert_pem})}));
  }
  std::vector<double> staged, committed;  // the two halves of each rotation
  const auto upload = Time(runs, [&](int i) {
    const auto begin = std::chrono::steady_clock::now();
    RotateStream s(*certz);
    Must(s.Exchange(uploads[i]), "upload");
    const auto uploaded = std::chrono::steady_clock::now();
    Must(s.Send(Finalize("gnsi")) && s.Finish().ok(), "finalize");
    const auto end = std::chrono::steady_clock::now();
    staged.push_back(std::chrono::duration<double, std::milli>(uploaded - begin).count());
    committed.push_back(std::chrono::duration<double, std::milli>(end - uploaded).count());
  });
  Stats(r, "certz rotation, uploaded key", upload);
  r.Add("  of which upload (staged, proven served) p50", Percentile(staged, 50), "ms");
  r.Add("  of which finalize (committed) p50", Percentile(committed, 50), "ms");
  const double ratio = Percentile(upload, 50) / floor_p50;
  r.Add("certz rotation p50 / floor p50", ratio, "x", "<= 3", ratio <= 3);

  const struct {
    const char* name;
    pb::CSRSuite suite;
  } suites[] = {
      {"RSA-2048", pb::CSRSUITE_X509_KEY_TYPE_RSA_2048_SIGNATURE_ALGORITHM_SHA_2_256},
      {"ECDSA P-256", pb::CSRSUITE_X509_KEY_TYPE_ECDSA_PRIME256V1_SIGNATURE_ALGORITHM_SHA_2_256},
      {"Ed25519", pb::CSRSUITE_X509_KEY_TYPE_EDDSA_ED25519}};
  for (const auto& suite : suites) {
    const auto ms = Time(std::max(4, runs / 4), [&](int) {
      RotateStream s(*certz);
      pb::RotateCertificateRequest gen;
      gen.set_ssl_profile_id("gnsi");
      gen.mutable_generate_csr()->mutable_params()->set_csr_suite(suite.suite);
      gen.mutable_generate_csr()->mutable_params()->set_common_name("localhost");
      gen.mutable_generate_csr()->mutable_params()->mutable_san()->add_dns("localhost");
      pb::RotateCertificateResponse resp;
      Must(s.Exchange(gen, &resp), "generate_csr");
      const std::string cert = SignCsr(
          pki.ca, resp.generated_csr().certificate_signing_request().certificate_signing_request(),
          "localhost");
      Must(s.Exchange(Upload(
               "gnsi", {ChainEntity("b" + std::to_string(++version), 1700000000, {cert}, "")})),
           "upload");
      Must(s.Send(Finalize("gnsi")) && s.Finish().ok(), "finalize");
    });
    Stats(r, std::string("certz rotation, on-device ") + suite.name + " key", ms);
  }

  const std::string hash = Sha512Hash("Bench+hash1");
  const auto hashed = Time(runs, [&](int) {
    auto s = OpenAccountStream(*credz);
    if (!s->Exchange(HashedPassword("benchuser",
                                    cz::PasswordRequest::CryptoHash::HASH_TYPE_CRYPT_SHA_2_512,
                                    hash, "b" + std::to_string(++version)))) {
      Must(false, "password: " + s->Finish().error_message());
    }
    Must(s->Send(FinalizeAccounts()) && s->Finish().ok(), "finalize");
  });
  Stats(r, "password rotation, hash sent", hashed);
  const auto plain = Time(std::max(4, runs / 4), [&](int i) {
    auto s = OpenAccountStream(*credz);
    if (!s->Exchange(PlaintextPassword("benchuser", "Bench+plain" + std::to_string(i),
                                       "b" + std::to_string(++version)))) {
      Must(false, "password: " + s->Finish().error_message());
    }
    Must(s->Send(FinalizeAccounts()) && s->Finish().ok(), "finalize");
  });
  Stats(r, "password rotation, plaintext hashed on box + SSH proof", plain);
}

}  // namespace rotagent::bench
