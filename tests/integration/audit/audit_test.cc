// The audit trail of a real rotagentd: every audited event appears exactly once, with the client,
// peer, target, versions, outcome, cause and status it should have, for each way a rotation can
// end (finalize, half-close, cancel, timeout, a refused upload, a restart), for denied clients,
// profile changes and gNMI Set; and no record holds a key. Plus the file sink's size rotation.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "agent/audit/file_sink.h"
#include "tests/integration/authz/authz_fixture.h"
#include "tests/integration/certz_fixture.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// The records of an audit file, one JSON object a line.
std::vector<json> ReadRecords(const fs::path& file) {
  std::vector<json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

std::vector<json> EventsIn(const fs::path& file, const std::string& event) {
  std::vector<json> out;
  for (const auto& r : ReadRecords(file)) {
    if (r["event"] == event) out.push_back(r);
  }
  return out;
}

class AuditTest : public CertzTest {
 protected:
  void SetUp() override {
    CertzTest::SetUp();
    // The journal is checked under systemd by the packaging test; here the file is the record.
    extra_config_ = "audit: {journal: false, file: " + (dir_ / "log/audit.log").string() + "}\n";
  }
  void TearDown() override {
    ExpectNoSecret();
    CertzTest::TearDown();
  }

  std::vector<json> Records() const { return ReadRecords(dir_ / "log/audit.log"); }
  std::vector<json> Events(const std::string& event) const {
    return EventsIn(dir_ / "log/audit.log", event);
  }
  // The one record of `event`; fails the test when there is not exactly one.
  json One(const std::string& event) const {
    auto v = Events(event);
    EXPECT_EQ(v.size(), 1u) << event << " in:\n" << Dump();
    return v.empty() ? json::object() : v.front();
  }
  // Records written after the RPC returned to the client (the agent ends a cancelled stream on
  // its own time): waits until one of `event` is there.
  bool WaitFor(const std::string& event) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!Events(event).empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  std::string Dump() const {
    std::string out;
    for (const auto& r : Records()) out += r.dump() + "\n";
    return out;
  }
  // No line of any private key's base64 body appears in the file or its rotations.
  void ExpectNoSecret() const {
    std::string text;
    for (const auto& e : fs::directory_iterator(dir_ / "log")) text += ReadText(e.path());
    for (const Identity* id : {&ca_a_, &ca_b_, &default_server_, &server_a_, &next_, &admin_}) {
      std::istringstream key(id->key_pem);
      for (std::string line; std::getline(key, line);) {
        if (line.size() < 16 || line.rfind("-----", 0) == 0) continue;
        EXPECT_EQ(text.find(line), std::string::npos) << "a key line is in the audit trail";
      }
    }
  }
  void ExpectCaller(const json& r, const std::string& client) const {
    EXPECT_EQ(r["client"], client) << r.dump();
    EXPECT_EQ(r["peer"].get<std::string>().rfind("ipv4:127.0.0.1:", 0), 0u) << r.dump();
    EXPECT_FALSE(r["time"].get<std::string>().empty());
  }
};

TEST_F(AuditTest, FinalizedRotationIsRotateUploadFinalized) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  const json rotate = One("rotate");
  ExpectCaller(rotate, "CN=admin");
  EXPECT_EQ(rotate["rpc"], "/gnsi.certz.v1.Certz/Rotate");
  EXPECT_EQ(rotate["target"], "gnsi");
  EXPECT_EQ(rotate["outcome"], "started");
  const json upload = One("upload");
  EXPECT_EQ(upload["outcome"], "accepted");
  EXPECT_EQ(upload["code"], "OK");
  EXPECT_EQ(upload["version_after"], "certificate chain=v1, trust bundle=trust-v1");
  const json done = One("finalized");
  ExpectCaller(done, "CN=admin");
  EXPECT_EQ(done["outcome"], "committed");
  EXPECT_EQ(done["target"], "gnsi");
  EXPECT_EQ(done["version_after"], "certificate chain=v1, trust bundle=trust-v1");
  EXPECT_EQ(Records().size(), 3u) << Dump();
  EXPECT_EQ(fs::status(dir_ / "log/audit.log").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(dir_ / "log").permissions(), fs::perms::owner_all);

  // The next rotation names the committed versions as its "before".
  RotateGnsi(next_, {trust_pem_}, "v2");
  EXPECT_EQ(Events("finalized").back()["version_before"],
            "certificate chain=v1, trust bundle=trust-v1");
}

TEST_F(AuditTest, HalfCloseIsRevertedWithItsCause) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  EXPECT_EQ(StageNext()->Finish().error_code(), grpc::StatusCode::ABORTED);
  const json r = One("reverted");
  ExpectCaller(r, "CN=admin");
  EXPECT_EQ(r["cause"], "half-close");
  EXPECT_EQ(r["outcome"], "rolled-back");
  EXPECT_EQ(r["code"], "ABORTED");
  EXPECT_EQ(r["version_before"], "certificate chain=v1, trust bundle=trust-v1");
  EXPECT_EQ(Events("finalized").size(), 1u);  // v1's only
}

