#include "agent/gnmi/gnmi_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "agent/audit/call.h"
#include "agent/gnmi/audit_set.h"
#include "agent/gnmi/gnmi_paths.h"
#include "agent/gnmi/notifications.h"
#include "agent/grpc_status.h"
#include "agent/rotate_stream.h"

namespace rotagent::gnmi_service {
namespace {

constexpr const char* kService = "gnmi.gNMI";

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

GnmiService::GnmiService(state::Tree& tree, SubscribeLimits limits, Writers writers,
                         std::function<std::shared_ptr<const authz::Authorizer>()> authorizer)
    : tree_(tree),
      slots_(limits),
      writers_(std::move(writers)),
      authorizer_(std::move(authorizer)) {}

Status GnmiService::Authorize(grpc::ServerContext* ctx, const char* method) const {
  const std::string rpc = std::string("/") + kService + "/" + method;
  return audit::Authorization(ctx, rpc, authorizer_()->Check(rpc, PeerCertificatePem(ctx)));
}

grpc::Status GnmiService::Capabilities(grpc::ServerContext* ctx,
                                       const gnmi::CapabilityRequest* /*req*/,
                                       gnmi::CapabilityResponse* resp) {
  if (Status s = Authorize(ctx, "Capabilities"); !s.ok()) return ToGrpc(s);
  for (auto [name, org, version] :
       {std::tuple{"openconfig-system", "OpenConfig working group", "2.1.0"},
        {"openconfig-gnsi-certz", "OpenConfig working group", "0.7.0"},
        {"openconfig-gnsi-credentialz", "OpenConfig working group", "0.9.0"},
        {"rotagent-rotation", "rotagent", "0.1.0"}}) {
    auto* m = resp->add_supported_models();
    m->set_name(name);
    m->set_organization(org);
    m->set_version(version);
  }
  resp->add_supported_encodings(gnmi::JSON);
  resp->add_supported_encodings(gnmi::JSON_IETF);
  resp->add_supported_encodings(gnmi::PROTO);
  resp->set_gnmi_version("0.10.0");
  return grpc::Status::OK;
}

grpc::Status GnmiService::Get(grpc::ServerContext* ctx, const gnmi::GetRequest* req,
                              gnmi::GetResponse* resp) {
  if (Status s = Authorize(ctx, "Get"); !s.ok()) return ToGrpc(s);
  if (Status s = CheckEncoding(req->encoding()); !s.ok()) return ToGrpc(s);
  if (req->path_size() == 0) return {grpc::StatusCode::INVALID_ARGUMENT, "Get names no path"};
  if (before_read_) before_read_();
  for (const auto& path : req->path()) {
    auto p = Resolve(req->prefix(), path);
    if (!p.ok()) return ToGrpc(p.status());
    auto leaves = tree_.Snapshot(p->origin, p->path);
    const bool wildcard = std::any_of(p->path.begin(), p->path.end(), [](const auto& e) {
      return e.name == "*" || e.name == "..." ||
             std::any_of(e.keys.begin(), e.keys.end(),
                         [](const auto& k) { return k.second == "*"; });
    });
    if (leaves.empty() && !wildcard) {
      return {grpc::StatusCode::NOT_FOUND,
              "nothing at " + state::PathString(p->path) + " (origin " + p->origin + ") yet"};
    }
    auto notes = Notifications(leaves, {}, req->encoding());
    if (notes.empty()) {
      gnmi::Notification empty;
      empty.set_timestamp(NowNs());
      notes.push_back(empty);
    }
    for (auto& n : notes) *resp->add_notification() = std::move(n);
  }
  return grpc::Status::OK;
}

grpc::Status GnmiService::Set(grpc::ServerContext* ctx, const gnmi::SetRequest* req,
                              gnmi::SetResponse* resp) {
  if (Status s = Authorize(ctx, "Set"); !s.ok()) return ToGrpc(s);
  const std::string before = "admin-state=" + writers_.admin_state.current() +
                             ", certificate-id=" + writers_.certificate_id.current();
  Status s = ApplySet(*req, writers_, CallerOf(ctx), resp);
  const AuditSetTarget target = AuditOf(*req);
  audit::Call(ctx, std::string("/") + kService + "/Set")
      .Changed(audit::kSet, target.paths, s, before, target.values);
  return ToGrpc(s);
}

}  // namespace rotagent::gnmi_service
