// A gNMI client for tests, written against the public gnmi definitions only.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "gnmi/gnmi.grpc.pb.h"

namespace rotagent::testing {

// "/a/b[k=v]/c" with an origin.
gnmi::Path GnmiPath(const std::string& origin, const std::string& text);
// A leaf value as text, whatever the encoding ("enabled", "42").
std::string ValueText(const gnmi::TypedValue& v);
// Leaf path (prefix origin + path) as "origin:/a/b[k=v]/c".
std::string PathText(const gnmi::Path& prefix, const gnmi::Path& path);

// Every update of a GetResponse, by PathText.
std::map<std::string, std::string> Leaves(const gnmi::GetResponse& r);

// One Subscribe stream; responses are collected by a reader thread.
class GnmiSubscription {
 public:
  GnmiSubscription(gnmi::gNMI::Stub& stub, const gnmi::SubscribeRequest& req);
  ~GnmiSubscription();

  // Waits until `done` holds, checking it on each arrival (it may call History and synced).
  bool WaitFor(const std::function<bool()>& done,
               std::chrono::seconds timeout = std::chrono::seconds(30));
  // The values `leaf` (PathText form) took, in order, including "<deleted>".
  std::vector<std::string> History(const std::string& leaf) const;
  bool synced() const;
  bool Send(const gnmi::SubscribeRequest& req) { return rw_->Write(req); }
  grpc::Status Finish();  // after the server ended the stream

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<gnmi::SubscribeRequest, gnmi::SubscribeResponse>> rw_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<gnmi::SubscribeResponse> received_;
  bool ended_ = false;
  std::thread reader_;
};

gnmi::SubscribeRequest StreamRequest(
    const std::vector<gnmi::Path>& paths, gnmi::SubscriptionMode mode = gnmi::ON_CHANGE,
    gnmi::SubscriptionList::Mode list_mode = gnmi::SubscriptionList::STREAM);

}  // namespace rotagent::testing
