// The seam between the daemon core and a device kind: a platform is a certificate sink and,
// optionally, an account sink and an SSH-host sink, plus the facts it reports. The core asks
// for a capability and answers UNIMPLEMENTED, naming the platform, when it is absent; nothing
// here knows about gRPC or protobuf. Kinds register themselves (registry.h).
#pragma once

#include <string>
#include <vector>

#include "platform/account_sink.h"
#include "platform/cert_sink.h"
#include "platform/facts.h"
#include "platform/platform_config.h"
#include "platform/ssh_host_sink.h"

namespace rotagent::platform {

class Platform {
 public:
  virtual ~Platform() = default;
  virtual std::string Name() const = 0;

  virtual CertSink& Certs() = 0;
  // nullptr: the platform does not manage local accounts.
  virtual AccountSink* Accounts() { return nullptr; }
  // nullptr: the platform does not manage the SSH server.
  virtual SshHostSink* SshHost() { return nullptr; }

  virtual Facts Describe() const = 0;
};

// One capability and whether `platform` provides it, under the name the agent's state reports
// it (/rotation/agent/state/platform-capability[name=...]/supported).
struct Capability {
  const char* name;  // "certificates", "accounts", "ssh-host"
  bool provided;
};
std::vector<Capability> CapabilitiesOf(Platform& platform);

// UNIMPLEMENTED naming the platform and the capability it lacks, e.g. "platform 'eos' has no
// SSH host capability: ...".
Status Missing(const Platform& platform, const std::string& capability, const std::string& what);

}  // namespace rotagent::platform
