// The one stream loop of every Rotate-style service. It owns what all of them share: the confirm
// and idle watch, reading, writing, Finalize, and the rollback on every kind of stream end
// (cancel, half-close, timeout, error). A service supplies only what it does with one request.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/sync_stream.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "agent/grpc_status.h"
#include "agent/rotate_stream.h"
#include "agent/rotation_session.h"

namespace rotagent {

// What a service makes of one request of its stream.
template <typename Resp>
struct StreamStep {
  Status status;              // not OK: the stream ends with it and the session rolls back
  std::optional<Resp> reply;  // written to the client
  bool finalize = false;      // commit the session and end the stream

  static StreamStep Reply(Resp r) { return {Status::Ok(), std::move(r), false}; }
  static StreamStep Fail(Status s) { return {std::move(s), std::nullopt, false}; }
  static StreamStep Finalize() { return {Status::Ok(), std::nullopt, true}; }
};

// How a stream's end is worded; the statuses are part of each service's behaviour.
struct StreamNames {
  std::string what;            // log subject, e.g. "certz Rotate on profile 'p'"
  std::string finalize;        // the finalize message's name, e.g. "finalize_rotation"
  std::string rolled_back;     // e.g. "the rotation was rolled back"
  std::string ended_unstaged;  // ABORTED message of a stream that staged nothing; empty: as staged
};

// Whether the stream of `ctx` is still open, for RotationGate's newcomers.
inline std::function<bool()> StreamOpen(grpc::ServerContext* ctx) {
  return [ctx] { return !ctx->IsCancelled(); };
}

// A stream that parses its requests itself (certz: see certz/rotate_request_stream.h). When its
// Read returns false because a request arrived but could not be parsed, UnreadableRequest says
// why, and the stream ends with that status instead of a plain end-of-stream.
template <typename Resp, typename Req>
class ParsingStream : public grpc::ServerReaderWriterInterface<Resp, Req> {
 public:
  virtual Status UnreadableRequest() const = 0;
};

namespace detail {

template <typename Resp, typename Req>
Status UnreadableRequest(grpc::ServerReaderWriterInterface<Resp, Req>* stream) {
  const auto* parsing = dynamic_cast<const ParsingStream<Resp, Req>*>(stream);
  return parsing != nullptr ? parsing->UnreadableRequest() : Status::Ok();
}

// Rolls the session back after the stream ended without Finalize and says why.
inline grpc::Status EndOfStream(RotationSession& session, StreamWatch& watch,
                                const StreamNames& names) {
  const bool staged = session.staged();
  const std::string why = watch.Why();
  if (!why.empty()) spdlog::warn("{} ended: {}", names.what, why);
  session.Rollback(why.empty() ? "the stream ended before " + names.finalize : why);
  switch (watch.fired()) {
    case StreamWatch::Fired::kConfirm:
      return {grpc::StatusCode::DEADLINE_EXCEEDED,
              "no " + names.finalize + " within the confirm timeout; " + names.rolled_back};
    case StreamWatch::Fired::kIdle:
      return {grpc::StatusCode::DEADLINE_EXCEEDED, why + "; " + names.rolled_back};
    case StreamWatch::Fired::kNo:
      break;
  }
  if (!staged && !names.ended_unstaged.empty()) {
    return {grpc::StatusCode::ABORTED, names.ended_unstaged};
  }
  return {grpc::StatusCode::ABORTED,
          "stream ended before " + names.finalize + "; " + names.rolled_back};
}

}  // namespace detail

// Runs `session` to its end. `first` is a request the service already read (to learn what the
// stream rotates), or null. `handle(Req&)` returns a StreamStep<Resp>. Any return before Finalize
// leaves the session to its owner, whose destruction rolls back what was staged. `read_ended`, if
// set, is told when the client's side ended before Finalize (cancel, half-close, a timeout's
// cancel), so the audit trail can tell that apart from a refused request.
template <typename Req, typename Resp, typename Handle>
grpc::Status RunRotateStream(grpc::ServerContext* ctx,
                             grpc::ServerReaderWriterInterface<Resp, Req>* stream,
                             RotationSession& session, StreamTimeouts timeouts,
                             const StreamNames& names, std::type_identity_t<Req>* first,
                             Handle handle, const std::function<void()>& read_ended = {}) {
  StreamWatch watch(ctx, timeouts);
  Req req;
  bool pending = first != nullptr;
  if (pending) req.Swap(first);
  while (true) {
    if (!pending) {
      watch.Waiting();
      if (!stream->Read(&req)) {
        if (Status bad = detail::UnreadableRequest(stream); !bad.ok()) {
          session.Rollback(bad.message());
          return ToGrpc(bad);
        }
        if (read_ended) read_ended();
        return detail::EndOfStream(session, watch, names);
      }
      watch.Received();
    }
    pending = false;
    StreamStep<Resp> step = handle(req);
    req.Clear();
    // Commit at once: clients do not always half-close after Finalize.
    if (step.finalize) return ToGrpc(session.Finalize());
    if (!step.status.ok()) return ToGrpc(step.status);
    if (step.reply && !stream->Write(*step.reply)) {
      return {grpc::StatusCode::CANCELLED, "client went away"};
    }
  }
}

}  // namespace rotagent
