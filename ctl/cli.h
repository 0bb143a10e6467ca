// What rotctl's commands share: parsed options, exit codes and output helpers.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/inventory.h"
#include "ctl/operation_kind.h"

namespace rotagent::ctl {

struct Operation;

// Exit codes, as documented in `rotctl --help`.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitPartial = 3;
constexpr int kExitRefused = 4;

struct Options {
  std::string inventory = "inventory.yaml";
  std::string output = "table";
  int concurrency = 16;
  bool wait = false;
  bool strict = false;  // rotations and resyncs: refuse when any device fails pre-flight
  std::string within = "30d";
  int take = 0;  // 0: all
  int days = 3650;
  std::string name;
  std::string account, ssh_address, profile, report;  // validate
  std::string platform_checks;                        // validate --platform-checks
  int lock_fd = -1;      // internal: the fabric lock handed to a background runner
  int version = 0;       // secrets show: 0 is the current version
  std::string to;        // secrets show: a new 0600 file instead of the terminal
  std::string device;    // archive list
  bool dry_run = false;  // secrets purge, renew: print the plan, change nothing
  std::string threshold = "1/3", jitter = "15m";  // renew (ctl/renew.h)
  std::string textfile;                           // renew: Prometheus metrics written here
  std::string at;  // renew: judge the threshold at this RFC 3339 time instead of now
  std::vector<std::string> args;
  bool json() const { return output == "json"; }
  bool prometheus() const { return output == "prometheus"; }
};

// Prints "rotctl: <message>" and returns the exit code for the status: 2 for bad input or an
// unknown name, 4 for a guardrail's refusal, 1 otherwise.
int Fail(const Status& s);
// 0 for a succeeded (or still running) operation, 3 for partial success, 1 for failure.
int ExitFor(const Operation& op);
void PrintTable(const std::vector<std::vector<std::string>>& rows);
std::string Join(const std::vector<std::string>& v);  // "a, b" or "-"

int CaCommand(const Inventory& inv, const Options& o);
int CaRotateCommand(const Inventory& inv, const Options& o);  // ca rotate ...
int DeviceShow(const Inventory& inv, const Options& o);
int FabricShow(const Inventory& inv, const Options& o);
int ExpiryReport(const Inventory& inv, const Options& o);
int StartOperation(const Inventory& inv, const Options& o, OperationKind kind,
                   const std::string& device);
int OperationShow(const Inventory& inv, const Options& o);
int RunInBackground(const Inventory& inv, const Options& o);  // internal
int ValidateCommand(const Inventory& inv, const Options& o);
int RenewCommand(const Inventory& inv, const Options& o);  // ctl/renew.cc
int SecretsCommand(const Inventory& inv, const Options& o);
int ArchiveCommand(const Inventory& inv, const Options& o);

}  // namespace rotagent::ctl
