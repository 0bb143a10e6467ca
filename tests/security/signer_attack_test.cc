// Attacks by a signer: an external CA (or whoever controls its command) that hangs, floods,
// fails, returns garbage, a leaf for another key, another name, a CA:TRUE leaf or an expired
// chain. Each is refused with a message naming the problem before anything is uploaded: the
// device keeps what it had, reports no attempt, and the archive stays empty.
#include <chrono>

#include "tests/integration/fabric/pki_fabric.h"
#include "tests/support/certz_client.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

struct SignerAttack {
  const char* name;
  const char* why;  // in the refusal
};

class SignerAttackTest : public PkiFabric, public ::testing::WithParamInterface<SignerAttack> {
 protected:
  std::string Script(const std::string& attack) {
    const std::string good_ext =
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=${ROTCTL_USAGE}Auth\n"
        "subjectAltName=$(echo \"$ROTCTL_DNS\" | sed 's/^/DNS:/; s/,/,DNS:/g')\n";
    if (attack == "garbage") return "#!/bin/sh\ncat >/dev/null\necho 'certificate: yes'\n";
    if (attack == "hang") {
      return "#!/bin/sh\necho $$ > " + (dir_ / "hung.pid").string() + "\nsleep 300 &\necho $! > " +
             (dir_ / "child.pid").string() + "\nwait\n";
    }
    if (attack == "flood") return "#!/bin/sh\ncat /dev/zero\n";
    if (attack == "fails") {
      return "#!/bin/sh\ncat >/dev/null\necho 'vault: permission denied' >&2\nexit 3\n";
    }
    if (attack == "other-key") {
      // Signs a CSR of its own (same names, another key) instead of the device's.
      return SignerScript(good_ext,
                          "cat >/dev/null\nopenssl req -new -newkey ec -pkeyopt "
                          "ec_paramgen_curve:prime256v1 -nodes -keyout \"$t/k\" "
                          "-subj \"/CN=$ROTCTL_CN\" -out \"$t/csr\" 2>/dev/null");
    }
    if (attack == "ca-leaf") {
      return SignerScript(
          "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,keyCertSign\n"
          "extendedKeyUsage=${ROTCTL_USAGE}Auth\n"
          "subjectAltName=$(echo \"$ROTCTL_DNS\" | sed 's/^/DNS:/; s/,/,DNS:/g')\n");
    }
    if (attack == "other-name") {
      return SignerScript(
          "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
          "extendedKeyUsage=${ROTCTL_USAGE}Auth\nsubjectAltName=DNS:evil.example\n");
    }
    return SignerScript(good_ext);  // expired-chain: a good leaf from an expired CA
  }
};

TEST_P(SignerAttackTest, RefusedBeforeAnythingIsUploaded) {
  const std::string attack = GetParam().name;
  AddAgent("leaf1");
  if (attack == "expired-chain") {
    WriteExternalCa("expired CA", -3 * 86400, 86400);
  } else {
    WriteExternalCa("corporate CA");
  }
  WriteExecutable(dir_ / "sign.sh", Script(attack));
  WriteInventory(CommandSigner(dir_ / "sign.sh", attack == "hang" ? 2 : 20));
  const auto before = ReportedVersions("leaf1");
  const auto start = std::chrono::steady_clock::now();
  std::string raw;
  json op = RotctlJson({"fabric", "rotate-certs", "--wait"}, 1, &raw);
  EXPECT_EQ(Outcomes(op)["leaf1"], "Failed") << raw;
  const std::string detail = Detail(op, "leaf1");
  EXPECT_NE(detail.find(GetParam().why), std::string::npos) << detail;
  // Refused before any upload: the device reports no v1, not even as an attempt.
  EXPECT_EQ(ReportedVersions("leaf1"), before);
  EXPECT_EQ(ReportedVersions("leaf1").count("v1"), 0u);
  EXPECT_EQ(RotctlJson({"archive", "list"}, 0), json::array());
  if (attack == "hang") {
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
    // The signer and what it started are gone with its process group.
    // (A zombie awaiting its reaper counts as gone: it runs nothing.)
    for (const char* f : {"hung.pid", "child.pid"}) {
      const std::string stat =
          ReadText("/proc/" + std::to_string(std::stoi(ReadText(dir_ / f))) + "/stat");
      const size_t paren = stat.rfind(')');
      EXPECT_TRUE(stat.empty() || (paren != std::string::npos && stat[paren + 2] == 'Z'))
          << f << ": " << stat;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Signers, SignerAttackTest,
    ::testing::Values(SignerAttack{"garbage", "not a PEM certificate chain"},
                      SignerAttack{"hang", "did not finish within 2 s"},
                      SignerAttack{"flood", "wrote more than"},
                      SignerAttack{"fails", "exited with status 3: vault: permission denied"},
                      SignerAttack{"other-key", "not for the key in the device's CSR"},
                      SignerAttack{"ca-leaf", "is a CA certificate"},
                      SignerAttack{"other-name", "subjectAltName is not exactly"},
                      SignerAttack{"expired-chain", "certificate has expired"}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& c : n) c = c == '-' ? '_' : c;
      return n;
    });

}  // namespace
}  // namespace rotagent::testing
