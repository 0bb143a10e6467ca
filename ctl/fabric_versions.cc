#include "ctl/fabric_versions.h"

#include <charconv>

#include "common/atomic_file.h"
#include "ctl/secret_store.h"

namespace rotagent::ctl {
namespace {

const CredentialStatus* Find(const DeviceStatus& d, const std::string& name) {
  for (const auto& c : d.credentials) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string Expect(const DeviceStatus& d, const std::string& name, int version) {
  if (version == 0) return "";
  const std::string want = VersionLabel(version);
  const CredentialStatus* c = Find(d, name);
  if (c == nullptr) return name + " is not reported, the fabric is at " + want;
  if (c->version != want) {
    return name + " holds " + (c->version.empty() ? "no version" : c->version) +
           ", the fabric is at " + want;
  }
  return "";
}

}  // namespace

Result<FabricTarget> LoadTarget(const Inventory& inv) {
  FabricTarget t;
  auto text = ReadFile(inv.state_dir / "certificate-version");
  if (text.ok()) {
    auto [end, ec] =
        std::from_chars(text->data(), text->data() + text->size(), t.certificate_version);
    if (ec != std::errc()) {
      return Internal((inv.state_dir / "certificate-version").string() + " is damaged");
    }
  }
  const SecretStore secrets = SecretStore::For(inv);
  for (const auto& p : inv.password_profiles) {
    auto v = secrets.Current(p.name);
    if (!v.ok()) return v.status();
    t.password_versions[p.name] = *v;
  }
  return t;
}

Status SaveCertificateVersion(const Inventory& inv, int version) {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(inv.state_dir, 0700));
  return WriteFileAtomic(inv.state_dir / "certificate-version", std::to_string(version) + "\n",
                         0600);
}

std::string SyncProblem(const Inventory& inv, const FabricTarget& target, const DeviceStatus& d,
                        bool certificates, bool passwords) {
  for (const auto& c : d.credentials) {
    const bool is_cert = c.name.rfind("profiles/", 0) == 0;
    if ((is_cert ? certificates : passwords) && c.synchronization_status != "InSync") {
      return c.name + " is " + c.synchronization_status +
             (c.last_error.empty() ? "" : ": " + c.last_error);
    }
  }
  std::string problem;
  if (certificates) {
    for (const auto& p : inv.certificate_profiles) {
      if (problem.empty()) {
        problem = Expect(d, "profiles/" + p.id + "/chain", target.certificate_version);
      }
    }
  }
  if (passwords) {
    for (const auto& p : inv.password_profiles) {
      if (problem.empty()) {
        problem =
            Expect(d, "accounts/" + p.account + "/password", target.password_versions.at(p.name));
      }
    }
  }
  return problem;
}

}  // namespace rotagent::ctl
