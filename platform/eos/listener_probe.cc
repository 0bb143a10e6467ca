#include "platform/eos/listener_probe.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>

#include "common/x509.h"

namespace rotagent::platform::eos {
namespace asio = boost::asio;
namespace beast = boost::beast;

Status ProbeListener(const std::string& address, const std::string& leaf_pem, int timeout_seconds) {
  auto want = x509::ParseCertificates(leaf_pem, x509::Encoding::kPem, "the staged certificate");
  if (!want.ok()) return want.status();
  if (want->empty()) return InvalidArgument("the staged certificate chain is empty");
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("listener '" + address + "' has no port");
  const std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  try {
    asio::io_context io;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_verify_mode(asio::ssl::verify_none);  // compared by content below
    beast::ssl_stream<beast::tcp_stream> stream(io, tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(timeout_seconds));
    asio::ip::tcp::resolver resolver(io);
    beast::get_lowest_layer(stream).connect(resolver.resolve(host, port));
    beast::error_code ec;
    stream.handshake(asio::ssl::stream_base::client, ec);
    if (ec) return Unavailable("TLS handshake with " + address + " failed: " + ec.message());
    ossl::X509Ptr served(SSL_get1_peer_certificate(stream.native_handle()));
    stream.shutdown(ec);  // best effort: the handshake was the proof
    if (!served) return Unavailable(address + " presented no certificate");
    if (X509_cmp(served.get(), (*want)[0].get()) != 0) {
      return FailedPrecondition(address + " serves " + x509::SubjectText(served.get()) + " (" +
                                x509::Fingerprint(served.get()) + "), not the staged certificate");
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return Unavailable("TLS handshake with " + address + ": " + e.what());
  }
}

}  // namespace rotagent::platform::eos
