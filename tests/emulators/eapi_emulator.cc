// An Arista eAPI emulator for adapter tests: JSON-RPC runCmds over HTTP on a unix socket, with
// the EOS behaviour the adapter relies on and what a real switch would refuse:
//  - configuration sessions: `configure session NAME`, `commit`, `commit timer hh:mm:ss` (live at
//    once, rolled back by the emulator itself when the timer runs out unless confirmed with
//    `configure session NAME commit`), `abort`, and `configure session NAME abort`;
//  - `management security / ssl profile P / certificate C key K / [no] trust certificate T`,
//    refusing files that are not in the certificate: or sslkey: stores and keys that do not match;
//  - `username NAME secret sha512 HASH`, refusing malformed hashes and, as a recorded violation,
//    any cleartext secret;
//  - `copy file:PATH certificate:|sslkey:NAME` (PEM checked), `delete` (refused while in use),
//    `copy running-config startup-config`, `show running-config [section X]`,
//    `show configuration sessions`, `show version`;
//  - anything else is eAPI error 1002 (invalid input), naming the command.
// Injected failures: each line of <state>/fail is a command prefix that fails with error 1000.
// Violations (cleartext secrets) are appended to <state>/violations.
// Usage: eapi_emulator --socket PATH --state DIR [--https-cert F --https-key F
// --https-password-file F] prints "https-port N" (with HTTPS, user admin) and "ready" once it
// listens.
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Profile {
  std::string cert, key;
  std::vector<std::string> trust;
  bool operator==(const Profile&) const = default;
};

struct Config {
  std::map<std::string, Profile> profiles;
  std::map<std::string, std::string> users;  // name -> sha512 hash ("" for none)
};

struct Session {
  Config base, config;  // running when opened, and as edited
  std::string state = "pending";
  Clock::time_point deadline;
  // What a commit timer's rollback puts back: the touched keys' previous values.
  std::map<std::string, std::optional<Profile>> old_profiles;
  std::map<std::string, std::optional<std::string>> old_users;
};

struct CommandError {
  int code;
  std::string message;
};

std::mutex mu;
Config running;
std::map<std::string, Session> sessions;
fs::path state_dir;

