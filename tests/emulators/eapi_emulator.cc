// An Arista eAPI emulator for adapter tests: JSON-RPC runCmds over HTTP on a unix socket (and,
// as an option, HTTPS), speaking what public sources say a real switch does. Each rule names its
// source; where no public source settles a detail the comment says "unconfirmed" and
// docs/platforms.md lists it under "needs a real device".
//  - `--session-format 4.32` (default) or `4.31` picks how `show configuration sessions [detail]`
//    reports the session waiting on its commit timer (see SessionsJson).
//  - configuration sessions: `configure session NAME`, body, `commit` / `commit timer hh:mm:ss`
//    / `abort`; `configure session NAME commit|abort` from exec mode. One pending timer at a time;
//    an abort or expiry restores the whole running-config from the checkpoint taken at
//    `commit timer` (see CommitTimer).
//  - `management security / ssl profile P / certificate C key K`, `chain certificate X`,
//    `trust certificate T` (and their `no` forms); `trust certificate system` is built in. A bad
//    pair is accepted and the profile reported invalid (see ProfileErrors).
//  - `username NAME secret sha512 HASH` (a cleartext secret is a recorded violation);
//  - `copy file:PATH certificate:|sslkey:NAME`, `delete certificate:|sslkey:NAME`,
//    `copy running-config startup-config`, `show running-config [section X]`,
//    `show management security ssl profile [P]`, `show management api http-commands`,
//    `show version`; anything else is error 1002.
// Injected failures: each line of <state>/fail is a command prefix that fails with error 1000.
// Violations (cleartext secrets) go to <state>/violations; session events (confirm, abort,
// timer-expired) to <state>/events, one "EVENT NAME" per line.
// Usage: eapi_emulator --socket PATH --state DIR [--session-format 4.31|4.32] [--rsa-only 1]
// [--https-cert F
// --https-key F --https-password-file F [--https-profile P]] prints "https-port N" (with HTTPS,
// user admin) and "ready" once it listens. With --https-profile the HTTPS listener serves profile
// P's certificate, chosen afresh for every handshake, as `management api http-commands /
// protocol https ssl profile P` does.
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
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
  std::vector<std::string> chain, trust;
  bool operator==(const Profile&) const = default;
};

struct Config {
  std::map<std::string, Profile> profiles;
  std::map<std::string, std::string> users;  // name -> sha512 hash ("" for none)
};

// A configuration session is a snapshot of running-config taken when it is opened (Arista
// session-management docs), edited until committed or aborted.
struct Session {
  Config config;
  bool committed = false;
};

// The one session waiting on its commit timer, and the checkpoint an abort or expiry restores.
struct CommitTimer {
  std::string session;
  Config checkpoint;
  Clock::time_point deadline;
};

struct CommandError {
  int code;
  std::string message;
};

const Clock::time_point boot = Clock::now();
std::mutex mu;
Config running;
std::map<std::string, Session> sessions;
std::optional<CommitTimer> timer;
fs::path state_dir;
bool format_432 = true;
bool rsa_only = false;
std::string https_profile;

// `trust certificate system` names EOS's built-in trust store, not a file (avd templates).
bool BuiltIn(const std::string& name) { return name == "system"; }

fs::path Store(const std::string& fs_name) {
  return state_dir / (fs_name == "certificate" ? "certs" : "keys");
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

void Append(const std::string& file, const std::string& line) {
  std::ofstream(state_dir / file, std::ios::app) << line << "\n";
}

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

double Uptime() { return std::chrono::duration<double>(Clock::now() - boot).count(); }

// running-config as EOS prints it: `username N privilege P role R secret sha512 H` (pyeapi/avd
// examples), profiles under `management security` with certificate, chain and trust lines.
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
      for (const auto& x : p.chain) security += "      chain certificate " + x + "\n";
    }
    security += "!\n";
  }
  if (section == "username") return users;
  if (section == "management security") return security;
  return "! emulated EOS\n" + users + "!\n" + security + "end\n";
}

bool InUse(const std::string& fs_name, const std::string& name) {
  const auto has = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), name) != v.end();
  };
  for (const auto& [p, prof] : running.profiles) {
    if (fs_name == "certificate" && (prof.cert == name || has(prof.trust) || has(prof.chain))) {
      return true;
    }
    if (fs_name == "sslkey" && prof.key == name) return true;
  }
  return false;
}

