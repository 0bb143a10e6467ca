// A credentialz client for tests, written against the public credentialz definitions only, and
// an SSH client (libssh) that logs in the way an operator would.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "gnsi/credentialz/v1/credentialz.grpc.pb.h"

namespace rotagent::testing {

namespace cz = gnsi::credentialz::v1;

// One bidirectional Rotate stream.
template <typename Req, typename Resp>
class BidiStream {
 public:
  template <typename Open>
  explicit BidiStream(Open open) : rw_(open(&ctx_)) {}
  ~BidiStream() {
    if (!finished_) {
      ctx_.TryCancel();
      (void)rw_->Finish();
    }
  }
  BidiStream(const BidiStream&) = delete;
  BidiStream& operator=(const BidiStream&) = delete;

  // Sends `req` and reads one response; false when the stream ended (see Finish()).
  bool Exchange(const Req& req, Resp* resp = nullptr) {
    Resp ignored;
    return rw_->Write(req) && rw_->Read(resp ? resp : &ignored);
  }
  bool Send(const Req& req) { return rw_->Write(req); }
  // Reads one response; false once the agent ended the stream.
  bool Read(Resp* resp) { return rw_->Read(resp); }
  grpc::Status Finish() {
    rw_->WritesDone();
    finished_ = true;
    return rw_->Finish();
  }
  void Cancel() { ctx_.TryCancel(); }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<Req, Resp>> rw_;
  bool finished_ = false;
};

using AccountStream =
    BidiStream<cz::RotateAccountCredentialsRequest, cz::RotateAccountCredentialsResponse>;
using HostStream = BidiStream<cz::RotateHostParametersRequest, cz::RotateHostParametersResponse>;

std::unique_ptr<AccountStream> OpenAccountStream(cz::Credentialz::Stub& stub);
std::unique_ptr<HostStream> OpenHostStream(cz::Credentialz::Stub& stub);

cz::RotateAccountCredentialsRequest PlaintextPassword(const std::string& account,
                                                      const std::string& password,
                                                      const std::string& version);
cz::RotateAccountCredentialsRequest HashedPassword(const std::string& account,
                                                   cz::PasswordRequest::CryptoHash::HashType type,
                                                   const std::string& hash,
                                                   const std::string& version);
cz::RotateAccountCredentialsRequest AuthorizedKeys(const std::string& account,
                                                   const std::vector<std::string>& keys,
                                                   cz::KeyType type, const std::string& version);
cz::RotateAccountCredentialsRequest Principals(const std::string& account,
                                               const std::vector<std::string>& principals,
                                               const std::string& version);
cz::RotateAccountCredentialsRequest FinalizeAccounts();
cz::RotateHostParametersRequest FinalizeHost();

// Blocks until no credentialz Rotate holds the agent's lock (a rollback in progress holds it).
bool WaitCredentialzIdle(cz::Credentialz::Stub& stub);

// SSH logins against a loopback sshd; true on successful authentication.
bool PasswordLogin(int port, const std::string& user, const std::string& password);
bool KeyLogin(int port, const std::string& user, const std::string& private_key,
              const std::string& certificate = "");
// The host key ("type base64") a new connection negotiating `algorithm` is shown.
std::string HostKeySeen(int port, const std::string& algorithm);

struct SshKeyPair {
  std::string private_key, public_line;  // public_line: "type base64"
};
// A key made with ssh-keygen in `dir` (type: ed25519, ecdsa, rsa).
SshKeyPair MakeSshKey(const std::string& dir, const std::string& name, const std::string& type);
// A certificate for `key` with `principals`, signed by `ca` (ssh-keygen -s; -h for a host one).
std::string SignKey(const std::string& dir, const SshKeyPair& ca, const SshKeyPair& key,
                    const std::string& principals, bool host = false);

}  // namespace rotagent::testing
