#include "ctl/ca_rotation.h"

#include <algorithm>
#include <ctime>
#include <mutex>
#include <set>

#include "common/atomic_file.h"
#include "common/x509.h"
#include "ctl/agent_link.h"
#include "ctl/ca_slots.h"
#include "ctl/device_rotation.h"
#include "ctl/device_status.h"
#include "ctl/fabric_lock.h"
#include "ctl/fabric_operations.h"
#include "ctl/fabric_versions.h"
#include "ctl/guardrails.h"
#include "ctl/issuer.h"
#include "ctl/ledger.h"
#include "ctl/parallel.h"
#include "ctl/preflight.h"
#include "ctl/secret_store.h"
#include "ctl/signer.h"

namespace rotagent::ctl {
namespace {

// What a step installs on every device: trust bundle (old and/or new CA) and, for the reissue
// steps, a leaf from which CA.
struct StepKind {
  const char* action;
  int phase;  // where the fabric is once it converged
  bool old_trusted, new_trusted;
  bool reissue;         // new leaves, signed by the new CA (or by the old: reissue-old)
  bool from_new;        // the reissue's signer
  bool admit_previous;  // the proof: the previous identity, not the new one, must be admitted
  const char* description;
};

constexpr StepKind kSteps[] = {
    {"add-trust", 1, true, true, false, false, false,
     "phase 1: add the new CA to every trust bundle"},
    {"reissue", 2, true, true, true, true, false, "phase 2: re-issue every leaf from the new CA"},
    {"remove-trust", 3, false, true, false, false, false,
     "phase 3: remove the old CA from every trust bundle"},
    {"readd-trust", 2, true, true, false, false, false,
     "rollback of phase 3: the old CA back in every trust bundle"},
    {"reissue-old", 1, true, true, true, false, false,
     "rollback of phase 2: every leaf re-issued from the old CA"},
    {"remove-new-trust", 0, true, false, false, false, true,
     "rollback of phase 1: the new CA out of every trust bundle"},
};

const StepKind* KindOf(const std::string& action) {
  for (const auto& k : kSteps) {
    if (action == k.action) return &k;
  }
  return nullptr;
}

std::string WithNewline(std::string pem) {
  if (!pem.empty() && pem.back() != '\n') pem += '\n';
  return pem;
}

// The trust bundle a step installs: the CAs it trusts and the inventory's trust_bundle.
Result<std::string> BundleFor(const Inventory& inv, const CaRotation& r, const StepKind& k) {
  auto trust = ReadFile(inv.trust_bundle);
  if (!trust.ok()) return trust.status().WithContext("trust_bundle");
  return (k.old_trusted ? WithNewline(r.old_ca_pem) : "") +
         (k.new_trusted ? WithNewline(r.new_ca_pem) : "") + WithNewline(*trust);
}

std::string Fingerprint(const std::string& pem) {
  auto certs = x509::ParseCertificates(pem, x509::Encoding::kPem, "CA");
  return certs.ok() && !certs->empty() ? x509::Fingerprint(certs->front().get()) : "";
}

bool HasCertificatePlan(const Inventory& inv, const Device& d) {
  return !inv.PlanFor(d).certificates.empty();
}

// Whether the device's live status shows the step installed, or why not.
std::string ConvergedOn(const Inventory& inv, const CaRotationStep& step, const Device& d,
                        bool* answered) {
  auto link = AgentLink::Open(inv, d);
  Result<DeviceStatus> status = link.ok() ? FetchDeviceStatus(*link, d.name) : link.status();
  if (!status.ok()) {
    *answered = false;
    return "did not answer: " + status.status().message();
  }
  const StepKind* k = KindOf(step.action);
  std::string why;
  for (const auto& p : inv.PlanFor(d).certificates) {
    const std::string name = "profiles/" + p.id + (k->reissue ? "/chain" : "/trust");
    std::string held;
    for (const auto& c : status->credentials) {
      if (c.name == name) held = c.version;
    }
    const bool ok = k->reissue ? IntentOf(held) == step.intent : held == step.label;
    if (!ok) {
      why += (why.empty() ? "" : "; ") + name + " holds '" + held + "', not " +
             (k->reissue ? VersionLabel(step.intent) + " (or a resync of it)" : step.label);
    }
  }
  return why;
}

// A new step of `r`: its label (trust steps) or the fabric's next certificate intent.
Status AddStep(const Inventory& inv, CaRotation& r, const StepKind& k) {
  CaRotationStep s;
  s.action = k.action;
  s.phase = k.phase;
  if (k.reissue) {
    auto target = LoadTarget(inv);
    if (!target.ok()) return target.status();
    s.intent = target->certificate_version + 1;
    s.label = VersionLabel(s.intent);
  } else {
    s.label = r.id + "-s" + std::to_string(r.steps.size() + 1);
  }
  r.steps.push_back(std::move(s));
  return Status::Ok();
}

// The ledger learns the label each device should now hold (reissue steps only: the ledger
// tracks leaves).
Status RecordWantedLeaves(const Inventory& inv, const Operation& op) {
  return Ledger(inv.state_dir).Update([&](LedgerData& l) {
    for (const auto& o : op.devices) {
      if (o.status != DeviceState::kPending && !o.preflight_failed) continue;
      const Device* d = inv.Find(o.device);
      if (d == nullptr) continue;
      for (const auto& p : inv.PlanFor(*d).certificates) {
        CredentialEntry& c = l.devices[o.device].credentials["profiles/" + p.id + "/chain"];
        c.wanted = op.certificate_version;
        c.resync = op.certificate_version != VersionLabel(IntentOf(op.certificate_version));
      }
    }
  });
}

// Runs the rotation's current step as an operation, on every enabled device with a certificate
// plan (`resume`: those that do not hold it yet). The caller holds the fabric lock.
Result<CaStepRun> RunStep(const Inventory& inv, const CaRotateRequest& req, CaRotation r,
                          bool resume) {
  CaRotationStep& step = r.step();
  const StepKind& k = *KindOf(step.action);
  Operation op;
  op.id = OperationLog::NewId();
  op.kind = OperationKind::kCaRotation;
  op.scope = "fabric";
  op.fabric = inv.fabric;
  op.start_time = time(nullptr);
  op.ca_step = step.action;
  const auto unconverged =
      resume ? Unconverged(inv, r, req.concurrency) : std::map<std::string, std::string>{};
  std::vector<const Device*> pending;
  for (const auto& d : inv.devices) {
    DeviceOutcome o{d.name};
    if (d.admin_state != "enabled") {
      o.status = DeviceState::kSkipped;
      o.detail = "admin state " + d.admin_state;
    } else if (!HasCertificatePlan(inv, d)) {
      o.status = DeviceState::kSkipped;
      o.detail = "its plan (role " + d.role + ") has no certificate profile";
    } else if (resume && unconverged.count(d.name) == 0) {
      o.status = DeviceState::kSkipped;
      o.detail = "already holds this step";
    } else {
      pending.push_back(&d);
    }
    op.devices.push_back(std::move(o));
  }
  const auto failed = Preflight(inv, pending, CredentialClass::kCertificates, req.concurrency);
  std::string all;
  for (auto& o : op.devices) {
    const auto f = failed.find(o.device);
    if (f == failed.end()) continue;
    std::string reasons;
    for (const auto& why : f->second) reasons += (reasons.empty() ? "" : "; ") + why;
    o.status = DeviceState::kSkipped;
    o.preflight_failed = true;
    o.detail = "pre-flight: " + reasons;
    all += (all.empty() ? "" : "; ") + o.device + ": " + reasons;
  }
  if (!failed.empty() && (req.strict || inv.strict_preflight)) {
    return FailedPrecondition("pre-flight failed, nothing was changed (strict): " + all);
  }
  if (k.reissue) {
    // A resumed reissue is new material for the devices it reaches: a resync label of the intent.
    if (resume) ++step.resumes;
    op.certificate_version =
        step.resumes == 0 ? VersionLabel(step.intent) : ResyncLabel(step.intent, step.resumes);
    ROTAGENT_RETURN_IF_ERROR(SaveCertificateVersion(inv, step.intent, step.resumes));
    ROTAGENT_RETURN_IF_ERROR(RecordWantedLeaves(inv, op));
  } else {
    op.certificate_version = step.label;
  }
  step.operations.push_back(op.id);
  ROTAGENT_RETURN_IF_ERROR(SaveCaRotation(inv, r));
  const OperationLog log(inv.state_dir);
  ROTAGENT_RETURN_IF_ERROR(log.Save(op));
  auto task = MakeCaRotationTask(inv, op);
  if (!task.ok()) {
    op.status = OperationStatus::kFailed;
    op.error = task.status().message();
    op.end_time = time(nullptr);
    (void)log.Save(op);
    return CaStepRun{std::move(r), std::move(op)};
  }
  op = RunOperation(std::move(op), inv, req.concurrency, *task, log, req.progress);
  std::set<std::string> converged(step.converged.begin(), step.converged.end());
  for (const auto& o : op.devices) {
    if (o.status == DeviceState::kSucceeded) converged.insert(o.device);
  }
  step.converged.assign(converged.begin(), converged.end());
  bool everywhere = true;
  for (const auto& d : inv.devices) {
    if (d.admin_state == "enabled" && HasCertificatePlan(inv, d) && converged.count(d.name) == 0) {
      everywhere = false;
    }
  }
  if (everywhere && k.phase == 3) {
    ROTAGENT_RETURN_IF_ERROR(PromoteNextCa(inv, r.id));
    r.state = "done";
    r.ended = time(nullptr);
  } else if (everywhere && k.phase == 0) {
    ROTAGENT_RETURN_IF_ERROR(AbandonNextCa(inv, r.id));
    r.identities.erase(r.identities.begin());  // issued by a CA no device trusts any more
    r.state = "abandoned";
    r.ended = time(nullptr);
  }
  ROTAGENT_RETURN_IF_ERROR(SaveCaRotation(inv, r));
  return CaStepRun{std::move(r), std::move(op)};
}

Result<CaRotation> LoadOpen(const Inventory& inv) {
  auto r = LoadCaRotation(inv);
  if (!r.ok()) return r.status();
  if (!*r || !(*r)->open()) {
    return FailedPrecondition("no CA rotation is open; start one with `rotctl ca rotate start`");
  }
  return std::move(**r);
}

Result<FabricLock> Lock(const Inventory& inv, const std::string& what) {
  ROTAGENT_RETURN_IF_ERROR(CheckFabricWorkflow(inv));
  return FabricLock::Acquire(inv.state_dir, OperationLog::NewId(), "ca rotate " + what);
}

// FAILED_PRECONDITION naming every enabled device that does not hold the current step.
Status CheckConverged(const Inventory& inv, const CaRotation& r, int concurrency,
                      const std::string& refused) {
  const auto pending = Unconverged(inv, r, concurrency);
  if (pending.empty()) return Status::Ok();
  std::string names, reasons;
  for (const auto& [device, why] : pending) {
    names += (names.empty() ? "" : ", ") + device;
    reasons += (reasons.empty() ? "" : "; ") + device + ": " + why;
  }
  return FailedPrecondition(refused + ": " + DescribeStep(r.step().action) +
                            " has not converged on " + names + " (" + reasons +
                            "); run `rotctl ca rotate resume` once they answer");
}

}  // namespace

std::string DescribeStep(const std::string& action) {
  const StepKind* k = KindOf(action);
  return k != nullptr ? k->description : action;
}

std::map<std::string, std::string> Unconverged(const Inventory& inv, const CaRotation& r,
                                               int concurrency) {
  std::vector<const Device*> devices;
  for (const auto& d : inv.devices) {
    if (d.admin_state == "enabled" && HasCertificatePlan(inv, d)) devices.push_back(&d);
  }
  std::map<std::string, std::string> out;
  std::mutex mu;
  const std::set<std::string> recorded(r.step().converged.begin(), r.step().converged.end());
  ForEachConcurrently(devices.size(), concurrency, [&](size_t i) {
    bool answered = true;
    std::string why = ConvergedOn(inv, r.step(), *devices[i], &answered);
    // A device that does not answer counts as the rotation's record last saw it.
    if (why.empty() || (!answered && recorded.count(devices[i]->name) != 0)) return;
    if (!answered) why += "; the rotation's record does not show it holding this step";
    const std::lock_guard lock(mu);
    out[devices[i]->name] = std::move(why);
  });
  return out;
}

Result<CaStepRun> StartCaRotation(const Inventory& inv, const CaRotateRequest& req) {
  auto lock = Lock(inv, "start");
  if (!lock.ok()) return lock.status();
  auto previous = LoadCaRotation(inv);
  if (!previous.ok()) return previous.status();
  if (*previous && (*previous)->open()) {
    return FailedPrecondition("CA rotation " + (*previous)->id + " is already open (" +
                              DescribeStep((*previous)->step().action) +
                              "); see `rotctl ca rotate status`");
  }
  ROTAGENT_RETURN_IF_ERROR(OpenSigner(inv).status());
  auto old_ca = SignerRoots(inv);
  if (!old_ca.ok()) return old_ca.status();
  // Phase 3 could not remove a CA the inventory's own trust_bundle installs again.
  auto trust = ReadFile(inv.trust_bundle);
  if (!trust.ok()) return trust.status().WithContext("trust_bundle");
  auto listed = x509::ParseCertificates(*trust, x509::Encoding::kPem, "trust_bundle");
  if (!listed.ok()) return listed.status();
  const std::string old_fp = Fingerprint(*old_ca);
  for (const auto& c : *listed) {
    if (x509::Fingerprint(c.get()) == old_fp) {
      return FailedPrecondition(inv.trust_bundle.string() +
                                " holds the current CA itself, so phase 3 could never remove it; "
                                "take it out (rotctl installs its CA with every leaf)");
    }
  }
  CaRotation r;
  r.id = NewRecordId("ca-");
  r.started = time(nullptr);
  r.old_ca_pem = *old_ca;
  const std::string cn = req.common_name.empty() ? inv.fabric + " lab CA " + r.id : req.common_name;
  auto new_ca = MakeNextCa(inv, r.id, cn, req.days);
  if (!new_ca.ok()) return new_ca.status();
  r.new_ca_pem = *new_ca;
  auto identity = IssueClientIdentity(inv, r.id, r.new_ca_pem);
  if (!identity.ok()) return identity.status();
  r.identities.push_back(*identity);
  // The identity of the previous rotation stays second: devices not yet at phase 1 trust it.
  if (*previous && !(*previous)->identities.empty()) {
    r.identities.push_back((*previous)->identities.front());
  }
  ROTAGENT_RETURN_IF_ERROR(AddStep(inv, r, *KindOf("add-trust")));
  return RunStep(inv, req, std::move(r), false);
}

Result<CaStepRun> AdvanceCaRotation(const Inventory& inv, const CaRotateRequest& req) {
  auto lock = Lock(inv, "advance");
  if (!lock.ok()) return lock.status();
  auto r = LoadOpen(inv);
  if (!r.ok()) return r.status();
  const int phase = r->step().phase;
  const char* next = phase == 0 || phase == 3 ? nullptr : phase == 1 ? "reissue" : "remove-trust";
  const std::string refused =
      next != nullptr ? "phase " + std::to_string(phase + 1) + " refused" : "refused";
  ROTAGENT_RETURN_IF_ERROR(CheckConverged(inv, *r, req.concurrency, refused));
  if (next == nullptr) {
    // Converged but not yet recorded (an interrupted run): resume settles it.
    return RunStep(inv, req, std::move(*r), true);
  }
  ROTAGENT_RETURN_IF_ERROR(AddStep(inv, *r, *KindOf(next)));
  return RunStep(inv, req, std::move(*r), false);
}

Result<CaStepRun> ResumeCaRotation(const Inventory& inv, const CaRotateRequest& req) {
  auto lock = Lock(inv, "resume");
  if (!lock.ok()) return lock.status();
  auto r = LoadOpen(inv);
  if (!r.ok()) return r.status();
  return RunStep(inv, req, std::move(*r), true);
}

Result<CaStepRun> RollbackCaRotation(const Inventory& inv, const CaRotateRequest& req) {
  auto lock = Lock(inv, "rollback");
  if (!lock.ok()) return lock.status();
  auto r = LoadOpen(inv);
  if (!r.ok()) return r.status();
  const std::string& action = r->step().action;
  const bool forward = action == "add-trust" || action == "reissue" || action == "remove-trust";
  // A forward phase may be undone however far it got; rolling back further waits until the
  // rollback itself converged, so devices never skip a state.
  if (!forward) {
    ROTAGENT_RETURN_IF_ERROR(
        CheckConverged(inv, *r, req.concurrency, "a further rollback refused"));
  }
  const int phase = r->step().phase;
  const char* back = phase == 3 ? "readd-trust" : phase == 2 ? "reissue-old" : "remove-new-trust";
  ROTAGENT_RETURN_IF_ERROR(AddStep(inv, *r, *KindOf(back)));
  return RunStep(inv, req, std::move(*r), false);
}

nlohmann::json CaRotationJson(const CaRotation& r) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : r.steps) {
    steps.push_back({{"action", s.action},
                     {"description", DescribeStep(s.action)},
                     {"phase", s.phase},
                     {"label", s.label},
                     {"operations", s.operations},
                     {"convergedDeviceIds", s.converged}});
  }
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& i : r.identities) ids.push_back(i.cert.string());
  return {{"id", r.id},
          {"state", r.state},
          {"phase", r.step().phase},
          {"step", r.step().action},
          {"description", DescribeStep(r.step().action)},
          {"startTime", RenderTime(r.started)},
          {"endTime", RenderTime(r.ended)},
          {"oldCaFingerprint", Fingerprint(r.old_ca_pem)},
          {"newCaFingerprint", Fingerprint(r.new_ca_pem)},
          {"clientCertificates", ids},
          {"steps", steps}};
}

