// The watch that ends a Rotate stream holding the rotation lock too long (no finalize within the
// confirm timeout) or idle too long (the client sends nothing while it is its turn). One thread
// watches every open stream: a stream costs no thread of its own, and its turns wake nobody.
#pragma once

#include <grpcpp/server_context.h>

#include <chrono>
#include <memory>
#include <string>

namespace rotagent {

struct StreamTimeouts {
  int confirm_seconds = 300;
  int idle_seconds = 60;
};

// Started when a stream takes the rotation lock. Cancels the stream when finalize has not come
// within `confirm` of that, or when the client has been silent for `idle` while it was its turn.
class StreamWatch {
 public:
  enum class Fired { kNo, kConfirm, kIdle };

  StreamWatch(grpc::ServerContext* ctx, StreamTimeouts t);
  StreamWatch(const StreamWatch&) = delete;
  StreamWatch& operator=(const StreamWatch&) = delete;
  // Once it returns, the watch no longer touches the stream.
  ~StreamWatch();

  // The agent waits for the client's next message: the idle clock runs from now.
  void Waiting() { Turn(true); }
  // A message arrived; the agent works on it (however long a hook takes, that is not idling).
  void Received() { Turn(false); }

  Fired fired() const;
  // Why the stream was ended, for the status and the rollback reason.
  std::string Why() const;

  struct Watched;  // the state the watching thread reads

 private:
  void Turn(bool waiting);

  std::unique_ptr<Watched> watched_;
};

}  // namespace rotagent
