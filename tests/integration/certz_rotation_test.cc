// End-to-end certz rotations against the real rotagentd over real mTLS.
#include <gtest/gtest.h>

#include <fstream>

#include "common/x509.h"
#include "tests/integration/certz_fixture.h"

namespace rotagent::testing {
namespace {

TEST_F(CertzTest, ServerCertificateIsLiveBeforeFinalizeAndSurvivesRestart) {
  StartAgent();
  const std::string before = Served();
  EXPECT_EQ(before, Fingerprint(default_server_.cert_pem));

  auto stub = Admin();
  RotateStream s(*stub);
  ASSERT_TRUE(s.Exchange(
      Upload("gnsi", {ChainEntity("v1", 1700000001, {server_a_.cert_pem}, server_a_.key_pem),
                      TrustEntity("t1", 1700000002, {trust_pem_})})));
  // The upload response promises the candidate is what a NEW handshake sees.
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, admin_));
  EXPECT_EQ(Committed("gnsi").value_or(certz::ProfileMaterial{}).chain.version, "");
  ASSERT_TRUE(s.Send(Finalize("gnsi")));
  ASSERT_TRUE(s.Finish().ok());

  auto committed = Committed("gnsi");
  ASSERT_TRUE(committed);
  EXPECT_EQ(committed->chain.version, "v1");
  EXPECT_EQ(committed->chain.created_on, 1700000001u);
  EXPECT_EQ(committed->trust.version, "t1");
  EXPECT_EQ(ReadText(dir_ / "installed/cert.pem"), server_a_.cert_pem);
  EXPECT_EQ(std::filesystem::status(dir_ / "installed/key.pem").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  agent_->Stop();
  agent_->Start();
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  EXPECT_EQ(Committed("gnsi")->chain.version, "v1");
}

TEST_F(CertzTest, OpenConnectionsSurviveARotation) {
  StartAgent();
  auto stub = Admin();  // one connection, used before and after
  grpc::ClientContext c1;
  pb::GetProfileListResponse list;
  ASSERT_TRUE(stub->GetProfileList(&c1, {}, &list).ok());
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  grpc::ClientContext c2;
  ASSERT_TRUE(stub->GetProfileList(&c2, {}, &list).ok());
  std::vector<std::string> ids(list.ssl_profile_ids().begin(), list.ssl_profile_ids().end());
  EXPECT_EQ(ids, (std::vector<std::string>{"client-tls", "gnsi", "system_default_profile"}));
}

TEST_F(CertzTest, DeviceGeneratedKeyThroughCsr) {
  StartAgent();
  auto stub = Admin();
  for (auto suite : {pb::CSRSUITE_X509_KEY_TYPE_ECDSA_PRIME256V1_SIGNATURE_ALGORITHM_SHA_2_256,
                     pb::CSRSUITE_X509_KEY_TYPE_RSA_2048_SIGNATURE_ALGORITHM_SHA_2_384,
                     pb::CSRSUITE_X509_KEY_TYPE_EDDSA_ED25519}) {
    SCOPED_TRACE(pb::CSRSuite_Name(suite));
    RotateStream s(*stub);
    pb::RotateCertificateRequest gen;
    gen.set_ssl_profile_id("gnsi");
    gen.mutable_generate_csr()->mutable_params()->set_csr_suite(suite);
    gen.mutable_generate_csr()->mutable_params()->set_common_name("device-1");
    gen.mutable_generate_csr()->mutable_params()->mutable_san()->add_dns("localhost");
    pb::RotateCertificateResponse resp;
    ASSERT_TRUE(s.Exchange(gen, &resp)) << s.Finish().error_message();
    const std::string csr =
        resp.generated_csr().certificate_signing_request().certificate_signing_request();
    ASSERT_NE(csr.find("BEGIN CERTIFICATE REQUEST"), std::string::npos);
    const std::string cert = SignCsr(ca_a_, csr, "device-1");
    auto entity = ChainEntity(pb::CSRSuite_Name(suite), 1700000100, {cert}, "");
    entity.mutable_certificate_chain()->mutable_certificate()->set_key_source(
        pb::Certificate::KEY_SOURCE_GENERATED);
    ASSERT_TRUE(s.Exchange(Upload(
        "gnsi", {std::move(entity), TrustEntity(pb::CSRSuite_Name(suite), 1, {trust_pem_})})))
        << s.Finish().error_message();
    EXPECT_EQ(Served(), Fingerprint(cert));
    ASSERT_TRUE(s.Send(Finalize("gnsi")));
    ASSERT_TRUE(s.Finish().ok());
    EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, admin_));
  }
}

