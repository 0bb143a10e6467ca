// The one interface between the daemon core and a device kind. Everything device-specific lives
// behind it; nothing here knows about gRPC or protobuf.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::platform {

// A version of a certz profile, as files in a store slot.
struct CertInstall {
  std::string profile;
  std::string role;                // "server" or "client"
  std::string version;             // certificate chain version, for hooks and logs
  std::filesystem::path slot_dir;  // chain.pem, key.pem (0600), trust.pem, crl.pem
};

// Where a profile's material goes on the box, and what to run around each step.
struct CertTarget {
  std::string cert_path, key_path, trust_bundle_path, crl_path;     // empty: not installed
  std::vector<std::string> stage_hook, commit_hook, rollback_hook;  // argv; empty: none
};

struct PlatformConfig {
  std::string kind = "linux";
  int hook_timeout_seconds = 30;
  std::map<std::string, CertTarget> cert_targets;  // by profile id
};

class Platform {
 public:
  virtual ~Platform() = default;
  virtual std::string Name() const = 0;

  // Makes the candidate what new users of the profile see.
  virtual Status StageCert(const CertInstall& candidate) = 0;
  virtual Status CommitCert(const CertInstall& committed) = 0;
  // Puts `previous` back; nullopt means the profile held nothing before.
  virtual Status RollbackCert(const std::string& profile,
                              const std::optional<CertInstall>& previous) = 0;

  // Facts reported in state (kind, model, OS version).
  virtual std::map<std::string, std::string> Describe() const = 0;
};

// The platform named by config.kind; InvalidArgument for an unknown kind.
Result<std::unique_ptr<Platform>> Create(const PlatformConfig& config);

}  // namespace rotagent::platform
