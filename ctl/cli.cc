#include "ctl/cli.h"

#include <algorithm>
#include <iostream>

#include "ctl/operation.h"

namespace rotagent::ctl {

int ExitFor(const Operation& op) {
  switch (op.status) {
    case OperationStatus::kPartialSuccess:
      return kExitPartial;
    case OperationStatus::kFailed:
      return kExitFailed;
    default:
      return kExitOk;  // succeeded, or still running
  }
}

int Fail(const Status& s) {
  std::cerr << "rotctl: " << s.message() << "\n";
  switch (s.code()) {
    case Code::kInvalidArgument:
    case Code::kNotFound:
      return kExitUsage;
    case Code::kFailedPrecondition:
      return kExitRefused;
    default:
      return kExitFailed;
  }
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "-" : out;
}

}  // namespace rotagent::ctl
