// A gRPC call's audit records: the RPC, the client's identity and address, read once per call,
// and the record of how a Rotate stream ends. Each service records with one line per event.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <string>

#include "agent/audit/event.h"
#include "common/status.h"

namespace rotagent::audit {

// Records an authorization refusal of `rpc` (kDenied) when `s` is not OK; returns `s`.
Status Authorization(grpc::ServerContext* ctx, const std::string& rpc, const Status& s);

class Call {
 public:
  Call(grpc::ServerContext* ctx, std::string rpc);

  // Records `event` on `target` with the call's outcome: `applied` for OK, `refused` otherwise.
  void Changed(const char* event, const std::string& target, const Status& s,
               const std::string& before = "", const std::string& after = "") const;

  // Rotate streams. The stream took the lock on `target`, which held version `before`.
  void Began(const std::string& target, const std::string& before);
  // One request of the stream: kUpload (accepted) or kInvalid (refused), naming what it set.
  void Step(const std::string& what, const std::string& version, const Status& s);
  // The stream's read ended (cancel, half-close or a timeout's cancel) before finalize.
  void ReadEnded() { read_ended_ = true; }
  // The stream's final status: kFinalized, kReverted with its cause, or, for a stream that never
  // took the lock, kInvalid (an authorization refusal is already recorded as kDenied).
  // Returns `s` unchanged.
  grpc::Status End(const grpc::Status& s);

 private:
  Event Base(const char* event) const;

  grpc::ServerContext* ctx_;
  std::string rpc_;
  std::string client_;
  std::string peer_;
  bool began_ = false;
  bool read_ended_ = false;
  std::string target_;
  std::string before_;
  std::string after_;
};

}  // namespace rotagent::audit
