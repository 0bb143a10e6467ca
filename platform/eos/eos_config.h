// platform.eos: how the EOS adapter reaches eAPI and how long EOS waits before rolling back.
#pragma once

#include <map>
#include <string>

#include "platform/platform_config.h"

namespace rotagent::platform {

// Arista EOS: eAPI on its unix socket (or HTTPS), changes in configuration sessions under a
// commit timer, so EOS itself rolls back a change the agent never finalized.
struct EosConfig final : KindOptions {
  std::string socket = "/var/run/command-api.sock";
  // HTTPS instead of the socket when https_address is set; the password is read from a file.
  std::string https_address, https_ca_file, https_user, https_password_file;
  int timeout_seconds = 30;
  int commit_timer_seconds = 660;   // longer than any confirm timeout
  std::string login_proof = "ssh";  // ssh: a real login at ssh.address; readback: config only
  // ssl profile -> "host:port" of a listener serving it, proven by a TLS handshake after a change
  std::map<std::string, std::string> listeners;
};

}  // namespace rotagent::platform
