#include "agent/certz/audit_versions.h"

namespace rotagent::certz {
namespace {

void Add(std::string& out, EntityType t, const std::string& version) {
  if (version.empty()) return;
  out += (out.empty() ? "" : ", ") + std::string(EntityTypeName(t)) + "=" + version;
}

}  // namespace

std::string AuditVersions(const ProfileMaterial& m) {
  std::string out;
  Add(out, EntityType::kCertificateChain, m.chain.version);
  Add(out, EntityType::kTrustBundle, m.trust.version);
  Add(out, EntityType::kCrlBundle, m.crl.version);
  Add(out, EntityType::kAuthPolicy, m.auth_policy.version);
  return out;
}

std::string AuditVersions(const std::vector<EntityUpload>& uploads) {
  std::string out;
  for (const auto& u : uploads) Add(out, TypeOf(u), u.version);
  return out;
}

}  // namespace rotagent::certz