Result<DeviceTask> MakeCaRotationTask(const Inventory& inv, const Operation& op) {
  auto r = LoadOpen(inv);
  if (!r.ok()) return r.status();
  const StepKind* k = KindOf(op.ca_step);
  if (k == nullptr || r->step().action != op.ca_step ||
      std::find(r->step().operations.begin(), r->step().operations.end(), op.id) ==
          r->step().operations.end()) {
    return FailedPrecondition("operation " + op.id + " is not the open CA rotation's current step");
  }
  auto bundle = BundleFor(inv, *r, *k);
  if (!bundle.ok()) return bundle.status();
  if (k->reissue) {
    auto signer = k->from_new ? OpenSignerAt(inv, NextCaDir(inv)) : OpenSigner(inv);
    if (!signer.ok()) return signer.status();
    std::shared_ptr<Issuer> issuer =
        Issuer::Make(inv, op.id, std::move(*signer), k->from_new ? r->new_ca_pem : r->old_ca_pem);
    const CertificatePush push{&inv, issuer.get(), *bundle, op.certificate_version};
    return DeviceTask([&inv, op, issuer, push](const Device& d, int attempt) {
      CertificatePush p = push;
      p.accept_existing = attempt > 1;
      Status s = PushCertificates(p, d);
      if (s.ok()) (void)RecordAcknowledged(inv, op, d);
      return s;
    });
  }
  const std::vector<ClientIdentity> ids = ClientIdentities(inv);
  const TrustPush push{&inv, *bundle, op.certificate_version,
                       ids[k->admit_previous && ids.size() > 1 ? 1 : 0]};
  return DeviceTask([push](const Device& d, int attempt) {
    TrustPush p = push;
    p.accept_existing = attempt > 1;
    return PushTrustBundle(p, d);
  });
}

}  // namespace rotagent::ctl
