// In-process costs with Google Benchmark: validating a certz upload, hashing passwords, parsing
// SSH public keys and gNMI paths.
#include <benchmark/benchmark.h>

#include "agent/certz/candidate.h"
#include "agent/credentialz/password.h"
#include "agent/credentialz/ssh_key.h"
#include "agent/state/path.h"
#include "tests/support/pki.h"

namespace {

using namespace rotagent;  // NOLINT(google-build-using-namespace): benchmark harness

void BM_BuildCandidate(benchmark::State& state) {
  const auto ca = testing::MakeCa("bench CA");
  const auto leaf = testing::MakeServer(ca, "leaf");
  std::vector<certz::EntityUpload> uploads(2);
  uploads[0].kind = certz::EntityUpload::Kind::kChain;
  uploads[0].version = "v1";
  uploads[0].created_on = 1700000000;
  uploads[0].certs = {{leaf.cert_pem, x509::Encoding::kPem}};
  uploads[0].key = {Secret(std::string(leaf.key_pem)), x509::Encoding::kPem};
  uploads[1].kind = certz::EntityUpload::Kind::kTrustChain;
  uploads[1].version = "v1";
  uploads[1].created_on = 1700000000;
  uploads[1].certs = {{ca.cert_pem, x509::Encoding::kPem}};
  certz::CandidateContext ctx;
  ctx.now = time(nullptr);
  for (auto _ : state) benchmark::DoNotOptimize(certz::BuildCandidate(uploads, ctx));
}
BENCHMARK(BM_BuildCandidate);

// The uploaded key's parse, which a rotation waits for before the listener can swap.
void BM_ParsePrivateKey(benchmark::State& state) {
  const auto ca = testing::MakeCa("bench CA");
  const auto leaf = testing::MakeServer(ca, "leaf");
  for (auto _ : state) {
    benchmark::DoNotOptimize(x509::ParsePrivateKey(leaf.key_pem, x509::Encoding::kPem, "key"));
  }
}
BENCHMARK(BM_ParsePrivateKey);

void BM_HashPasswordSha512(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(credentialz::HashPassword("Bench+pass1", "$6$"));
}
BENCHMARK(BM_HashPasswordSha512);

void BM_HashPasswordDefault(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(credentialz::HashPassword("Bench+pass1"));
}
BENCHMARK(BM_HashPasswordDefault);

void BM_ParsePublicKey(benchmark::State& state) {
  const std::string key =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIt+wq5mtp5JGzbDjaYimujPsF/lJ4l0gXLoTu88V8zo bench";
  for (auto _ : state) benchmark::DoNotOptimize(credentialz::ParsePublicKey(key, "bench"));
}
BENCHMARK(BM_ParsePublicKey);

void BM_ParsePath(benchmark::State& state) {
  const std::string path =
      "/system/aaa/authentication/users/user[username=admin]/state/password-version";
  for (auto _ : state) benchmark::DoNotOptimize(state::ParsePath(path));
}
BENCHMARK(BM_ParsePath);

}  // namespace

BENCHMARK_MAIN();
