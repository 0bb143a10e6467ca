#include "tests/integration/authz/authz_fixture.h"

#include "tests/support/gnmi_client.h"

namespace rotagent::testing {

PolicyStream::~PolicyStream() {
  if (!finished_) {
    ctx_.TryCancel();
    (void)rw_->Finish();
  }
}

bool PolicyStream::Upload(const std::string& version, uint64_t created_on,
                          const std::string& policy, bool force) {
  authzpb::RotateAuthzRequest req;
  req.set_force_overwrite(force);
  auto* u = req.mutable_upload_request();
  u->set_version(version);
  u->set_created_on(created_on);
  u->set_policy(policy);
  authzpb::RotateAuthzResponse resp;
  return rw_->Write(req) && rw_->Read(&resp);
}

bool PolicyStream::SendFinalize() {
  authzpb::RotateAuthzRequest req;
  req.mutable_finalize_rotation();
  return rw_->Write(req);
}

grpc::Status PolicyStream::Finish() {
  if (finished_) return status_;
  rw_->WritesDone();
  status_ = rw_->Finish();
  finished_ = true;
  return status_;
}

grpc::Status PolicyStream::AwaitEnd() {
  if (finished_) return status_;
  authzpb::RotateAuthzResponse ignored;
  while (rw_->Read(&ignored)) {
  }
  status_ = rw_->Finish();
  finished_ = true;
  return status_;
}

void AuthzTest::SetUp() {
  CertzTest::SetUp();
  alice_ = MakeLeaf(ca_a_, "alice");
  alice_evil_ = MakeLeaf(ca_a_, "alice-evil");
  bob_ = MakeLeaf(ca_a_, "bob");
  // The factory policy (config authorization): admin runs authz; alice may list certz profiles.
  extra_authorization_ =
      "  /gnsi.authz.v1.Authz/*: [\"CN=admin\"]\n"
      "  /gnsi.certz.v1.Certz/GetProfileList: [\"CN=alice\", \"CN=alice-evil\"]\n"
      "  /gnsi.credentialz.v1.Credentialz/CanGenerateKey: [\"CN=bob\"]\n";
}

std::unique_ptr<authzpb::Authz::Stub> AuthzTest::Authz(const Identity& who) const {
  return authzpb::Authz::NewStub(NewChannel(agent_->port(), trust_pem_, who));
}

grpc::Status AuthzTest::Rotate(const std::string& policy, const std::string& version,
                               uint64_t created_on) {
  auto stub = Authz(admin_);
  PolicyStream s(*stub);
  if (!s.Upload(version, created_on, policy)) return s.Finish();
  if (!s.SendFinalize()) return s.Finish();
  return s.Finish();
}

const std::vector<std::string>& AuthzTest::Rpcs() {
  static const std::vector<std::string> kRpcs = {
      "/gnsi.certz.v1.Certz/GetProfileList",
      "/gnsi.certz.v1.Certz/CanGenerateCSR",
      "/gnsi.credentialz.v1.Credentialz/CanGenerateKey",
      "/gnmi.gNMI/Capabilities",
      "/gnsi.authz.v1.Authz/Get",
      "/gnsi.authz.v1.Authz/Probe",
  };
  return kRpcs;
}

grpc::Status AuthzTest::Call(const Identity& who, const std::string& rpc) const {
  auto channel = NewChannel(agent_->port(), trust_pem_, who);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (rpc == "/gnsi.certz.v1.Certz/GetProfileList") {
    pb::GetProfileListResponse resp;
    return pb::Certz::NewStub(channel)->GetProfileList(&ctx, {}, &resp);
  }
  if (rpc == "/gnsi.certz.v1.Certz/CanGenerateCSR") {
    pb::CanGenerateCSRResponse resp;
    return pb::Certz::NewStub(channel)->CanGenerateCSR(&ctx, {}, &resp);
  }
  if (rpc == "/gnsi.credentialz.v1.Credentialz/CanGenerateKey") {
    gnsi::credentialz::v1::CanGenerateKeyResponse resp;
    return gnsi::credentialz::v1::Credentialz::NewStub(channel)->CanGenerateKey(&ctx, {}, &resp);
  }
  if (rpc == "/gnmi.gNMI/Capabilities") {
    gnmi::CapabilityResponse resp;
    return gnmi::gNMI::NewStub(channel)->Capabilities(&ctx, {}, &resp);
  }
  if (rpc == "/gnsi.authz.v1.Authz/Get") {
    authzpb::GetResponse resp;
    return authzpb::Authz::NewStub(channel)->Get(&ctx, {}, &resp);
  }
  if (rpc == "/gnsi.authz.v1.Authz/Probe") {
    authzpb::ProbeRequest req;
    req.set_user("CN=nobody");
    req.set_rpc("/gnmi.gNMI/Get");
    authzpb::ProbeResponse resp;
    return authzpb::Authz::NewStub(channel)->Probe(&ctx, req, &resp);
  }
  ADD_FAILURE() << "Call() cannot make " << rpc;
  return {grpc::StatusCode::INTERNAL, "unknown rpc"};
}

authzpb::Action AuthzTest::Probe(const std::string& user, const std::string& rpc) const {
  authzpb::ProbeRequest req;
  req.set_user(user);
  req.set_rpc(rpc);
  authzpb::ProbeResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s = Authz(admin_)->Probe(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.action();
}

authzpb::GetResponse AuthzTest::GetPolicy() const {
  authzpb::GetResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s = Authz(admin_)->Get(&ctx, {}, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

std::string AuthzTest::Leaf(const std::string& path) const {
  gnmi::GetRequest req;
  *req.add_path() = GnmiPath("openconfig", path);
  req.set_encoding(gnmi::PROTO);
  gnmi::GetResponse resp;
  grpc::ClientContext ctx;
  auto stub = gnmi::gNMI::NewStub(NewChannel(agent_->port(), trust_pem_, admin_));
  if (!stub->Get(&ctx, req, &resp).ok()) return "";
  auto leaves = Leaves(resp);
  return leaves.empty() ? "" : leaves.begin()->second;
}

std::string AuthzTest::PolicyWith(const std::string& allow, const std::string& deny) {
  return R"({"name": "test-policy",)" +
         (deny.empty() ? std::string() : R"( "deny_rules": [)" + deny + "],") +
         R"( "allow_rules": [
           {"name": "admin", "source": {"principals": ["CN=admin"]},
            "request": {"paths": ["/gnsi.authz.v1.Authz/*", "/gnmi.gNMI/*"]}})" +
         (allow.empty() ? std::string() : "," + allow) + "]}";
}

}  // namespace rotagent::testing
