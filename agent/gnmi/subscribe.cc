// gNMI Subscribe: ONCE, POLL, and STREAM with ON_CHANGE, SAMPLE and TARGET_DEFINED over the
// state tree, within the caps of subscribe_limits.h.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "agent/gnmi/gnmi_paths.h"
#include "agent/gnmi/gnmi_service.h"
#include "agent/gnmi/notifications.h"
#include "agent/grpc_status.h"
#include "agent/rotate_stream.h"

namespace rotagent::gnmi_service {
namespace {

using Clock = std::chrono::steady_clock;

struct Sub {
  Pattern pattern;
  gnmi::SubscriptionMode mode;
  std::chrono::nanoseconds sample{0}, heartbeat{0};
  bool suppress_redundant = false;
  Clock::time_point next_sample, next_heartbeat;
  uint64_t sampled_generation = 0;
};

Result<std::vector<Sub>> SubsOf(const gnmi::SubscriptionList& list,
                                std::chrono::milliseconds min_interval) {
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
      // gNMI 3.5.1.5.2: an interval the target cannot serve is refused with InvalidArgument.
      const std::string floor =
          std::to_string(min_interval.count()) + " ms minimum (gnmi.min_sample_interval_ms)";
      if (s.mode() == gnmi::SAMPLE) {
        if (s.sample_interval() == 0) {  // "the fastest we offer", but never below a second
          sub.sample = std::max<std::chrono::nanoseconds>(std::chrono::seconds(1), min_interval);
        }
        if (sub.sample < min_interval) {
          return InvalidArgument("sample_interval " + std::to_string(s.sample_interval()) +
                                 " ns is below the " + floor);
        }
      }
      if (s.heartbeat_interval() != 0 && sub.heartbeat < min_interval) {
        return InvalidArgument("heartbeat_interval " + std::to_string(s.heartbeat_interval()) +
                               " ns is below the " + floor);
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

grpc::Status GnmiService::Subscribe(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<gnmi::SubscribeResponse, gnmi::SubscribeRequest>* stream) {
  if (Status s = Authorize(ctx, "Subscribe"); !s.ok()) return ToGrpc(s);
  // Held until the call ends: the stream caps count every open Subscribe, whatever its mode.
  auto slot = slots_.Acquire(PeerCertificatePem(ctx));
  if (!slot.ok()) return ToGrpc(slot.status());
  if (before_read_) before_read_();
  gnmi::SubscribeRequest req;
  if (!stream->Read(&req)) return {grpc::StatusCode::INVALID_ARGUMENT, "no subscribe request"};
  if (!req.has_subscribe()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "the first request must hold a subscribe list"};
  }
  const gnmi::SubscriptionList list = req.subscribe();
  if (Status s = CheckEncoding(list.encoding()); !s.ok()) return ToGrpc(s);
  if (Status s = slots_.CheckCount(list.subscription_size()); !s.ok()) return ToGrpc(s);
  auto parsed = SubsOf(list, slots_.limits().min_sample_interval);
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
        if (before_read_) before_read_();  // a poll reads now, like a Get
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
  // A STREAM subscription takes no further requests; they are left unread (flow control holds the
  // client back), so a stream costs one thread. A client that half-closes still gets its
  // updates (some do so right after subscribing); the stream ends when the call is cancelled,
  // which the loop sees within a second.
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
  return grpc::Status::OK;
}

}  // namespace rotagent::gnmi_service
