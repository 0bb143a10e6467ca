// rotctl ca rotate start | status | advance | resume | rollback
#include <iostream>

#include "ctl/ca_rotation.h"
#include "ctl/cli.h"

namespace rotagent::ctl {
namespace {

void PrintRotation(const CaRotation& r) {
  std::cout << "CA rotation " << r.id << " (" << r.state << "): " << DescribeStep(r.step().action)
            << "\n";
}

int PrintRun(const CaStepRun& run, const Options& o) {
  if (o.json()) {
    std::cout << nlohmann::json{{"rotation", CaRotationJson(run.rotation)},
                                {"operation", OperationJson(run.op)}}
                     .dump(2)
              << "\n";
    return ExitFor(run.op);
  }
  PrintRotation(run.rotation);
  std::cout << "operation " << run.op.id << ": " << Name(run.op.status)
            << (run.op.error.empty() ? "" : " (" + run.op.error + ")") << "\n";
  std::vector<std::vector<std::string>> rows = {{"DEVICE", "STATUS", "TRIES", "DETAIL"}};
  for (const auto& d : run.op.devices) {
    rows.push_back({d.device, std::string(Name(d.status)),
                    d.attempts > 0 ? std::to_string(d.attempts) : "", d.detail});
  }
  PrintTable(rows);
  if (run.rotation.state == "done") std::cout << "the new CA now signs; the old one is retired\n";
  return ExitFor(run.op);
}

int Status(const Inventory& inv, const Options& o) {
  auto r = LoadCaRotation(inv);
  if (!r.ok()) return Fail(r.status());
  if (!*r) return Fail(NotFound("no CA rotation was ever started in " + inv.state_dir.string()));
  nlohmann::json j = CaRotationJson(**r);
  std::map<std::string, std::string> pending;
  if ((*r)->open()) pending = Unconverged(inv, **r, o.concurrency);
  j["pendingDevices"] = pending;
  if (o.json()) {
    std::cout << j.dump(2) << "\n";
  } else {
    PrintRotation(**r);
    std::vector<std::vector<std::string>> rows = {{"STEP", "LABEL", "OPERATIONS", "CONVERGED"}};
    for (const auto& s : (**r).steps) {
      rows.push_back({s.action, s.label, Join(s.operations), Join(s.converged)});
    }
    PrintTable(rows);
    for (const auto& [device, why] : pending)
      std::cout << "pending " << device << ": " << why << "\n";
  }
  return pending.empty() ? kExitOk : kExitPartial;
}

}  // namespace

int CaRotateCommand(const Inventory& inv, const Options& o) {
  const std::string& verb = o.args[2];
  if (verb == "status") return Status(inv, o);
  const CaRotateRequest req{o.concurrency, o.strict, o.name, o.days, !o.json()};
  Result<CaStepRun> run = verb == "start"     ? StartCaRotation(inv, req)
                          : verb == "advance" ? AdvanceCaRotation(inv, req)
                          : verb == "resume"  ? ResumeCaRotation(inv, req)
                                              : RollbackCaRotation(inv, req);
  if (!run.ok()) return Fail(run.status());
  return PrintRun(*run, o);
}

}  // namespace rotagent::ctl
