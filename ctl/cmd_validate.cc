// rotctl validate NAME
#include <unistd.h>

#include <iostream>

#include "common/atomic_file.h"
#include "ctl/cli.h"
#include "ctl/device_status.h"
#include "ctl/validate.h"

namespace rotagent::ctl {

int ValidateCommand(const Inventory& inv, const Options& o) {
  const Device* device = inv.Find(o.args[1]);
  if (device == nullptr) return Fail(NotFound("no device '" + o.args[1] + "' in " + inv.source));
  const auto checks =
      Validate(inv, *device, {o.profile, o.account, o.ssh_address, o.platform_checks});
  const nlohmann::json report = ValidationReport(*device, checks);
  std::filesystem::path path = o.report;
  if (path.empty()) {
    path = inv.state_dir / ("validate-" + device->name + "-" + std::to_string(time(nullptr)) + "-" +
                            std::to_string(getpid()) + ".json");
  }
  if (Status s = MakeDirs(path.parent_path().empty() ? "." : path.parent_path(), 0700); !s.ok()) {
    return Fail(s);
  }
  if (Status s = WriteFileAtomic(path, report.dump(2) + "\n", 0600); !s.ok()) return Fail(s);
  if (o.json()) {
    std::cout << report.dump(2) << "\n";
  } else {
    std::vector<std::vector<std::string>> rows = {{"CHECK", "RESULT", "SECONDS", "DETAIL"}};
    size_t pass = 0, fail = 0, skip = 0;
    for (const auto& c : checks) {
      char secs[16];
      snprintf(secs, sizeof secs, "%.1f", c.seconds);
      rows.push_back({c.name,
                      c.result == "pass"   ? "PASS"
                      : c.result == "fail" ? "FAIL"
                                           : "skip",
                      secs, c.detail});
      (c.result == "pass" ? pass : c.result == "fail" ? fail : skip)++;
    }
    std::cout << "validate " << device->name << " (" << device->address << ")\n";
    PrintTable(rows);
    std::cout << pass << " passed, " << fail << " failed, " << skip << " skipped; report "
              << path.string() << "\n";
  }
  return report["passed"] ? kExitOk : kExitFailed;
}

}  // namespace rotagent::ctl
