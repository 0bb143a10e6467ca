// Option and description injection into authorized_keys, against the real sshd. OpenSSH unescapes
// only \" inside a quoted option value, so a value ending in a backslash swallows its closing
// quote and a later '"' (in the description) closes it: whatever follows is read as the key. The
// agent refuses '"', '\' and control characters in option values and '"' and control characters
// in descriptions; what it accepts must reach sshd as exactly the intended key and restrictions.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/integration/credentialz/credentialz_fixture.h"
#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

fs::path AuthorizedKeysOf(const std::string& account) {
  const passwd* pw = getpwnam(account.c_str());
  if (pw == nullptr) throw std::runtime_error("no account " + account);
  return fs::path(pw->pw_dir) / ".ssh" / "authorized_keys";
}

struct Opt {
  std::string name, value;
};

cz::RotateAccountCredentialsRequest KeyWith(const std::string& public_line,
                                            const std::vector<Opt>& options,
                                            const std::string& description,
                                            const std::string& version) {
  auto req = AuthorizedKeys("admin", {public_line}, cz::KEY_TYPE_ED25519, version);
  auto* k = req.mutable_credential()->mutable_credentials(0)->mutable_authorized_keys(0);
  for (const auto& o : options) {
    auto* p = k->add_options();
    p->set_name(o.name);
    p->set_value(o.value);
  }
  k->set_description(description);
  return req;
}

// Runs `remote` over the OpenSSH client with `key` from `source`; the exit code, output in `out`.
int SshRun(const fs::path& dir, int port, const SshKeyPair& key, const std::string& source,
           const std::string& remote, std::string* out) {
  const fs::path key_file = dir / "ssh-run-key";
  fs::remove(key_file);
  std::ofstream(key_file) << key.private_key;
  fs::permissions(key_file, fs::perms::owner_read | fs::perms::owner_write);
  return RunCommand({"ssh",
                     "-F",
                     "/dev/null",
                     "-q",
                     "-i",
                     key_file.string(),
                     "-b",
                     source,
                     "-p",
                     std::to_string(port),
                     "-o",
                     "BatchMode=yes",
                     "-o",
                     "IdentitiesOnly=yes",
                     "-o",
                     "StrictHostKeyChecking=no",
                     "-o",
                     "UserKnownHostsFile=/dev/null",
                     "-o",
                     "LogLevel=ERROR",
                     "-o",
                     "ConnectTimeout=10",
                     "admin@127.0.0.1",
                     remote},
                    "", out);
}

class AuthorizedKeysOptionsTest : public CredentialzTest {};

TEST_F(AuthorizedKeysOptionsTest, HostileOptionValuesAndDescriptionsAreRefused) {
  const std::string d = dir_.string();
  const SshKeyPair good = MakeSshKey(d, "good", "ed25519");
  const SshKeyPair evil = MakeSshKey(d, "evil", "ed25519");
  ASSERT_TRUE(
      RotateAccounts(AuthorizedKeys("admin", {good.public_line}, cz::KEY_TYPE_ED25519, "baseline"))
          .ok());
  const std::string before = ReadFileText(AuthorizedKeysOf("admin"));
  const std::string shadow = ReadFileText("/etc/shadow");
  struct Case {
    std::string name;
    std::vector<Opt> options;
    std::string description;
    std::string message;  // what the refusal must name
  };
  const std::string smuggled = "x\" " + evil.public_line;
  const std::vector<Case> cases = {
      // The reported attack: the trailing backslash eats the closing quote, the description's
      // quote closes it, and the evil key is what sshd parses as the key.
      {"swallowed quote", {{"environment", "X=1\\"}}, smuggled, "option 'environment'"},
      {"trailing backslash", {{"from", "127.0.0.1\\"}}, "", "option 'from'"},
      {"inner backslash", {{"permitopen", "host\\:22"}}, "", "option 'permitopen'"},
      {"escaped quote", {{"command", "echo \\\"hi"}}, "", "option 'command'"},
      {"quote", {{"command", "echo \"hi\""}}, "", "option 'command'"},
      {"newline", {{"command", "true\n" + evil.public_line}}, "", "option 'command'"},
      {"carriage return", {{"from", "10.0.0.1\r"}}, "", "option 'from'"},
      {"tab", {{"command", "echo\tx"}}, "", "option 'command'"},
      {"delete", {{"command", "echo \x7f"}}, "", "option 'command'"},
      {"quote in description", {}, smuggled, "description"},
      {"newline in description", {}, "ops\n" + evil.public_line, "description"},
      {"nul in description", {}, std::string("ops\0x", 5), "description"},
      {"escape in description", {}, "ops\x1b[2J", "description"},
  };
  for (const auto& c : cases) {
    // The whole rotation, finalize included: nothing may commit.
    grpc::Status s = RotateAccounts(KeyWith(good.public_line, c.options, c.description, "hostile"));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.name << ": " << s.error_message();
    EXPECT_NE(s.error_message().find(c.message), std::string::npos)
        << c.name << ": " << s.error_message();
    EXPECT_EQ(ReadFileText(AuthorizedKeysOf("admin")), before) << c.name;
    EXPECT_EQ(ReadFileText("/etc/shadow"), shadow) << c.name;
    EXPECT_TRUE(fs::is_empty(dir_ / "state/journal")) << c.name;
    EXPECT_FALSE(KeyLogin(ssh_port(), "admin", evil.private_key)) << c.name;
  }
  EXPECT_TRUE(KeyLogin(ssh_port(), "admin", good.private_key));
}

