// The real Debian sshd on a loopback port for tests, with its own config, host key and pid file
// in a scratch directory. Its config includes the fragment directory the agent writes to.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/notify_socket.h"

namespace rotagent::testing {

class SshdProcess {
 public:
  explicit SshdProcess(std::filesystem::path dir);
  ~SshdProcess();

  // Starts sshd and waits for its READY=1; throws with its log on failure.
  void Start();
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path config() const { return dir_ / "sshd_config"; }
  std::filesystem::path fragment() const { return dir_ / "sshd_config.d" / "50-rotagent.conf"; }
  std::filesystem::path pid_file() const { return dir_ / "sshd.pid"; }
  std::filesystem::path host_public_key() const { return dir_ / "base_host_key.pub"; }
  std::string Log() const;

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<NotifySocket> notify_;
};

// A free loopback TCP port, for a server that cannot be told to pick one itself.
int FreePort();

}  // namespace rotagent::testing
