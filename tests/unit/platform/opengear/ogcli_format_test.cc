// ogcli's output form: bare field=value blocks, quoted and bare values, dotted nested fields,
// multi-line quoted values, masked secrets.
#include "platform/opengear/ogcli_format.h"

#include <gtest/gtest.h>

namespace rotagent::platform::opengear {
namespace {

TEST(OgcliFormat, BlocksOfBareFields) {
  const std::string text =
      "description=\"System wide SuperUser account\"\n"
      "enabled=true\n"
      "groups=[groups-1]\n"
      "hashed_password=\"********\"\n"
      "id=\"users-1\"\n"
      "username=\"root\"\n"
      "\n"
      "description=\"say \\\"hi\\\"\"\n"
      "enabled=false\n"
      "id=\"users-2\"\n"
      "username=\"admin\"\n";
  auto r = ParseOgcliRecords(text);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0]["enabled"], "true");
  EXPECT_EQ(r[0]["groups"], "[groups-1]");
  EXPECT_TRUE(MaskedHash(r[0]["hashed_password"]));
  EXPECT_EQ(r[1]["description"], "say \"hi\"");
  EXPECT_EQ(r[1]["username"], "admin");
}

TEST(OgcliFormat, ARepeatedFieldStartsANewBlock) {
  auto r = ParseOgcliRecords("id=\"a\"\nusername=\"x\"\nid=\"b\"\nusername=\"y\"\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1]["username"], "y");
}

TEST(OgcliFormat, MultiLineAndEscapedValuesAndDottedFields) {
  const std::string pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  auto f = ParseOgcli("cert=\"" + pem + "\"\ncsr.private_key=" + OgcliQuote("k\ney") +
                      "\ncsr.key_length=2048\n");
  EXPECT_EQ(f["cert"], pem);
  EXPECT_EQ(f["csr.private_key"], "k\ney");
  EXPECT_EQ(f["csr.key_length"], "2048");
  EXPECT_FALSE(MaskedHash("$6$abc$def"));
  EXPECT_TRUE(ParseOgcliRecords("cert=\"unterminated\n").empty());
}

}  // namespace
}  // namespace rotagent::platform::opengear
