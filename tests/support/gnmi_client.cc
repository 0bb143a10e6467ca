#include "tests/support/gnmi_client.h"

#include "agent/state/path.h"

namespace rotagent::testing {

gnmi::Path GnmiPath(const std::string& origin, const std::string& text) {
  gnmi::Path p;
  p.set_origin(origin);
  for (const auto& e : state::ParsePath(text)) {
    auto* pe = p.add_elem();
    pe->set_name(e.name);
    for (const auto& [k, v] : e.keys) (*pe->mutable_key())[k] = v;
  }
  return p;
}

std::string ValueText(const gnmi::TypedValue& v) {
  switch (v.value_case()) {
    case gnmi::TypedValue::kStringVal:
      return v.string_val();
    case gnmi::TypedValue::kUintVal:
      return std::to_string(v.uint_val());
    case gnmi::TypedValue::kIntVal:
      return std::to_string(v.int_val());
    case gnmi::TypedValue::kBoolVal:
      return v.bool_val() ? "true" : "false";
    case gnmi::TypedValue::kJsonIetfVal:
      return v.json_ietf_val();
    case gnmi::TypedValue::kJsonVal:
      return v.json_val();
    default:
      return "<other>";
  }
}

std::string PathText(const gnmi::Path& prefix, const gnmi::Path& path) {
  std::string out = (path.origin().empty() ? prefix.origin() : path.origin()) + ":";
  for (const auto* p : {&prefix, &path}) {
    for (const auto& e : p->elem()) {
      out += "/" + e.name();
      std::map<std::string, std::string> keys(e.key().begin(), e.key().end());
      for (const auto& [k, val] : keys) out += "[" + k + "=" + val + "]";
    }
  }
  return out;
}

std::map<std::string, std::string> Leaves(const gnmi::GetResponse& r) {
  std::map<std::string, std::string> out;
  for (const auto& n : r.notification()) {
    for (const auto& u : n.update()) out[PathText(n.prefix(), u.path())] = ValueText(u.val());
  }
  return out;
}

GnmiSubscription::GnmiSubscription(gnmi::gNMI::Stub& stub, const gnmi::SubscribeRequest& req)
    : rw_(stub.Subscribe(&ctx_)) {
  rw_->Write(req);
  reader_ = std::thread([this] {
    gnmi::SubscribeResponse r;
    while (rw_->Read(&r)) {
      std::lock_guard lock(mu_);
      received_.push_back(r);
      cv_.notify_all();
    }
    std::lock_guard lock(mu_);
    ended_ = true;
    cv_.notify_all();
  });
}

GnmiSubscription::~GnmiSubscription() {
  ctx_.TryCancel();
  reader_.join();
}

bool GnmiSubscription::WaitFor(const std::function<bool()>& done, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    size_t seen = 0;
    {
      std::lock_guard lock(mu_);
      seen = received_.size();
    }
    if (done()) return true;
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return received_.size() != seen || ended_; })) {
      return false;
    }
    if (ended_ && received_.size() == seen) {
      lock.unlock();
      return done();
    }
  }
}

std::vector<std::string> GnmiSubscription::History(const std::string& leaf) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& r : received_) {
    if (!r.has_update()) continue;
    for (const auto& u : r.update().update()) {
      if (PathText(r.update().prefix(), u.path()) == leaf) out.push_back(ValueText(u.val()));
    }
    for (const auto& d : r.update().delete_()) {
      if (PathText(r.update().prefix(), d) == leaf) out.emplace_back("<deleted>");
    }
  }
  return out;
}

bool GnmiSubscription::synced() const {
  std::lock_guard lock(mu_);
  for (const auto& r : received_) {
    if (r.sync_response()) return true;
  }
  return false;
}

grpc::Status GnmiSubscription::Finish() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return ended_; });
  }
  return rw_->Finish();
}

gnmi::SubscribeRequest StreamRequest(const std::vector<gnmi::Path>& paths,
                                     gnmi::SubscriptionMode mode,
                                     gnmi::SubscriptionList::Mode list_mode) {
  gnmi::SubscribeRequest req;
  auto* list = req.mutable_subscribe();
  list->set_mode(list_mode);
  list->set_encoding(gnmi::PROTO);
  for (const auto& p : paths) {
    auto* s = list->add_subscription();
    *s->mutable_path() = p;
    s->set_mode(mode);
  }
  return req;
}

}  // namespace rotagent::testing
