// One certificate rotation's issuing: the inventory's signer signs the device's CSR, the answer
// is checked (ctl/issued_check.h), and the checked chain is archived before it may be uploaded.
// Shared by the operation's worker threads.
#pragma once

#include <memory>
#include <string>

#include "ctl/archive.h"
#include "ctl/inventory.h"
#include "ctl/issued_check.h"
#include "ctl/signer.h"

namespace rotagent::ctl {

class Issuer {
 public:
  static Result<std::shared_ptr<Issuer>> Open(const Inventory& inv, const std::string& operation);
  // With a given signer and roots: a CA rotation issues from its new (or, rolling back, old) CA.
  static std::shared_ptr<Issuer> Make(const Inventory& inv, const std::string& operation,
                                      std::unique_ptr<Signer> signer, std::string roots);

  Result<CheckedChain> Issue(const std::string& csr_pem, const LeafSpec& spec,
                             const std::string& device, const std::string& profile,
                             const std::string& version) const;
  // The device refused the upload of `issued` (it already held `version`): its archive entry
  // says so, and is never referred to as what the device holds.
  Status NotInstalled(const CheckedChain& issued, const std::string& device,
                      const std::string& profile, const std::string& version,
                      const std::string& why) const;
  // What verifies the chains: handed to devices as trust anchors.
  const std::string& roots_pem() const { return roots_; }
  const Signer& signer() const { return *signer_; }

 private:
  Issuer(std::unique_ptr<Signer> signer, std::string roots, Archive archive, std::string op)
      : signer_(std::move(signer)),
        roots_(std::move(roots)),
        archive_(std::move(archive)),
        operation_(std::move(op)) {}
  std::unique_ptr<Signer> signer_;
  std::string roots_;
  Archive archive_;
  std::string operation_;
};

}  // namespace rotagent::ctl