TEST_F(CertzTest, CanGenerateCsrForEverySuite) {
  StartAgent();
  auto stub = Admin();
  for (int suite = 0; suite <= 20; ++suite) {
    grpc::ClientContext ctx;
    pb::CanGenerateCSRRequest req;
    req.mutable_params()->set_csr_suite(static_cast<pb::CSRSuite>(suite));
    req.mutable_params()->set_common_name("x");
    pb::CanGenerateCSRResponse resp;
    ASSERT_TRUE(stub->CanGenerateCSR(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.can_generate(), suite >= 1 && suite <= 19) << suite;
  }
}

TEST_F(CertzTest, ClientFromDroppedCaIsRefusedAfterTrustRotation) {
  StartAgent();
  RotateGnsi(server_a_, {ca_a_.cert_pem, ca_b_.cert_pem}, "v1");
  ASSERT_TRUE(CanConnect(agent_->port(), trust_pem_, operator_b_));

  auto stub = Admin();
  RotateStream s(*stub);
  ASSERT_TRUE(s.Exchange(Upload("gnsi", {TrustEntity("t2", 1700000200, {ca_a_.cert_pem})})));
  // Already live for new handshakes, before Finalize.
  EXPECT_FALSE(CanConnect(agent_->port(), trust_pem_, operator_b_));
  ASSERT_TRUE(s.Send(Finalize("gnsi")));
  ASSERT_TRUE(s.Finish().ok());
  EXPECT_FALSE(CanConnect(agent_->port(), trust_pem_, operator_b_));
  EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, admin_));
  EXPECT_EQ(Committed("gnsi")->trust.version, "t2");
}

TEST_F(CertzTest, RevokedClientIsRefused) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  Identity revoked = MakeLeaf(ca_a_, "admin");  // same name, different serial
  ASSERT_TRUE(CanConnect(agent_->port(), trust_pem_, revoked));

  auto stub = Admin();
  RotateStream s(*stub);
  ASSERT_TRUE(
      s.Exchange(Upload("gnsi", {CrlEntity("crl1", 1700000300, {MakeCrl(ca_a_, {&revoked})})})))
      << s.Finish().error_message();
  ASSERT_TRUE(s.Send(Finalize("gnsi")));
  ASSERT_TRUE(s.Finish().ok());
  EXPECT_FALSE(CanConnect(agent_->port(), trust_pem_, revoked));
  EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, admin_));
  EXPECT_TRUE(CanConnect(agent_->port(), trust_pem_, operator_b_));
}

TEST_F(CertzTest, HalfCloseWithoutFinalizeRollsBack) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto s = StageNext();
  EXPECT_EQ(Served(), Fingerprint(next_.cert_pem));
  grpc::Status st = s->Finish();  // returns once the agent has rolled back
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_NE(st.error_message().find("rolled back"), std::string::npos);
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  EXPECT_EQ(Committed("gnsi")->chain.version, "v1");
  EXPECT_EQ(ReadText(dir_ / "installed/cert.pem"), server_a_.cert_pem);
}

// The listener starts serving a candidate while its stage is being made durable. When the stage
// then fails (here: the journal cannot be written), the listener goes back to what is live.
TEST_F(CertzTest, AStageThatCannotBeJournaledLeavesTheListenerOnTheLiveCertificate) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const auto journal = dir_ / "state/journal";
  std::filesystem::rename(journal, dir_ / "journal.away");
  std::ofstream(journal) << "not a directory";
  {
    auto stub = Admin();
    RotateStream s(*stub);
    EXPECT_FALSE(s.Exchange(UploadLeaf("gnsi", "v2", next_)));
    EXPECT_EQ(s.Finish().error_code(), grpc::StatusCode::INTERNAL);
  }
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  EXPECT_EQ(Committed("gnsi")->chain.version, "v1");
  std::filesystem::remove(journal);
  std::filesystem::rename(dir_ / "journal.away", journal);
  RotateGnsi(next_, {trust_pem_}, "v2");
  EXPECT_EQ(Served(), Fingerprint(next_.cert_pem));
}

