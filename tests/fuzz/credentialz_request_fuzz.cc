// credentialz request handling: any bytes as account and host requests, through translation,
// authorized-key and SSH certificate parsing and authorized_keys rendering.
#include "agent/credentialz/credentialz_translate.h"
#include "agent/credentialz/password.h"
#include "agent/credentialz/ssh_key.h"

namespace cz = gnsi::credentialz::v1;
using namespace rotagent::credentialz;  // NOLINT(google-build-using-namespace): fuzz harness

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)ParsePublicKey(bytes, "fuzz");
  (void)ParseCertificate(bytes, "fuzz");
  cz::RotateAccountCredentialsRequest acct;
  if (acct.ParseFromString(bytes)) {
    if (acct.has_password()) {
      auto pw = PasswordsFromProto(*acct.mutable_password());
      if (pw.ok()) {
        for (auto& u : *pw) {
          (void)(u.plaintext ? CheckPlaintext(u.secret.reveal(), u.account)
                             : CheckCryptHash(u.kind, u.secret.reveal(), u.account));
        }
      }
    }
    if (acct.has_credential()) {
      auto keys = KeysFromProto(acct.credential());
      if (keys.ok()) {
        for (const auto& k : *keys) (void)RenderAuthorizedKeys(k.keys, k.account);
      }
    }
    if (acct.has_user()) {
      auto principals = PrincipalsFromProto(acct.user());
      if (principals.ok()) {
        for (const auto& p : *principals) (void)RenderPrincipals(p.principals, p.account);
      }
    }
  }
  cz::RotateHostParametersRequest host;
  if (host.ParseFromString(bytes)) {
    if (host.has_ssh_ca_public_key()) (void)CaKeysFromProto(host.ssh_ca_public_key());
    if (host.has_server_keys()) (void)ServerKeysFromProto(*host.mutable_server_keys());
    if (host.has_authentication_allowed())
      (void)AuthMethodsFromProto(host.authentication_allowed());
    if (host.has_authorized_principal_check())
      (void)ToolFromProto(host.authorized_principal_check());
  }
  return 0;
}
