#include "agent/gnmi/subscribe_limits.h"

#include <gtest/gtest.h>

namespace rotagent::gnmi_service {
namespace {

TEST(StreamSlotsTest, PerClientThenTotalCapsNameThemselvesAndFreeOnRelease) {
  StreamSlots slots({3, 2, 4, std::chrono::milliseconds(1000)});
  auto a1 = slots.Acquire("a");
  auto a2 = slots.Acquire("a");
  ASSERT_TRUE(a1.ok() && a2.ok());
  auto a3 = slots.Acquire("a");
  ASSERT_FALSE(a3.ok());
  EXPECT_EQ(a3.status().code(), Code::kResourceExhausted);
  EXPECT_NE(a3.status().message().find("gnmi.max_streams_per_client 2"), std::string::npos);
  auto b1 = slots.Acquire("b");
  ASSERT_TRUE(b1.ok());
  auto b2 = slots.Acquire("b");
  ASSERT_FALSE(b2.ok());
  EXPECT_NE(b2.status().message().find("gnmi.max_streams 3"), std::string::npos);
  a1.value().reset();  // the call ended
  EXPECT_TRUE(slots.Acquire("b").ok());
}

TEST(StreamSlotsTest, SubscriptionsPerRequest) {
  StreamSlots slots({3, 2, 4, std::chrono::milliseconds(1000)});
  EXPECT_TRUE(slots.CheckCount(4).ok());
  Status s = slots.CheckCount(5000);
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_NE(s.message().find("5000 subscriptions (gnmi.max_subscriptions_per_request 4)"),
            std::string::npos);
}

}  // namespace
}  // namespace rotagent::gnmi_service
