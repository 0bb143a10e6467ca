// A certz client for tests, written against the public certz definitions only.
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gnsi/certz/v1/certz.grpc.pb.h"
#include "tests/support/pki.h"

namespace rotagent::testing {

namespace pb = gnsi::certz::v1;

// Blocks until no rotation holds the agent's rotation lock (a rollback in progress holds it),
// by opening Rotate streams until one is not ABORTED. Returns false if that never happens.
bool WaitRotationIdle(pb::Certz::Stub& stub, const std::string& profile);

// A channel on its own connection (no subchannel sharing), so each is a NEW TLS handshake.
std::shared_ptr<grpc::Channel> NewChannel(int port, const std::string& ca_pem,
                                          const Identity& client);
// True when an RPC over a fresh connection with `client` succeeds the TLS handshake.
bool CanConnect(int port, const std::string& ca_pem, const Identity& client);

pb::Entity ChainEntity(const std::string& version, uint64_t created_on,
                       const std::vector<std::string>& certs_pem, const std::string& key_pem);
pb::Entity TrustEntity(const std::string& version, uint64_t created_on,
                       const std::vector<std::string>& certs_pem);
pb::Entity CrlEntity(const std::string& version, uint64_t created_on,
                     const std::vector<std::string>& crls_pem);

pb::RotateCertificateRequest Upload(const std::string& profile, std::vector<pb::Entity> entities,
                                    bool force = false);
// An upload of `leaf` with its key as profile's certificate chain, version `version`.
pb::RotateCertificateRequest UploadLeaf(const std::string& profile, const std::string& version,
                                        const Identity& leaf);
// The whole text of a file ("" if absent).
std::string ReadText(const std::filesystem::path& path);
pb::RotateCertificateRequest Finalize(const std::string& profile);

// One Rotate stream.
class RotateStream {
 public:
  explicit RotateStream(pb::Certz::Stub& stub);
  ~RotateStream();
  // Sends `req` and reads one response; false when the stream ended (see Finish()).
  bool Exchange(const pb::RotateCertificateRequest& req,
                pb::RotateCertificateResponse* resp = nullptr);
  bool Send(const pb::RotateCertificateRequest& req);
  // Reads one response; false once the agent ended the stream.
  bool Read(pb::RotateCertificateResponse* resp);
  // Half-closes and returns the final status.
  grpc::Status Finish();
  void Cancel() { ctx_.TryCancel(); }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<
      grpc::ClientReaderWriter<pb::RotateCertificateRequest, pb::RotateCertificateResponse>>
      rw_;
  bool finished_ = false;
};

}  // namespace rotagent::testing
