#include "tests/support/credentialz_client.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "platform/ssh_probe.h"
#include "platform/ssh_ptr.h"
#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::stringstream ss;
  ss << std::ifstream(path).rdbuf();
  std::string s = ss.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string FirstTwoWords(const std::string& line) {
  auto first = line.find(' ');
  return line.substr(0, line.find(' ', first + 1));
}

}  // namespace

std::unique_ptr<AccountStream> OpenAccountStream(cz::Credentialz::Stub& stub) {
  return std::make_unique<AccountStream>(
      [&stub](grpc::ClientContext* c) { return stub.RotateAccountCredentials(c); });
}

std::unique_ptr<HostStream> OpenHostStream(cz::Credentialz::Stub& stub) {
  return std::make_unique<HostStream>(
      [&stub](grpc::ClientContext* c) { return stub.RotateHostParameters(c); });
}

cz::RotateAccountCredentialsRequest PlaintextPassword(const std::string& account,
                                                      const std::string& password,
                                                      const std::string& version) {
  cz::RotateAccountCredentialsRequest req;
  auto* a = req.mutable_password()->add_accounts();
  a->set_account(account);
  a->mutable_password()->set_plaintext(password);
  a->set_version(version);
  a->set_created_on(1700000000);
  return req;
}

cz::RotateAccountCredentialsRequest HashedPassword(const std::string& account,
                                                   cz::PasswordRequest::CryptoHash::HashType type,
                                                   const std::string& hash,
                                                   const std::string& version) {
  cz::RotateAccountCredentialsRequest req;
  auto* a = req.mutable_password()->add_accounts();
  a->set_account(account);
  a->mutable_password()->mutable_crypto_hash()->set_hash_type(type);
  a->mutable_password()->mutable_crypto_hash()->set_hash_value(hash);
  a->set_version(version);
  a->set_created_on(1700000000);
  return req;
}

cz::RotateAccountCredentialsRequest AuthorizedKeys(const std::string& account,
                                                   const std::vector<std::string>& keys,
                                                   cz::KeyType type, const std::string& version) {
  cz::RotateAccountCredentialsRequest req;
  auto* c = req.mutable_credential()->add_credentials();
  c->set_account(account);
  c->set_version(version);
  c->set_created_on(1700000000);
  for (const auto& k : keys) {
    auto* ak = c->add_authorized_keys();
    ak->set_authorized_key(k);
    ak->set_key_type(type);
  }
  return req;
}

cz::RotateAccountCredentialsRequest Principals(const std::string& account,
                                               const std::vector<std::string>& principals,
                                               const std::string& version) {
  cz::RotateAccountCredentialsRequest req;
  auto* p = req.mutable_user()->add_policies();
  p->set_account(account);
  p->set_version(version);
  p->set_created_on(1700000000);
  for (const auto& name : principals) {
    p->mutable_authorized_principals()->add_authorized_principals()->set_authorized_user(name);
  }
  return req;
}

cz::RotateAccountCredentialsRequest FinalizeAccounts() {
  cz::RotateAccountCredentialsRequest req;
  req.mutable_finalize();
  return req;
}

cz::RotateHostParametersRequest FinalizeHost() {
  cz::RotateHostParametersRequest req;
  req.mutable_finalize();
  return req;
}

bool WaitCredentialzIdle(cz::Credentialz::Stub& stub) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto probe = OpenAccountStream(stub);
    // Finalize first is refused with FAILED_PRECONDITION once the lock is free.
    if (!probe->Exchange(FinalizeAccounts()) &&
        probe->Finish().error_code() != grpc::StatusCode::ABORTED) {
      return true;
    }
  }
  return false;
}

bool PasswordLogin(int port, const std::string& user, const std::string& password) {
  return platform::TryPasswordLoginAnyHostKey({"127.0.0.1", port, 10}, user, password).ok();
}

bool KeyLogin(int port, const std::string& user, const std::string& private_key,
              const std::string& certificate) {
  sshptr::Session s(ssh_new());
  long timeout = 10;
  bool no = false;
  ssh_options_set(s.get(), SSH_OPTIONS_HOST, "127.0.0.1");
  ssh_options_set(s.get(), SSH_OPTIONS_PORT, &port);
  ssh_options_set(s.get(), SSH_OPTIONS_USER, user.c_str());
  ssh_options_set(s.get(), SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(s.get(), SSH_OPTIONS_PROCESS_CONFIG, &no);
  ssh_key raw = nullptr;
  if (ssh_connect(s.get()) != SSH_OK ||
      ssh_pki_import_privkey_base64(private_key.c_str(), nullptr, nullptr, nullptr, &raw) !=
          SSH_OK) {
    return false;
  }
  sshptr::Key key(raw);
  if (!certificate.empty()) {
    ssh_key cert_raw = nullptr;
    const std::string b64 = FirstTwoWords(certificate).substr(certificate.find(' ') + 1);
    const std::string type = certificate.substr(0, certificate.find(' '));
    if (ssh_pki_import_cert_base64(b64.c_str(), ssh_key_type_from_name(type.c_str()), &cert_raw) ==
        SSH_OK) {
      sshptr::Key cert(cert_raw);
      ssh_pki_copy_cert_to_privkey(cert.get(), key.get());
    }
  }
  return ssh_userauth_publickey(s.get(), nullptr, key.get()) == SSH_AUTH_SUCCESS;
}

std::string HostKeySeen(int port, const std::string& algorithm) {
  auto key = platform::ServedHostKey({"127.0.0.1", port, 10}, algorithm);
  return key.ok() ? *key : "unreachable: " + key.status().message();
}

SshKeyPair MakeSshKey(const std::string& dir, const std::string& name, const std::string& type) {
  const std::string path = dir + "/" + name;
  std::vector<std::string> argv = {"ssh-keygen", "-q", "-t", type, "-N", "", "-C", "", "-f", path};
  if (type == "rsa") argv.insert(argv.end(), {"-b", "2048"});
  if (RunCommand(argv) != 0) throw std::runtime_error("ssh-keygen " + type + " failed");
  return {Slurp(path) + "\n", FirstTwoWords(Slurp(path + ".pub"))};
}

std::string SignKey(const std::string& dir, const SshKeyPair& ca, const SshKeyPair& key,
                    const std::string& principals, bool host) {
  const std::string ca_path = dir + "/signing-ca", key_path = dir + "/to-sign.pub";
  std::ofstream(ca_path) << ca.private_key;
  std::filesystem::permissions(
      ca_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ofstream(key_path) << key.public_line << "\n";
  std::vector<std::string> argv = {"ssh-keygen", "-q", "-s",       ca_path, "-I",
                                   "test",       "-n", principals, "-V",    "-5m:+1h"};
  if (host) argv.push_back("-h");
  argv.push_back(key_path);
  if (RunCommand(argv) != 0) {
    throw std::runtime_error("ssh-keygen -s failed");
  }
  return FirstTwoWords(Slurp(dir + "/to-sign-cert.pub"));
}

}  // namespace rotagent::testing
