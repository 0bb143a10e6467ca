#include "ctl/fabric_operations.h"

#include <ctime>

#include "common/atomic_file.h"
#include "ctl/device_rotation.h"
#include "ctl/fabric_status.h"
#include "ctl/fabric_versions.h"
#include "ctl/guardrails.h"
#include "ctl/issuer.h"
#include "ctl/secret_store.h"

namespace rotagent::ctl {
namespace {

bool IsCertificates(const std::string& kind) {
  return kind.find("Certificates") != std::string::npos;
}
bool IsResync(const std::string& kind) { return kind.rfind("Resync", 0) == 0; }

// Moves the fabric to new versions; afterwards every device still on the old ones is out of
// sync until it is rotated or resynced.
Status NewVersions(const Inventory& inv, const FabricTarget& target, const FabricStatus& status,
                   Operation& op) {
  if (IsCertificates(op.kind)) {
    ROTAGENT_RETURN_IF_ERROR(OpenSigner(inv).status());
    const int version = target.certificate_version + 1;
    ROTAGENT_RETURN_IF_ERROR(SaveCertificateVersion(inv, version));
    op.certificate_version = VersionLabel(version);
    return Status::Ok();
  }
  ROTAGENT_RETURN_IF_ERROR(CheckPasswordSets(inv, status));
  SecretStore secrets = SecretStore::For(inv);
  for (const auto& p : inv.password_profiles) {
    auto v = secrets.AddGenerated(p.name);
    if (!v.ok()) return v.status();
    op.password_versions[p.name] = *v;
  }
  return Status::Ok();
}

Status CurrentVersions(const FabricTarget& target, Operation& op) {
  if (IsCertificates(op.kind)) {
    if (target.certificate_version == 0) {
      return FailedPrecondition(
          "nothing to resync: the fabric has no certificate version yet; "
          "run `rotctl fabric rotate-certs` first");
    }
    op.certificate_version = VersionLabel(target.certificate_version);
    return Status::Ok();
  }
  for (const auto& [profile, version] : target.password_versions) {
    if (version == 0) {
      return FailedPrecondition("nothing to resync: password profile " + profile +
                                " has no version yet; run `rotctl fabric rotate-passwords` first");
    }
    op.password_versions[profile] = version;
  }
  return Status::Ok();
}

// Which devices the operation reaches; the others are listed as skipped, with why.
void ChooseDevices(const Inventory& inv, const OperationRequest& req, const FabricTarget& target,
                   const FabricStatus& status, Operation& op) {
  const bool certs = IsCertificates(op.kind);
  for (const auto& d : inv.devices) {
    if (!req.device.empty() && d.name != req.device) continue;
    DeviceOutcome o{d.name};
    if (d.admin_state != "enabled") {
      o.status = "Skipped";
      o.detail = "admin state " + d.admin_state;
    } else if (IsResync(op.kind) && req.device.empty()) {
      // A fabric resync reaches only devices that do not hold the fabric's versions.
      for (const auto& ds : status.devices) {
        if (ds.device == d.name && SyncProblem(inv, target, ds, certs, !certs).empty()) {
          o.status = "Skipped";
          o.detail = "already InSync";
        }
      }
    }
    op.devices.push_back(std::move(o));
  }
}

}  // namespace

Result<Submitted> Submit(const Inventory& inv, const OperationRequest& req) {
  ROTAGENT_RETURN_IF_ERROR(CheckFabricWorkflow(inv));
  if (!req.device.empty()) {
    const Device* d = inv.Find(req.device);
    if (d == nullptr) return NotFound("no device '" + req.device + "' in " + inv.source);
    ROTAGENT_RETURN_IF_ERROR(CheckDeviceEnabled(*d));
  }
  if (!IsCertificates(req.kind) && inv.password_profiles.empty()) {
    return FailedPrecondition(inv.source + " lists no password_profiles to rotate");
  }
  Operation op;
  op.id = OperationLog::NewId();
  op.kind = req.kind;
  op.scope = req.device.empty() ? "fabric" : req.device;
  op.fabric = inv.fabric;
  op.start_time = time(nullptr);
  auto lock = FabricLock::Acquire(inv.state_dir, op.id, op.kind + " " + op.scope);
  if (!lock.ok()) return lock.status();
  auto target = LoadTarget(inv);
  if (!target.ok()) return target.status();
  // Asked only where it matters: the password-set guardrail and a fabric resync.
  FabricStatus status;
  if (req.kind == "RotatePasswords" || (IsResync(req.kind) && req.device.empty())) {
    status = FetchFabricStatus(inv, *target, req.concurrency);
  }
  ROTAGENT_RETURN_IF_ERROR(IsResync(req.kind) ? CurrentVersions(*target, op)
                                              : NewVersions(inv, *target, status, op));
  ChooseDevices(inv, req, *target, status, op);
  ROTAGENT_RETURN_IF_ERROR(OperationLog(inv.state_dir).Save(op));
  return Submitted{std::move(op), std::move(*lock)};
}

Result<DeviceTask> MakeTask(const Inventory& inv, const Operation& op) {
  const bool force = IsResync(op.kind);
  if (IsCertificates(op.kind)) {
    auto issuer = Issuer::Open(inv, op.id);
    if (!issuer.ok()) return issuer.status();
    auto trust = ReadFile(inv.trust_bundle);
    if (!trust.ok()) return trust.status().WithContext("trust_bundle");
    std::shared_ptr<Issuer> shared = *issuer;
    CertificatePush push{&inv, shared.get(), shared->roots_pem() + *trust, op.certificate_version,
                         force};
    return DeviceTask([shared, push](const Device& d) { return PushCertificates(push, d); });
  }
  const SecretStore secrets = SecretStore::For(inv);
  std::vector<AccountPassword> passwords;
  for (const auto& p : inv.password_profiles) {
    const auto v = op.password_versions.find(p.name);
    if (v == op.password_versions.end()) {
      return FailedPrecondition("operation " + op.id + " has no version for password profile " +
                                p.name);
    }
    auto plaintext = secrets.Read(p.name, v->second);
    if (!plaintext.ok()) return plaintext.status();
    auto hash = Sha512Crypt(*plaintext);
    Wipe(*plaintext);
    if (!hash.ok()) return hash.status();
    passwords.push_back({p.account, std::move(*hash), VersionLabel(v->second)});
  }
  return DeviceTask([&inv, passwords, force](const Device& d) {
    return PushPasswords(inv, passwords, force, d);
  });
}

}  // namespace rotagent::ctl
