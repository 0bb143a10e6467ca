// The agent's administrative state. Only `enabled` lets rotations in; the others refuse them with
// FAILED_PRECONDITION naming the state. Set from config at start, or by gNMI Set (persisted).
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include "common/status.h"

namespace rotagent::state {

class AdminState {
 public:
  // `file` holds a state set at run time; it wins over `configured` until removed.
  AdminState(std::filesystem::path file, std::string configured);
  static Status Check(const std::string& value);  // enabled, disabled, maintenance, locked

  std::string Get() const;
  Status Set(const std::string& value);
  // OK while enabled; FAILED_PRECONDITION naming the state otherwise.
  Status Admit() const;

 private:
  std::filesystem::path file_;
  mutable std::mutex mu_;
  std::string value_;
};

}  // namespace rotagent::state
