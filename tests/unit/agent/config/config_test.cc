#include "agent/config/config.h"

#include <gtest/gtest.h>

#include "platform/eos/eos_config.h"

namespace rotagent {
namespace {

TEST(ConfigTest, DefaultIsALoopbackLabAgent) {
  Config c = DefaultConfig();
  EXPECT_EQ(c.listen, "127.0.0.1:9339");
  EXPECT_TRUE(c.identity.bootstrap);
  EXPECT_EQ(RoleOf(c, "gnsi"), "server");
  EXPECT_EQ(RoleOf(c, "added-later"), "client");
}

TEST(ConfigTest, ErrorsNameFileLineAndKey) {
  auto c =
      ParseConfig("listen: 127.0.0.1:1\nidentity: {bootstrap: true}\ncertz:\n  confirm_timout: 5\n",
                  "agent.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().substr(0, 40), "agent.yaml:4: certz.confirm_timout: unkn");

  c = ParseConfig("identity: {bootstrap: true}\ncertz:\n  confirm_timeout: soon\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("a.yaml:3: certz.confirm_timeout: expected an integer"),
            std::string::npos);

  c = ParseConfig(
      "identity: {bootstrap: true}\ncertz:\n  profiles:\n    - id: p\n      role: both\n",
      "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(
      c.status().message().find("a.yaml:5: certz.profiles[0].role: must be 'server' or 'client'"),
      std::string::npos);

  c = ParseConfig("identity: {cert: /x}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("must be given together"), std::string::npos);

  c = ParseConfig("listen: [\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("a.yaml:"), std::string::npos);
}

TEST(ConfigTest, AuthorizationKeysAreServedMethodsOrServices) {
  auto c = ParseConfig(
      "identity: {bootstrap: true}\nauthorization:\n  /gnmi.gNMI/Get: [\"CN=t\"]\n"
      "  /gnmi.gNMI/*: [\"CN=a\"]\n  gnsi.certz.v1.Certz: [\"CN=a\"]\n",
      "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->authorization.at("/gnmi.gNMI/Get"), std::vector<std::string>{"CN=t"});
  c = ParseConfig("identity: {bootstrap: true}\nauthorization:\n  /gnmi.gNMI/Sett: [\"CN=t\"]\n",
                  "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(
      c.status().message().find(
          "a.yaml:3: authorization./gnmi.gNMI/Sett: '/gnmi.gNMI/Sett' is not a served method"),
      std::string::npos)
      << c.status().message();
  c = ParseConfig("identity: {bootstrap: true}\nauthorization:\n  gnmi.Gnmi: [\"CN=t\"]\n",
                  "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("'gnmi.Gnmi' is not a served service"), std::string::npos)
      << c.status().message();
}

TEST(ConfigTest, IdleTimeoutsAndExpiredCrlPolicy) {
  Config d = DefaultConfig();
  EXPECT_EQ(d.certz.idle_timeout_seconds, 60);
  EXPECT_EQ(d.credentialz.idle_timeout_seconds, 60);
  EXPECT_TRUE(d.certz.keep_expired_crl);
  auto c = ParseConfig(
      "identity: {bootstrap: true}\ncertz: {idle_timeout: 2, expired_crl: enforce}\n"
      "credentialz: {idle_timeout: 3}\n",
      "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->certz.idle_timeout_seconds, 2);
  EXPECT_EQ(c->credentialz.idle_timeout_seconds, 3);
  EXPECT_FALSE(c->certz.keep_expired_crl);
  c = ParseConfig("identity: {bootstrap: true}\ncertz: {expired_crl: ignore}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("certz.expired_crl: must be 'keep'"), std::string::npos);
  c = ParseConfig("identity: {bootstrap: true}\ncertz: {idle_timeout: 0}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
}

TEST(ConfigTest, HooksMustBeAbsolute) {
  auto c = ParseConfig(
      "identity: {bootstrap: true}\ncertz:\n  profiles:\n    - id: p\n      hooks: {stage: "
      "[reload.sh]}\n",
      "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("absolute path"), std::string::npos);
}

TEST(ConfigTest, BreakGlassAccountsCanNeverBeManaged) {
  const std::string head = "identity: {bootstrap: true}\ncredentialz:\n";
  auto c = ParseConfig(head + "  accounts:\n    - {name: root, role: Admin}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(
                "a.yaml:4: credentialz.accounts[0].name: 'root' is a break-glass account"),
            std::string::npos)
      << c.status().message();
  c = ParseConfig(head + "  break_glass_accounts: [bg]\n  accounts:\n    - {name: bg}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  c = ParseConfig(head + "  accounts:\n    - {name: admin, role: Admin}\n    - {name: admin}\n",
                  "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("duplicate account 'admin'"), std::string::npos);
  c = ParseConfig(head + "  accounts:\n    - {name: admin, role: Admin}\n", "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->credentialz.accounts.at("admin"), "Admin");
}

TEST(ConfigTest, PlatformSectionsAreCheckedForTheirKind) {
  const std::string head = "identity: {bootstrap: true}\n";
  auto c = ParseConfig(head + "platform: {kind: junos}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("a.yaml:2: platform.kind: must be linux, eos or opengear"),
            std::string::npos)
      << c.status().message();
  // EOS must not roll back by itself while the agent still waits for Finalize.
  c = ParseConfig(head + "platform:\n  kind: eos\n  eos: {commit_timer: 300}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("platform.eos.commit_timer: must be longer than the "
                                      "longest confirm_timeout (300 s)"),
            std::string::npos)
      << c.status().message();
  c = ParseConfig(head + "platform:\n  kind: opengear\n  opengear: {login_proof: trust}\n",
                  "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("platform.opengear.login_proof: must be ssh or readback"),
            std::string::npos);
  c = ParseConfig(head + "platform:\n  kind: eos\n  eos: {https: {address: sw:443}}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("platform.eos.https.user"), std::string::npos)
      << c.status().message();
  c = ParseConfig(head + "platform:\n  kind: eos\n  eos: {socket: /run/eapi.sock}\n", "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const auto& eos = c->platform.OptionsOf<platform::EosConfig>("eos");
  EXPECT_EQ(eos.socket, "/run/eapi.sock");
  EXPECT_EQ(eos.commit_timer_seconds, 660);
}

TEST(ConfigTest, LimitsAndGnmiCapsHaveDefaultsAndRanges) {
  Config d = DefaultConfig();
  EXPECT_EQ(d.limits.max_connections, 512);
  EXPECT_EQ(d.limits.handshake_timeout_seconds, 10);
  EXPECT_EQ(d.gnmi.max_streams, 32);
  EXPECT_EQ(d.gnmi.min_sample_interval_ms, 1000);

  const std::string head = "identity: {bootstrap: true}\n";
  auto c = ParseConfig(head +
                           "limits: {max_connections: 2000, handshake_timeout: 3}\n"
                           "gnmi: {max_streams: 4, max_streams_per_client: 2}\n",
                       "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->limits.max_connections, 2000);
  EXPECT_EQ(c->limits.handshake_timeout_seconds, 3);
  EXPECT_EQ(c->gnmi.max_streams_per_client, 2);

  c = ParseConfig(head + "limits: {handshake_timeout: 0}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("a.yaml:2: limits.handshake_timeout"), std::string::npos);
  c = ParseConfig(head + "limits: {max_conections: 5}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("limits.max_conections: unknown key"), std::string::npos);
  // Each open stream holds a gRPC thread: gNMI may take at most half of them.
  c = ParseConfig(head + "limits: {max_threads: 16}\ngnmi: {max_streams: 9}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("a.yaml:3: gnmi.max_streams: must be at most half"),
            std::string::npos);
  c = ParseConfig(head + "gnmi: {max_streams: 4, max_streams_per_client: 5}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("gnmi.max_streams_per_client"), std::string::npos);
  c = ParseConfig(head + "gnmi: {min_sample_interval_ms: 10}\n", "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("gnmi.min_sample_interval_ms"), std::string::npos);
}

}  // namespace
}  // namespace rotagent
