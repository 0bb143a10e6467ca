// The `command` signer: an external CA (step-ca, Vault PKI, a corporate CA) run as a program that
// reads the device's CSR (PEM) on stdin and writes the chain (PEM, leaf first) on stdout. What
// rotctl asks for is in its environment: ROTCTL_CN, ROTCTL_DNS (comma-separated), ROTCTL_USAGE
// (server | client), ROTCTL_DAYS. It runs with a deadline in its own process group; any failure
// is an error naming the program, and its answer is checked like any signer's.
#pragma once

#include "ctl/pki_config.h"
#include "ctl/signer.h"

namespace rotagent::ctl {

class CommandSigner : public Signer {
 public:
  explicit CommandSigner(SignerConfig config) : config_(std::move(config)) {}
  std::string Describe() const override { return "command " + config_.command[0]; }
  Result<std::string> Sign(const std::string& csr_pem, const LeafSpec& spec) const override;

 private:
  SignerConfig config_;
};

}  // namespace rotagent::ctl
