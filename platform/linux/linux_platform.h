// Linux: a profile's material is copied to configured paths for other on-box services, with
// operator hooks around each step (for example to reload nginx).
#pragma once

#include "platform/platform.h"

namespace rotagent::platform {

class LinuxPlatform final : public Platform {
 public:
  explicit LinuxPlatform(PlatformConfig config) : config_(std::move(config)) {}

  std::string Name() const override { return "linux"; }
  Status StageCert(const CertInstall& candidate) override;
  Status CommitCert(const CertInstall& committed) override;
  Status RollbackCert(const std::string& profile,
                      const std::optional<CertInstall>& previous) override;
  std::map<std::string, std::string> Describe() const override;

 private:
  const CertTarget* TargetOf(const std::string& profile) const;
  Status Install(const CertTarget& t, const CertInstall& c) const;
  Status Hook(const std::vector<std::string>& argv, const std::string& phase,
              const std::string& profile, const CertInstall* c, const CertTarget& t) const;

  PlatformConfig config_;
};

}  // namespace rotagent::platform
