#include "agent/gnmi/gnmi_set.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

#include "agent/gnmi/gnmi_paths.h"

namespace rotagent::gnmi_service {
namespace {

struct Change {
  const Writable* leaf;
  std::string where, value;
};

// The writable leaf at `p`, or nullptr.
const Writable* LeafAt(const Pattern& p, const Writers& w) {
  if (p.origin == "rotagent" && state::PathString(p.path) == "/rotation/agent/config/admin-state") {
    return &w.admin_state;
  }
  if (p.origin == "openconfig" && p.path.size() == 5 && p.path[2].name == "grpc-server" &&
      p.path[3].name == "config" && p.path[4].name == "certificate-id" &&
      state::PathString({p.path[0], p.path[1]}) == "/system/grpc-servers") {
    return &w.certificate_id;
  }
  return nullptr;
}

}  // namespace

Status ApplySet(const gnmi::SetRequest& req, const Writers& writers, const Caller& caller,
                gnmi::SetResponse* resp) {
  if (req.delete__size() > 0) {
    return InvalidArgument(
        "delete is not supported: admin-state and certificate-id always have a "
        "value; nothing was changed");
  }
  std::vector<std::pair<const gnmi::Update*, gnmi::UpdateResult::Operation>> all;
  for (const auto& u : req.replace()) all.emplace_back(&u, gnmi::UpdateResult::REPLACE);
  for (const auto& u : req.update()) all.emplace_back(&u, gnmi::UpdateResult::UPDATE);
  for (const auto& u : req.union_replace()) all.emplace_back(&u, gnmi::UpdateResult::UNION_REPLACE);
  if (all.empty()) return InvalidArgument("Set holds no update");

  // Pass 1: resolve and check every change; nothing is applied yet.
  std::vector<Change> changes;
  const std::string nothing = " (nothing was changed)";
  for (const auto& [u, op] : all) {
    auto p = Resolve(req.prefix(), u->path());
    if (!p.ok()) return p.status().WithContext("Set" + nothing);
    const std::string where = state::PathString(p->path);
    auto value = StringOf(u->val());
    if (!value.ok()) return value.status().WithContext(where + nothing);
    const Writable* leaf = LeafAt(*p, writers);
    if (leaf == nullptr) {
      return {Code::kUnimplemented,
              where +
                  " is not writable; writable are /rotation/agent/config/admin-state and "
                  "/system/grpc-servers/grpc-server[name]/config/certificate-id" +
                  nothing};
    }
    ROTAGENT_RETURN_IF_ERROR(leaf->check(*value, caller).WithContext(where + nothing));
    changes.push_back({leaf, where, *value});
    auto* r = resp->add_response();
    *r->mutable_path() = u->path();
    r->set_op(op);
  }

  // Pass 2: apply in order; on a failure, restore what was applied, newest first.
  std::vector<std::pair<const Writable*, std::string>> undo;
  for (const auto& c : changes) {
    std::string before = c.leaf->current();
    Status s = c.leaf->apply(c.value);
    if (s.ok()) {
      undo.emplace_back(c.leaf, std::move(before));
      continue;
    }
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      if (Status u = it->first->apply(it->second); !u.ok()) {
        spdlog::error("gNMI Set: could not restore a leaf to '{}': {}", it->second, u.message());
      }
    }
    resp->clear_response();
    return s.WithContext(c.where + " (the Set's earlier changes were undone)");
  }
  resp->set_timestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
  return Status::Ok();
}

}  // namespace rotagent::gnmi_service
