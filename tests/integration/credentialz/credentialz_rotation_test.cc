// Account and host rotations end to end: the real sshd, real logins, real rollbacks.
#include <crypt.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sys/stat.h>

#include "tests/integration/credentialz/credentialz_fixture.h"
#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace {

using HashType = cz::PasswordRequest::CryptoHash;

std::string Crypt(const std::string& password, const std::string& setting) {
  crypt_data data{};
  return crypt_rn(password.c_str(), setting.c_str(), &data, sizeof data);
}

// A shadow line's fields after the hash: last change, min, max, warn, inactive, expire, reserved.
std::string AgingAfterLastChange(const std::string& shadow, const std::string& user) {
  auto pos = shadow.find("\n" + user + ":");
  auto line = shadow.substr(pos + 1, shadow.find('\n', pos + 1) - pos - 1);
  size_t colon = 0;
  for (int i = 0; i < 3; ++i) colon = line.find(':', colon + 1);
  return line.substr(colon);
}

TEST_F(CredentialzTest, PasswordRotationLogsInWithTheNewPasswordOnly) {
  const std::string next = "Rotated#1-admin";
  const std::string before = ReadFileText("/etc/shadow");
  ASSERT_TRUE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin")));
  ASSERT_TRUE(RotateAccounts(PlaintextPassword("admin", next, "pw-v1")).ok());
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", next));
  EXPECT_FALSE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin")));
  // Only admin's line changed: admin2 (a prefix match) and the aging fields are untouched.
  const std::string after = ReadFileText("/etc/shadow");
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin2", InitialPassword("admin2")));
  EXPECT_EQ(AgingAfterLastChange(after, "admin"), AgingAfterLastChange(before, "admin"));
  auto strip = [](std::string s, const std::string& user) {
    auto pos = s.find("\n" + user + ":");
    return s.erase(pos, s.find('\n', pos + 1) - pos);
  };
  EXPECT_EQ(strip(after, "admin"), strip(before, "admin"));
  // No password reaches the agent's log.
  EXPECT_EQ(agent_->Log().find(next), std::string::npos);
}

TEST_F(CredentialzTest, DroppedStreamRestoresTheOldPassword) {
  const std::string next = "Never-Finalized#2";
  auto stub = Stub();
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(PlaintextPassword("admin", next, "pw-v2")));
    // While staged, the candidate is what new logins see.
    EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", next));
    s->Cancel();
  }
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin")));
  EXPECT_FALSE(PasswordLogin(ssh_port(), "admin", next));
}

