// A fabric of real rotagentd processes on loopback for the PKI tests (signers, archive, sealed
// secret store): each agent in its own mount namespace with its own /etc, rotctl run as a
// process against an inventory the test writes. Mirrors the fabric tests' fixture.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/x509.h"
#include "common/x509_issuer.h"
#include "tests/support/agent_process.h"
#include "tests/support/pki.h"
#include "tests/support/run_command.h"
#include "tests/support/sshd_process.h"

namespace rotagent::testing {

inline constexpr const char* kPkiAccount = "pkiadmin";

class PkiFabric : public ::testing::Test {
 protected:
  struct Agent {
    std::string name;
    int port;
    std::unique_ptr<AgentProcess> process;
  };

  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("rotagent-pki-" + std::string(info->name()) + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ca_ = MakeCa("fabric bootstrap CA");
    rotctl_ = MakeLeaf(ca_, "rotctl");
    std::ofstream(dir_ / "rotctl-cert.pem") << rotctl_.cert_pem;
    std::ofstream(dir_ / "rotctl-key.pem") << rotctl_.key_pem;
    std::ofstream(dir_ / "agents-ca.pem") << ca_.cert_pem;
  }
  void TearDown() override {
    agents_.clear();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  // `extra_trust`: more CAs the agent's built-in identity admits clients from (PEM).
  void AddAgent(const std::string& name, const std::string& extra_trust = "") {
    const std::filesystem::path d = dir_ / name;
    std::filesystem::create_directories(d);
    const Identity id = MakeServer(ca_, name + "-bootstrap");
    std::ofstream(d / "id-cert.pem") << id.cert_pem;
    std::ofstream(d / "id-key.pem") << id.key_pem;
    std::ofstream(d / "id-trust.pem") << ca_.cert_pem << extra_trust;
    Agent a{name, FreePort(), nullptr};
    a.process = std::make_unique<AgentProcess>(d, AgentConfig(d, a.port));
    ASSERT_EQ(RunCommand({"cp", "-a", "/etc/.", (d / "etc").string()}), 0);
    a.process->SetPrivateEtc(d / "etc");
    a.process->Start();
    agents_.push_back(std::move(a));
  }
  static std::string AgentConfig(const std::filesystem::path& d, int port) {
    const std::string s = d.string();
    return "listen: 127.0.0.1:" + std::to_string(port) + "\nstate_dir: " + s +
           "/state\nlog_level: debug\n"
           "identity: {cert: " +
           s + "/id-cert.pem, key: " + s + "/id-key.pem, trust_bundle: " + s +
           "/id-trust.pem}\n"
           "grpc_server: {ssl_profile: gnsi}\n"
           "certz:\n  profiles:\n    - {id: gnsi, role: server}\n"
           "    - {id: syslog-client, role: client}\n"
           "credentialz:\n  accounts: [{name: " +
           std::string(kPkiAccount) +
           ", role: Admin}]\n"
           "authorization:\n"
           "  gnsi.certz.v1.Certz: [\"CN=rotctl\"]\n"
           "  gnsi.credentialz.v1.Credentialz: [\"CN=rotctl\"]\n"
           "  gnmi.gNMI: [\"CN=rotctl\"]\n";
  }
  Agent& Get(const std::string& name) {
    for (auto& a : agents_) {
      if (a.name == name) return a;
    }
    throw std::runtime_error("no agent " + name);
  }

  // `parked`: a maintenance device that is never reached. It counts with its initial password
  // in the password-set guardrail, so tests rotating passwords more than once leave it out.
  // Retries fast, as in fabric_test: a device that stays down fails in well under a second.
  void WriteInventory(const std::string& extra = "", bool parked = true) {
    std::ofstream inv(dir_ / "inventory.yaml");
    inv << "fabric: lab\n"
        << "client: {cert: rotctl-cert.pem, key: rotctl-key.pem}\n"
        << "trust_bundle: agents-ca.pem\n"
        << "certificate_profiles: [{id: gnsi, role: server}, {id: syslog-client, role: client}]\n"
        << "password_profiles: [{name: Admin, account: " << kPkiAccount << "}]\n"
        << "retry: {max_attempts: 3, initial_backoff_ms: 50, max_backoff_ms: 200}\n"
        << extra << "devices:\n";
    for (const auto& a : agents_) {
      inv << "  - {name: " << a.name << ", address: 127.0.0.1:" << a.port << "}\n";
    }
    if (parked) inv << "  - {name: parked, address: 127.0.0.1:1, admin_state: maintenance}\n";
  }
  int Rotctl(const std::vector<std::string>& args, std::string* out) {
    std::vector<std::string> argv = {ROTCTL_PATH, "--inventory",
                                     (dir_ / "inventory.yaml").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "", out);
  }
  nlohmann::json RotctlJson(const std::vector<std::string>& args, int want_rc,
                            std::string* raw = nullptr) {
    std::string out;
    std::vector<std::string> a = {"--output", "json"};
    a.insert(a.end(), args.begin(), args.end());
    const int rc = Rotctl(a, &out);
    EXPECT_EQ(rc, want_rc) << out;
    if (raw != nullptr) *raw = out;
    const size_t start = out.find_first_of("{[");
    return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start), nullptr,
                                 false);
  }
  static std::map<std::string, std::string> Outcomes(const nlohmann::json& op) {
    std::map<std::string, std::string> out;
    for (const auto& d : op["devices"]) out[d["device"]] = d["status"];
    return out;
  }
  static std::string Detail(const nlohmann::json& op, const std::string& device) {
    for (const auto& d : op["devices"]) {
      if (d["device"] == device) return d.value("detail", "");
    }
    return "";
  }
  // Every credential version (and attempted version) the device reports, e.g. {"v1", ...}.
  std::set<std::string> ReportedVersions(const std::string& device) {
    std::set<std::string> out;
    const nlohmann::json d = RotctlJson({"device", "show", device}, 0);
    for (const auto& c : d["certificateRotationStatus"]) {
      out.insert(c["certificateArchiveReference"]["certificateVersion"].get<std::string>());
      if (c.contains("attemptedVersion")) out.insert(c["attemptedVersion"].get<std::string>());
    }
    return out;
  }
  void WriteExecutable(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
    chmod(path.c_str(), 0700);
  }
  // An external CA (key and certificate as PEM files) for command signers.
  Identity WriteExternalCa(const std::string& cn, int64_t not_before = -300,
                           int64_t lifetime = 86400 * 30) {
    auto issued = x509::Issue(
        {.common_name = cn, .is_ca = true, .not_before_offset = not_before, .lifetime = lifetime},
        nullptr, nullptr);
    Identity id;
    id.cert_pem = x509::CertToPem(issued->cert.get());
    id.key_pem = x509::KeyToPem(issued->key.get());
    std::ofstream(dir_ / "ext-ca.pem") << id.cert_pem;
    std::ofstream(dir_ / "ext-ca-key.pem") << id.key_pem;
    chmod((dir_ / "ext-ca-key.pem").c_str(), 0600);
    id.cert = std::move(issued->cert);
    id.key = std::move(issued->key);
    return id;
  }
  // A command signer around `openssl x509 -req`: `extensions` is the extfile's text (the
  // environment rotctl sets may be used in it), `tail` runs after signing (or replaces it).
  std::string SignerScript(const std::string& extensions =
                               "basicConstraints=critical,CA:FALSE\n"
                               "keyUsage=critical,digitalSignature\n"
                               "extendedKeyUsage=${ROTCTL_USAGE}Auth\n"
                               "subjectAltName=$(echo \"$ROTCTL_DNS\" | sed "
                               "'s/^/DNS:/; s/,/,DNS:/g')\n",
                           const std::string& csr_source = "cat > \"$t/csr\"") {
    const std::string d = dir_.string();
    return "#!/bin/sh\nset -e\nt=$(mktemp -d)\ntrap 'rm -rf \"$t\"' EXIT\n" + csr_source +
           "\ncat > \"$t/ext\" <<EOF\n" + extensions +
           "EOF\nopenssl x509 -req -in \"$t/csr\" -CA " + d + "/ext-ca.pem -CAkey " + d +
           "/ext-ca-key.pem -set_serial 0x$(openssl rand -hex 12) -days \"$ROTCTL_DAYS\" "
           "-extfile \"$t/ext\" 2>/dev/null\n";
  }
  std::string CommandSigner(const std::filesystem::path& script, int timeout = 20) {
    return "signer: {type: command, command: [" + script.string() +
           "], roots: ext-ca.pem, timeout_seconds: " + std::to_string(timeout) + "}\n";
  }

  // SoftHSM2: a token labelled "rotctl" in dir_/tokens, its user PIN in dir_/pin (0600).
  void InitSoftHsm() {
    std::filesystem::create_directories(dir_ / "tokens");
    std::ofstream(dir_ / "softhsm2.conf") << "directories.tokendir = " << (dir_ / "tokens").string()
                                          << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1);
    std::string out;
    // Test PINs of a throw-away token: softhsm2-util only takes them on its command line.
    ASSERT_EQ(RunCommand({"softhsm2-util", "--init-token", "--free", "--label", "rotctl",
                          "--so-pin", "5678", "--pin", kPin},
                         "", &out),
              0)
        << out;
    std::ofstream(dir_ / "pin") << kPin << "\n";
    chmod((dir_ / "pin").c_str(), 0600);
  }
  static std::string TokenSigner(const std::string& pin_source) {
    return std::string("signer: {type: pkcs11, module: ") + kModule +
           ", token_label: rotctl, key_label: fabric-ca, " + pin_source + "}\n";
  }
  static constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";
  static constexpr const char* kPin = "4321";

  std::filesystem::path dir_;
  Identity ca_, rotctl_;
  std::vector<Agent> agents_;
};

}  // namespace rotagent::testing
