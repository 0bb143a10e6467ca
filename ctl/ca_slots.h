// Where a CA rotation keeps its CAs: the current one in ca_dir (the signer's), the new one in
// ca_dir/next until phase 3 converged, then promoted into ca_dir while the old one moves to
// ca_dir/retired/<rotation id> (an abandoned new CA to ca_dir/abandoned/<rotation id>). Nothing
// is ever overwritten. Also issues rotctl's own client identity from the new CA.
#pragma once

#include <filesystem>
#include <string>

#include "ctl/ca_rotation_state.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {

std::filesystem::path NextCaDir(const Inventory& inv);

// The new CA, made by the configured signer: file, a new key (0600) and self-signed
// certificate in ca_dir/next; pkcs11, a new non-extractable key labelled
// "<key_label>-<rotation id>" in the token, its certificate in ca_dir/next. A next CA left by an
// interrupted start is reused. The command signer is refused (its CA is not rotctl's). Returns
// the new CA certificate (PEM).
Result<std::string> MakeNextCa(const Inventory& inv, const std::string& rotation_id,
                               const std::string& common_name, int days);
// Idempotent, so an interrupted promotion completes when run again.
Status PromoteNextCa(const Inventory& inv, const std::string& rotation_id);
Status AbandonNextCa(const Inventory& inv, const std::string& rotation_id);

// rotctl's new client identity: a key made here (0600 under <state_dir>/ca-rotation/<id>) and a
// clientAuth leaf for the inventory client certificate's CN, signed by the new CA, checked and
// archived (device "rotctl", profile "client-identity", version <rotation id>).
Result<ClientIdentity> IssueClientIdentity(const Inventory& inv, const std::string& rotation_id,
                                           const std::string& new_ca_pem);

}  // namespace rotagent::ctl
