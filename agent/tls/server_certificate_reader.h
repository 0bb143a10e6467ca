// Reads the server's certificate out of a TLS 1.2 server's first flight, which is sent in the
// clear: the served-certificate proof needs the leaf's bytes only, and OpenSSL's own reading
// decodes every certificate's public key (about a third of the proof's CPU here).
#pragma once

#include <string>
#include <string_view>

namespace rotagent::tls {

class ServerCertificateReader {
 public:
  enum class State { kMore, kDone, kFailed };

  // Takes the next bytes the server sent, in order.
  State Feed(std::string_view bytes);
  State state() const { return state_; }
  // The DER of the first certificate of the Certificate message, once kDone.
  const std::string& leaf_der() const { return leaf_; }
  // Why it failed, once kFailed.
  const std::string& error() const { return error_; }

 private:
  State Fail(std::string why);
  State ReadRecords();
  State ReadMessages();

  State state_ = State::kMore;
  std::string records_;    // received bytes not yet taken out of their records
  std::string handshake_;  // handshake bytes not yet read as messages
  std::string leaf_;
  std::string error_;
};

}  // namespace rotagent::tls
