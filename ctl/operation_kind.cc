#include "ctl/operation_kind.h"

#include <array>
#include <utility>

namespace rotagent::ctl {
namespace {

template <typename E, size_t N>
std::string_view NameIn(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "Unknown";
}

template <typename E, size_t N>
std::optional<E> ParseIn(const std::array<std::pair<E, std::string_view>, N>& table,
                         std::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<OperationKind, std::string_view>, 6> kKinds = {{
    {OperationKind::kRotateCertificates, "RotateCertificates"},
    {OperationKind::kRotatePasswords, "RotatePasswords"},
    {OperationKind::kResyncCertificates, "ResyncCertificates"},
    {OperationKind::kResyncPasswords, "ResyncPasswords"},
    {OperationKind::kRenewCertificates, "RenewCertificates"},
    {OperationKind::kCaRotation, "CaRotation"},
}};

constexpr std::array<std::pair<OperationStatus, std::string_view>, 5> kStatuses = {{
    {OperationStatus::kAccepted, "Accepted"},
    {OperationStatus::kInProgress, "InProgress"},
    {OperationStatus::kSucceeded, "Succeeded"},
    {OperationStatus::kPartialSuccess, "PartialSuccess"},
    {OperationStatus::kFailed, "Failed"},
}};

constexpr std::array<std::pair<DeviceState, std::string_view>, 5> kDeviceStates = {{
    {DeviceState::kPending, "Pending"},
    {DeviceState::kInProgress, "InProgress"},
    {DeviceState::kSucceeded, "Succeeded"},
    {DeviceState::kFailed, "Failed"},
    {DeviceState::kSkipped, "Skipped"},
}};

}  // namespace

std::string_view Name(OperationKind kind) { return NameIn(kKinds, kind); }
std::string_view Name(OperationStatus status) { return NameIn(kStatuses, status); }
std::string_view Name(DeviceState state) { return NameIn(kDeviceStates, state); }
std::string_view Name(CredentialClass c) {
  return c == CredentialClass::kCertificates ? "certificates" : "passwords";
}

std::optional<OperationKind> ParseOperationKind(std::string_view name) {
  return ParseIn(kKinds, name);
}
std::optional<OperationStatus> ParseOperationStatus(std::string_view name) {
  return ParseIn(kStatuses, name);
}
std::optional<DeviceState> ParseDeviceState(std::string_view name) {
  return ParseIn(kDeviceStates, name);
}

CredentialClass ClassOf(OperationKind kind) {
  return kind == OperationKind::kRotateCertificates || kind == OperationKind::kResyncCertificates ||
                 kind == OperationKind::kRenewCertificates || kind == OperationKind::kCaRotation
             ? CredentialClass::kCertificates
             : CredentialClass::kPasswords;
}

bool IsResync(OperationKind kind) {
  return kind == OperationKind::kResyncCertificates || kind == OperationKind::kResyncPasswords ||
         kind == OperationKind::kRenewCertificates;
}

}  // namespace rotagent::ctl
