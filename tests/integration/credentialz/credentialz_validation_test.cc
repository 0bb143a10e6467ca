// Every bad input gets its own status and a message naming the problem, and changes nothing:
// not /etc/shadow, not the account's files, not sshd's configuration, not the agent's journal.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include "tests/integration/credentialz/credentialz_fixture.h"

namespace rotagent::testing {
namespace {

namespace fs = std::filesystem;
using HashType = cz::PasswordRequest::CryptoHash;

struct AccountCase {
  std::string name;
  std::function<cz::RotateAccountCredentialsRequest(const SshKeyPair&)> request;
  grpc::StatusCode code;
  std::string message;  // a part of the message that names the problem
};

class CredentialzValidationTest : public CredentialzTest {
 protected:
  void ExpectNothingChanged(const std::string& shadow_before, const std::string& what) {
    EXPECT_EQ(ReadFileText("/etc/shadow"), shadow_before) << what;
    for (const char* account : kTestAccounts) {
      EXPECT_FALSE(fs::exists(fs::path(getpwnam(account)->pw_dir) / ".ssh")) << what;
    }
    EXPECT_FALSE(fs::exists("/etc/ssh/rotagent")) << what;
    EXPECT_FALSE(fs::exists(sshd_->fragment())) << what;
    EXPECT_TRUE(fs::is_empty(dir_ / "state/journal")) << what;
    EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin"))) << what;
  }
};

cz::RotateAccountCredentialsRequest WithOption(cz::RotateAccountCredentialsRequest r,
                                               const std::string& name, const std::string& value) {
  auto* o =
      r.mutable_credential()->mutable_credentials(0)->mutable_authorized_keys(0)->add_options();
  o->set_name(name);
  o->set_value(value);
  return r;
}

TEST_F(CredentialzValidationTest, EveryBadAccountRequestIsRefusedPrecisely) {
  const SshKeyPair key = MakeSshKey(dir_.string(), "k", "ed25519");
  const std::string good_hash = "$6$saltsalt$" + std::string(86, 'a');
  const std::vector<AccountCase> cases = {
      {"unmanaged account", [](auto&) { return PlaintextPassword("guest", "Whatever#1", "v1"); },
       grpc::StatusCode::PERMISSION_DENIED, "'guest' is not managed"},
      {"break-glass account", [](auto&) { return PlaintextPassword("root", "Whatever#1", "v1"); },
       grpc::StatusCode::PERMISSION_DENIED, "'root' is not managed"},
      {"managed account missing on the box",
       [](auto&) { return PlaintextPassword("ghost", "Whatever#1", "v1"); },
       grpc::StatusCode::NOT_FOUND, "'ghost' does not exist"},
      {"empty account", [](auto&) { return PlaintextPassword("", "Whatever#1", "v1"); },
       grpc::StatusCode::INVALID_ARGUMENT, "names no account"},
      {"empty version", [](auto&) { return PlaintextPassword("admin", "Whatever#1", ""); },
       grpc::StatusCode::INVALID_ARGUMENT, "version for account 'admin' is empty"},
      {"empty password", [](auto&) { return PlaintextPassword("admin", "", "v1"); },
       grpc::StatusCode::INVALID_ARGUMENT, "password for account 'admin' is empty"},
      {"malformed sha512 hash",
       [](auto&) {
         return HashedPassword("admin", HashType::HASH_TYPE_CRYPT_SHA_2_512, "$6$abc$short", "v1");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "not a crypt SHA-512 string"},
      {"hash type mismatch",
       [&](auto&) {
         return HashedPassword("admin", HashType::HASH_TYPE_CRYPT_MD5, good_hash, "v1");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "does not start with $1$"},
      {"shadow field injection",
       [](auto&) {
         return HashedPassword("admin", HashType::HASH_TYPE_CRYPT_SHA_2_512,
                               "$6$salt$x:0:99999:7:::\nroot::0:0", "v1");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "not a crypt SHA-512 string"},
      {"unknown hash method",
       [](auto&) { return HashedPassword("admin", HashType::HASH_TYPE_UNSPECIFIED, "abcd", "v1"); },
       grpc::StatusCode::INVALID_ARGUMENT, "$id$ method prefix"},
      {"password without value",
       [](auto&) {
         auto r = PlaintextPassword("admin", "x", "v1");
         r.mutable_password()->mutable_accounts(0)->mutable_password()->Clear();
         return r;
       },
       grpc::StatusCode::INVALID_ARGUMENT, "neither plaintext nor crypto_hash"},
      {"malformed key",
       [](auto&) { return AuthorizedKeys("admin", {"not-a-key"}, cz::KEY_TYPE_ED25519, "v1"); },
       grpc::StatusCode::INVALID_ARGUMENT, "authorized key 1 of account 'admin' is not an OpenSSH"},
      {"key type mismatch",
       [](const SshKeyPair& k) {
         return AuthorizedKeys("admin", {k.public_line}, cz::KEY_TYPE_RSA_2048, "v1");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "is ssh-ed25519 but key_type says RSA 2048"},
      {"unspecified key type",
       [](const SshKeyPair& k) {
         return AuthorizedKeys("admin", {k.public_line}, cz::KEY_TYPE_UNSPECIFIED, "v1");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "key_type is unspecified"},
      {"unknown key option",
       [](const SshKeyPair& k) {
         return WithOption(AuthorizedKeys("admin", {k.public_line}, cz::KEY_TYPE_ED25519, "v1"),
                           "make-coffee", "");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "unknown option 'make-coffee'"},
      {"option value breaking the line",
       [](const SshKeyPair& k) {
         return WithOption(AuthorizedKeys("admin", {k.public_line}, cz::KEY_TYPE_ED25519, "v1"),
                           "command", "x\nssh-ed25519 AAAA");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "control character"},
      {"principal with whitespace", [](auto&) { return Principals("admin", {"net ops"}, "v1"); },
       grpc::StatusCode::INVALID_ARGUMENT, "authorized principal 1 of account 'admin'"},
      {"same account twice",
       [](auto&) {
         auto r = PlaintextPassword("admin", "Whatever#1", "v1");
         *r.mutable_password()->add_accounts() = r.password().accounts(0);
         return r;
       },
       grpc::StatusCode::INVALID_ARGUMENT, "appears twice"},
      {"finalize first", [](auto&) { return FinalizeAccounts(); },
       grpc::StatusCode::FAILED_PRECONDITION, "finalize received before any"},
      {"empty request", [](auto&) { return cz::RotateAccountCredentialsRequest(); },
       grpc::StatusCode::INVALID_ARGUMENT, "none of credential, user, password, finalize"},
  };
  const std::string shadow = ReadFileText("/etc/shadow");
  for (const auto& c : cases) {
    grpc::Status s = Refusal(c.request(key));
    EXPECT_EQ(s.error_code(), c.code) << c.name << ": " << s.error_message();
    EXPECT_NE(s.error_message().find(c.message), std::string::npos)
        << c.name << ": " << s.error_message();
    ExpectNothingChanged(shadow, c.name);
  }
}

TEST_F(CredentialzValidationTest, EveryBadHostRequestIsRefusedPrecisely) {
  const SshKeyPair a = MakeSshKey(dir_.string(), "a", "ed25519");
  const SshKeyPair b = MakeSshKey(dir_.string(), "b", "ed25519");
  const SshKeyPair ca = MakeSshKey(dir_.string(), "ca", "ed25519");
  // A host certificate for b, presented with a's private key.
  const std::string cert_b = SignKey(dir_.string(), ca, b, "host", /*host=*/true);
  const std::string user_cert_a = SignKey(dir_.string(), ca, a, "host");
  struct HostCase {
    std::string name;
    cz::RotateHostParametersRequest req;
    grpc::StatusCode code;
    std::string message;
  };
  std::vector<HostCase> cases;
  auto add = [&](std::string name, grpc::StatusCode code, std::string message, auto fill) {
    HostCase c{std::move(name), {}, code, std::move(message)};
    fill(c.req);
    cases.push_back(std::move(c));
  };
  add("malformed private key", grpc::StatusCode::INVALID_ARGUMENT,
      "auth_artifacts[0]: private_key is not", [](auto& r) {
        r.mutable_server_keys()->add_auth_artifacts()->set_private_key("garbage");
        r.mutable_server_keys()->set_version("v1");
      });
  add("certificate of another key", grpc::StatusCode::INVALID_ARGUMENT,
      "certificate does not certify private_key", [&](auto& r) {
        auto* art = r.mutable_server_keys()->add_auth_artifacts();
        art->set_private_key(a.private_key);
        art->set_certificate(cert_b);
        r.mutable_server_keys()->set_version("v1");
      });
  add("user certificate as host certificate", grpc::StatusCode::INVALID_ARGUMENT,
      "is a user certificate, not a host one", [&](auto& r) {
        auto* art = r.mutable_server_keys()->add_auth_artifacts();
        art->set_private_key(a.private_key);
        art->set_certificate(user_cert_a);
        r.mutable_server_keys()->set_version("v1");
      });
  add("no host keys", grpc::StatusCode::INVALID_ARGUMENT, "no auth_artifacts",
      [](auto& r) { r.mutable_server_keys()->set_version("v1"); });
  add("empty version", grpc::StatusCode::INVALID_ARGUMENT, "server_keys version is empty",
      [&](auto& r) {
        r.mutable_server_keys()->add_auth_artifacts()->set_private_key(a.private_key);
      });
  add("no authentication type", grpc::StatusCode::INVALID_ARGUMENT,
      "every SSH login would be refused", [](auto& r) { r.mutable_authentication_allowed(); });
  add("unspecified key generation", grpc::StatusCode::INVALID_ARGUMENT,
      "key_params 0 is unspecified", [](auto& r) {
        r.mutable_generate_keys()->add_key_params(cz::KEY_GEN_SSH_KEY_UNSPECIFIED);
        r.mutable_generate_keys()->set_version("v1");
      });
  add("CA key of the wrong type", grpc::StatusCode::INVALID_ARGUMENT,
      "ssh_ca_public_keys[0] is ssh-ed25519", [&](auto& r) {
        auto* k = r.mutable_ssh_ca_public_key()->add_ssh_ca_public_keys();
        k->set_public_key(ca.public_line);
        k->set_key_type(cz::KEY_TYPE_ECDSA_P_256);
        r.mutable_ssh_ca_public_key()->set_version("v1");
      });
  add("glome", grpc::StatusCode::UNIMPLEMENTED, "GLOME",
      [](auto& r) { r.mutable_glome()->set_enabled(true); });
  add("finalize first", grpc::StatusCode::FAILED_PRECONDITION, "finalize received before any",
      [](auto& r) { r.mutable_finalize(); });
  const std::string shadow = ReadFileText("/etc/shadow");
  const std::string served = HostKeySeen(ssh_port(), "rsa-sha2-512");
  auto stub = Stub();
  for (const auto& c : cases) {
    auto s = OpenHostStream(*stub);
    ASSERT_FALSE(s->Exchange(c.req)) << c.name << " was accepted";
    grpc::Status st = s->Finish();
    EXPECT_EQ(st.error_code(), c.code) << c.name << ": " << st.error_message();
    EXPECT_NE(st.error_message().find(c.message), std::string::npos)
        << c.name << ": " << st.error_message();
    ExpectNothingChanged(shadow, c.name);
    EXPECT_EQ(HostKeySeen(ssh_port(), "rsa-sha2-512"), served) << c.name;
  }
}

TEST_F(CredentialzValidationTest, OneRotateAtATimeAcrossBothRpcs) {
  auto stub = Stub();
  auto first = OpenAccountStream(*stub);
  ASSERT_TRUE(first->Exchange(PlaintextPassword("admin", "Holder#1", "c1")));
  auto second = OpenAccountStream(*stub);
  EXPECT_FALSE(second->Exchange(PlaintextPassword("admin2", "Other#2", "c1")));
  grpc::Status s = second->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  auto host = OpenHostStream(*stub);
  cz::RotateHostParametersRequest req;
  req.mutable_authentication_allowed()->add_authentication_types(cz::AUTHENTICATION_TYPE_PASSWORD);
  EXPECT_FALSE(host->Exchange(req));
  s = host->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin2", InitialPassword("admin2")));
  first->Send(FinalizeAccounts());
  EXPECT_TRUE(first->Finish().ok());
}

TEST_F(CredentialzValidationTest, ASymlinkedAuthorizedKeysFileIsNeverFollowed) {
  // A user pointing their authorized_keys at /etc/shadow must not get it copied back to them.
  const fs::path ssh_dir = fs::path(getpwnam("admin")->pw_dir) / ".ssh";
  fs::create_directories(ssh_dir);
  ASSERT_EQ(chown(ssh_dir.c_str(), getpwnam("admin")->pw_uid, getpwnam("admin")->pw_gid), 0);
  fs::create_symlink("/etc/shadow", ssh_dir / "authorized_keys");
  const SshKeyPair key = MakeSshKey(dir_.string(), "k", "ed25519");
  grpc::Status s = Refusal(AuthorizedKeys("admin", {key.public_line}, cz::KEY_TYPE_ED25519, "v1"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("authorized_keys is a symlink"), std::string::npos)
      << s.error_message();
  EXPECT_TRUE(fs::is_symlink(ssh_dir / "authorized_keys"));
  EXPECT_TRUE(fs::is_empty(dir_ / "state/journal"));
}

TEST_F(CredentialzValidationTest, TheSameVersionNeedsForceOverwrite) {
  ASSERT_TRUE(RotateAccounts(PlaintextPassword("admin", "Version#1", "same")).ok());
  const std::string shadow = ReadFileText("/etc/shadow");
  grpc::Status s = Refusal(PlaintextPassword("admin", "Version#2", "same"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  EXPECT_NE(s.error_message().find("force_overwrite"), std::string::npos);
  EXPECT_EQ(ReadFileText("/etc/shadow"), shadow);
  const std::string second = "Version#2";
  auto forced = PlaintextPassword("admin", second, "same");
  forced.set_force_overwrite(true);
  ASSERT_TRUE(RotateAccounts(forced).ok());
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", second));
}

}  // namespace
}  // namespace rotagent::testing