TEST_F(CertzTest, CancelledStreamRollsBack) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  StageNext()->Cancel();
  auto stub = Admin();
  // The rollback holds the rotation lock until it is done.
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  EXPECT_EQ(Committed("gnsi")->chain.version, "v1");
}

TEST_F(CertzTest, ConfirmTimeoutRollsBack) {
  confirm_timeout_ = 3;  // the first rotation and the stage must fit in it, under the sanitizers
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto s = StageNext();
  // No Finalize and no half-close: the agent ends the stream when the confirm timeout expires.
  pb::RotateCertificateResponse resp;
  EXPECT_FALSE(s->Read(&resp));
  EXPECT_EQ(s->Finish().error_code(), grpc::StatusCode::CANCELLED);
  auto stub = Admin();
  ASSERT_TRUE(WaitRotationIdle(*stub, "gnsi"));
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
  EXPECT_EQ(Committed("gnsi")->chain.version, "v1");
  EXPECT_NE(agent_->Log().find("rolled back"), std::string::npos);
}

TEST_F(CertzTest, SecondRotateIsAborted) {
  StartAgent();
  auto stub = Admin();
  RotateStream first(*stub);
  pb::RotateCertificateRequest gen;
  gen.set_ssl_profile_id("gnsi");
  gen.mutable_generate_csr()->mutable_params()->set_csr_suite(
      pb::CSRSUITE_X509_KEY_TYPE_ECDSA_PRIME256V1_SIGNATURE_ALGORITHM_SHA_2_256);
  gen.mutable_generate_csr()->mutable_params()->set_common_name("x");
  ASSERT_TRUE(first.Exchange(gen));
  RotateStream second(*stub);
  EXPECT_FALSE(second.Exchange(gen));
  grpc::Status st = second.Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_NE(st.error_message().find("another certz Rotate"), std::string::npos);
}

TEST_F(CertzTest, UnauthorizedCallerIsDenied) {
  StartAgent();
  auto stub = Stub(stranger_);
  grpc::ClientContext ctx;
  pb::GetProfileListResponse resp;
  grpc::Status st = stub->GetProfileList(&ctx, {}, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("CN=stranger"), std::string::npos);
  RotateStream s(*stub);
  EXPECT_FALSE(s.Exchange(Finalize("gnsi")));
  EXPECT_EQ(s.Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(CertzTest, ProfileManagement) {
  StartAgent();
  auto stub = Admin();
  auto add = [&](const std::string& id) {
    grpc::ClientContext ctx;
    pb::AddProfileRequest req;
    req.set_ssl_profile_id(id);
    pb::AddProfileResponse resp;
    return stub->AddProfile(&ctx, req, &resp);
  };
  auto del = [&](const std::string& id) {
    grpc::ClientContext ctx;
    pb::DeleteProfileRequest req;
    req.set_ssl_profile_id(id);
    pb::DeleteProfileResponse resp;
    return stub->DeleteProfile(&ctx, req, &resp);
  };
  EXPECT_TRUE(add("extra").ok());
  EXPECT_EQ(add("extra").error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(add("").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(add("../etc").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(add("system_default_profile").error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(del("system_default_profile").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(del("missing").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(del("extra").ok());
  EXPECT_EQ(del("extra").error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(CertzTest, ExistingEntityCopiesFromAnotherProfile) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  Identity client = MakeLeaf(ca_a_, "syslog-client");
  auto stub = Admin();
  RotateStream s(*stub);
  pb::Entity copy;
  copy.mutable_existing_entity()->set_ssl_profile_id("gnsi");
  copy.mutable_existing_entity()->set_entity_type(pb::ExistingEntity::ENTITY_TYPE_TRUST_BUNDLE);
  ASSERT_TRUE(s.Exchange(Upload(
      "client-tls", {ChainEntity("c1", 5, {client.cert_pem}, client.key_pem), std::move(copy)})))
      << s.Finish().error_message();
  ASSERT_TRUE(s.Send(Finalize("client-tls")));
  ASSERT_TRUE(s.Finish().ok());
  auto m = Committed("client-tls");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->trust.version, "trust-v1");
  EXPECT_EQ(m->chain.version, "c1");
  // A client profile is installed, not served.
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
}

}  // namespace
}  // namespace rotagent::testing
