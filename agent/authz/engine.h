// The authz engine: holds the policy in force (the factory one from config until a policy is
// rotated in), rotates policies through the shared rotation session and durable store, and is
// the applier of the authz domain: staging a policy makes it what new calls are checked against.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/authz/authorizer.h"
#include "agent/authz/rpc_counters.h"
#include "agent/caller.h"
#include "agent/rotation_session.h"
#include "agent/store/journal.h"
#include "agent/store/slot_store.h"
#include "agent/txn/applier.h"
#include "agent/txn/transaction.h"

namespace rotagent::authz {

inline constexpr const char* kAuthzDomain = "authz";
inline constexpr const char* kPolicyId = "policy";      // the default (and only) authz profile
inline constexpr const char* kPolicyEntity = "policy";  // the policy's entity in its slot
inline constexpr const char* kAuthzRotate = "/gnsi.authz.v1.Authz/Rotate";

// The policy in force as Get and the state tree report it.
struct InForce {
  std::shared_ptr<const Authorizer> authorizer;
  std::string json;        // as uploaded; the factory policy rendered for the factory one
  store::EntityMeta meta;  // empty version for the factory policy
};

class Engine;

// One Rotate stream's work, inside the shared rotation session. Destroying it before Finalize
// puts the previous policy back.
class Rotation {
 public:
  Rotation(Engine& engine, RotationGate::Hold hold, Caller caller);
  Rotation(const Rotation&) = delete;
  Rotation& operator=(const Rotation&) = delete;

  RotationSession& session() { return session_; }
  // Validates `policy` (strictly; INVALID_ARGUMENT naming the problem), refuses one that would
  // deny this caller its own Rotate (FAILED_PRECONDITION), then stages it: new calls are checked
  // against it from the moment this returns.
  Status Upload(const std::string& version, uint64_t created_on, const std::string& policy,
                bool force_overwrite);

 private:
  Engine& engine_;
  RotationSession session_;
  Caller caller_;
};

class Engine : public txn::Applier {
 public:
  Engine(store::SlotStore& store, store::Journal& journal, const txn::Domains& domains);

  // Puts the committed policy in force (after recovery), or the factory policy.
  Status Load();
  // The config's `authorization` map: in force whenever no policy was rotated in.
  void SetFactory(const std::map<std::string, std::vector<std::string>>& rules);
  void SetAdmission(std::function<Status()> admit) { sessions_.SetAdmission(std::move(admit)); }

  // What every call is checked against now.
  std::shared_ptr<const Authorizer> Current() const;
  InForce Get() const;
  RpcCounters& counters() const { return *counters_; }

  // UNAVAILABLE while another authz Rotate is open (as gNSI authz asks); `open` says whether
  // this caller's stream is still open.
  Result<std::unique_ptr<Rotation>> Begin(Caller caller, std::function<bool()> open);

  // txn::Applier for the authz domain.
  Status Stage(const std::string& id, const std::string& slot) override;
  Status Commit(const std::string& id, const std::string& slot) override;
  Status Restore(const std::string& id, const std::string& slot) override;

 private:
  friend class Rotation;
  // Reads, parses and puts in force `slot`; the factory policy for an empty slot.
  Status PutInForce(const std::string& slot);

  store::SlotStore& store_;
  store::Journal& journal_;
  const txn::Domains& domains_;
  std::shared_ptr<RpcCounters> counters_ = std::make_shared<RpcCounters>();
  SessionGate sessions_{"another authz Rotate is in progress", Code::kUnavailable};
  mutable std::mutex mu_;
  Policy factory_;
  bool rotated_ = false;  // a rotated policy (staged or committed) is in force
  InForce in_force_;
};

}  // namespace rotagent::authz
