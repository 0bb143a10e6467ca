#include "agent/gnmi/gnmi_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "agent/gnmi/gnmi_paths.h"
#include "agent/grpc_status.h"
#include "agent/rotate_stream.h"

namespace rotagent::gnmi_service {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kService = "gnmi.gNMI";

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One Notification per origin holding `updated` and `deleted`.
std::vector<gnmi::Notification> Notifications(const std::vector<state::Leaf>& updated,
                                              const std::vector<state::Leaf>& deleted,
                                              gnmi::Encoding enc) {
  std::map<std::string, gnmi::Notification> by_origin;
  for (const auto& l : updated) {
    gnmi::Notification& n = by_origin[l.origin];
    n.set_timestamp(std::max(n.timestamp(), l.timestamp_ns));
    auto* u = n.add_update();
    *u->mutable_path() = ToProto("", l.path);
    *u->mutable_val() = ToTyped(l.value, enc);
  }
  for (const auto& l : deleted) {
    gnmi::Notification& n = by_origin[l.origin];
    n.set_timestamp(std::max(n.timestamp(), l.timestamp_ns));
    *n.add_delete_() = ToProto("", l.path);
  }
  std::vector<gnmi::Notification> out;
  for (auto& [origin, n] : by_origin) {
    n.mutable_prefix()->set_origin(origin);
    out.push_back(std::move(n));
  }
  return out;
}

struct Sub {
  Pattern pattern;
  gnmi::SubscriptionMode mode;
  std::chrono::nanoseconds sample{0}, heartbeat{0};
  bool suppress_redundant = false;
  Clock::time_point next_sample, next_heartbeat;
  uint64_t sampled_generation = 0;
};

Result<std::vector<Sub>> SubsOf(const gnmi::SubscriptionList& list) {
  std::vector<Sub> subs;
  if (list.subscription_size() == 0) return InvalidArgument("subscribe lists no subscription");
  for (const auto& s : list.subscription()) {
    auto p = Resolve(list.prefix(), s.path());
    if (!p.ok()) return p.status();
    Sub sub{*p,
            s.mode(),
            std::chrono::nanoseconds(s.sample_interval()),
            std::chrono::nanoseconds(s.heartbeat_interval()),
            s.suppress_redundant(),
            {},
            {},
            0};
    if (list.mode() == gnmi::SubscriptionList::STREAM) {
      if (s.mode() == gnmi::TARGET_DEFINED && s.sample_interval() != 0) {
        return InvalidArgument("sample_interval is not allowed with TARGET_DEFINED");
      }
      if (s.mode() == gnmi::SAMPLE) {
        if (s.sample_interval() == 0) sub.sample = std::chrono::seconds(1);  // fastest we offer
        if (sub.sample < std::chrono::milliseconds(100)) {
          return InvalidArgument("sample_interval " + std::to_string(s.sample_interval()) +
                                 " ns is below the 100 ms minimum");
        }
      }
      if (s.heartbeat_interval() != 0 && sub.heartbeat < std::chrono::milliseconds(100)) {
        return InvalidArgument("heartbeat_interval below the 100 ms minimum");
      }
    }
    subs.push_back(std::move(sub));
  }
  return subs;
}

std::vector<state::Leaf> Current(const state::Tree& tree, const std::vector<Sub>& subs) {
  std::vector<state::Leaf> out;
  std::set<std::string> seen;
  for (const auto& s : subs) {
    for (auto& l : tree.Snapshot(s.pattern.origin, s.pattern.path)) {
      if (seen.insert(l.origin + state::PathString(l.path)).second) out.push_back(std::move(l));
    }
  }
  return out;
}

template <typename Stream>
bool Send(Stream* stream, const std::vector<gnmi::Notification>& notes) {
  for (const auto& n : notes) {
    gnmi::SubscribeResponse r;
    *r.mutable_update() = n;
    if (!stream->Write(r)) return false;
  }
  return true;
}

template <typename Stream>
bool SendSync(Stream* stream) {
  gnmi::SubscribeResponse r;
  r.set_sync_response(true);
  return stream->Write(r);
}

}  // namespace

GnmiService::GnmiService(state::Tree& tree, Writers writers,
                         std::function<std::shared_ptr<const authz::Authorizer>()> authorizer)
    : tree_(tree), writers_(std::move(writers)), authorizer_(std::move(authorizer)) {}

Status GnmiService::Authorize(grpc::ServerContext* ctx, const char* method) const {
  return authorizer_()->Check(std::string("/") + kService + "/" + method, PeerCertificatePem(ctx));
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
  return ToGrpc(ApplySet(*req, writers_, CallerOf(ctx), resp));
}

