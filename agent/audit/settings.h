// The `audit:` section of the agent configuration (config/README.md, "Audit trail").
#pragma once

#include <cstdint>
#include <filesystem>

namespace rotagent::audit {

struct Settings {
  bool journal = true;         // records to journald with ROTAGENT_AUDIT_* fields
  std::filesystem::path file;  // empty: no file; else an append-only JSON-lines file
  int64_t max_file_bytes =
      int64_t{10} * 1024 * 1024;  // the file is rotated to <file>.1 beyond this
  int max_files = 5;              // rotated files kept: <file>.1 .. <file>.<max_files>
  bool operator==(const Settings&) const = default;
};

}  // namespace rotagent::audit
