// What the agent reports over gNMI: a client written from the public gnmi definitions watches
// certz rotations, restarts, drift and the admin-state guard.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/certz_fixture.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {
namespace {

const std::string kChain = "/rotation/credentials/credential[name=profiles/gnsi/chain]/state/";
const std::string kStatus = "rotagent:" + kChain + "synchronization-status";
const std::string kGrpcServer = "/system/grpc-servers/grpc-server[name=rotagent]/state/";

class GnmiStateTest : public CertzTest {
 protected:
  void SetUp() override {
    CertzTest::SetUp();
    // Seconds, as sent: the assertions below were written for that unit (the default is ns).
    extra_config_ = "state: {check_interval: 1, created_on_unit: seconds}\n";
  }
  std::unique_ptr<gnmi::gNMI::Stub> Gnmi() const {
    return gnmi::gNMI::NewStub(NewChannel(agent_->port(), trust_pem_, admin_));
  }
  grpc::Status Get(const std::vector<gnmi::Path>& paths, gnmi::GetResponse* resp,
                   gnmi::Encoding enc = gnmi::PROTO) {
    gnmi::GetRequest req;
    for (const auto& p : paths) *req.add_path() = p;
    req.set_encoding(enc);
    grpc::ClientContext ctx;
    return Gnmi()->Get(&ctx, req, resp);
  }
  std::map<std::string, std::string> GetLeaves(const std::string& origin, const std::string& path) {
    gnmi::GetResponse resp;
    grpc::Status s = Get({GnmiPath(origin, path)}, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return Leaves(resp);
  }
  grpc::Status SetString(const gnmi::Path& path, const std::string& value) {
    gnmi::SetRequest req;
    auto* u = req.add_update();
    *u->mutable_path() = path;
    u->mutable_val()->set_string_val(value);
    gnmi::SetResponse resp;
    grpc::ClientContext ctx;
    return Gnmi()->Set(&ctx, req, &resp);
  }
};

bool Contains(const std::vector<std::string>& h, const std::vector<std::string>& seq) {
  size_t i = 0;
  for (const auto& v : h) {
    if (i < seq.size() && v == seq[i]) ++i;
  }
  return i == seq.size();
}

// ON_CHANGE sends each leaf's latest value, so a state held for less than a refresh may be
// merged into the next; each state here is held until the subscriber has seen it.
TEST_F(GnmiStateTest, OnChangeShowsEachTransitionOfACertzRotation) {
  StartAgent();
  auto stub = Gnmi();
  GnmiSubscription sub(*stub, StreamRequest({GnmiPath("rotagent", kChain)}));
  ASSERT_TRUE(sub.WaitFor([&] { return sub.synced(); }));
  auto certz = Admin();
  RotateStream rotation(*certz);
  ASSERT_TRUE(rotation.Exchange(GnsiUpload(server_a_, {trust_pem_}, "v1")));
  ASSERT_TRUE(sub.WaitFor([&] { return Contains(sub.History(kStatus), {"Synchronizing"}); }))
      << ::testing::PrintToString(sub.History(kStatus));
  ASSERT_TRUE(rotation.Send(Finalize("gnsi")));
  ASSERT_TRUE(rotation.Finish().ok());
  ASSERT_TRUE(sub.WaitFor([&] {
    return Contains(sub.History(kStatus), {"Synchronizing", "InSync"});
  })) << ::testing::PrintToString(sub.History(kStatus));
  EXPECT_EQ(sub.History("rotagent:" + kChain + "version").back(), "v1");
  EXPECT_FALSE(sub.History("rotagent:" + kChain + "expire-time").empty());
  EXPECT_EQ(sub.History("rotagent:" + kChain + "type").back(), "ServerCertificate");
  // A rotation that is dropped: Synchronizing, then OutOfSync with the reason and the version.
  auto staged = StageNext();
  ASSERT_TRUE(sub.WaitFor([&] {
    return Contains(sub.History(kStatus), {"Synchronizing", "InSync", "Synchronizing"});
  })) << ::testing::PrintToString(sub.History(kStatus));
  staged.reset();
  ASSERT_TRUE(sub.WaitFor([&] {
    return Contains(sub.History(kStatus),
                    {"Synchronizing", "InSync", "Synchronizing", "OutOfSync"});
  })) << ::testing::PrintToString(sub.History(kStatus));
  EXPECT_NE(sub.History("rotagent:" + kChain + "last-error").back().find("stream ended"),
            std::string::npos);
  EXPECT_EQ(sub.History("rotagent:" + kChain + "attempted-version").back(), "v2");
  EXPECT_EQ(sub.History("rotagent:" + kChain + "version").back(), "v1");
}

TEST_F(GnmiStateTest, GetAfterRestartShowsPersistedVersions) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  agent_->Stop();
  StartAgent();
  auto oc = GetLeaves("openconfig", kGrpcServer);
  EXPECT_EQ(oc["openconfig:" + kGrpcServer + "certificate-version"], "v1");
  EXPECT_EQ(oc["openconfig:" + kGrpcServer + "ssl-profile-id"], "gnsi");
  EXPECT_FALSE(oc["openconfig:" + kGrpcServer + "certificate-expires-on"].empty());
  auto rot = GetLeaves("rotagent", kChain);
  EXPECT_EQ(rot["rotagent:" + kChain + "version"], "v1");
  EXPECT_EQ(rot["rotagent:" + kChain + "synchronization-status"], "InSync");
  EXPECT_EQ(rot["rotagent:" + kChain + "fingerprint"], Fingerprint(server_a_.cert_pem));
  // Test certificates live 30 days: inside the default 30-day warning threshold.
  EXPECT_EQ(rot["rotagent:" + kChain + "days-to-expiry"], "29");
  EXPECT_EQ(rot["rotagent:" + kChain + "expiry-status"], "warning");
  EXPECT_NE(agent_->Log().find("credential profiles/gnsi/chain (ServerCertificate): certificate "
                               "expires in 29 days"),
            std::string::npos);
}

TEST_F(GnmiStateTest, DriftInAnInstalledFileTurnsTheCredentialOutOfSync) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto stub = Gnmi();
  GnmiSubscription sub(*stub, StreamRequest({GnmiPath("rotagent", kChain)}));
  ASSERT_TRUE(sub.WaitFor([&] { return sub.synced(); }));
  const std::string installed = (dir_ / "installed/cert.pem").string();
  const std::string good = ReadText(installed);
  std::ofstream(installed) << "edited by hand\n";
  ASSERT_TRUE(sub.WaitFor([&] { return Contains(sub.History(kStatus), {"OutOfSync"}); }));
  const std::string why = sub.History("rotagent:" + kChain + "last-error").back();
  EXPECT_NE(why.find(installed), std::string::npos) << why;
  EXPECT_NE(why.find("'v1'"), std::string::npos) << why;
  std::ofstream(installed) << good;
  ASSERT_TRUE(sub.WaitFor([&] { return Contains(sub.History(kStatus), {"OutOfSync", "InSync"}); }));
  // The error leaf is gone again, and ON_CHANGE says so with an explicit delete.
  ASSERT_TRUE(sub.WaitFor(
      [&] { return sub.History("rotagent:" + kChain + "last-error").back() == "<deleted>"; }));
}

