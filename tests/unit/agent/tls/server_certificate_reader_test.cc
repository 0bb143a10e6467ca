// The TLS 1.2 first flight as the proof reads it: records and handshake messages split anywhere,
// and every malformed or unexpected answer refused with its reason.
#include "agent/tls/server_certificate_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace rotagent::tls {
namespace {

using State = ServerCertificateReader::State;

std::string Uint(size_t v, int n) {
  std::string out;
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

std::string Message(int type, const std::string& body) {
  return std::string(1, static_cast<char>(type)) + Uint(body.size(), 3) + body;
}

// Handshake bytes in records of at most `max` bytes each.
std::string Records(const std::string& handshake, size_t max, int type = 22) {
  std::string out;
  for (size_t at = 0; at < handshake.size(); at += max) {
    const std::string part = handshake.substr(at, max);
    out += std::string(1, static_cast<char>(type)) + "\x03\x03" + Uint(part.size(), 2) + part;
  }
  return out;
}

std::string CertificateMessage(const std::string& leaf, const std::string& ca) {
  const std::string list = Uint(leaf.size(), 3) + leaf + Uint(ca.size(), 3) + ca;
  return Message(11, Uint(list.size(), 3) + list);
}

const std::string kHello = Message(2, std::string(70, 'h'));
const std::string kLeaf = std::string(900, 'L');

TEST(ServerCertificateReader, FindsTheLeafHoweverTheFlightIsSplit) {
  const std::string flight =
      Records(kHello + CertificateMessage(kLeaf, std::string(700, 'C')) + Message(14, ""), 333);
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{512}, flight.size()}) {
    ServerCertificateReader r;
    State s = State::kMore;
    for (size_t at = 0; at < flight.size() && s == State::kMore; at += chunk) {
      s = r.Feed(std::string_view(flight).substr(at, chunk));
    }
    ASSERT_EQ(s, State::kDone) << "chunks of " << chunk << ": " << r.error();
    EXPECT_EQ(r.leaf_der(), kLeaf);
  }
}

TEST(ServerCertificateReader, WaitsForTheWholeMessage) {
  const std::string flight = Records(kHello + CertificateMessage(kLeaf, ""), 16384);
  ServerCertificateReader r;
  EXPECT_EQ(r.Feed(std::string_view(flight).substr(0, flight.size() - 1)), State::kMore);
  EXPECT_EQ(r.Feed(std::string_view(flight).substr(flight.size() - 1)), State::kDone);
}

TEST(ServerCertificateReader, RefusesWhatIsNotACertificate) {
  struct Case {
    const char* name;
    std::string flight;
    const char* error;
  };
  const std::string list = Uint(kLeaf.size(), 3) + kLeaf;
  const Case cases[] = {
      {"alert", std::string("\x15\x03\x03\x00\x02\x02\x28", 7), "alert 40"},
      {"application data", Records(kHello, 16384, 23), "a record of type 23"},
      {"record too long", std::string("\x16\x03\x03\x50\x00", 5), "a record longer"},
      {"no certificate", Records(kHello + Message(14, ""), 16384), "no Certificate message"},
      {"list length", Records(Message(11, Uint(list.size() + 1, 3) + list), 16384), "malformed"},
      {"leaf past the list", Records(Message(11, Uint(3, 3) + Uint(5, 3)), 16384), "malformed"},
      {"empty leaf", Records(Message(11, Uint(3, 3) + Uint(0, 3)), 16384), "malformed"},
      {"huge message", Records(std::string("\x0b\xff\xff\xff", 4), 16384), "handshake message"},
  };
  for (const auto& c : cases) {
    ServerCertificateReader r;
    EXPECT_EQ(r.Feed(c.flight), State::kFailed) << c.name;
    EXPECT_NE(r.error().find(c.error), std::string::npos) << c.name << ": " << r.error();
    EXPECT_EQ(r.Feed("more"), State::kFailed) << c.name << ": a failure is final";
  }
}

}  // namespace
}  // namespace rotagent::tls
