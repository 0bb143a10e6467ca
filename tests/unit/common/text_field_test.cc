#include "common/text_field.h"

#include <gtest/gtest.h>

namespace rotagent {
namespace {

TEST(CheckTextField, AcceptsPrintableAsciiUpToTheBound) {
  EXPECT_TRUE(CheckTextField("version", "v1.2.3 (build #7, 'rc')").ok());
  EXPECT_TRUE(CheckTextField("version", "").ok());
  EXPECT_TRUE(CheckTextField("version", std::string(kMaxTextField, 'v')).ok());
}

TEST(CheckTextField, RefusesWhatCouldForgeALineAndNeverQuotesIt) {
  for (const std::string v :
       std::vector<std::string>{std::string("v1\nROTAGENT_PHASE=x"), std::string("v1\r"),
                                std::string("a\0b", 3), std::string("\x1b[2J"), std::string("\x7f"),
                                std::string("v\xc3\xa9"), std::string("tab\there")}) {
    Status s = CheckTextField("entity 0: version", v);
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_EQ(s.message(),
              "entity 0: version holds a newline, another control character or a non-ASCII byte");
  }
  Status s = CheckTextField("version", std::string(kMaxTextField + 1, 'v'));
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "version is longer than 256 bytes");
}

}  // namespace
}  // namespace rotagent
