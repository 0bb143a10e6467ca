// The capability every platform has: putting a certz profile's material where the box's own
// services read it, and taking it back.
#pragma once

#include <filesystem>
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

class CertSink {
 public:
  virtual ~CertSink() = default;

  // Makes the candidate what new users of the profile see.
  virtual Status StageCert(const CertInstall& candidate) = 0;
  virtual Status CommitCert(const CertInstall& committed) = 0;
  // Puts `previous` back; nullopt means the profile held nothing before.
  virtual Status RollbackCert(const std::string& profile,
                              const std::optional<CertInstall>& previous) = 0;

  // Why the box's copy of a committed profile differs from it ("" when it does not). The reason
  // names files and versions, never content.
  virtual Result<std::string> CertDrift(const CertInstall& committed) const = 0;
};

}  // namespace rotagent::platform
