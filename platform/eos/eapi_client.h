// A client for Arista eAPI: JSON-RPC `runCmds` over HTTP, on the local unix socket
// (`management api http-commands / protocol unix-socket`) or, as an option, over HTTPS.
// Commands and their results are never logged: a secret sha512 hash is a command argument.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "platform/eos/eos_config.h"

namespace rotagent::platform::eos {

class EapiClient {
 public:
  explicit EapiClient(EosConfig config) : ep_(std::move(config)) {}

  // Runs `cmds` after "enable" in one runCmds call and returns one result per command (without
  // enable's). `format` is "json" or "text" (each text result is {"output": "..."}).
  // eAPI errors map to statuses naming the failing command: invalid input INVALID_ARGUMENT,
  // unauthorized PERMISSION_DENIED, anything else FAILED_PRECONDITION; a transport failure
  // UNAVAILABLE.
  Result<nlohmann::json> Run(const std::vector<std::string>& cmds,
                             const std::string& format = "json") const;
  // The text output of one show command.
  Result<std::string> Text(const std::string& cmd) const;

 private:
  Result<std::string> Post(const std::string& body) const;

  EosConfig ep_;
};

// What an eAPI error response means, as a status naming the failing command, scrubbed of
// secrets (ScrubSecrets) before anyone can log or return it.
Status EapiError(const nlohmann::json& error, const std::vector<std::string>& cmds);
// `text` with every secret argument and crypt(3) hash replaced by "<redacted>".
std::string ScrubSecrets(std::string text);

}  // namespace rotagent::platform::eos
