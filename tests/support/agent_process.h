// Runs the real rotagentd binary for integration tests. Readiness is the daemon's own sd_notify
// READY=1 on a socket the test owns, so no test waits on a timer.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "tests/support/notify_socket.h"

namespace rotagent::testing {

class AgentProcess {
 public:
  AgentProcess(std::filesystem::path dir, std::string config_yaml);
  // An installed agent: `binary` with the config file already at `config` (nothing is written).
  AgentProcess(std::filesystem::path dir, std::string binary, std::filesystem::path config);
  ~AgentProcess();

  // Runs the agent in its own mount namespace with `etc` bind-mounted over /etc, so several
  // agents on one machine each own their accounts (needs root).
  void SetPrivateEtc(std::filesystem::path etc) { private_etc_ = std::move(etc); }
  // Runs the agent with RLIMIT_NOFILE soft = hard = `limit`, as a unit's LimitNOFILE does.
  void SetFdLimit(unsigned long limit) { fd_limit_ = limit; }
  // Starts the agent and waits for READY=1; throws with the agent's log on failure.
  void Start(const std::map<std::string, std::string>& env = {});
  // Sends `sig`; returns the wait status once the process is gone.
  int Stop(int sig = 15);
  // Waits for the process to exit by itself (e.g. at a failpoint); returns the wait status.
  int WaitExit(std::chrono::seconds timeout = std::chrono::seconds(30));
  void Signal(int sig);
  // Waits for a notify message containing `token` (e.g. "READY=1" after SIGHUP).
  bool WaitNotify(const std::string& token,
                  std::chrono::seconds timeout = std::chrono::seconds(20));

  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::string Log() const;
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  void ReapGroup();

  std::filesystem::path dir_;
  std::filesystem::path config_path_;
  std::unique_ptr<NotifySocket> notify_;
  std::filesystem::path private_etc_;
  unsigned long fd_limit_ = 0;
  std::string binary_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Names a test parameterized by failpoint after it ("txn.staged" -> "txn_staged").
struct FailpointName {
  template <typename ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    std::string n = info.param;
    for (char& c : n) {
      if (c == '.') c = '_';
    }
    return n;
  }
};

// Path to the rotagentd binary under test (set by CMake).
std::string AgentBinary();

}  // namespace rotagent::testing
