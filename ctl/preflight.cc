#include "ctl/preflight.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "ctl/agent_link.h"
#include "ctl/parallel.h"
#include "ctl/retry.h"

namespace rotagent::ctl {
namespace {

struct AgentFacts {
  std::string admin_state;
  std::set<std::string> accounts, profiles;
};

Status FromGrpc(const grpc::Status& s, const std::string& what) {
  return Status(static_cast<Code>(s.error_code()), what + ": " + s.error_message());
}

// The agent's admin-state and managed accounts (gNMI), and its certz profiles.
Result<AgentFacts> AskAgent(const Inventory& inv, const Device& device, bool certificates) {
  auto link = AgentLink::Open(inv, device);
  if (!link.ok()) return link.status();
  AgentFacts facts;
  gnmi::GetRequest req;
  auto* path = req.add_path();
  path->set_origin("rotagent");
  for (const char* e : {"rotation", "agent", "state"}) path->add_elem()->set_name(e);
  req.set_encoding(gnmi::PROTO);
  gnmi::GetResponse resp;
  {
    grpc::ClientContext ctx;
    AgentLink::SetDeadline(ctx);
    grpc::Status s = link->gnmi().Get(&ctx, req, &resp);
    if (!s.ok()) return FromGrpc(s, "gNMI Get /rotation/agent/state");
  }
  for (const auto& n : resp.notification()) {
    for (const auto& u : n.update()) {
      const auto& elems = u.path().elem();
      if (elems.size() == 4 && elems[3].name() == "admin-state") {
        facts.admin_state = u.val().string_val();
      }
      if (elems.size() == 5 && elems[3].name() == "managed-account") {
        const auto name = elems[3].key().find("name");
        if (name != elems[3].key().end()) facts.accounts.insert(name->second);
      }
    }
  }
  if (certificates) {
    grpc::ClientContext ctx;
    AgentLink::SetDeadline(ctx);
    gnsi::certz::v1::GetProfileListResponse profiles;
    grpc::Status s = link->certz().GetProfileList(&ctx, {}, &profiles);
    if (!s.ok()) return FromGrpc(s, "certz GetProfileList");
    facts.profiles.insert(profiles.ssl_profile_ids().begin(), profiles.ssl_profile_ids().end());
  }
  return facts;
}

std::vector<std::string> Check(const Inventory& inv, const Device& device, CredentialClass what) {
  const bool certificates = what == CredentialClass::kCertificates;
  int tries = 0;
  Result<AgentFacts> facts = Unavailable("not asked");
  const Status s = WithRetries(
      inv.retry,
      [&](int) {
        facts = AskAgent(inv, device, certificates);
        return facts.status();
      },
      &tries);
  if (!s.ok()) {
    return {"unreachable after " + std::to_string(tries) + " tries: " + s.message()};
  }
  std::vector<std::string> reasons;
  if (facts->admin_state != "enabled") {
    reasons.push_back("its agent's admin-state is " + (facts->admin_state.empty()
                                                           ? std::string("not reported")
                                                           : facts->admin_state));
  }
  const ResolvedPlan plan = inv.PlanFor(device);
  if (certificates) {
    for (const auto& p : plan.certificates) {
      if (facts->profiles.count(p.id) == 0) {
        reasons.push_back("its agent defines no certz profile '" + p.id + "'");
      }
    }
  } else {
    for (const auto& p : plan.passwords) {
      if (facts->accounts.count(p.account) == 0) {
        reasons.push_back("its agent does not manage account '" + p.account +
                          "' (password profile " + p.name + ")");
      }
    }
  }
  return reasons;
}

}  // namespace

std::map<std::string, std::vector<std::string>> Preflight(const Inventory& inv,
                                                          const std::vector<const Device*>& devices,
                                                          CredentialClass what, int concurrency) {
  std::map<std::string, std::vector<std::string>> out;
  std::mutex mu;
  ForEachConcurrently(devices.size(), concurrency, [&](size_t i) {
    auto reasons = Check(inv, *devices[i], what);
    if (reasons.empty()) return;
    const std::lock_guard lock(mu);
    out[devices[i]->name] = std::move(reasons);
  });
  return out;
}

}  // namespace rotagent::ctl
