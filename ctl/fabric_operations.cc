#include "ctl/fabric_operations.h"

#include <cstdio>
#include <ctime>

#include "common/atomic_file.h"
#include "ctl/ca_rotation.h"
#include "ctl/device_rotation.h"
#include "ctl/fabric_status.h"
#include "ctl/fabric_versions.h"
#include "ctl/guardrails.h"
#include "ctl/issuer.h"
#include "ctl/ledger.h"
#include "ctl/preflight.h"
#include "ctl/secret_store.h"

namespace rotagent::ctl {
namespace {

// Moves the fabric to new versions; afterwards every device still on the old ones is out of
// sync until it is rotated or resynced.
Status NewVersions(const Inventory& inv, const FabricTarget& target, Operation& op) {
  if (IsCertificates(op.kind)) {
    ROTAGENT_RETURN_IF_ERROR(OpenSigner(inv).status());
    const int version = target.certificate_version + 1;
    ROTAGENT_RETURN_IF_ERROR(SaveCertificateVersion(inv, version));
    op.certificate_version = VersionLabel(version);
    return Status::Ok();
  }
  SecretStore secrets = SecretStore::For(inv);
  for (const auto& p : inv.password_profiles) {
    if (!inv.Active(p)) continue;
    auto v = secrets.AddGenerated(p.name);
    if (!v.ok()) return v.status();
    op.password_versions[p.name] = *v;
  }
  return Status::Ok();
}

// A resync pushes the fabric's current intent. Passwords: the same secrets, so the same labels.
// Certificates: the device makes a new key, so the new material gets a new label of that intent.
Status CurrentVersions(const Inventory& inv, const FabricTarget& target, Operation& op) {
  if (IsCertificates(op.kind)) {
    if (target.certificate_version == 0) {
      return FailedPrecondition(
          "nothing to resync: the fabric has no certificate version yet; "
          "run `rotctl fabric rotate-certs` first");
    }
    const int resync = target.certificate_resyncs + 1;
    ROTAGENT_RETURN_IF_ERROR(SaveCertificateVersion(inv, target.certificate_version, resync));
    op.certificate_version = ResyncLabel(target.certificate_version, resync);
    op.resync_of = VersionLabel(target.certificate_version);
    return Status::Ok();
  }
  for (const auto& p : inv.password_profiles) {
    if (!inv.Active(p)) continue;
    const int version = target.password_versions.at(p.name);
    if (version == 0) {
      return FailedPrecondition("nothing to resync: password profile " + p.name +
                                " has no version yet; run `rotctl fabric rotate-passwords` first");
    }
    op.password_versions[p.name] = version;
  }
  return Status::Ok();
}

// Which devices the operation reaches; the others are listed as skipped, with why.
void ChooseDevices(const Inventory& inv, const OperationRequest& req, const FabricTarget& target,
                   const FabricStatus& status, Operation& op) {
  const bool certs = IsCertificates(op.kind);
  for (const auto& d : inv.devices) {
    if (!req.device.empty() && d.name != req.device) continue;
    const bool renew = op.kind == OperationKind::kRenewCertificates;
    if (renew && req.renew_delays.count(d.name) == 0) continue;
    DeviceOutcome o{d.name};
    if (renew) o.not_before = op.start_time + req.renew_delays.at(d.name);
    const ResolvedPlan plan = inv.PlanFor(d);
    if (d.admin_state != "enabled") {
      o.status = DeviceState::kSkipped;
      o.detail = "admin state " + d.admin_state;
    } else if (certs ? plan.certificates.empty() : plan.passwords.empty()) {
      o.status = DeviceState::kSkipped;
      o.detail = std::string("its plan (role ") + d.role + ") has no " +
                 (certs ? "certificate" : "password") + " profile";
    } else if (IsResync(op.kind) && req.device.empty() && !renew) {
      // A fabric resync reaches only devices that do not hold the fabric's versions.
      for (const auto& ds : status.devices) {
        if (ds.device == d.name && SyncProblems(inv, target, d, ds, certs, !certs).empty()) {
          o.status = DeviceState::kSkipped;
          o.detail = kAlreadyInSync;
        }
      }
    }
    op.devices.push_back(std::move(o));
  }
}

// Pre-flight of every device still pending: those that fail are skipped with every reason, or,
// when strict, the whole operation is refused.
Status RunPreflight(const Inventory& inv, const OperationRequest& req, Operation& op) {
  std::vector<const Device*> pending;
  for (const auto& o : op.devices) {
    if (o.status == DeviceState::kPending) pending.push_back(inv.Find(o.device));
  }
  const auto failed = Preflight(inv, pending, ClassOf(op.kind), req.concurrency);
  if (failed.empty()) return Status::Ok();
  std::string all;
  for (auto& o : op.devices) {
    const auto f = failed.find(o.device);
    if (f == failed.end()) continue;
    std::string reasons;
    for (const auto& r : f->second) reasons += (reasons.empty() ? "" : "; ") + r;
    o.status = DeviceState::kSkipped;
    o.preflight_failed = true;
    o.detail = "pre-flight: " + reasons;
    all += (all.empty() ? "" : "; ") + o.device + ": " + reasons;
  }
  if (req.strict || inv.strict_preflight) {
    return FailedPrecondition("pre-flight failed, nothing was changed (strict): " + all);
  }
  return Status::Ok();
}

// The labels the operation sends to `device`, by credential name.
std::map<std::string, std::string> Labels(const Inventory& inv, const Operation& op,
                                          const Device& device) {
  std::map<std::string, std::string> out;
  const ResolvedPlan plan = inv.PlanFor(device);
  if (IsCertificates(op.kind)) {
    for (const auto& p : plan.certificates) {
      out["profiles/" + p.id + "/chain"] = op.certificate_version;
    }
  } else {
    for (const auto& p : plan.passwords) {
      const auto v = op.password_versions.find(p.name);
      if (v != op.password_versions.end()) {
        out["accounts/" + p.account + "/password"] = VersionLabel(v->second);
      }
    }
  }
  return out;
}

// The ledger learns what the fabric now wants: every device whose plan has the credential, for
// a rotation; the devices it reaches, for a resync.
Status RecordWanted(const Inventory& inv, const Operation& op) {
  return Ledger(inv.state_dir).Update([&](LedgerData& l) {
    for (const auto& o : op.devices) {
      if (IsResync(op.kind) && o.status != DeviceState::kPending) continue;
      const Device* d = inv.Find(o.device);
      for (const auto& [cred, label] : Labels(inv, op, *d)) {
        CredentialEntry& c = l.devices[o.device].credentials[cred];
        c.wanted = label;
        c.resync = !op.resync_of.empty();
      }
    }
  });
}

}  // namespace

Status RecordAcknowledged(const Inventory& inv, const Operation& op, const Device& device) {
  const int64_t now = time(nullptr);
  return Ledger(inv.state_dir).Update([&](LedgerData& l) {
    DeviceEntry& e = l.devices[device.name];
    e.last_seen = now;
    e.last_error.clear();
    for (const auto& [cred, label] : Labels(inv, op, device)) {
      CredentialEntry& c = e.credentials[cred];
      c.acknowledged = label;
      c.acknowledged_at = now;
    }
  });
}

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
  auto lock =
      FabricLock::Acquire(inv.state_dir, op.id, std::string(Name(op.kind)) + " " + op.scope);
  if (!lock.ok()) return lock.status();
  auto target = LoadTarget(inv);
  if (!target.ok()) return target.status();
  // Asked only where it matters: the password-set guardrail and a fabric resync.
  FabricStatus status;
  if (req.kind == OperationKind::kRotatePasswords || (IsResync(req.kind) && req.device.empty())) {
    status = FetchFabricStatus(inv, *target, req.concurrency);
  }
  if (req.kind == OperationKind::kRotatePasswords) {
    ROTAGENT_RETURN_IF_ERROR(CheckPasswordSets(inv, status));
  }
  if (IsCertificates(req.kind)) {
    ROTAGENT_RETURN_IF_ERROR(CheckNoOpenCaRotation(inv));
    ROTAGENT_RETURN_IF_ERROR(OpenSigner(inv).status());
  }
  ChooseDevices(inv, req, *target, status, op);
  ROTAGENT_RETURN_IF_ERROR(RunPreflight(inv, req, op));
  ROTAGENT_RETURN_IF_ERROR(IsResync(req.kind) ? CurrentVersions(inv, *target, op)
                                              : NewVersions(inv, *target, op));
  ROTAGENT_RETURN_IF_ERROR(OperationLog(inv.state_dir).Save(op));
  ROTAGENT_RETURN_IF_ERROR(RecordWanted(inv, op));
  return Submitted{std::move(op), std::move(*lock)};
}

