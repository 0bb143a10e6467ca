// What one credentialz request changes, as the audit trail names it: the kind and the accounts
// ("password: admin, telcoro") and the version the controller gave. Read from the request before
// it is translated (which wipes the secrets); never a password, hash or key.
#pragma once

#include <string>

#include "gnsi/credentialz/v1/credentialz.pb.h"

namespace rotagent::credentialz {

struct AuditStep {
  std::string what;
  std::string version;
};

AuditStep AuditOf(const gnsi::credentialz::v1::RotateAccountCredentialsRequest& req);
AuditStep AuditOf(const gnsi::credentialz::v1::RotateHostParametersRequest& req);

}  // namespace rotagent::credentialz
