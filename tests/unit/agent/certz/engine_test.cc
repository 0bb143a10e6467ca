// The certz engine against a platform in memory: a rotation installs and commits through the
// platform's certificate sink, and a failed or abandoned one leaves the box as it was.
#include "agent/certz/engine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/fake_platform.h"
#include "tests/support/pki.h"
#include "tests/support/test_dir.h"

namespace rotagent::certz {
namespace {
namespace fs = std::filesystem;
using testing::FakePlatform;

// The listener side: records what it was told. With `serving`, a listener serves every profile
// and takes candidates ahead of the stage.
class RecordingServing : public TlsServing {
 public:
  Status ProfileChanged(const std::string& profile) override {
    calls.push_back("changed " + profile);
    return Status::Ok();
  }
  Result<std::function<Status()>> ServeCandidate(const std::string& profile,
                                                 const std::string& /*chain_pem*/,
                                                 ossl::Pkey /*key*/,
                                                 const std::string& /*trust_pem*/) override {
    if (!serving) return std::function<Status()>();
    calls.push_back("serve " + profile);
    return std::function<Status()>([] { return Status::Ok(); });
  }
  Status TrustCandidate(const std::string& profile, const std::string& /*trust_pem*/,
                        const std::string& /*crl_pem*/) override {
    if (serving) calls.push_back("trust " + profile);
    return Status::Ok();
  }
  bool serving = false;
  std::vector<std::string> calls;
};

class CertzEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<ProfileStore>(dir_);
    journal_ = std::make_unique<store::Journal>(dir_ / "journal");
    ASSERT_TRUE(store_->Init().ok() && journal_->Init().ok());
    EngineSettings settings;
    settings.role_of = [](const std::string&) { return std::string("server"); };
    engine_ = std::make_unique<Engine>(*store_, box_, serving_, settings, *journal_, domains_);
    domains_[kProfilesDomain] = {&store_->slots(), engine_.get()};
    ASSERT_TRUE(engine_->AddProfile("gnsi").ok());
  }

  std::vector<EntityUpload> Upload(const std::string& version) {
    const auto leaf = ::rotagent::testing::MakeServer(ca_);
    std::vector<EntityUpload> u(2);
    u[0].kind = EntityUpload::Kind::kChain;
    u[0].version = version;
    u[0].created_on = 1;
    u[0].certs = {Blob{leaf.cert_pem, x509::Encoding::kPem}};
    u[0].key = KeyBlob{Secret(std::string(leaf.key_pem)), x509::Encoding::kPem};
    u[1].kind = EntityUpload::Kind::kTrustChain;
    u[1].version = "t-" + version;
    u[1].created_on = 1;
    u[1].certs = {Blob{ca_.cert_pem, x509::Encoding::kPem}};
    return u;
  }
  bool Called(const std::string& call) {
    return std::find(box_.calls.begin(), box_.calls.end(), call) != box_.calls.end();
  }

