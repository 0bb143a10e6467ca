#include "agent/state/admin_state.h"

#include "common/atomic_file.h"

namespace rotagent::state {

AdminState::AdminState(std::filesystem::path file, std::string configured)
    : file_(std::move(file)), value_(std::move(configured)) {
  auto stored = ReadFile(file_);
  if (stored.ok() && Check(*stored).ok()) value_ = *stored;
}

Status AdminState::Check(const std::string& value) {
  if (value == "enabled" || value == "disabled" || value == "maintenance" || value == "locked") {
    return Status::Ok();
  }
  return InvalidArgument("admin-state '" + value +
                         "' is not one of enabled, disabled, maintenance, locked");
}

std::string AdminState::Get() const {
  std::lock_guard lock(mu_);
  return value_;
}

Status AdminState::Set(const std::string& value) {
  ROTAGENT_RETURN_IF_ERROR(Check(value));
  std::lock_guard lock(mu_);
  ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(file_, value, 0600));
  value_ = value;
  return Status::Ok();
}

Status AdminState::Admit() const {
  const std::string v = Get();
  if (v == "enabled") return Status::Ok();
  return FailedPrecondition("the agent's admin-state is '" + v +
                            "'; rotations are refused until it is 'enabled'");
}

}  // namespace rotagent::state
