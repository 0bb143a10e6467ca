#include "platform/linux/shadow.h"

#include <gtest/gtest.h>

namespace rotagent::platform {
namespace {

const std::string kShadow =
    "root:*:19000:0:99999:7:::\n"
    "admin2:$6$old2$x:19001:1:90:7:30:20500:\n"
    "admin:$6$old$y:19002:1:90:7:30:20500:\n"
    "fresh:!:0:0:99999:7:::\n";

TEST(Shadow, ReplacesOnlyTheNamedUsersHashAndKeepsAging) {
  auto next = ReplaceShadowHash(kShadow, "admin", "$6$new$z", 20000);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next,
            "root:*:19000:0:99999:7:::\n"
            "admin2:$6$old2$x:19001:1:90:7:30:20500:\n"
            "admin:$6$new$z:20000:1:90:7:30:20500:\n"
            "fresh:!:0:0:99999:7:::\n");
  EXPECT_EQ(*ShadowHash(*next, "admin2"), "$6$old2$x");
}

TEST(Shadow, KeepsForcedChangeDayAndRefusesInjection) {
  auto next = ReplaceShadowHash(kShadow, "fresh", "$6$n$h", 20000);
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next->find("fresh:$6$n$h:0:0:99999:7:::"), std::string::npos);
  EXPECT_EQ(ReplaceShadowHash(kShadow, "admin", "$6$x:0:0", 1).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ReplaceShadowHash(kShadow, "adm", "$6$x$y", 1).status().code(), Code::kNotFound);
  EXPECT_EQ(ShadowHash(kShadow, "nobody").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace rotagent::platform