TEST_F(GnmiStateTest, AdminStateRefusesRotationsUntilEnabled) {
  StartAgent();
  const gnmi::Path admin = GnmiPath("rotagent", "/rotation/agent/config/admin-state");
  ASSERT_TRUE(SetString(admin, "maintenance").ok());
  EXPECT_EQ(
      GetLeaves("rotagent",
                "/rotation/agent/state/admin-state")["rotagent:/rotation/agent/state/admin-state"],
      "maintenance");
  auto stub = Admin();
  {
    RotateStream s(*stub);
    EXPECT_FALSE(s.Exchange(UploadLeaf("gnsi", "v1", server_a_)));
    grpc::Status st = s.Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(st.error_message().find("'maintenance'"), std::string::npos) << st.error_message();
  }
  grpc::Status bad = SetString(admin, "sleeping");
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.error_message();
  // The state survives a restart, then enabling lets rotations in again.
  agent_->Stop();
  StartAgent();
  EXPECT_EQ(
      GetLeaves(
          "rotagent",
          "/rotation/agent/config/admin-state")["rotagent:/rotation/agent/config/admin-state"],
      "maintenance");
  ASSERT_TRUE(SetString(admin, "enabled").ok());
  RotateGnsi(server_a_, {trust_pem_}, "v1");
}

