#include "agent/tls/bootstrap.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include "common/atomic_file.h"
#include "common/secret.h"
#include "common/x509.h"
#include "common/x509_issuer.h"

namespace rotagent::tls {
namespace fs = std::filesystem;
using x509::Issue;
using x509::Issued;
using x509::IssueParams;

namespace {

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Status WriteIssued(const fs::path& dir, const std::string& name, const Issued& i) {
  const Secret key(x509::KeyToPem(i.key.get()));
  ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(dir / (name + "-key.pem"), key.reveal(), 0600));
  return WriteFileAtomic(dir / (name + "-cert.pem"), x509::CertToPem(i.cert.get()), 0644);
}

certz::ProfileMaterial Material(std::string chain, Secret key, std::string trust) {
  certz::ProfileMaterial m;
  m.chain_pem = std::move(chain);
  m.key_pem = std::move(key);
  m.trust_pem = std::move(trust);
  m.chain = m.trust = certz::EntityMeta{"system-default", 1, 0};
  return m;
}

}  // namespace

Result<certz::ProfileMaterial> BootstrapIdentity(const fs::path& state_dir,
                                                 const std::vector<std::string>& hostnames) {
  const fs::path dir = state_dir / "bootstrap";
  if (!fs::exists(dir / "server-cert.pem")) {
    ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir, 0700));
    IssueParams ca_params{
        .common_name = "rotagent bootstrap CA", .is_ca = true, .lifetime = 10LL * 365 * 86400};
    auto ca = Issue(ca_params, nullptr, nullptr);
    if (!ca.ok()) return ca.status();
    IssueParams server{.common_name = "rotagentd", .client_auth = false};
    for (const auto& h : hostnames) (IsIp(h) ? server.ip_addresses : server.dns_names).push_back(h);
    auto srv = Issue(server, ca->cert.get(), ca->key.get());
    if (!srv.ok()) return srv.status();
    auto admin = Issue({.common_name = "rotagent-admin", .server_auth = false}, ca->cert.get(),
                       ca->key.get());
    if (!admin.ok()) return admin.status();
    ROTAGENT_RETURN_IF_ERROR(WriteIssued(dir, "ca", *ca));
    ROTAGENT_RETURN_IF_ERROR(WriteIssued(dir, "admin", *admin));
    ROTAGENT_RETURN_IF_ERROR(WriteIssued(dir, "server", *srv));  // last: marks completion
    spdlog::info("generated bootstrap CA and identities in {}", dir.string());
  }
  auto chain = ReadFile(dir / "server-cert.pem");
  auto key = ReadFile(dir / "server-key.pem");
  auto trust = ReadFile(dir / "ca-cert.pem");
  for (const auto* r : {&chain, &key, &trust}) {
    if (!r->ok()) return r->status().WithContext("bootstrap identity");
  }
  return Material(std::move(*chain), Secret(std::move(*key)), std::move(*trust));
}

Result<certz::ProfileMaterial> LoadIdentityFiles(const std::string& cert, const std::string& key,
                                                 const std::string& trust_bundle) {
  auto c = ReadFile(cert);
  auto k = ReadFile(key);
  auto t = ReadFile(trust_bundle);
  for (const auto* r : {&c, &k, &t}) {
    if (!r->ok()) return r->status().WithContext("identity");
  }
  Secret key_pem(std::move(*k));  // cleansed on every return below
  auto certs = x509::ParseCertificates(*c, x509::Encoding::kPem, "identity.cert " + cert);
  if (!certs.ok()) return certs.status();
  auto pkey = x509::ParsePrivateKey(key_pem.reveal(), x509::Encoding::kPem, "identity.key " + key);
  if (!pkey.ok()) return pkey.status();
  if (X509_check_private_key(certs->front().get(), pkey->get()) != 1) {
    return InvalidArgument("identity.key does not match identity.cert");
  }
  auto trust = x509::ParseCertificates(*t, x509::Encoding::kPem, "identity.trust_bundle");
  if (!trust.ok()) return trust.status();
  return Material(std::move(*c), std::move(key_pem), std::move(*t));
}

}  // namespace rotagent::tls
