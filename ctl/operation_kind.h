// The kinds of fabric operation and the statuses an operation and each of its devices go through,
// as types: the command table names the kind, and every record and report spells it from here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rotagent::ctl {

enum class OperationKind {
  kRotateCertificates,
  kRotatePasswords,
  kResyncCertificates,
  kResyncPasswords,
  // A certificate resync of the devices whose leaves near expiry (rotctl renew).
  kRenewCertificates,
  kCaRotation  // one step of a CA rotation (ctl/ca_rotation.h); a certificate operation
};

// What an operation changes; fabric status is kept per class.
enum class CredentialClass { kCertificates, kPasswords };

enum class OperationStatus { kAccepted, kInProgress, kSucceeded, kPartialSuccess, kFailed };

enum class DeviceState { kPending, kInProgress, kSucceeded, kFailed, kSkipped };

// "RotateCertificates", ...; the names records and JSON output carry.
std::string_view Name(OperationKind kind);
std::string_view Name(CredentialClass c);  // "certificates" | "passwords"
std::string_view Name(OperationStatus status);
std::string_view Name(DeviceState state);

std::optional<OperationKind> ParseOperationKind(std::string_view name);
std::optional<OperationStatus> ParseOperationStatus(std::string_view name);
std::optional<DeviceState> ParseDeviceState(std::string_view name);

CredentialClass ClassOf(OperationKind kind);
bool IsResync(OperationKind kind);
inline bool IsCertificates(OperationKind kind) {
  return ClassOf(kind) == CredentialClass::kCertificates;
}
inline bool IsDone(OperationStatus s) {
  return s == OperationStatus::kSucceeded || s == OperationStatus::kPartialSuccess ||
         s == OperationStatus::kFailed;
}

}  // namespace rotagent::ctl
