// One audit record: who changed (or tried to change) which credential, from where, and how it
// ended. Fields hold names, versions, addresses and status messages only, never key material or
// a password: the agent's status messages are secret-free by rule, and nothing else goes in.
#pragma once

#include <cstdint>
#include <string>

namespace rotagent::audit {

// Event names, in gNSI's vocabulary for a rotation's life (rotate, finalized, not finalized ->
// reverted, invalid), plus the changes that are not rotations.
inline constexpr const char* kRotate = "rotate";        // a Rotate stream took the lock
inline constexpr const char* kUpload = "upload";        // one request of it was accepted
inline constexpr const char* kInvalid = "invalid";      // a request or call was refused
inline constexpr const char* kFinalized = "finalized";  // committed
inline constexpr const char* kReverted = "reverted";    // rolled back; `cause` says why
inline constexpr const char* kProfileAdded = "profile-added";
inline constexpr const char* kProfileDeleted = "profile-deleted";
inline constexpr const char* kSet = "set";        // a gNMI Set, applied or refused
inline constexpr const char* kDenied = "denied";  // authorization refused the client

// Why a rotation was reverted.
inline constexpr const char* kCauseCancel = "cancel";         // the client cancelled the call
inline constexpr const char* kCauseHalfClose = "half-close";  // it closed before finalize
inline constexpr const char* kCauseTimeout = "timeout";       // confirm or idle timeout
inline constexpr const char* kCauseError = "error";           // a request failed
inline constexpr const char* kCauseRestart = "restart";       // the agent restarted mid-way

struct Event {
  int64_t time_ns = 0;  // wall clock; set by the trail when 0
  std::string event;
  std::string rpc;     // full method, e.g. /gnsi.certz.v1.Certz/Rotate; "recovery" at start
  std::string client;  // the client certificate's identity ("CN=rotctl"); empty for the agent
  std::string peer;    // the client's address as gRPC reports it ("ipv4:10.0.0.1:53211")
  std::string target;  // profile, account, host or gNMI path
  std::string version_before;
  std::string version_after;
  std::string outcome;  // started, accepted, refused, committed, rolled-back, applied, denied
  std::string cause;    // for kReverted
  int code = 0;         // gRPC status code
  std::string message;  // the status message sent to the client
};

// The gRPC name of a status code ("PERMISSION_DENIED").
const char* CodeName(int code);
// One JSON object on one line, without the newline.
std::string ToJson(const Event& e);

}  // namespace rotagent::audit
