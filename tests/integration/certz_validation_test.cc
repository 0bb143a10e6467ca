// Every bad certz input gets a precise status and message, and changes nothing.
#include <gtest/gtest.h>

#include "tests/integration/certz_fixture.h"

namespace rotagent::testing {
namespace {

struct Case {
  std::string name;
  std::function<std::vector<pb::RotateCertificateRequest>(CertzTest&)> requests;
  grpc::StatusCode code;
  std::string message;  // a fragment the message must contain
};

class CertzValidationTest : public CertzTest {
 protected:
  // Sends `reqs` on one stream and returns the final status; the last must fail.
  grpc::Status Run(const std::vector<pb::RotateCertificateRequest>& reqs) {
    auto stub = Admin();
    RotateStream s(*stub);
    for (const auto& r : reqs) {
      if (!s.Exchange(r)) break;
    }
    return s.Finish();
  }
};

pb::RotateCertificateRequest UploadChain(const std::string& profile, const Identity& leaf,
                                         const std::string& key_pem,
                                         const std::string& version = "v9",
                                         uint64_t created_on = 1700000900) {
  return Upload(profile, {ChainEntity(version, created_on, {leaf.cert_pem}, key_pem)});
}

TEST_F(CertzValidationTest, EachBadInputIsRefusedAndChangesNothing) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const std::string served = Served();
  Identity other = MakeServer(ca_a_, "other");
  Identity untrusted_ca = MakeCa("CA untrusted");
  Identity untrusted = MakeServer(untrusted_ca, "untrusted");
  Identity expired = MakeLeaf(ca_a_, "expired", -86400 * 10, 86400);
  Identity future = MakeLeaf(ca_a_, "future", 86400 * 10, 86400);