namespace {

Result<DeviceTask> PushTask(const Inventory& inv, const Operation& op) {
  const bool force = IsResync(op.kind) && !IsCertificates(op.kind);
  if (IsCertificates(op.kind)) {
    auto issuer = Issuer::Open(inv, op.id);
    if (!issuer.ok()) return issuer.status();
    auto trust = ReadFile(inv.trust_bundle);
    if (!trust.ok()) return trust.status().WithContext("trust_bundle");
    std::shared_ptr<Issuer> shared = *issuer;
    CertificatePush push{&inv, shared.get(), shared->roots_pem() + *trust, op.certificate_version,
                         false};
    return DeviceTask([shared, push](const Device& d, int attempt) {
      CertificatePush p = push;
      p.accept_existing = attempt > 1;
      return PushCertificates(p, d);
    });
  }
  const SecretStore secrets = SecretStore::For(inv);
  std::map<std::string, AccountPassword> passwords;  // profile -> what to send
  for (const auto& p : inv.password_profiles) {
    const auto v = op.password_versions.find(p.name);
    if (v == op.password_versions.end()) continue;  // behind a feature that is off
    auto plaintext = secrets.Read(p.name, v->second);
    if (!plaintext.ok()) return plaintext.status();
    auto hash = Sha512Crypt(*plaintext);
    Wipe(*plaintext);
    if (!hash.ok()) return hash.status();
    passwords[p.name] = {p.account, std::move(*hash), VersionLabel(v->second)};
  }
  return DeviceTask([&inv, passwords, force](const Device& d, int attempt) -> Status {
    std::vector<AccountPassword> plan;
    for (const auto& p : inv.PlanFor(d).passwords) {
      const auto found = passwords.find(p.name);
      if (found == passwords.end()) {
        return FailedPrecondition("the operation has no version for password profile " + p.name);
      }
      plan.push_back(found->second);
    }
    return PushPasswords(inv, plan, force, d, false, /*accept_existing=*/attempt > 1);
  });
}

}  // namespace

Result<DeviceTask> MakeTask(const Inventory& inv, const Operation& op) {
  if (op.kind == OperationKind::kCaRotation) return MakeCaRotationTask(inv, op);
  auto push = PushTask(inv, op);
  if (!push.ok()) return push.status();
  return DeviceTask([&inv, op, push = std::move(*push)](const Device& d, int attempt) {
    Status s = push(d, attempt);
    if (s.ok()) {
      if (Status l = RecordAcknowledged(inv, op, d); !l.ok()) {
        std::fprintf(stderr, "rotctl: %s: the ledger was not updated: %s\n", d.name.c_str(),
                     l.message().c_str());
      }
    }
    return s;
  });
}

}  // namespace rotagent::ctl