TEST_F(GnmiStateTest, BadPathsAndRequestsGetTheSpecifiedStatus) {
  StartAgent();
  gnmi::GetResponse resp;
  gnmi::Path empty_elem = GnmiPath("openconfig", "/system");
  empty_elem.add_elem();
  EXPECT_EQ(Get({empty_elem}, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Get({GnmiPath("openconfig", "/interfaces/interface")}, &resp).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(Get({GnmiPath("vendor", "/system")}, &resp).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(
      Get({GnmiPath("rotagent", "/rotation/agent/state/build")}, &resp, gnmi::ASCII).error_code(),
      grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(SetString(GnmiPath("rotagent", "/rotation/agent/state/build"), "x").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  auto stub = Gnmi();
  auto req = StreamRequest({GnmiPath("rotagent", "/rotation")}, gnmi::TARGET_DEFINED);
  req.mutable_subscribe()->mutable_subscription(0)->set_sample_interval(1000000000);
  GnmiSubscription sub(*stub, req);
  EXPECT_EQ(sub.Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GnmiStateTest, OncePollWildcardsAndJsonIetf) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto stub = Gnmi();
  const gnmi::Path versions =
      GnmiPath("rotagent", "/rotation/credentials/credential[name=*]/state/version");
  {
    GnmiSubscription once(
        *stub, StreamRequest({versions}, gnmi::TARGET_DEFINED, gnmi::SubscriptionList::ONCE));
    EXPECT_TRUE(once.Finish().ok());
    EXPECT_EQ(once.History("rotagent:" + kChain + "version"), std::vector<std::string>{"v1"});
    EXPECT_TRUE(once.synced());
  }
  {
    auto req = StreamRequest({versions}, gnmi::TARGET_DEFINED, gnmi::SubscriptionList::ONCE);
    req.mutable_subscribe()->set_updates_only(true);
    GnmiSubscription once(*stub, req);
    EXPECT_TRUE(once.Finish().ok());
    EXPECT_TRUE(once.synced());
    EXPECT_TRUE(once.History("rotagent:" + kChain + "version").empty());
  }
  {
    GnmiSubscription poll(
        *stub, StreamRequest({versions}, gnmi::TARGET_DEFINED, gnmi::SubscriptionList::POLL));
    ASSERT_TRUE(poll.WaitFor([&] { return poll.synced(); }));
    gnmi::SubscribeRequest p;
    p.mutable_poll();
    ASSERT_TRUE(poll.Send(p));
    ASSERT_TRUE(
        poll.WaitFor([&] { return poll.History("rotagent:" + kChain + "version").size() == 2; }));
  }
  // A prefix carries the origin and the first elements.
  {
    gnmi::GetRequest get;
    *get.mutable_prefix() = GnmiPath("rotagent", "/rotation/agent");
    *get.add_path() = GnmiPath("", "/state/admin-state");
    get.set_encoding(gnmi::PROTO);
    gnmi::GetResponse got;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub->Get(&ctx, get, &got).ok());
    EXPECT_EQ(Leaves(got)["rotagent:/rotation/agent/state/admin-state"], "enabled");
  }
  // `...` and JSON_IETF: 64-bit integers are JSON strings (RFC 7951).
  gnmi::GetResponse resp;
  ASSERT_TRUE(
      Get({GnmiPath("openconfig", "/system/.../certificate-created-on")}, &resp, gnmi::JSON_IETF)
          .ok());
  auto leaves = Leaves(resp);
  EXPECT_EQ(leaves["openconfig:" + kGrpcServer + "certificate-created-on"], "\"1700000000\"");
}

TEST_F(GnmiStateTest, SampleSendsOnScheduleAndCreatedOnUnitIsConfigurable) {
  extra_config_ =
      "state: {check_interval: 1, created_on_unit: nanoseconds}\n"
      "gnmi: {min_sample_interval_ms: 200}\n";
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto oc = GetLeaves("openconfig", kGrpcServer + "certificate-created-on");
  EXPECT_EQ(oc["openconfig:" + kGrpcServer + "certificate-created-on"], "1700000000000000000");
  auto stub = Gnmi();
  auto req = StreamRequest({GnmiPath("rotagent", "/rotation/agent/state/build")}, gnmi::SAMPLE);
  req.mutable_subscribe()->mutable_subscription(0)->set_sample_interval(200000000);
  GnmiSubscription sub(*stub, req);
  ASSERT_TRUE(
      sub.WaitFor([&] { return sub.History("rotagent:/rotation/agent/state/build").size() >= 3; }));
  // ON_CHANGE with a heartbeat resends an unchanged value on schedule.
  auto beat = StreamRequest({GnmiPath("rotagent", "/rotation/agent/state/admin-state")});
  beat.mutable_subscribe()->mutable_subscription(0)->set_heartbeat_interval(200000000);
  GnmiSubscription hb(*stub, beat);
  ASSERT_TRUE(hb.WaitFor(
      [&] { return hb.History("rotagent:/rotation/agent/state/admin-state").size() >= 3; }));
}

TEST_F(GnmiStateTest, CertificateIdBindsAServerProfileToTheListener) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const gnmi::Path id = GnmiPath(
      "openconfig", "/system/grpc-servers/grpc-server[name=rotagent]/config/certificate-id");
  grpc::Status client = SetString(id, "client-tls");
  EXPECT_EQ(client.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << client.error_message();
  EXPECT_EQ(SetString(id, "nope").error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(SetString(id, "system_default_profile").ok());
  EXPECT_EQ(
      GetLeaves("openconfig", "/system/grpc-servers/grpc-server[name=rotagent]/config")
          ["openconfig:/system/grpc-servers/grpc-server[name=rotagent]/config/certificate-id"],
      "system_default_profile");
  EXPECT_EQ(Served(), Fingerprint(default_server_.cert_pem));
  agent_->Stop();
  StartAgent();
  EXPECT_EQ(Served(), Fingerprint(default_server_.cert_pem));
  ASSERT_TRUE(SetString(id, "gnsi").ok());
  EXPECT_EQ(Served(), Fingerprint(server_a_.cert_pem));
}

}  // namespace
}  // namespace rotagent::testing
