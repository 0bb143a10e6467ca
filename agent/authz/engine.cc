#include "agent/authz/engine.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "agent/authz/peer_identity.h"
#include "common/text_field.h"
#include "common/x509.h"

namespace rotagent::authz {
namespace {

constexpr const char* kPolicyFile = "policy.json";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Engine::Engine(store::SlotStore& store, store::Journal& journal, const txn::Domains& domains)
    : store_(store), journal_(journal), domains_(domains) {
  in_force_.authorizer = std::make_shared<const Authorizer>(factory_, "", counters_);
  in_force_.json = ToJson(factory_);
}

Status Engine::Load() {
  return PutInForce(store_.Exists(kPolicyId)
                        ? store_.Get(kPolicyId, store::Pointer::kCommitted).value_or("")
                        : "");
}

void Engine::SetFactory(const std::map<std::string, std::vector<std::string>>& rules) {
  std::lock_guard lock(mu_);
  factory_ = FactoryPolicy(rules);
  if (rotated_) return;
  in_force_.authorizer = std::make_shared<const Authorizer>(factory_, "", counters_);
  in_force_.json = ToJson(factory_);
  in_force_.meta = {};
}

std::shared_ptr<const Authorizer> Engine::Current() const {
  std::lock_guard lock(mu_);
  return in_force_.authorizer;
}

InForce Engine::Get() const {
  std::lock_guard lock(mu_);
  return in_force_;
}

Status Engine::PutInForce(const std::string& slot) {
  if (slot.empty()) {
    std::lock_guard lock(mu_);
    rotated_ = false;
    in_force_.authorizer = std::make_shared<const Authorizer>(factory_, "", counters_);
    in_force_.json = ToJson(factory_);
    in_force_.meta = {};
    return Status::Ok();
  }
  auto s = store_.Read(kPolicyId, slot);
  if (!s.ok()) return s.status();
  const std::string* json = s->File(kPolicyFile);
  if (json == nullptr) return Internal("authz policy slot " + slot + " holds no " + kPolicyFile);
  auto policy = ParsePolicy(*json);
  if (!policy.ok()) return policy.status().WithContext("stored authz policy slot " + slot);
  const store::EntityMeta meta = s->Meta(kPolicyEntity);
  std::lock_guard lock(mu_);
  rotated_ = true;
  in_force_.authorizer =
      std::make_shared<const Authorizer>(std::move(*policy), meta.version, counters_);
  in_force_.json = *json;
  in_force_.meta = meta;
  return Status::Ok();
}

Status Engine::Stage(const std::string& /*id*/, const std::string& slot) {
  ROTAGENT_RETURN_IF_ERROR(PutInForce(slot));
  spdlog::info("authz policy version '{}' staged: new calls are checked against it",
               Get().meta.version);
  return Status::Ok();
}

Status Engine::Commit(const std::string& /*id*/, const std::string& /*slot*/) {
  return Status::Ok();  // already in force since Stage; the store's pointer makes it durable
}

Status Engine::Restore(const std::string& /*id*/, const std::string& slot) {
  return PutInForce(slot);
}

Result<std::unique_ptr<Rotation>> Engine::Begin(Caller caller, std::function<bool()> open) {
  auto hold = sessions_.Admit(std::move(open));
  if (!hold.ok()) return hold.status();
  return std::make_unique<Rotation>(*this, std::move(*hold), std::move(caller));
}

Rotation::Rotation(Engine& engine, RotationGate::Hold hold, Caller caller)
    : engine_(engine),
      session_(std::move(hold), engine.journal_, engine.domains_,
               {"authz", "authz policy rotation",
                "finalize_rotation received before any policy was uploaded"}),
      caller_(std::move(caller)) {}

Status Rotation::Upload(const std::string& version, uint64_t created_on, const std::string& policy,
                        bool force_overwrite) {
  ROTAGENT_RETURN_IF_ERROR(session_.CheckOpen());
  if (version.empty()) return InvalidArgument("upload_request.version is empty");
  ROTAGENT_RETURN_IF_ERROR(CheckTextField("upload_request.version", version));
  auto parsed = ParsePolicy(policy);
  if (!parsed.ok()) return parsed.status().WithContext("upload_request.policy");
  if (!force_overwrite && engine_.Get().meta.version == version) {
    return {Code::kAlreadyExists, "authz policy version '" + version +
                                      "' is already in force; set force_overwrite to replace it"};
  }
  // No self-lockout: the client rotating the policy must still be allowed to rotate it.
  auto certs = x509::ParseCertificates(caller_.leaf_pem, x509::Encoding::kPem, "caller");
  if (!certs.ok()) return {Code::kUnauthenticated, "no verified client certificate"};
  auto ids = IdentitiesOf(certs->front().get());
  if (!ids.ok()) return ids.status();
  if (const Decision d = Evaluate(*parsed, *ids, kAuthzRotate); !d.allowed) {
    const std::string who = ids->empty() ? "this client" : "'" + ids->front() + "'";
    return FailedPrecondition(
        "the policy would deny " + who + " " + kAuthzRotate +
        (d.rule.empty() ? " (no allow rule matches)" : " (deny rule '" + d.rule + "')") +
        ", locking out the client that rotates it; nothing was changed");
  }
  store::SlotStore& store = engine_.store_;
  ROTAGENT_RETURN_IF_ERROR(session_.txn().Ready());
  if (!store.Exists(kPolicyId)) ROTAGENT_RETURN_IF_ERROR(store.Create(kPolicyId));
  store::Slot slot;
  slot.files[kPolicyFile] = policy;
  slot.meta[kPolicyEntity] = {version, created_on, Now()};
  return session_.txn().Stage(kAuthzDomain, kPolicyId, slot);
}

}  // namespace rotagent::authz
