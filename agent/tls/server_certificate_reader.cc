#include "agent/tls/server_certificate_reader.h"

#include <cstdint>
#include <string>
#include <utility>

namespace rotagent::tls {
namespace {

constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kServerHello = 2;
constexpr uint8_t kCertificate = 11;
constexpr size_t kRecordHeader = 5;
constexpr size_t kMaxRecord = (1 << 14) + 2048;  // TLSCiphertext's bound (RFC 5246, 6.2.3)
constexpr size_t kMessageHeader = 4;
// A served chain is bounded by the agent's entity limit; this is far above it.
constexpr size_t kMaxMessage = size_t{4} << 20;

size_t Uint(std::string_view b, size_t at, size_t n) {
  size_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}

}  // namespace

ServerCertificateReader::State ServerCertificateReader::Fail(std::string why) {
  error_ = std::move(why);
  return state_ = State::kFailed;
}

ServerCertificateReader::State ServerCertificateReader::Feed(std::string_view bytes) {
  if (state_ != State::kMore) return state_;
  records_.append(bytes);
  return ReadRecords();
}

ServerCertificateReader::State ServerCertificateReader::ReadRecords() {
  size_t at = 0;
  while (records_.size() - at >= kRecordHeader) {
    const std::string_view r(records_.data() + at, records_.size() - at);
    const auto type = static_cast<uint8_t>(r[0]);
    const size_t len = Uint(r, 3, 2);
    if (len > kMaxRecord) return Fail("a record longer than TLS allows");
    if (r.size() < kRecordHeader + len) break;
    const std::string_view body = r.substr(kRecordHeader, len);
    if (type == kAlert) {
      return Fail(body.size() == 2 ? "alert " + std::to_string(Uint(body, 1, 1)) : "an alert");
    }
    if (type != kHandshake) return Fail("a record of type " + std::to_string(type));
    handshake_.append(body);
    at += kRecordHeader + len;
  }
  records_.erase(0, at);
  return ReadMessages();
}

ServerCertificateReader::State ServerCertificateReader::ReadMessages() {
  while (handshake_.size() >= kMessageHeader) {
    const std::string_view m(handshake_);
    const auto type = static_cast<uint8_t>(m[0]);
    const size_t len = Uint(m, 1, 3);
    if (len > kMaxMessage) return Fail("a handshake message of " + std::to_string(len) + " bytes");
    if (m.size() < kMessageHeader + len) return State::kMore;
    if (type == kCertificate) {
      // certificate_list<0..2^24-1>, each ASN.1Cert<1..2^24-1> (RFC 5246, 7.4.2)
      const std::string_view body = m.substr(kMessageHeader, len);
      if (body.size() < 6 || Uint(body, 0, 3) != body.size() - 3) {
        return Fail("a malformed Certificate message");
      }
      const size_t first = Uint(body, 3, 3);
      if (first == 0 || first > body.size() - 6) return Fail("a malformed Certificate message");
      leaf_.assign(body.substr(6, first));
      return state_ = State::kDone;
    }
    if (type != kServerHello) {
      return Fail("no Certificate message before message " + std::to_string(type));
    }
    handshake_.erase(0, kMessageHeader + len);
  }
  return State::kMore;
}

}  // namespace rotagent::tls