TEST_F(AuditTest, CancelIsRevertedWithItsCause) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  StageNext()->Cancel();
  ASSERT_TRUE(WaitFor("reverted")) << Dump();
  EXPECT_EQ(One("reverted")["cause"], "cancel");
  EXPECT_EQ(Events("upload").back()["version_after"], "certificate chain=v2");
  EXPECT_EQ(Events("finalized").size(), 1u);  // v1's only
}

TEST_F(AuditTest, IdleTimeoutIsRevertedWithItsCause) {
  certz_options_ = "  idle_timeout: 1\n";
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  auto s = StageNext();
  ASSERT_TRUE(WaitFor("reverted")) << Dump();
  const json r = One("reverted");
  EXPECT_EQ(r["cause"], "timeout");
  EXPECT_EQ(r["code"], "DEADLINE_EXCEEDED");
  EXPECT_NE(r["message"].get<std::string>().find("idle timeout"), std::string::npos);
}

TEST_F(AuditTest, RefusedUploadIsInvalidThenRevertedByError) {
  StartAgent();
  auto stub = Admin();
  RotateStream s(*stub);
  // server_a_'s certificate with next_'s key: the pair does not match.
  EXPECT_FALSE(s.Exchange(
      Upload("gnsi", {ChainEntity("bad", 1700000000, {server_a_.cert_pem}, next_.key_pem)})));
  EXPECT_EQ(s.Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const json invalid = One("invalid");
  ExpectCaller(invalid, "CN=admin");
  EXPECT_EQ(invalid["outcome"], "refused");
  EXPECT_EQ(invalid["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(invalid["version_after"], "certificate chain=bad");
  const json r = One("reverted");
  EXPECT_EQ(r["cause"], "error");
  EXPECT_TRUE(Events("upload").empty());
}

TEST_F(AuditTest, DeniedClientIsRecordedOnceAndNothingElse) {
  StartAgent();
  auto stub = Stub(stranger_);
  {
    grpc::ClientContext ctx;
    pb::GetProfileListResponse resp;
    EXPECT_EQ(stub->GetProfileList(&ctx, {}, &resp).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  RotateStream s(*stub);
  EXPECT_FALSE(s.Exchange(UploadLeaf("gnsi", "v9", next_)));
  EXPECT_EQ(s.Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  const auto denied = Events("denied");
  ASSERT_EQ(denied.size(), 2u) << Dump();
  EXPECT_EQ(denied[0]["rpc"], "/gnsi.certz.v1.Certz/GetProfileList");
  EXPECT_EQ(denied[1]["rpc"], "/gnsi.certz.v1.Certz/Rotate");
  for (const auto& d : denied) {
    ExpectCaller(d, "CN=stranger");
    EXPECT_EQ(d["code"], "PERMISSION_DENIED");
    EXPECT_EQ(d["outcome"], "denied");
  }
  EXPECT_EQ(Records().size(), 2u) << Dump();
}

TEST_F(AuditTest, ProfileChangesAndGnmiSet) {
  StartAgent();
  auto stub = Admin();
  auto add = [&](const std::string& id) {
    grpc::ClientContext ctx;
    pb::AddProfileRequest req;
    req.set_ssl_profile_id(id);
    pb::AddProfileResponse resp;
    return stub->AddProfile(&ctx, req, &resp).error_code();
  };
  EXPECT_EQ(add("extra"), grpc::StatusCode::OK);
  EXPECT_EQ(add("../etc"), grpc::StatusCode::INVALID_ARGUMENT);
  {
    grpc::ClientContext ctx;
    pb::DeleteProfileRequest req;
    req.set_ssl_profile_id("extra");
    pb::DeleteProfileResponse resp;
    EXPECT_TRUE(stub->DeleteProfile(&ctx, req, &resp).ok());
  }
  const json added = One("profile-added");
  ExpectCaller(added, "CN=admin");
  EXPECT_EQ(added["target"], "extra");
  EXPECT_EQ(added["outcome"], "applied");
  EXPECT_EQ(One("profile-deleted")["target"], "extra");
  const json bad = One("invalid");
  EXPECT_EQ(bad["rpc"], "/gnsi.certz.v1.Certz/AddProfile");
  EXPECT_EQ(bad["target"], "../etc");
  EXPECT_EQ(bad["code"], "INVALID_ARGUMENT");

  auto gnmi = gnmi::gNMI::NewStub(NewChannel(agent_->port(), trust_pem_, admin_));
  auto set = [&](const std::string& value) {
    gnmi::SetRequest req;
    auto* u = req.add_update();
    *u->mutable_path() = GnmiPath("rotagent", "/rotation/agent/config/admin-state");
    u->mutable_val()->set_string_val(value);
    gnmi::SetResponse resp;
    grpc::ClientContext ctx;
    return gnmi->Set(&ctx, req, &resp).error_code();
  };
  EXPECT_EQ(set("maintenance"), grpc::StatusCode::OK);
  EXPECT_NE(set("sideways"), grpc::StatusCode::OK);
  const json applied = One("set");
  ExpectCaller(applied, "CN=admin");
  EXPECT_EQ(applied["rpc"], "/gnmi.gNMI/Set");
  EXPECT_EQ(applied["target"], "/rotation/agent/config/admin-state");
  EXPECT_EQ(applied["version_before"], "admin-state=enabled, certificate-id=gnsi");
  EXPECT_EQ(applied["version_after"], "maintenance");
  EXPECT_EQ(Events("invalid").back()["rpc"], "/gnmi.gNMI/Set");
  EXPECT_EQ(Records().size(), 5u) << Dump();
}

TEST_F(AuditTest, RestartRevertsWithItsCause) {
  StartAgent();
  RotateGnsi(server_a_, {trust_pem_}, "v1");
  agent_->Stop();
  agent_->Start({{"ROTAGENT_FAILPOINT", "txn.staged"}});
  {
    auto stub = Admin();
    RotateStream s(*stub);
    (void)s.Exchange(UploadLeaf("gnsi", "v2", next_));
    (void)s.Finish();
  }
  const int st = agent_->WaitExit();
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  agent_->Start();
  const json r = One("reverted");
  EXPECT_EQ(r["cause"], "restart");
  EXPECT_EQ(r["rpc"], "recovery");
  EXPECT_EQ(r["target"], "profiles gnsi");
  EXPECT_EQ(Events("rotate").back()["target"], "gnsi");  // written before the kill
}

// gNSI authz Rotate runs on the same stream loop and records the same way: the policy's versions,
// a refused policy as invalid then reverted, and a client the policy does not admit as denied.
class AuthzAuditTest : public AuthzTest {
 protected:
  void SetUp() override {
    AuthzTest::SetUp();
    extra_config_ = "audit: {journal: false, file: " + (dir_ / "log/audit.log").string() + "}\n";
  }
  std::vector<json> Records() const { return ReadRecords(dir_ / "log/audit.log"); }
  // The one record of `event`; fails the test when there is not exactly one.
  json One(const std::string& event) const {
    auto v = EventsIn(dir_ / "log/audit.log", event);
    EXPECT_EQ(v.size(), 1u) << event;
    return v.empty() ? json::object() : v.front();
  }
};

TEST_F(AuthzAuditTest, PolicyRotationAndRefusalsAreRecordedOnce) {
  StartAgent();
  ASSERT_TRUE(Rotate(PolicyWith(""), "p1").ok());
  const json rotate = One("rotate");
  EXPECT_EQ(rotate["rpc"], "/gnsi.authz.v1.Authz/Rotate");
  EXPECT_EQ(rotate["client"], "CN=admin");
  EXPECT_EQ(rotate["target"], "authz policy");
  EXPECT_EQ(rotate["version_before"], "");  // the factory policy
  const json upload = One("upload");
  EXPECT_EQ(upload["outcome"], "accepted");
  EXPECT_EQ(upload["version_after"], "p1");
  const json done = One("finalized");
  EXPECT_EQ(done["outcome"], "committed");
  EXPECT_EQ(done["version_after"], "p1");

  EXPECT_EQ(Rotate("not json", "p2").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const json invalid = One("invalid");
  EXPECT_EQ(invalid["version_before"], "p1");
  EXPECT_EQ(invalid["version_after"], "p2");
  EXPECT_EQ(invalid["code"], "INVALID_ARGUMENT");
  const json reverted = One("reverted");
  EXPECT_EQ(reverted["cause"], "error");
  EXPECT_EQ(reverted["target"], "authz policy");

  // p1 admits only admin to authz.
  EXPECT_EQ(Call(bob_, "/gnsi.authz.v1.Authz/Get").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const json denied = One("denied");
  EXPECT_EQ(denied["rpc"], "/gnsi.authz.v1.Authz/Get");
  EXPECT_EQ(denied["client"], "CN=bob");
  EXPECT_EQ(Records().size(), 7u);  // rotate, upload, finalized, rotate, invalid, reverted, denied
}

// The file sink on its own: rotation by size keeps max_files files, each a whole line per record.
TEST(AuditFileSink, RotatesBySizeAndKeepsMaxFiles) {
  const fs::path dir = fs::temp_directory_path() / ("rotagent-audit-" + std::to_string(getpid()));
  fs::remove_all(dir);
  audit::Settings s;
  s.file = dir / "audit.log";
  s.max_file_bytes = 1000;
  s.max_files = 2;
  auto sink = audit::FileSink::Open(s);
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  const std::string line(99, 'x');  // 100 bytes with the newline
  for (int i = 0; i < 35; ++i) (*sink)->Write({}, line);
  EXPECT_EQ(fs::file_size(dir / "audit.log"), 500u);
  EXPECT_EQ(fs::file_size(dir / "audit.log.1"), 1000u);
  EXPECT_EQ(fs::file_size(dir / "audit.log.2"), 1000u);
  EXPECT_FALSE(fs::exists(dir / "audit.log.3"));
  EXPECT_EQ(fs::status(dir / "audit.log").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  // A symlink planted at the path is refused, not followed.
  fs::remove(dir / "audit.log");
  fs::create_symlink("/etc/passwd", dir / "audit.log");
  EXPECT_FALSE(audit::FileSink::Open(s).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rotagent::testing
