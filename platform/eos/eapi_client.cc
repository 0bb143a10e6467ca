#include "platform/eos/eapi_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <regex>

#include "common/atomic_file.h"
#include "common/ossl.h"

namespace rotagent::platform::eos {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// eAPI's error codes: 1002 invalid command, 1005 unauthorized; the rest are general failures.
constexpr int kInvalidCommand = 1002;
constexpr int kUnauthorized = 1005;

template <typename Stream>
Result<std::string> Exchange(Stream& stream, const std::string& host, const std::string& body,
                             const std::string& authorization) {
  http::request<http::string_body> req{http::verb::post, "/command-api", 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  req.body() = body;
  req.prepare_payload();
  beast::error_code ec;
  http::write(stream, req, ec);
  if (ec) return Unavailable("eAPI: cannot send the request: " + ec.message());
  beast::flat_buffer buffer;
  http::response<http::string_body> resp;
  http::read(stream, buffer, resp, ec);
  if (ec) return Unavailable("eAPI: no response: " + ec.message());
  if (resp.result() == http::status::unauthorized) {
    return Status(Code::kPermissionDenied, "eAPI refused the agent's credentials (HTTP 401)");
  }
  if (resp.result() != http::status::ok) {
    return Unavailable("eAPI answered HTTP " + std::to_string(resp.result_int()));
  }
  return std::move(resp.body());
}

}  // namespace

std::string ScrubSecrets(std::string text) {
  // EOS quotes the whole failing command in error.message ("CLI command 2 of 3 'username admin
  // secret sha512 $6$...' failed: ...", pyeapi), so whatever follows `secret` and every
  // crypt(3)-looking token goes, whatever the surrounding text.
  static const std::regex secret_arg(R"((secret|password)(\s+(sha512|0|5|7|8a))?\s+[^\s'"]+)");
  static const std::regex crypt_token(R"(\$[0-9a-z]{1,2}\$[^\s'"]*)");
  text = std::regex_replace(text, secret_arg, "$1 <redacted>");
  text = std::regex_replace(text, crypt_token, "<redacted>");
  return text;
}

Status EapiError(const nlohmann::json& error, const std::vector<std::string>& cmds) {
  const int code = error.value("code", 0);
  std::string message =
      error.is_object() && error.contains("message") && error["message"].is_string()
          ? error["message"].get<std::string>()
          : std::string("unknown error");
  // data holds one entry per command run so far; the failing one carries "errors".
  if (const auto data = error.find("data"); data != error.end() && data->is_array()) {
    for (size_t i = 0; i < data->size(); ++i) {
      const auto& entry = (*data)[i];
      if (!entry.is_object() || !entry.contains("errors") || !entry["errors"].is_array()) continue;
      std::string errors;
      for (const auto& e : entry["errors"]) {
        if (e.is_string()) errors += (errors.empty() ? "" : "; ") + e.get<std::string>();
      }
      const std::string cmd = i >= 1 && i - 1 < cmds.size() ? cmds[i - 1] : "?";
      message = "command '" + cmd + "': " + errors;
      break;
    }
  }
  message = "eAPI: " + ScrubSecrets(std::move(message));
  if (code == kInvalidCommand) return InvalidArgument(message);
  if (code == kUnauthorized) return Status(Code::kPermissionDenied, message);
  return FailedPrecondition(message);
}

Result<std::string> EapiClient::Post(const std::string& body) const {
  asio::io_context io;
  const auto deadline = std::chrono::seconds(ep_.timeout_seconds);
  try {
    if (ep_.https_address.empty()) {
      beast::basic_stream<asio::local::stream_protocol> stream(io);
      stream.expires_after(deadline);
      beast::error_code ec;
      stream.socket().connect(asio::local::stream_protocol::endpoint(ep_.socket), ec);
      if (ec) return Unavailable("eAPI socket " + ep_.socket + ": " + ec.message());
      return Exchange(stream, "localhost", body, "");
    }
    const size_t colon = ep_.https_address.rfind(':');
    const std::string host = ep_.https_address.substr(0, colon);
    const std::string port =
        colon == std::string::npos ? "443" : ep_.https_address.substr(colon + 1);
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_verify_mode(asio::ssl::verify_peer);
    if (!ep_.https_ca_file.empty()) tls.load_verify_file(ep_.https_ca_file);
    beast::ssl_stream<beast::tcp_stream> stream(io, tls);
    // SNI; SSL_set_tlsext_host_name is a macro with a C cast.
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
    beast::get_lowest_layer(stream).expires_after(deadline);
    asio::ip::tcp::resolver resolver(io);
    beast::get_lowest_layer(stream).connect(resolver.resolve(host, port));
    stream.handshake(asio::ssl::stream_base::client);
    auto password = ReadFile(ep_.https_password_file);
    if (!password.ok()) return password.status().WithContext("eAPI password file");
    std::string credentials = ep_.https_user + ":" + *password;
    Wipe(*password);
    std::string encoded(beast::detail::base64::encoded_size(credentials.size()), '\0');
    encoded.resize(
        beast::detail::base64::encode(encoded.data(), credentials.data(), credentials.size()));
    Wipe(credentials);
    std::string authorization = "Basic " + encoded;
    Wipe(encoded);
    auto out = Exchange(stream, host, body, authorization);
    Wipe(authorization);
    return out;
  } catch (const std::exception& e) {
    return Unavailable(std::string("eAPI: ") + e.what());
  }
}

Result<nlohmann::json> EapiClient::Run(const std::vector<std::string>& cmds,
                                       const std::string& format) const {
  static std::atomic<uint64_t> next_id{1};
  nlohmann::json all = nlohmann::json::array({"enable"});
  for (const auto& c : cmds) all.push_back(c);
  const nlohmann::json req = {{"jsonrpc", "2.0"},
                              {"method", "runCmds"},
                              {"params", {{"version", 1}, {"cmds", all}, {"format", format}}},
                              {"id", "rotagent-" + std::to_string(next_id++)}};
  std::string body = req.dump();
  auto text = Post(body);
  Wipe(body);
  if (!text.ok()) return text.status();
  const auto resp = nlohmann::json::parse(*text, nullptr, false);
  Wipe(*text);
  if (!resp.is_object()) return Internal("eAPI: the response is not JSON");
  if (resp.contains("error")) return EapiError(resp["error"], cmds);
  const auto result = resp.find("result");
  if (result == resp.end() || !result->is_array() || result->size() != all.size()) {
    return Internal("eAPI: the response has no result for every command");
  }
  return nlohmann::json(result->begin() + 1, result->end());
}

Result<std::string> EapiClient::Text(const std::string& cmd) const {
  auto r = Run({cmd}, "text");
  if (!r.ok()) return r.status();
  return (*r)[0].value("output", std::string());
}

}  // namespace rotagent::platform::eos