  std::vector<Case> cases = {
      {"unparsable PEM",
       [](CertzTest&) {
         return std::vector{
             Upload("gnsi",
                    {ChainEntity("v9", 1,
                                 {"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
                                 "k")})};
       },
       grpc::StatusCode::INVALID_ARGUMENT, "unparsable PEM certificate"},
      {"not PEM at all",
       [](CertzTest&) {
         return std::vector{Upload("gnsi", {ChainEntity("v9", 1, {"garbage"}, "k")})};
       },
       grpc::StatusCode::INVALID_ARGUMENT, "is not PEM"},
      {"bad DER",
       [](CertzTest& t) {
         auto e = ChainEntity("v9", 1, {"\x30\x03\x02\x01"}, t.server_a_.key_pem);
         e.mutable_certificate_chain()->mutable_certificate()->set_encoding(
             pb::CERTIFICATE_ENCODING_DER);
         return std::vector{Upload("gnsi", {e})};
       },
       grpc::StatusCode::INVALID_ARGUMENT, "not a DER X.509 certificate"},
      {"key does not match",
       [&](CertzTest& t) { return std::vector{UploadChain("gnsi", t.server_a_, other.key_pem)}; },
       grpc::StatusCode::INVALID_ARGUMENT, "private key does not match certificate"},
      {"bad key",
       [&](CertzTest& t) { return std::vector{UploadChain("gnsi", t.server_a_, "not a key")}; },
       grpc::StatusCode::INVALID_ARGUMENT, "not a valid unencrypted private key"},
      {"untrusted chain",
       [&](CertzTest&) { return std::vector{UploadChain("gnsi", untrusted, untrusted.key_pem)}; },
       grpc::StatusCode::INVALID_ARGUMENT, "does not verify against the trust bundle"},
      {"expired",
       [&](CertzTest&) { return std::vector{UploadChain("gnsi", expired, expired.key_pem)}; },
       grpc::StatusCode::INVALID_ARGUMENT, "has expired (now "},
      {"not yet valid",
       [&](CertzTest&) { return std::vector{UploadChain("gnsi", future, future.key_pem)}; },
       grpc::StatusCode::INVALID_ARGUMENT, "is not yet valid (now "},
      {"RSA key below policy",
       [&](CertzTest& t) {
         std::string key = RsaKeyPem(1024);
         return std::vector{UploadChain("gnsi", t.server_a_, key)};
       },
       grpc::StatusCode::INVALID_ARGUMENT, "below the policy minimum of 2048"},
      {"missing version",
       [&](CertzTest& t) { return std::vector{UploadChain("gnsi", other, other.key_pem, "")}; },
       grpc::StatusCode::INVALID_ARGUMENT, "version is empty"},
      {"missing created_on",
       [&](CertzTest&) { return std::vector{UploadChain("gnsi", other, other.key_pem, "v9", 0)}; },
       grpc::StatusCode::INVALID_ARGUMENT, "created_on is 0"},
      {"trust bundle that drops the server's CA",
       [](CertzTest& t) {
         return std::vector{Upload("gnsi", {TrustEntity("t9", 1, {t.ca_b_.cert_pem})})};
       },
       grpc::StatusCode::FAILED_PRECONDITION, "would no longer validate the profile's certificate"},
      {"parent loop",
       [&](CertzTest& t) {
         return std::vector{Upload(
             "gnsi", {ChainEntity("v9", 1, {other.cert_pem, t.ca_a_.cert_pem, t.ca_a_.cert_pem},
                                  other.key_pem)})};
       },
       grpc::StatusCode::INVALID_ARGUMENT, "appears twice (parent loop)"},
      {"oversize payload",
       [&](CertzTest&) {
         std::string big = other.cert_pem + std::string(300 * 1024, '#');
         return std::vector{Upload("gnsi", {ChainEntity("v9", 1, {big}, other.key_pem)})};
       },
       grpc::StatusCode::RESOURCE_EXHAUSTED, "exceeds the limit"},
      {"finalize first", [](CertzTest&) { return std::vector{Finalize("gnsi")}; },
       grpc::StatusCode::FAILED_PRECONDITION, "before any certificates were uploaded"},
      {"empty profile id",
       [&](CertzTest&) { return std::vector{UploadChain("", other, other.key_pem)}; },
       grpc::StatusCode::INVALID_ARGUMENT, "ssl_profile_id is empty"},
      {"unknown profile",
       [&](CertzTest&) { return std::vector{UploadChain("nope", other, other.key_pem)}; },
       grpc::StatusCode::NOT_FOUND, "profile 'nope' does not exist"},
      {"second profile in one stream",
       [&](CertzTest&) {
         return std::vector{UploadChain("gnsi", other, other.key_pem),
                            UploadChain("client-tls", other, other.key_pem)};
       },
       grpc::StatusCode::INVALID_ARGUMENT, "use one stream per profile"},
      {"system_default_profile is immutable",
       [&](CertzTest&) {
         return std::vector{UploadChain("system_default_profile", other, other.key_pem)};
       },
       grpc::StatusCode::FAILED_PRECONDITION, "immutable"},
      {"version already active",
       [](CertzTest& t) {
         return std::vector{UploadChain("gnsi", t.server_a_, t.server_a_.key_pem, "v1")};
       },
       grpc::StatusCode::ALREADY_EXISTS, "force_overwrite"},
      {"wrong certificate type",
       [&](CertzTest&) {
         auto e = ChainEntity("v9", 1, {other.cert_pem}, other.key_pem);
         e.mutable_certificate_chain()->mutable_certificate()->set_type(
             pb::CERTIFICATE_TYPE_UNSPECIFIED);
         return std::vector{Upload("gnsi", {e})};
       },
       grpc::StatusCode::INVALID_ARGUMENT, "type must be CERTIFICATE_TYPE_X509"},
      {"no key and no CSR", [&](CertzTest&) { return std::vector{UploadChain("gnsi", other, "")}; },
       grpc::StatusCode::INVALID_ARGUMENT, "private key is missing"},
      {"unsigned CRL",
       [&](CertzTest&) {
         return std::vector{Upload("gnsi", {CrlEntity("c9", 1, {MakeCrl(untrusted_ca, {})})})};
       },
       grpc::StatusCode::INVALID_ARGUMENT, "not signed by any certificate in the trust bundle"},
      {"empty request",
       [](CertzTest&) {
         pb::RotateCertificateRequest r;
         r.set_ssl_profile_id("gnsi");
         return std::vector{r};
       },
       grpc::StatusCode::INVALID_ARGUMENT, "holds none of"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    grpc::Status st = Run(c.requests(*this));
    EXPECT_EQ(st.error_code(), c.code) << st.error_message();
    EXPECT_NE(st.error_message().find(c.message), std::string::npos) << st.error_message();
    EXPECT_EQ(Served(), served);
    EXPECT_EQ(Committed("gnsi")->chain.version, "v1");
    EXPECT_EQ(Committed("gnsi")->trust.version, "trust-v1");
  }
  // The secret never reaches the log.
  EXPECT_EQ(agent_->Log().find("PRIVATE KEY"), std::string::npos);
}

TEST_F(CertzValidationTest, ForceOverwriteReinstallsTheActiveVersion) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto stub = Admin();
  RotateStream s(*stub);
  ASSERT_TRUE(s.Exchange(UploadChain("gnsi", server_a_, server_a_.key_pem, "v1") /*no force*/) ==
              false);
  RotateStream forced(*stub);
  auto req = Upload("gnsi",
                    {ChainEntity("v1", 1700000999, {server_a_.cert_pem}, server_a_.key_pem)}, true);
  ASSERT_TRUE(forced.Exchange(req)) << forced.Finish().error_message();
  ASSERT_TRUE(forced.Send(Finalize("gnsi")));
  ASSERT_TRUE(forced.Finish().ok());
  EXPECT_EQ(Committed("gnsi")->chain.created_on, 1700000999u);
}

}  // namespace
}  // namespace rotagent::testing
