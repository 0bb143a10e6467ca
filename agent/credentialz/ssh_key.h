// OpenSSH public keys as controllers send them, and the authorized_keys / principals lines the
// agent writes. Pure functions: no file, no network, no libssh.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::credentialz {

enum class KeyKind { kEcdsaP256, kEcdsaP384, kEcdsaP521, kEd25519, kRsa2048, kRsa3072, kRsa4096 };

const char* KeyKindName(KeyKind k);

struct PublicKey {
  std::string algorithm;  // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ...
  std::string base64;     // the canonical base64 of the wire blob
  int rsa_bits = 0;
  std::string Line() const { return algorithm + " " + base64; }
};

// Accepts the base64 blob, a full OpenSSH line ("type base64 [comment]"), the raw wire blob, or
// any of these base64-encoded once more (some clients double-encode). `what` names the key in
// errors, e.g. "authorized key 2 of account 'admin'".
Result<PublicKey> ParsePublicKey(const std::string& bytes, const std::string& what);
// FAILED_PRECONDITION-free check that the key is of the declared kind (INVALID_ARGUMENT if not).
Status CheckKind(const PublicKey& key, KeyKind kind, const std::string& what);

// An OpenSSH certificate line ("<type>-cert-v01@openssh.com base64 [comment]").
struct SshCertificate {
  PublicKey key;      // the certified key, as a plain public key
  bool host = false;  // a host certificate (ssh-keygen -h), not a user one
  std::string line;   // "type base64", without the comment
};
Result<SshCertificate> ParseCertificate(const std::string& text, const std::string& what);

struct KeyOption {
  std::string name;  // OpenSSH spelling: "from", "no-pty", ...
  std::string value;
};
// Renders options as OpenSSH writes them (name or name="value"), rejecting unknown names, a
// missing or unexpected value, and values holding '"', '\' or a control character (OpenSSH
// unescapes only \", so no escaping can carry them faithfully).
Result<std::string> RenderOptions(const std::vector<KeyOption>& options, const std::string& what);

struct AuthorizedKey {
  PublicKey key;
  std::vector<KeyOption> options;
  std::string description;
};
// Descriptions holding '"' or a control character are refused.
Result<std::string> RenderAuthorizedKeys(const std::vector<AuthorizedKey>& keys,
                                         const std::string& account);

struct Principal {
  std::string name;
  std::vector<KeyOption> options;
};
Result<std::string> RenderPrincipals(const std::vector<Principal>& principals,
                                     const std::string& account);

}  // namespace rotagent::credentialz
