// certz request handling: any bytes as a RotateCertificateRequest, through translation and the
// full candidate validation (PEM/DER/PKCS#7/CRL parsing, chain and key checks).
#include <ctime>

#include "agent/certz/candidate.h"
#include "agent/certz/certz_translate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gnsi::certz::v1::RotateCertificateRequest req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (req.has_generate_csr())
    (void)rotagent::certz::SuiteFromProto(req.generate_csr().params().csr_suite());
  if (!req.has_certificates()) return 0;
  auto uploads = rotagent::certz::UploadFromProto(req.certificates());
  if (!uploads.ok()) return 0;
  rotagent::certz::CandidateContext ctx;
  ctx.now = 1790000000;
  ctx.force_overwrite = req.force_overwrite();
  ctx.lookup = [](const std::string&) { return std::nullopt; };
  (void)rotagent::certz::BuildCandidate(*uploads, ctx);
  return 0;
}
