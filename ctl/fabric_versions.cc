#include "ctl/fabric_versions.h"

#include <charconv>
#include <sstream>

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

}  // namespace

std::string ResyncLabel(int version, int resync) {
  return VersionLabel(version) + "-r" + std::to_string(resync);
}

int IntentOf(const std::string& label) {
  const size_t dash = label.find("-r");
  if (dash == std::string::npos) return ParseVersionLabel(label);
  int resync = 0;
  const char* end = label.data() + label.size();
  auto [p, ec] = std::from_chars(label.data() + dash + 2, end, resync);
  if (ec != std::errc() || p != end || resync <= 0) return 0;
  return ParseVersionLabel(label.substr(0, dash));
}

Result<FabricTarget> LoadTarget(const Inventory& inv) {
  FabricTarget t;
  const auto path = inv.state_dir / "certificate-version";
  if (auto text = ReadFile(path); text.ok()) {
    std::istringstream in(*text);
    in >> t.certificate_version;
    if (in.fail() || t.certificate_version < 0) return Internal(path.string() + " is damaged");
    if (!(in >> t.certificate_resyncs)) t.certificate_resyncs = 0;  // written before resyncs
  }
  const SecretStore secrets = SecretStore::For(inv);
  for (const auto& p : inv.password_profiles) {
    auto v = secrets.Current(p.name);
    if (!v.ok()) return v.status();
    t.password_versions[p.name] = *v;
  }
  return t;
}

Status SaveCertificateVersion(const Inventory& inv, int version, int resyncs) {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(inv.state_dir, 0700));
  return WriteFileAtomic(inv.state_dir / "certificate-version",
                         std::to_string(version) + " " + std::to_string(resyncs) + "\n", 0600);
}

std::map<std::string, int> WantedIntents(const Inventory& inv, const FabricTarget& target,
                                         const Device& device, bool certificates, bool passwords) {
  std::map<std::string, int> out;
  const ResolvedPlan plan = inv.PlanFor(device);
  if (certificates) {
    for (const auto& p : plan.certificates) {
      out["profiles/" + p.id + "/chain"] = target.certificate_version;
    }
  }
  if (passwords) {
    for (const auto& p : plan.passwords) {
      const auto v = target.password_versions.find(p.name);
      out["accounts/" + p.account + "/password"] =
          v == target.password_versions.end() ? 0 : v->second;
    }
  }
  return out;
}

std::vector<std::string> SyncProblems(const Inventory& inv, const FabricTarget& target,
                                      const Device& device, const DeviceStatus& d,
                                      bool certificates, bool passwords) {
  std::vector<std::string> problems;
  for (const auto& [name, intent] : WantedIntents(inv, target, device, certificates, passwords)) {
    const CredentialStatus* c = Find(d, name);
    if (c != nullptr && !c->synchronization_status.empty() &&
        c->synchronization_status != "InSync") {
      problems.push_back(name + " is " + c->synchronization_status +
                         (c->last_error.empty() ? "" : ": " + c->last_error));
    }
    if (intent == 0) continue;
    const std::string want = VersionLabel(intent);
    if (c == nullptr || c->version.empty()) {
      problems.push_back(name + " holds no version, the fabric is at " + want);
    } else if (IntentOf(c->version) != intent) {
      problems.push_back(name + " holds " + c->version + ", the fabric is at " + want);
    }
  }
  return problems;
}

}  // namespace rotagent::ctl