grpc::Status GnmiService::Subscribe(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<gnmi::SubscribeResponse, gnmi::SubscribeRequest>* stream) {
  if (Status s = Authorize(ctx, "Subscribe"); !s.ok()) return ToGrpc(s);
  gnmi::SubscribeRequest req;
  if (!stream->Read(&req)) return {grpc::StatusCode::INVALID_ARGUMENT, "no subscribe request"};
  if (!req.has_subscribe()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "the first request must hold a subscribe list"};
  }
  const gnmi::SubscriptionList list = req.subscribe();
  if (Status s = CheckEncoding(list.encoding()); !s.ok()) return ToGrpc(s);
  auto parsed = SubsOf(list);
  if (!parsed.ok()) return ToGrpc(parsed.status());
  std::vector<Sub> subs = std::move(*parsed);
  const gnmi::Encoding enc = list.encoding();

  uint64_t generation = tree_.generation();
  auto initial = [&] {
    generation = tree_.generation();
    if (!list.updates_only() && !Send(stream, Notifications(Current(tree_, subs), {}, enc))) {
      return false;
    }
    return SendSync(stream);
  };

  switch (list.mode()) {
    case gnmi::SubscriptionList::ONCE:
      if (!initial()) return {grpc::StatusCode::CANCELLED, "client went away"};
      return grpc::Status::OK;
    case gnmi::SubscriptionList::POLL:
      if (!initial()) return {grpc::StatusCode::CANCELLED, "client went away"};
      while (stream->Read(&req)) {
        if (!req.has_poll()) {
          return {grpc::StatusCode::INVALID_ARGUMENT, "a POLL subscription takes only poll"};
        }
        if (!Send(stream, Notifications(Current(tree_, subs), {}, enc)) || !SendSync(stream)) {
          return {grpc::StatusCode::CANCELLED, "client went away"};
        }
      }
      return grpc::Status::OK;
    case gnmi::SubscriptionList::STREAM:
      break;
    default:
      return {grpc::StatusCode::INVALID_ARGUMENT, "unknown subscription mode"};
  }

  if (!initial()) return {grpc::StatusCode::CANCELLED, "client went away"};
  // A STREAM subscription takes no further requests; they are drained and ignored. A client that
  // half-closes still gets its updates (some do so right after subscribing); the stream ends when
  // the call is cancelled.
  std::thread reader([&] {
    gnmi::SubscribeRequest ignored;
    while (stream->Read(&ignored)) {
    }
  });
  const auto now = Clock::now();
  for (auto& s : subs) {
    s.next_sample = now + s.sample;
    s.next_heartbeat = now + s.heartbeat;
    s.sampled_generation = generation;
  }
  while (!ctx->IsCancelled()) {
    auto deadline = Clock::now() + std::chrono::seconds(1);
    for (const auto& s : subs) {
      if (s.mode == gnmi::SAMPLE) deadline = std::min(deadline, s.next_sample);
      if (s.heartbeat.count() > 0) deadline = std::min(deadline, s.next_heartbeat);
    }
    tree_.WaitPast(generation, deadline);
    const auto t = Clock::now();
    std::vector<state::Leaf> updated, deleted;
    // ON_CHANGE and TARGET_DEFINED (on change for every leaf here): what changed.
    std::map<std::string, std::vector<state::Path>> on_change;
    for (const auto& s : subs) {
      if (s.mode != gnmi::SAMPLE) on_change[s.pattern.origin].push_back(s.pattern.path);
    }
    uint64_t seen = generation;
    for (const auto& [origin, patterns] : on_change) {
      auto c = tree_.Since(generation, origin, patterns);
      seen = std::max(seen, c.generation);
      updated.insert(updated.end(), c.updated.begin(), c.updated.end());
      deleted.insert(deleted.end(), c.deleted.begin(), c.deleted.end());
    }
    // SAMPLE, and heartbeats: the current values, on schedule.
    for (auto& s : subs) {
      const bool sample_due = s.mode == gnmi::SAMPLE && t >= s.next_sample;
      const bool heartbeat_due = s.heartbeat.count() > 0 && t >= s.next_heartbeat;
      if (!sample_due && !heartbeat_due) continue;
      std::vector<state::Leaf> values;
      if (sample_due && s.suppress_redundant && !heartbeat_due) {
        auto c = tree_.Since(s.sampled_generation, s.pattern.origin, {s.pattern.path});
        values = std::move(c.updated);
        deleted.insert(deleted.end(), c.deleted.begin(), c.deleted.end());
      } else {
        values = tree_.Snapshot(s.pattern.origin, s.pattern.path);
      }
      updated.insert(updated.end(), values.begin(), values.end());
      s.sampled_generation = tree_.generation();
      if (sample_due) s.next_sample = t + s.sample;
      if (heartbeat_due) s.next_heartbeat = t + s.heartbeat;
    }
    generation = seen;
    if ((!updated.empty() || !deleted.empty()) &&
        !Send(stream, Notifications(updated, deleted, enc))) {
      break;
    }
  }
  ctx->TryCancel();  // unblocks the reader if the loop ended on our side
  reader.join();
  return grpc::Status::OK;
}

}  // namespace rotagent::gnmi_service