TEST_F(CredentialzTest, ConfirmTimeoutRollsBack) {
  confirm_timeout_ = 5;  // the stage's hashing and login proof must fit in it, under the sanitizers
  agent_->Stop();
  StartAgent();
  const std::string next = "Too-Slow#6";
  auto stub = Stub();
  auto s = OpenAccountStream(*stub);
  ASSERT_TRUE(s->Exchange(PlaintextPassword("admin", next, "pw-t1")));
  cz::RotateAccountCredentialsResponse resp;
  EXPECT_FALSE(s->Read(&resp));  // the agent cancels the stream when the timer fires
  EXPECT_EQ(s->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin")));
  EXPECT_FALSE(PasswordLogin(ssh_port(), "admin", next));
}

TEST_F(CredentialzTest, CryptHashesAreInstalledAndProvenByReadBack) {
  // Passwords live in variables so that a failure message shows names, never the secret.
  const std::string sha_pw = "Sha512-pass#3", md5_pw = "Md5-pass#4", y_pw = "Yescrypt-pass#5";
  const std::string sha = Crypt(sha_pw, "$6$abcdefgh$");
  ASSERT_TRUE(
      RotateAccounts(HashedPassword("admin", HashType::HASH_TYPE_CRYPT_SHA_2_512, sha, "h1")).ok());
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", sha_pw));
  // MD5 is refused unless credentialz.password_hash_policy lists md5crypt.
  const std::string md5 = Crypt(md5_pw, "$1$saltsalt$");
  grpc::Status md5_status =
      Refusal(HashedPassword("telcoro1", HashType::HASH_TYPE_CRYPT_MD5, md5, "h1"));
  EXPECT_EQ(md5_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(md5_status.error_message().find("password_hash_policy.allowed_methods"),
            std::string::npos)
      << md5_status.error_message();
  EXPECT_FALSE(PasswordLogin(ssh_port(), "telcoro1", md5_pw));
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$y$", 0, nullptr, 0, setting, sizeof setting), nullptr);
  const std::string yes = Crypt(y_pw, setting);
  ASSERT_TRUE(
      RotateAccounts(HashedPassword("admin2", HashType::HASH_TYPE_UNSPECIFIED, yes, "h1")).ok());
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin2", y_pw));
  EXPECT_NE(ReadFileText("/etc/shadow").find("admin:" + sha + ":"), std::string::npos);
}

TEST_F(CredentialzTest, SeveralAccountsInOneRequestRollBackTogether) {
  const std::string first = "Both-1#a", second = "Both-2#b";
  auto req = PlaintextPassword("admin", first, "m1");
  *req.mutable_password()->add_accounts() =
      PlaintextPassword("telcoro1", second, "m1").password().accounts(0);
  auto stub = Stub();
  {
    auto s = OpenAccountStream(*stub);
    ASSERT_TRUE(s->Exchange(req));
    EXPECT_TRUE(PasswordLogin(ssh_port(), "telcoro1", second));
  }
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin")));
  EXPECT_TRUE(PasswordLogin(ssh_port(), "telcoro1", InitialPassword("telcoro1")));
  ASSERT_TRUE(RotateAccounts(req).ok());
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", first));
  EXPECT_TRUE(PasswordLogin(ssh_port(), "telcoro1", second));
}

TEST_F(CredentialzTest, AuthorizedKeysInEveryEncodingEnableKeyLogin) {
  const std::string d = dir_.string();
  SshKeyPair a = MakeSshKey(d, "user-a", "ed25519");
  SshKeyPair b = MakeSshKey(d, "user-b", "ecdsa");
  EXPECT_FALSE(KeyLogin(ssh_port(), "admin", a.private_key));
  const std::string a_b64 = a.public_line.substr(a.public_line.find(' ') + 1);
  ASSERT_TRUE(RotateAccounts(AuthorizedKeys("admin", {a_b64}, cz::KEY_TYPE_ED25519, "k1")).ok());
  EXPECT_TRUE(KeyLogin(ssh_port(), "admin", a.private_key));
  // A full line, with a comment.
  ASSERT_TRUE(RotateAccounts(AuthorizedKeys("admin", {b.public_line + " ops@lab"},
                                            cz::KEY_TYPE_ECDSA_P_256, "k2"))
                  .ok());
  EXPECT_TRUE(KeyLogin(ssh_port(), "admin", b.private_key));
  EXPECT_FALSE(KeyLogin(ssh_port(), "admin", a.private_key));
  // The double-encoded form some clients send.
  std::string twice;
  {
    std::string out(4 * ((a_b64.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(a_b64.data()),
                            static_cast<int>(a_b64.size()));
    twice = out.substr(0, static_cast<size_t>(n));
  }
  ASSERT_TRUE(RotateAccounts(AuthorizedKeys("admin", {twice}, cz::KEY_TYPE_ED25519, "k3")).ok());
  EXPECT_TRUE(KeyLogin(ssh_port(), "admin", a.private_key));
  // The file is the account's own, 0600, in a 0700 .ssh, as StrictModes wants.
  const passwd* pw = getpwnam("admin");
  ASSERT_NE(pw, nullptr);
  const std::string ssh_dir = std::string(pw->pw_dir) + "/.ssh";
  struct stat st {};
  ASSERT_EQ(stat((ssh_dir + "/authorized_keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, pw->pw_uid);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(stat(ssh_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, pw->pw_uid);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  // Zero keys clears the list.
  ASSERT_TRUE(RotateAccounts(AuthorizedKeys("admin", {}, cz::KEY_TYPE_ED25519, "k4")).ok());
  EXPECT_FALSE(KeyLogin(ssh_port(), "admin", a.private_key));
}

TEST_F(CredentialzTest, HostKeyRotationIsSeenByNewConnections) {
  SshKeyPair host = MakeSshKey(dir_.string(), "host-1", "ed25519");
  SshKeyPair host_ca = MakeSshKey(dir_.string(), "host-ca", "ed25519");
  const std::string host_cert = SignKey(dir_.string(), host_ca, host, "localhost", /*host=*/true);
  cz::RotateHostParametersRequest req;
  auto* keys = req.mutable_server_keys();
  auto* artifact = keys->add_auth_artifacts();
  artifact->set_private_key(host.private_key);
  artifact->set_certificate(host_cert);
  keys->set_version("hk1");
  keys->set_created_on(1700000000);
  auto stub = Stub();
  {
    auto s = OpenHostStream(*stub);
    ASSERT_TRUE(s->Exchange(req));
    EXPECT_EQ(HostKeySeen(ssh_port(), "ssh-ed25519"), host.public_line);
  }  // dropped: the box's own keys come back
  ASSERT_TRUE(WaitCredentialzIdle(*stub));
  EXPECT_NE(HostKeySeen(ssh_port(), "ssh-ed25519"), host.public_line);
  ASSERT_TRUE(RotateHost(req).ok());
  EXPECT_EQ(HostKeySeen(ssh_port(), "ssh-ed25519"), host.public_line);
  // The host certificate is offered too (ssh-keyscan -c asks for certificates).
  std::string scanned;
  ASSERT_EQ(RunCommand({"ssh-keyscan", "-c", "-t", "ed25519", "-p", std::to_string(ssh_port()),
                        "127.0.0.1"},
                       "", &scanned),
            0);
  EXPECT_NE(scanned.find(host_cert), std::string::npos) << scanned;
  grpc::ClientContext ctx;
  cz::GetPublicKeysResponse pub;
  ASSERT_TRUE(stub->GetPublicKeys(&ctx, {}, &pub).ok());
  ASSERT_EQ(pub.public_keys_size(), 1);
  EXPECT_EQ(pub.public_keys(0).public_key(), host.public_line);
  EXPECT_EQ(pub.public_keys(0).key_type(), cz::KEY_TYPE_ED25519);

  for (auto [params, can] : {std::pair{cz::KEY_GEN_SSH_KEY_TYPE_EDDSA_ED25519, true},
                             {cz::KEY_GEN_SSH_KEY_TYPE_RSA_3072, true},
                             {cz::KEY_GEN_SSH_KEY_UNSPECIFIED, false}}) {
    grpc::ClientContext c;
    cz::CanGenerateKeyRequest q;
    q.set_key_params(params);
    cz::CanGenerateKeyResponse a;
    ASSERT_TRUE(stub->CanGenerateKey(&c, q, &a).ok());
    EXPECT_EQ(a.can_generate(), can) << params;
  }
  // Keys generated on the device: the response's public key is what clients now see.
  cz::RotateHostParametersRequest gen;
  gen.mutable_generate_keys()->add_key_params(cz::KEY_GEN_SSH_KEY_TYPE_ECDSA_P_256);
  gen.mutable_generate_keys()->set_version("hk2");
  auto s = OpenHostStream(*stub);
  cz::RotateHostParametersResponse resp;
  ASSERT_TRUE(s->Exchange(gen, &resp));
  ASSERT_EQ(resp.generate_keys().public_keys_size(), 1);
  EXPECT_EQ(HostKeySeen(ssh_port(), "ecdsa-sha2-nistp256"),
            resp.generate_keys().public_keys(0).public_key());
  s->Send(FinalizeHost());
  EXPECT_TRUE(s->Finish().ok());
}

TEST_F(CredentialzTest, CaKeyAndPrincipalsEnableCertificateLogin) {
  const std::string d = dir_.string();
  SshKeyPair ca = MakeSshKey(d, "user-ca", "ed25519");
  SshKeyPair user = MakeSshKey(d, "cert-user", "ed25519");
  const std::string cert = SignKey(d, ca, user, "netops");
  EXPECT_FALSE(KeyLogin(ssh_port(), "telcoro1", user.private_key, cert));
  cz::RotateHostParametersRequest req;
  auto* k = req.mutable_ssh_ca_public_key()->add_ssh_ca_public_keys();
  k->set_public_key(ca.public_line);
  k->set_key_type(cz::KEY_TYPE_ED25519);
  req.mutable_ssh_ca_public_key()->set_version("ca1");
  ASSERT_TRUE(RotateHost(req).ok());
  // Trusted CA, but "netops" is not yet an authorized principal of operator.
  EXPECT_FALSE(KeyLogin(ssh_port(), "telcoro1", user.private_key, cert));
  ASSERT_TRUE(RotateAccounts(Principals("telcoro1", {"netops"}, "p1")).ok());
  EXPECT_TRUE(KeyLogin(ssh_port(), "telcoro1", user.private_key, cert));
  EXPECT_FALSE(KeyLogin(ssh_port(), "admin", user.private_key, cert));
}

TEST_F(CredentialzTest, AllowedAuthenticationTypesReachSshd) {
  const std::string d = dir_.string();
  SshKeyPair key = MakeSshKey(d, "k", "ed25519");
  ASSERT_TRUE(
      RotateAccounts(AuthorizedKeys("admin", {key.public_line}, cz::KEY_TYPE_ED25519, "k1")).ok());
  cz::RotateHostParametersRequest pubkey_only;
  pubkey_only.mutable_authentication_allowed()->add_authentication_types(
      cz::AUTHENTICATION_TYPE_PUBKEY);
  ASSERT_TRUE(RotateHost(pubkey_only).ok());
  EXPECT_FALSE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin")));
  EXPECT_TRUE(KeyLogin(ssh_port(), "admin", key.private_key));
  // sshd no longer takes passwords, so a new one is proven against the stored hash instead.
  const std::string next = "Console-Only#9";
  ASSERT_TRUE(RotateAccounts(PlaintextPassword("admin", next, "pw-c1")).ok());
  cz::RotateHostParametersRequest both;
  both.mutable_authentication_allowed()->add_authentication_types(cz::AUTHENTICATION_TYPE_PUBKEY);
  both.mutable_authentication_allowed()->add_authentication_types(cz::AUTHENTICATION_TYPE_PASSWORD);
  ASSERT_TRUE(RotateHost(both).ok());
  EXPECT_TRUE(PasswordLogin(ssh_port(), "admin", next));
}

}  // namespace
}  // namespace rotagent::testing