TEST_F(AuthorizedKeysOptionsTest, UnusualValuesReachSshdAsExactlyTheIntendedRestrictions) {
  const std::string d = dir_.string();
  const SshKeyPair forced = MakeSshKey(d, "forced", "ed25519");
  const SshKeyPair sourced = MakeSshKey(d, "sourced", "ed25519");
  const SshKeyPair plain = MakeSshKey(d, "plain", "ed25519");
  const SshKeyPair other = MakeSshKey(d, "other", "ed25519");
  auto req = KeyWith(forced.public_line,
                     {{"command", "echo 'forced,  #not-a-comment, $HOME'"}, {"no-pty", ""}},
                     "ops team #1 'quoted' \\ back", "unusual");
  auto* c = req.mutable_credential()->mutable_credentials(0);
  auto* k2 = c->add_authorized_keys();
  k2->set_authorized_key(sourced.public_line);
  k2->set_key_type(cz::KEY_TYPE_ED25519);
  auto* from = k2->add_options();
  from->set_name("from");
  from->set_value("10.9.9.9,127.0.0.2");  // a comma inside the quoted value
  auto* k3 = c->add_authorized_keys();
  k3->set_authorized_key(plain.public_line);
  k3->set_key_type(cz::KEY_TYPE_ED25519);
  k3->set_description("#just a comment, with commas");
  grpc::Status s = RotateAccounts(req);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // The forced command runs whatever the client asks, word for word as given.
  std::string out;
  EXPECT_EQ(SshRun(dir_, ssh_port(), forced, "127.0.0.1", "id -u", &out), 0) << out;
  EXPECT_EQ(out, "forced,  #not-a-comment, $HOME\n");
  // from= admits 127.0.0.2 only.
  EXPECT_NE(SshRun(dir_, ssh_port(), sourced, "127.0.0.1", "echo in", &out), 0) << out;
  EXPECT_EQ(SshRun(dir_, ssh_port(), sourced, "127.0.0.2", "echo in", &out), 0) << out;
  EXPECT_EQ(out, "in\n");
  // The unrestricted key runs what it asks; a key not sent does not log in.
  EXPECT_EQ(SshRun(dir_, ssh_port(), plain, "127.0.0.1", "echo plain", &out), 0) << out;
  EXPECT_EQ(out, "plain\n");
  EXPECT_NE(SshRun(dir_, ssh_port(), other, "127.0.0.1", "echo other", &out), 0) << out;
  // Exactly three keys, one a line.
  const std::string text = ReadFileText(AuthorizedKeysOf("admin"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;
}

}  // namespace
}  // namespace rotagent::testing