X509* ReadCert(const fs::path& file) {
  FILE* f = fopen(file.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* c = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  return c;
}

EVP_PKEY* ReadKey(const fs::path& file) {
  FILE* f = fopen(file.c_str(), "r");
  if (f == nullptr) return nullptr;
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  fclose(f);
  return k;
}

// EOS accepts a profile whose files are missing or do not match and reports it invalid instead
// (aristanetworks/anta VerifyAPIHttpsSSL checks sslProfile.state == "valid"; Arista TLS guide).
// The error texts are unconfirmed.
std::vector<std::string> ProfileErrors(const Profile& p) {
  std::vector<std::string> errors;
  if (p.cert.empty()) return {"Certificate not configured"};
  X509* cert = ReadCert(Store("certificate") / p.cert);
  EVP_PKEY* key = ReadKey(Store("sslkey") / p.key);
  if (cert == nullptr) errors.push_back("Certificate '" + p.cert + "' does not exist");
  if (key == nullptr) errors.push_back("Key '" + p.key + "' does not exist");
  if (cert != nullptr && key != nullptr && X509_check_private_key(cert, key) != 1) {
    errors.push_back("Certificate '" + p.cert + "' does not match with key '" + p.key + "'");
  }
  // Older EOS takes RSA keys only (aristanetworks/openmgmt mTLS guide, 2021): --rsa-only.
  if (rsa_only && key != nullptr && EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    errors.push_back("Key '" + p.key + "' is not an RSA key");
  }
  if (cert != nullptr && X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
    errors.push_back("Certificate '" + p.cert + "' has expired");
  }
  for (const auto* list : {&p.chain, &p.trust}) {
    for (const auto& name : *list) {
      if (!BuiltIn(name) && !fs::exists(Store("certificate") / name)) {
        errors.push_back("Certificate '" + name + "' does not exist");
      }
    }
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return errors;
}

json ProfileStatus(const std::string& name, const Profile& p) {
  const auto errors = ProfileErrors(p);
  json out = {{"profileName", name}, {"state", errors.empty() ? "valid" : "invalid"}};
  if (!errors.empty()) out["error"] = errors;
  return out;
}

void Event(const std::string& what, const std::string& session) {
  Append("events", what + " " + session);
}

// Before 4.32 the waiting session reads `state: pendingCommitTimer` with a `commitBy` time; from
// 4.32 every committed session reads "committed" and the waiting one is named only by top-level
// commitTimerSessionName / commitTimerExpireTime (napalm issue 2166 / PR 2167, cnaas-nms issue
// 395). Times are seconds of uptime, as napalm's driver reads them against `show version` uptime.
json SessionsJson() {
  json all = json::object();
  for (const auto& [name, s] : sessions) {
    json entry = {{"description", ""}, {"instances", json::object()}};
    const bool waiting = timer && timer->session == name;
    if (!s.committed) {
      entry["state"] = "pending";
    } else if (waiting && !format_432) {
      entry["state"] = "pendingCommitTimer";
      entry["commitBy"] =
          Uptime() + std::chrono::duration<double>(timer->deadline - Clock::now()).count();
    } else {
      entry["state"] = format_432 ? "committed" : "completed";
    }
    all[name] = entry;
  }
  json out = {{"sessions", all}, {"maxSavedSessions", 1}, {"maxOpenSessions", 5}};
  if (format_432 && timer) {
    out["commitTimerSessionName"] = timer->session;
    out["commitTimerExpireTime"] =
        Uptime() + std::chrono::duration<double>(timer->deadline - Clock::now()).count();
  }
  return out;
}

// An abort or expiry puts the whole checkpoint back with a configure replace, so changes
// committed after the timer started are lost too (EOS 4.32 behaviour, napalm PR 2167 notes).
void RollBackTimer(const std::string& event) {
  running = timer->checkpoint;
  Event(event, timer->session);
  sessions.erase(timer->session);
  timer.reset();
}

enum class Mode { kExec, kSession, kSecurity, kProfile };

struct Context {
  Mode mode = Mode::kExec;
  std::string session, profile;
};

CommandError Invalid(const std::string& why = "Invalid input") { return {1002, why}; }

json ExecCommand(const std::string& cmd, const std::vector<std::string>& w) {
  if (w[0] == "copy" && w.size() == 3 && w[1] == "running-config" && w[2] == "startup-config") {
    std::ofstream(state_dir / "startup-config") << Render(running, "");
    return json::object();
  }
  // File upload: write the file on the box, then copy it into certificate: or sslkey:
  // (aristanetworks/openmgmt mTLS guide).
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
    fs::permissions(Store(store) / name, store == "sslkey"
                                             ? fs::perms::owner_read | fs::perms::owner_write
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
  if (cmd == "show configuration sessions" || cmd == "show configuration sessions detail") {
    return SessionsJson();
  }
  // The per-profile JSON layout of this command is unconfirmed (docs/platforms.md).
  if (w.size() >= 5 && w[0] == "show" && w[1] == "management" && w[2] == "security" &&
      w[3] == "ssl" && w[4] == "profile") {
    json status = json::object();
    for (const auto& [name, p] : running.profiles) {
      if (w.size() == 6 && w[5] != name) continue;
      status[name] = ProfileStatus(name, p);
    }
    return {{"profileStatus", status}};
  }
  // sslProfile {name, state} as aristanetworks/anta VerifyAPIHttpsSSL reads it.
  if (cmd == "show management api http-commands") {
    json out = {{"enabled", true}, {"httpServer", {{"running", false}}}};
    if (!https_profile.empty()) {
      auto p = running.profiles.find(https_profile);
      out["sslProfile"] = p == running.profiles.end()
                              ? json{{"name", https_profile}, {"state", "invalid"}}
                              : json{{"name", https_profile},
                                     {"state", ProfileStatus(https_profile, p->second)["state"]}};
    }
    return out;
  }
  if (cmd == "show version") {
    return {{"modelName", "cEOS-emulated"},
            {"version", format_432 ? "4.32.0F" : "4.31.2F"},
            {"uptime", Uptime()}};
  }
  throw Invalid();
}

json Run(Context& ctx, const std::string& cmd) {
  const auto w = Words(cmd);
  if (w.empty()) throw Invalid();
  for (const auto& prefix : Words(ReadAll(state_dir / "fail"))) {
    if (cmd.rfind(prefix, 0) == 0 && !prefix.empty()) throw CommandError{1000, "Injected failure"};
  }
  if (cmd == "enable") return json::object();
  if (w[0] == "configure" && w.size() >= 3 && w[1] == "session") {
    const std::string& name = w[2];
    auto it = sessions.find(name);
    if (w.size() == 3) {
      if (it != sessions.end() && it->second.committed) {
        throw CommandError{1000, "Cannot enter session " + name + " (already committed)"};
      }
      if (it == sessions.end()) sessions[name] = Session{running};
      ctx = {Mode::kSession, name, ""};
      return json::object();
    }
    if (it == sessions.end()) throw CommandError{1000, "Session " + name + " does not exist"};
    const bool waiting = timer && timer->session == name;
    // Confirm with `configure session NAME commit`, undo with `... abort` (Arista
    // session-management docs; napalm's EOS driver).
    if (w.size() == 4 && w[3] == "commit") {
      if (!waiting) throw CommandError{1000, "Session " + name + " has no pending commit timer"};
      timer.reset();
      Event("confirm", name);
      return json::object();
    }
    if (w.size() == 4 && w[3] == "abort") {
      if (waiting) {
        RollBackTimer("abort");
      } else if (it->second.committed) {
        throw CommandError{1000, "Session " + name + " is already committed"};
      } else {
        sessions.erase(it);
      }
      return json::object();
    }
    throw Invalid();
  }
  if (ctx.mode == Mode::kExec) return ExecCommand(cmd, w);
  Session& s = sessions.at(ctx.session);
  if (cmd == "commit" || (w.size() == 3 && w[0] == "commit" && w[1] == "timer")) {
    if (w.size() == 3) {
      int h = 0, m = 0, sec = 0;
      if (!std::regex_match(w[2], std::regex("[0-9]{2}:[0-5][0-9]:[0-5][0-9]")) ||
          sscanf(w[2].c_str(), "%d:%d:%d", &h, &m, &sec) != 3 || h * 3600 + m * 60 + sec == 0) {
        throw Invalid("Invalid commit timer " + w[2]);
      }
      // Only one session can wait on a commit timer at a time (napalm PR 2167, Arista docs).
      if (timer) {
        throw CommandError{1000, "Cannot commit session " + ctx.session +
                                     " with a timer: session " + timer->session +
                                     " is pending its commit timer"};
      }
      timer = CommitTimer{ctx.session, running,
                          Clock::now() + std::chrono::seconds(h * 3600 + m * 60 + sec)};
    }
    // A plain commit while a timer is pending is allowed here (unconfirmed); the pending
    // session's rollback then loses it, as a configure replace would.
    running = s.config;
    s.committed = true;
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
  // `username N secret sha512 $6$...` keeps the user's role and privilege (pyeapi, avd docs).
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
      Append("violations", "cleartext secret for user " + w[1] + " sent to eAPI");
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
    // Accepted whatever the files hold: validity is reported, not enforced (ProfileErrors).
    if (w.size() == 4 && w[0] == "certificate" && w[2] == "key") {
      p.cert = w[1];
      p.key = w[3];
      return json::object();
    }
    // Intermediates go on `chain certificate` lines, CAs on `trust certificate` (avd templates).
    for (auto [word, list] : {std::pair{"trust", &p.trust}, {"chain", &p.chain}}) {
      if (w.size() == 3 && w[0] == word && w[1] == "certificate") {
        if (std::find(list->begin(), list->end(), w[2]) == list->end()) list->push_back(w[2]);
        return json::object();
      }
      if (w.size() == 4 && w[0] == "no" && w[1] == word && w[2] == "certificate") {
        list->erase(std::remove(list->begin(), list->end(), w[3]), list->end());
        return json::object();
      }
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
      // The message quotes the whole failing command, arguments and all; `data` holds the
      // outputs so far and the failing command's `errors` (pyeapi's EapiResponseError).
      json data = results;
      data.push_back({{"errors", {e.message}}});
      return {
          {"jsonrpc", "2.0"},
          {"id", id},
          {"error",
           {{"code", e.code},
            {"message", "CLI command " + std::to_string(i + 1) + " of " +
                            std::to_string(cmds.size()) + " '" + cmd + "' failed: " + e.message},
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

// Rolls back the session whose commit timer ran out, as EOS does.
void TimerLoop() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard lock(mu);
    if (timer && Clock::now() >= timer->deadline) {
      RollBackTimer("timer-expired");
      std::ofstream(state_dir / "timer-rollbacks", std::ios::app) << "expired\n";
    }
  }
}

// With --https-profile: the profile's certificate, chain and key for each new handshake; a
// profile that is invalid serves nothing, so the handshake fails.
int ProfileCert(SSL* ssl, void* /*arg*/) {
  std::lock_guard lock(mu);
  auto it = running.profiles.find(https_profile);
  if (it == running.profiles.end()) return 1;  // the configured default certificate
  const Profile& p = it->second;
  if (!ProfileErrors(p).empty()) return 0;
  X509* cert = ReadCert(Store("certificate") / p.cert);
  EVP_PKEY* key = ReadKey(Store("sslkey") / p.key);
  STACK_OF(X509)* chain = sk_X509_new_null();
  for (const auto& x : p.chain) {
    if (X509* c = ReadCert(Store("certificate") / x)) sk_X509_push(chain, c);
  }
  const int ok = SSL_use_cert_and_key(ssl, cert, key, chain, 1);
  X509_free(cert);
  EVP_PKEY_free(key);
  sk_X509_pop_free(chain, X509_free);
  return ok == 1 ? 1 : 0;
}

// eAPI over HTTPS on a loopback port, with HTTP basic authentication.
void ServeHttps(const std::string& cert, const std::string& key, const std::string& password) {
  static asio::io_context io;
  static asio::ssl::context tls(asio::ssl::context::tls_server);
  tls.use_certificate_chain_file(cert);
  tls.use_private_key_file(key, asio::ssl::context::pem);
  if (!https_profile.empty()) SSL_CTX_set_cert_cb(tls.native_handle(), ProfileCert, nullptr);
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
    if (a == "--session-format") format_432 = std::string(argv[i + 1]) != "4.31";
    if (a == "--https-cert") https_cert = argv[i + 1];
    if (a == "--https-key") https_key = argv[i + 1];
    if (a == "--https-password-file") https_password = ReadAll(argv[i + 1]);
    if (a == "--https-profile") https_profile = argv[i + 1];
    if (a == "--rsa-only") rsa_only = std::string(argv[i + 1]) == "1";
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