fs::path Store(const std::string& fs_name) {
  return state_dir / (fs_name == "certificate" ? "certs" : "keys");
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

void Violation(const std::string& what) {
  std::ofstream(state_dir / "violations", std::ios::app) << what << "\n";
}

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string Render(const Config& c, const std::string& section) {
  std::string users, security;
  for (const auto& [name, hash] : c.users) {
    users += "username " + name + " privilege 15 role network-admin" +
             (hash.empty() ? " nopassword" : " secret sha512 " + hash) + "\n";
  }
  if (!c.profiles.empty()) {
    security = "management security\n";
    for (const auto& [name, p] : c.profiles) {
      security += "   ssl profile " + name + "\n";
      if (!p.cert.empty()) security += "      certificate " + p.cert + " key " + p.key + "\n";
      for (const auto& t : p.trust) security += "      trust certificate " + t + "\n";
    }
    security += "!\n";
  }
  if (section == "username") return users;
  if (section == "management security") return security;
  return "! emulated EOS\n" + users + "!\n" + security + "end\n";
}

bool InUse(const std::string& fs_name, const std::string& name) {
  for (const auto& [p, prof] : running.profiles) {
    if (fs_name == "certificate" &&
        (prof.cert == name ||
         std::find(prof.trust.begin(), prof.trust.end(), name) != prof.trust.end())) {
      return true;
    }
    if (fs_name == "sslkey" && prof.key == name) return true;
  }
  return false;
}

// Applies what the session changed relative to its base, recording the previous values.
void Apply(Session& s) {
  for (const auto& [name, p] : s.config.profiles) {
    auto b = s.base.profiles.find(name);
    if (b != s.base.profiles.end() && b->second == p) continue;
    auto r = running.profiles.find(name);
    s.old_profiles[name] = r == running.profiles.end() ? std::nullopt : std::optional(r->second);
    running.profiles[name] = p;
  }
  for (const auto& [name, p] : s.base.profiles) {
    if (s.config.profiles.count(name) != 0) continue;
    s.old_profiles[name] = p;
    running.profiles.erase(name);
  }
  for (const auto& [name, h] : s.config.users) {
    auto b = s.base.users.find(name);
    if (b != s.base.users.end() && b->second == h) continue;
    auto r = running.users.find(name);
    s.old_users[name] = r == running.users.end() ? std::nullopt : std::optional(r->second);
    running.users[name] = h;
  }
}

void Revert(const Session& s) {
  for (const auto& [name, p] : s.old_profiles) {
    if (p) {
      running.profiles[name] = *p;
    } else {
      running.profiles.erase(name);
    }
  }
  for (const auto& [name, h] : s.old_users) {
    if (h) {
      running.users[name] = *h;
    } else {
      running.users.erase(name);
    }
  }
}

bool KeyMatches(const fs::path& cert_file, const fs::path& key_file) {
  FILE* cf = fopen(cert_file.c_str(), "r");
  FILE* kf = fopen(key_file.c_str(), "r");
  X509* cert = cf != nullptr ? PEM_read_X509(cf, nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* key = kf != nullptr ? PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr) : nullptr;
  const bool ok = cert != nullptr && key != nullptr && X509_check_private_key(cert, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (cf != nullptr) fclose(cf);
  if (kf != nullptr) fclose(kf);
  return ok;
}

enum class Mode { kExec, kSession, kSecurity, kProfile };

struct Context {
  Mode mode = Mode::kExec;
  std::string session, profile;
};

CommandError Invalid(const std::string& why = "Invalid input") { return {1002, why}; }

json Run(Context& ctx, const std::string& cmd) {
  const auto w = Words(cmd);
  if (w.empty()) throw Invalid();
  for (const auto& prefix : Words(ReadAll(state_dir / "fail"))) {
    if (cmd.rfind(prefix, 0) == 0 && !prefix.empty()) throw CommandError{1000, "Injected failure"};
  }
  if (cmd == "enable") return json::object();
  if (w[0] == "configure" && w.size() >= 3 && w[1] == "session") {
    const std::string& name = w[2];
    if (w.size() == 3) {
      auto it = sessions.find(name);
      if (it != sessions.end() && it->second.state == "pendingCommitTimer") {
        throw CommandError{1000, "Session " + name + " is pending its commit timer"};
      }
      if (it == sessions.end() || it->second.state == "completed") {
        sessions[name] = Session{running, running};
      }
      ctx = {Mode::kSession, name, ""};
      return json::object();
    }
    auto it = sessions.find(name);
    if (it == sessions.end()) throw CommandError{1000, "No session " + name};
    if (w.size() == 4 && w[3] == "commit") {
      if (it->second.state != "pendingCommitTimer") {
        throw CommandError{1000, "Session " + name + " is not pending a commit timer"};
      }
      it->second.state = "completed";
      return json::object();
    }
    if (w.size() == 4 && w[3] == "abort") {
      if (it->second.state == "pendingCommitTimer") Revert(it->second);
      sessions.erase(it);
      return json::object();
    }
    throw Invalid();
  }
  if (ctx.mode == Mode::kExec) {
    if (w[0] == "copy" && w.size() == 3 && w[1] == "running-config" && w[2] == "startup-config") {
      std::ofstream(state_dir / "startup-config") << Render(running, "");
      return json::object();
    }
    if (w[0] == "copy" && w.size() == 3 && w[1].rfind("file:", 0) == 0) {
      const size_t colon = w[2].find(':');
      const std::string store = w[2].substr(0, colon), name = w[2].substr(colon + 1);
      if ((store != "certificate" && store != "sslkey") || name.empty()) throw Invalid();
      const std::string text = ReadAll(w[1].substr(5));
      const bool pem = store == "certificate"
                           ? text.find("-----BEGIN CERTIFICATE-----") != std::string::npos
                           : text.find("PRIVATE KEY-----") != std::string::npos;
      if (!pem) throw CommandError{1000, "Invalid " + store + " file " + w[1]};
      fs::create_directories(Store(store));
      std::ofstream(Store(store) / name) << text;
      fs::permissions(Store(store) / name,
                      store == "sslkey" ? fs::perms::owner_read | fs::perms::owner_write
                                        : fs::perms::owner_read | fs::perms::owner_write |
                                              fs::perms::group_read | fs::perms::others_read);
      return json::object();
    }
    if (w[0] == "delete" && w.size() == 2) {
      const size_t colon = w[1].find(':');
      const std::string store = w[1].substr(0, colon), name = w[1].substr(colon + 1);
      if (store != "certificate" && store != "sslkey") throw Invalid();
      if (InUse(store, name)) throw CommandError{1000, "File " + w[1] + " is in use"};
      if (!fs::remove(Store(store) / name)) throw CommandError{1000, "File not found: " + w[1]};
      return json::object();
    }
    if (cmd == "show running-config") return {{"output", Render(running, "")}};
    if (w.size() >= 4 && w[0] == "show" && w[1] == "running-config" && w[2] == "section") {
      return {{"output", Render(running, cmd.substr(cmd.find("section ") + 8))}};
    }
    if (cmd == "show configuration sessions") {
      json out = json::object();
      for (const auto& [name, s] : sessions) out[name] = {{"state", s.state}};
      return {{"sessions", out}};
    }
    if (cmd == "show version") return {{"modelName", "cEOS-emulated"}, {"version", "4.32.0F"}};
    throw Invalid();
  }
  Session& s = sessions.at(ctx.session);
  if (cmd == "commit" || (w.size() == 3 && w[0] == "commit" && w[1] == "timer")) {
    if (w.size() == 3) {
      int h = 0, m = 0, sec = 0;
      if (!std::regex_match(w[2], std::regex("[0-9]{2}:[0-5][0-9]:[0-5][0-9]")) ||
          sscanf(w[2].c_str(), "%d:%d:%d", &h, &m, &sec) != 3 || h * 3600 + m * 60 + sec == 0) {
        throw Invalid("Invalid commit timer " + w[2]);
      }
      s.deadline = Clock::now() + std::chrono::seconds(h * 3600 + m * 60 + sec);
      s.state = "pendingCommitTimer";
    } else {
      s.state = "completed";
    }
    Apply(s);
    ctx = {};
    return json::object();
  }
  if (cmd == "abort") {
    sessions.erase(ctx.session);
    ctx = {};
    return json::object();
  }
  if (cmd == "exit") {
    ctx.mode = ctx.mode == Mode::kProfile ? Mode::kSecurity : Mode::kSession;
    return json::object();
  }
  if (w[0] == "username" && w.size() >= 3) {
    if (w.size() == 5 && w[2] == "secret" && w[3] == "sha512") {
      if (!std::regex_match(
              w[4],
              std::regex(R"(\$6\$(rounds=[0-9]+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{86})"))) {
        throw Invalid("Invalid sha512 secret for user " + w[1]);
      }
      s.config.users[w[1]] = w[4];
      return json::object();
    }
    if (w[2] == "secret") {
      Violation("cleartext secret for user " + w[1] + " sent to eAPI");
      throw Invalid("Cleartext secrets are refused by this emulator");
    }
    throw Invalid();
  }
  if (cmd == "management security") {
    ctx.mode = Mode::kSecurity;
    return json::object();
  }
  if ((ctx.mode == Mode::kSecurity || ctx.mode == Mode::kProfile) && w.size() == 3 &&
      w[0] == "ssl" && w[1] == "profile") {
    s.config.profiles[w[2]];
    ctx.mode = Mode::kProfile;
    ctx.profile = w[2];
    return json::object();
  }
  if (ctx.mode == Mode::kSecurity && w.size() == 4 && w[0] == "no" && w[1] == "ssl") {
    s.config.profiles.erase(w[3]);
    return json::object();
  }
  if (ctx.mode == Mode::kProfile) {
    Profile& p = s.config.profiles[ctx.profile];
    if (w.size() == 4 && w[0] == "certificate" && w[2] == "key") {
      if (!fs::exists(Store("certificate") / w[1]))
        throw CommandError{1000, "Certificate " + w[1] + " does not exist"};
      if (!fs::exists(Store("sslkey") / w[3]))
        throw CommandError{1000, "Key " + w[3] + " does not exist"};
      if (!KeyMatches(Store("certificate") / w[1], Store("sslkey") / w[3])) {
        throw CommandError{1000, "Certificate " + w[1] + " does not match key " + w[3]};
      }
      p.cert = w[1];
      p.key = w[3];
      return json::object();
    }
    if (w.size() == 3 && w[0] == "trust" && w[1] == "certificate") {
      if (!fs::exists(Store("certificate") / w[2]))
        throw CommandError{1000, "Certificate " + w[2] + " does not exist"};
      if (std::find(p.trust.begin(), p.trust.end(), w[2]) == p.trust.end()) p.trust.push_back(w[2]);
      return json::object();
    }
    if (w.size() == 4 && w[0] == "no" && w[1] == "trust" && w[2] == "certificate") {
      p.trust.erase(std::remove(p.trust.begin(), p.trust.end(), w[3]), p.trust.end());
      return json::object();
    }
  }
  throw Invalid();
}

json Handle(const json& req) {
  const json id = req.value("id", json());
  const auto& cmds = req.at("params").at("cmds");
  std::lock_guard lock(mu);
  Context ctx;
  json results = json::array();
  for (size_t i = 0; i < cmds.size(); ++i) {
    const std::string cmd = cmds[i].get<std::string>();
    try {
      results.push_back(Run(ctx, cmd));
    } catch (const CommandError& e) {
      json data = results;
      data.push_back({{"errors", {e.message}}});
      return {{"jsonrpc", "2.0"},
              {"id", id},
              {"error",
               {{"code", e.code},
                {"message", "CLI command " + std::to_string(i + 1) + " of " +
                                std::to_string(cmds.size()) + " '" + Words(cmd)[0] +
                                " ...' failed: " + e.message},
                {"data", data}}}};
    }
  }
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", results}};
}

std::string https_authorization;  // "Basic ..." that HTTPS clients must send

template <typename Stream>
void Serve(Stream& socket, bool https) {
  boost::beast::flat_buffer buffer;
  boost::beast::error_code ec;
  for (;;) {
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    http::response<http::string_body> resp{http::status::ok, req.version()};
    resp.set(http::field::content_type, "application/json");
    const json body = json::parse(req.body(), nullptr, false);
    if (https && req[http::field::authorization] != https_authorization) {
      resp.result(http::status::unauthorized);
    } else if (req.target() != "/command-api" || !body.is_object() || !body.contains("params")) {
      resp.result(http::status::bad_request);
    } else {
      resp.body() = Handle(body).dump();
    }
    resp.keep_alive(req.keep_alive());
    resp.prepare_payload();
    http::write(socket, resp, ec);
    if (ec || !req.keep_alive()) return;
  }
}

// Rolls back every session whose commit timer ran out, as EOS does.
void TimerLoop() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard lock(mu);
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (it->second.state == "pendingCommitTimer" && Clock::now() >= it->second.deadline) {
        Revert(it->second);
        std::ofstream(state_dir / "timer-rollbacks", std::ios::app) << it->first << "\n";
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
  }
}

// eAPI over HTTPS on a loopback port, with HTTP basic authentication.
void ServeHttps(const std::string& cert, const std::string& key, const std::string& password) {
  static asio::io_context io;
  static asio::ssl::context tls(asio::ssl::context::tls_server);
  tls.use_certificate_chain_file(cert);
  tls.use_private_key_file(key, asio::ssl::context::pem);
  const std::string credentials = "admin:" + password;
  std::string encoded(boost::beast::detail::base64::encoded_size(credentials.size()), '\0');
  encoded.resize(
      boost::beast::detail::base64::encode(encoded.data(), credentials.data(), credentials.size()));
  https_authorization = "Basic " + encoded;
  static asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::cout << "https-port " << acceptor.local_endpoint().port() << std::endl;
  std::thread([] {
    for (;;) {
      asio::ip::tcp::socket socket(io);
      acceptor.accept(socket);
      std::thread([s = std::move(socket)]() mutable {
        boost::beast::ssl_stream<asio::ip::tcp::socket> stream(std::move(s), tls);
        boost::beast::error_code ec;
        stream.handshake(asio::ssl::stream_base::server, ec);
        if (!ec) Serve(stream, true);
      }).detach();
    }
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path, https_cert, https_key, https_password;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--socket") socket_path = argv[i + 1];
    if (a == "--state") state_dir = argv[i + 1];
    if (a == "--https-cert") https_cert = argv[i + 1];
    if (a == "--https-key") https_key = argv[i + 1];
    if (a == "--https-password-file") https_password = ReadAll(argv[i + 1]);
  }
  if (socket_path.empty() || state_dir.empty()) {
    std::cerr << "usage: eapi_emulator --socket PATH --state DIR\n";
    return 2;
  }
  fs::create_directories(state_dir);
  fs::remove(socket_path);
  asio::io_context io;
  asio::local::stream_protocol::acceptor acceptor(
      io, asio::local::stream_protocol::endpoint(socket_path));
  std::thread(TimerLoop).detach();
  if (!https_cert.empty()) ServeHttps(https_cert, https_key, https_password);
  std::cout << "ready" << std::endl;
  for (;;) {
    asio::local::stream_protocol::socket socket(io);
    acceptor.accept(socket);
    std::thread([s = std::move(socket)]() mutable { Serve(s, false); }).detach();
  }
}
