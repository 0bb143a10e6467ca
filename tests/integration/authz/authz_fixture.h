// Shared set-up for gNSI authz tests: the certz fixture's real rotagentd (real TLS) with
// authz allowed to CN=admin by the factory policy, more client identities, and an authz client.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "gnmi/gnmi.grpc.pb.h"
#include "gnsi/authz/v1/authz.grpc.pb.h"
#include "gnsi/credentialz/v1/credentialz.grpc.pb.h"
#include "tests/integration/certz_fixture.h"

namespace rotagent::testing {

namespace authzpb = gnsi::authz::v1;

// One authz Rotate stream.
class PolicyStream {
 public:
  explicit PolicyStream(authzpb::Authz::Stub& stub) : rw_(stub.Rotate(&ctx_)) {}
  ~PolicyStream();
  // Sends an upload and reads its response; false when the stream ended (see Finish()).
  bool Upload(const std::string& version, uint64_t created_on, const std::string& policy,
              bool force = false);
  // Sends finalize_rotation; the agent ends the stream (see Finish()).
  bool SendFinalize();
  // Half-closes and returns the final status.
  grpc::Status Finish();
  // Without half-closing, waits for the agent to end the stream; returns the final status.
  grpc::Status AwaitEnd();
  void Cancel() { ctx_.TryCancel(); }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<
      grpc::ClientReaderWriter<authzpb::RotateAuthzRequest, authzpb::RotateAuthzResponse>>
      rw_;
  bool finished_ = false;
  grpc::Status status_;
};

class AuthzTest : public CertzTest {
 public:
  void SetUp() override;

  std::unique_ptr<authzpb::Authz::Stub> Authz(const Identity& who) const;
  // Uploads `policy` as `version` and finalizes; returns the stream's final status.
  grpc::Status Rotate(const std::string& policy, const std::string& version,
                      uint64_t created_on = 1700000000);
  // The status of a real call of `rpc` (a full method name from Rpcs()) made by `who` on a new
  // connection. Only whether it is PERMISSION_DENIED matters to authorization.
  grpc::Status Call(const Identity& who, const std::string& rpc) const;
  // Probe's answer for `user` calling `rpc`, asked by admin.
  authzpb::Action Probe(const std::string& user, const std::string& rpc) const;
  // The policy in force, asked by admin.
  authzpb::GetResponse GetPolicy() const;
  // A gNMI leaf (origin openconfig) read by admin; "" when absent.
  std::string Leaf(const std::string& path) const;
  // Methods of every served service that Call() can make.
  static const std::vector<std::string>& Rpcs();
  // A policy that keeps admin's authz and gNMI, and adds `rules` (JSON rule objects) to the
  // allow list and `deny` to the deny list.
  static std::string PolicyWith(const std::string& allow, const std::string& deny = "");

  Identity alice_, alice_evil_, bob_;
};

}  // namespace rotagent::testing
