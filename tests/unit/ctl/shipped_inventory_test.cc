// The example inventory and the shipped agent configurations agree: every certificate profile and
// password account a device's plan names is one its agent's configuration defines, so a fabric
// built from the shipped files passes pre-flight. The pairs are those the example's comments name.
#include <gtest/gtest.h>

#include <set>

#include "agent/config/config.h"
#include "ctl/inventory.h"

namespace rotagent::ctl {
namespace {

constexpr const char* kConfig = ROTAGENT_SOURCE_DIR "/config/";

void ExpectAgrees(const Inventory& inv, const std::string& device, const std::string& config) {
  SCOPED_TRACE(device + " on " + config);
  const Device* d = inv.Find(device);
  ASSERT_NE(d, nullptr);
  auto agent = LoadConfig(std::string(kConfig) + config);
  ASSERT_TRUE(agent.ok()) << agent.status().message();
  std::set<std::string> profiles;
  for (const auto& p : agent->certz.profiles) profiles.insert(p.id);
  const ResolvedPlan plan = inv.PlanFor(*d);
  EXPECT_FALSE(plan.certificates.empty());
  EXPECT_FALSE(plan.passwords.empty());
  for (const auto& p : plan.certificates) EXPECT_EQ(profiles.count(p.id), 1u) << p.id;
  for (const auto& p : plan.passwords) {
    const auto a = agent->credentialz.accounts.find(p.account);
    ASSERT_NE(a, agent->credentialz.accounts.end()) << p.account;
    EXPECT_EQ(a->second, p.name) << "the agent's role for " << p.account;
  }
}

TEST(ShippedInventoryTest, ExampleInventoryAgreesWithShippedAgentConfigs) {
  auto inv = LoadInventory(std::string(kConfig) + "inventory.example.yaml");
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  ExpectAgrees(*inv, "ce-01", "agent.yaml");
  ExpectAgrees(*inv, "ce-02", "agent-eos.yaml");
  ExpectAgrees(*inv, "ts-01", "agent-opengear.yaml");
  // The seeds' operator profiles are there out of the box, the extended Telco users behind
  // their feature flag, and the terminal server takes its own password.
  std::set<std::string> names;
  for (const auto& p : inv->PlanFor(*inv->Find("ce-02")).passwords) names.insert(p.name);
  EXPECT_EQ(names, (std::set<std::string>{"Admin", "AzureOperatorRO", "AzureOperatorRW", "TelcoRO",
                                          "TelcoRW"}));
  EXPECT_EQ(inv->PlanFor(*inv->Find("ts-01")).passwords.at(0).name, "TerminalServer");
  inv->features.insert("method-d-v1.5");
  EXPECT_EQ(inv->PlanFor(*inv->Find("ce-02")).passwords.size(), 5u + 14u + 2u);
}

}  // namespace
}  // namespace rotagent::ctl
