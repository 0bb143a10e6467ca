// Protobuf <-> credentialz domain types. Every field is checked here or in the engine; errors
// name the field. Secrets are moved out of the request and the request's copy is wiped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/credentialz/engine.h"
#include "gnsi/credentialz/v1/credentialz.pb.h"

namespace rotagent::credentialz {

namespace pb = gnsi::credentialz::v1;

Result<std::vector<PasswordUpdate>> PasswordsFromProto(pb::PasswordRequest& req);
Result<std::vector<KeysUpdate>> KeysFromProto(const pb::AuthorizedKeysRequest& req);
Result<std::vector<PrincipalsUpdate>> PrincipalsFromProto(const pb::AuthorizedUsersRequest& req);

Result<std::vector<PublicKey>> CaKeysFromProto(const pb::CaPublicKeyRequest& req);
std::vector<HostKeyUpload> ServerKeysFromProto(pb::ServerKeysRequest& req);
Result<KeyKind> KeyGenFromProto(pb::KeyGen g);
Result<std::vector<std::string>> AuthMethodsFromProto(const pb::AllowedAuthenticationRequest& req);
Result<std::optional<std::string>> ToolFromProto(const pb::AuthorizedPrincipalCheckRequest& req);

// An OpenSSH public key line as a PublicKey message, its key_type derived from the key.
pb::PublicKey PublicKeyToProto(const std::string& line);

}  // namespace rotagent::credentialz
