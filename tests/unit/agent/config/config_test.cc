#include "agent/config/config.h"

#include <gtest/gtest.h>

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

TEST(ConfigTest, HooksMustBeAbsolute) {
  auto c = ParseConfig(
      "identity: {bootstrap: true}\ncertz:\n  profiles:\n    - id: p\n      hooks: {stage: "
      "[reload.sh]}\n",
      "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("absolute path"), std::string::npos);
}

}  // namespace
}  // namespace rotagent
