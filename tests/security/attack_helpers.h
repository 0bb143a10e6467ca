// Helpers shared by the network attack tests: gNMI calls as a given identity on a fresh
// connection, on top of the certz fixture (a real rotagentd serving profile "gnsi").
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "gnmi/gnmi.grpc.pb.h"
#include "tests/integration/certz_fixture.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {

inline const std::string kAdminStatePath = "/rotation/agent/config/admin-state";
inline const std::string kCertificateIdPath =
    "/system/grpc-servers/grpc-server[name=rotagent]/config/certificate-id";

class AttackTest : public CertzTest {
 protected:
  std::unique_ptr<gnmi::gNMI::Stub> Gnmi(const Identity& who) const {
    return gnmi::gNMI::NewStub(NewChannel(agent_->port(), trust_pem_, who));
  }
  static gnmi::Update StringUpdate(const std::string& origin, const std::string& path,
                                   const std::string& value) {
    gnmi::Update u;
    *u.mutable_path() = GnmiPath(origin, path);
    u.mutable_val()->set_string_val(value);
    return u;
  }
  grpc::Status Set(const Identity& who, const std::vector<gnmi::Update>& updates) const {
    gnmi::SetRequest req;
    for (const auto& u : updates) *req.add_update() = u;
    gnmi::SetResponse resp;
    grpc::ClientContext ctx;
    return Gnmi(who)->Set(&ctx, req, &resp);
  }
  grpc::Status SetAdminState(const Identity& who, const std::string& v) const {
    return Set(who, {StringUpdate("rotagent", kAdminStatePath, v)});
  }
  grpc::Status SetCertificateId(const Identity& who, const std::string& v) const {
    return Set(who, {StringUpdate("openconfig", kCertificateIdPath, v)});
  }
  // One leaf's value read by `who` ("" when absent or refused).
  std::string GetLeaf(const Identity& who, const std::string& origin,
                      const std::string& path) const {
    gnmi::GetRequest req;
    *req.add_path() = GnmiPath(origin, path);
    req.set_encoding(gnmi::PROTO);
    gnmi::GetResponse resp;
    grpc::ClientContext ctx;
    if (!Gnmi(who)->Get(&ctx, req, &resp).ok()) return "";
    auto leaves = Leaves(resp);
    return leaves.empty() ? "" : leaves.begin()->second;
  }
  // Status of a plain certz call by `who` over a fresh connection.
  grpc::Status ListProfiles(const Identity& who, pb::GetProfileListResponse* resp = nullptr) const {
    pb::GetProfileListRequest req;
    pb::GetProfileListResponse ignored;
    grpc::ClientContext ctx;
    return Stub(who)->GetProfileList(&ctx, req, resp ? resp : &ignored);
  }
};

}  // namespace rotagent::testing