  testing::TestDir dir_{"certz-engine"};
  ::rotagent::testing::Identity ca_ = ::rotagent::testing::MakeCa("Engine CA");
  FakePlatform box_;
  RecordingServing serving_;
  std::unique_ptr<ProfileStore> store_;
  std::unique_ptr<store::Journal> journal_;
  txn::Domains domains_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(CertzEngineTest, RotationInstallsThenCommitsThroughTheCertSink) {
  auto rotation = engine_->Begin("gnsi");
  ASSERT_TRUE(rotation.ok()) << rotation.status().message();
  Status up = (*rotation)->Upload(Upload("v1"), false);
  ASSERT_TRUE(up.ok()) << up.message();
  EXPECT_EQ(box_.installed["gnsi"], "v1");
  EXPECT_TRUE(Called("StageCert gnsi"));
  ASSERT_TRUE((*rotation)->Finalize().ok());
  EXPECT_TRUE(Called("CommitCert gnsi"));
  rotation->reset();
  EXPECT_EQ(box_.installed["gnsi"], "v1");
  ASSERT_TRUE(store_->Committed("gnsi").has_value());
  EXPECT_EQ(store_->Committed("gnsi")->chain.version, "v1");
}

TEST_F(CertzEngineTest, FailedInstallLeavesTheBoxAndStoreAsTheyWere) {
  box_.fail_stage = {"gnsi"};
  auto rotation = engine_->Begin("gnsi");
  ASSERT_TRUE(rotation.ok());
  Status up = (*rotation)->Upload(Upload("v1"), false);
  EXPECT_EQ(up.code(), Code::kInternal) << up.message();
  EXPECT_NE(up.message().find("fake box refused to stage gnsi"), std::string::npos) << up.message();
  rotation->reset();
  EXPECT_EQ(box_.installed.count("gnsi"), 0U);
  EXPECT_FALSE(store_->Committed("gnsi").has_value());
  EXPECT_FALSE(Called("CommitCert gnsi"));
}

TEST_F(CertzEngineTest, AbandonedRotationPutsThePreviousVersionBack) {
  {
    auto first = engine_->Begin("gnsi");
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE((*first)->Upload(Upload("v1"), false).ok());
    ASSERT_TRUE((*first)->Finalize().ok());
  }
  auto second = engine_->Begin("gnsi");
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE((*second)->Upload(Upload("v2"), false).ok());
  EXPECT_EQ(box_.installed["gnsi"], "v2");
  second->reset();  // the stream ends without Finalize
  EXPECT_TRUE(Called("RollbackCert gnsi"));
  EXPECT_EQ(box_.installed["gnsi"], "v1");
  EXPECT_EQ(store_->Committed("gnsi")->chain.version, "v1");
}

// The listener serves an uploaded chain as soon as it and its key check out, while the rest of
// the validation runs; clients are verified against the new trust bundle only once the whole
// candidate checked out.
TEST_F(CertzEngineTest, TheListenerServesTheChainAheadAndTrustsItsBundleOnceAllChecksOut) {
  serving_.serving = true;
  auto rotation = engine_->Begin("gnsi");
  ASSERT_TRUE(rotation.ok());
  ASSERT_TRUE((*rotation)->Upload(Upload("v1"), false).ok());
  EXPECT_EQ(serving_.calls, (std::vector<std::string>{"serve gnsi", "trust gnsi"}));
  ASSERT_TRUE((*rotation)->Finalize().ok());
}

// A candidate refused after its chain was served ahead (its chain does not verify, or it would
// lock the caller out) puts the listener back, and its trust bundle never verifies a client.
TEST_F(CertzEngineTest, ARefusedCandidatePutsTheListenerBackAndNeverTrustsItsBundle) {
  serving_.serving = true;
  auto untrusted = Upload("v1");
  const auto other_ca = ::rotagent::testing::MakeCa("Other CA");
  const auto leaf = ::rotagent::testing::MakeServer(other_ca);
  untrusted[0].certs = {Blob{leaf.cert_pem, x509::Encoding::kPem}};
  untrusted[0].key = KeyBlob{Secret(std::string(leaf.key_pem)), x509::Encoding::kPem};
  auto rotation = engine_->Begin("gnsi");
  ASSERT_TRUE(rotation.ok());
  Status up = (*rotation)->Upload(untrusted, false);
  EXPECT_EQ(up.code(), Code::kInvalidArgument) << up.message();
  EXPECT_EQ(serving_.calls, (std::vector<std::string>{"serve gnsi", "changed gnsi"}));

  serving_.calls.clear();
  engine_->SetLockoutCheck([](const Caller&, const std::string&, const ProfileMaterial*) {
    return FailedPrecondition("would lock the caller out");
  });
  up = (*rotation)->Upload(Upload("v1"), false);
  EXPECT_EQ(up.code(), Code::kFailedPrecondition) << up.message();
  EXPECT_EQ(serving_.calls, (std::vector<std::string>{"serve gnsi", "changed gnsi"}));
  EXPECT_FALSE(store_->Committed("gnsi").has_value());
}

}  // namespace
}  // namespace rotagent::certz
