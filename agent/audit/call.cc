#include "agent/audit/call.h"

#include "agent/audit/trail.h"
#include "agent/authz/peer_identity.h"
#include "agent/rotate_stream.h"
#include "common/x509.h"

namespace rotagent::audit {
namespace {

// The identity authorization matches on ("CN=rotctl"), or the subject when it has none.
std::string ClientOf(grpc::ServerContext* ctx) {
  const std::string pem = PeerCertificatePem(ctx);
  if (pem.empty()) return "";
  auto certs = x509::ParseCertificates(pem, x509::Encoding::kPem, "peer certificate");
  if (!certs.ok()) return "";
  auto ids = authz::IdentitiesOf(certs->front().get());
  if (ids.ok() && !ids->empty()) return ids->front();
  return x509::SubjectText(certs->front().get());
}

}  // namespace

Status Authorization(grpc::ServerContext* ctx, const std::string& rpc, const Status& s) {
  if (s.ok()) return s;
  Event e;
  e.event = kDenied;
  e.rpc = rpc;
  e.client = ClientOf(ctx);
  e.peer = ctx->peer();
  e.outcome = "denied";
  e.code = static_cast<int>(s.code());
  e.message = s.message();
  Record(std::move(e));
  return s;
}

Call::Call(grpc::ServerContext* ctx, std::string rpc)
    : ctx_(ctx), rpc_(std::move(rpc)), client_(ClientOf(ctx)), peer_(ctx->peer()) {}

Event Call::Base(const char* event) const {
  Event e;
  e.event = event;
  e.rpc = rpc_;
  e.client = client_;
  e.peer = peer_;
  return e;
}

void Call::Changed(const char* event, const std::string& target, const Status& s,
                   const std::string& before, const std::string& after) const {
  Event e = Base(s.ok() ? event : kInvalid);
  e.target = target;
  e.version_before = before;
  e.version_after = s.ok() ? after : "";
  e.outcome = s.ok() ? "applied" : "refused";
  e.code = static_cast<int>(s.code());
  e.message = s.message();
  Record(std::move(e));
}

void Call::Began(const std::string& target, const std::string& before) {
  began_ = true;
  target_ = target;
  before_ = before;
  Event e = Base(kRotate);
  e.target = target;
  e.version_before = before;
  e.outcome = "started";
  Record(std::move(e));
}

void Call::Step(const std::string& what, const std::string& version, const Status& s) {
  Event e = Base(s.ok() ? kUpload : kInvalid);
  e.target = what.empty() ? target_ : target_ + ": " + what;
  e.version_before = before_;
  e.version_after = version;
  e.outcome = s.ok() ? "accepted" : "refused";
  e.code = static_cast<int>(s.code());
  e.message = s.message();
  Record(std::move(e));
  if (s.ok() && !version.empty()) after_ = version;
}

grpc::Status Call::End(const grpc::Status& s) {
  const bool denial = s.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
                      s.error_code() == grpc::StatusCode::UNAUTHENTICATED;
  if (!began_ && denial) return s;  // recorded by Authorization()
  Event e = Base(kInvalid);
  e.target = target_;
  e.version_before = before_;
  e.code = static_cast<int>(s.error_code());
  e.message = s.error_message();
  if (!began_) {
    e.outcome = "refused";  // never took the lock: busy, locked agent, unknown profile
  } else if (s.ok()) {
    e.event = kFinalized;
    e.version_after = after_;
    e.outcome = "committed";
  } else {
    e.event = kReverted;
    e.outcome = "rolled-back";
    // The watch cancels the call on a timeout, so the deadline is told apart first.
    if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      e.cause = kCauseTimeout;
    } else if (ctx_->IsCancelled() || s.error_code() == grpc::StatusCode::CANCELLED) {
      e.cause = kCauseCancel;
    } else if (read_ended_) {
      e.cause = kCauseHalfClose;
    } else {
      e.cause = kCauseError;
    }
  }
  Record(std::move(e));
  return s;
}

}  // namespace rotagent::audit
