// An ogcli emulator for the Opengear adapter tests, printing and reading what public sources say
// real ogcli does. Each rule names its source; "unconfirmed" marks a detail docs/platforms.md
// lists under "needs a real device". The configuration database is a JSON file
// (OGCLI_EMULATOR_DB) that only this program writes, as only the configuration system writes
// ngcs.db on a real box.
//   ogcli [--secrets cleartext|obfuscate|mask] get users | get user ID | get services/https
//         | get system/version
//   ogcli update user ID            stdin: hashed_password, description, enabled
//   ogcli update services/https     stdin: cert, csr.private_key (must be a matching pair)
// Output: blocks of bare `field=value` lines, one block per entity, blocks separated by an empty
// line; strings in double quotes (a PEM keeps its newlines inside the quotes: unconfirmed),
// booleans, numbers and lists unquoted, nested fields dotted (`csr.private_key`). Field names
// have no `users[N].` / `https.` prefixes (Microsoft operator-nexus ogcli procedures; Opengear
// ansible-ng argument specs for the field names). Secrets print masked unless `--secrets
// cleartext` (ogcli's --secrets modes; napalm-opengear uses `ogcli --secrets mask export`);
// OGCLI_EMULATOR_SECRETS=mask masks them whatever is asked, as a box whose policy hides them.
// What a real box would expose or refuse: a secret on the command line is recorded in
// <db>.violations and refused; a malformed hash, unknown field, unknown user, unknown command or
// a mismatched certificate and key exits 1 with "Error: ...". A database changed by anything but
// this program (a snapshot renamed over it) is recorded as a violation: on a real box that skips
// the configuration system, so /etc/shadow and the web server's certificate are not regenerated.
// Each line of <db>.fail is a command ("update user", "update services/https", ...) made to fail.
// With OGCLI_EMULATOR_SHADOW=1 a new hashed_password also reaches the local /etc/shadow through
// `chpasswd -e` on stdin, as the configuration system regenerates it, so a real SSH login proves
// it. A file <db>.stale-shadow makes the next such update stop at the database (a configuration
// system that failed to regenerate /etc/shadow): ogcli reports success, logins keep the old
// password; the file is removed, so the update after it (a rollback) reaches /etc/shadow again.
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sys/file.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "platform/opengear/ogcli_format.h"
#include "platform/subprocess.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using rotagent::platform::opengear::OgcliQuote;
using rotagent::platform::opengear::ParseOgcli;

constexpr const char* kMask = "********";

int Fail(const std::string& why) {
  std::cerr << "Error: " << why << "\n";
  return 1;
}

std::string ReadAll(std::istream& in) { return {std::istreambuf_iterator<char>(in), {}}; }

std::string Digest(const std::string& text) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  std::string hex;
  for (unsigned char b : md) {
    static const char* digits = "0123456789abcdef";
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

bool MatchingPair(const std::string& cert_pem, const std::string& key_pem) {
  BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  const bool ok = cert != nullptr && key != nullptr && X509_check_private_key(cert, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cb);
  BIO_free(kb);
  return ok;
}

// A string prints quoted with its newlines kept; anything else bare.
std::string Value(const json& v) {
  if (v.is_string()) {
    std::string out = "\"";
    for (char c : v.get<std::string>()) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      out += (i ? "," : "") + (v[i].is_string() ? v[i].get<std::string>() : v[i].dump());
    }
    return out + "]";
  }
  return v.dump();
}

void PrintBlock(const json& entity, const std::string& prefix, bool secrets) {
  for (const auto& [k, v] : entity.items()) {
    if (v.is_object()) {
      PrintBlock(v, prefix + k + ".", secrets);
      continue;
    }
    const bool secret = k == "hashed_password" || k == "private_key" || k == "password";
    std::cout << prefix << k << "=" << (secret && !secrets ? Value(kMask) : Value(v)) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* db_env = std::getenv("OGCLI_EMULATOR_DB");
  if (db_env == nullptr) return Fail("OGCLI_EMULATOR_DB is not set");
  const fs::path db_path = db_env;
  // One run at a time, as the box's configuration system applies one change at a time: the agent
  // reads (state refresh, drift checks) while it writes, and a reader between a write's database
  // rename and its digest would record a false violation. Released when the process exits.
  const int lock = open((db_path.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) return Fail("cannot lock the configuration database");
  const auto violation = [&](const std::string& what) {
    std::ofstream(db_path.string() + ".violations", std::ios::app) << what << "\n";
  };
  std::vector<std::string> args;
  std::string secrets_mode = "mask";  // unconfirmed default
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.find("password") != std::string::npos || a.find("private_key") != std::string::npos ||
        a.find("$6$") != std::string::npos) {
      violation("secret on the ogcli command line: " + std::string(argv[1]));
      return Fail("secrets must not be passed on the command line");
    }
    if (a == "--secrets" && i + 1 < argc) {
      secrets_mode = argv[++i];
      continue;
    }
    args.push_back(a);
  }
  const char* forced = std::getenv("OGCLI_EMULATOR_SECRETS");
  const bool cleartext =
      secrets_mode == "cleartext" && (forced == nullptr || std::string(forced) != "mask");
  std::string command = args.size() >= 2 ? args[0] + " " + args[1] : args.empty() ? "" : args[0];
  {
    std::ifstream fail(db_path.string() + ".fail");
    for (std::string line; std::getline(fail, line);) {
      if (!line.empty() && command == line) return Fail("injected failure of " + command);
    }
  }
  std::string text;
  {
    std::ifstream db_in(db_path);
    text = ReadAll(db_in);
  }
  std::ifstream digest_in(db_path.string() + ".digest");
  const std::string recorded = ReadAll(digest_in);
  if (!recorded.empty() && recorded != Digest(text)) {
    violation("the configuration database was replaced outside the configuration system");
  }
  json db = json::parse(text, nullptr, false);
  if (!db.is_object()) return Fail("the configuration database is unreadable");
  auto save = [&] {
    const std::string out = db.dump(2);
    const fs::path tmp = db_path.string() + ".tmp";
    std::ofstream(tmp) << out;
    fs::rename(tmp, db_path);
    std::ofstream(db_path.string() + ".digest") << Digest(out);
  };
  if (recorded.empty()) std::ofstream(db_path.string() + ".digest") << Digest(text);

  if (command == "get users") {
    for (size_t i = 0; i < db["users"].size(); ++i) {
      if (i > 0) std::cout << "\n";
      PrintBlock(db["users"][i], "", cleartext);
    }
    return 0;
  }
  if (command == "get user" && args.size() == 3) {
    for (const auto& u : db["users"]) {
      if (u.value("id", "") == args[2]) {
        PrintBlock(u, "", cleartext);
        return 0;
      }
    }
    return Fail("no user " + args[2]);
  }
  // Users take `hashed_password` (or `password`) on stdin; `update` names the entity and its id
  // (opengear.om users argument spec; operator-nexus ogcli heredocs).
  if (command == "update user" && args.size() == 3) {
    auto fields = ParseOgcli(ReadAll(std::cin));
    for (auto& u : db["users"]) {
      if (u.value("id", "") != args[2]) continue;
      for (const auto& [k, v] : fields) {
        if (k == "hashed_password") {
          if (!std::regex_match(v,
                                std::regex(R"(\$(6|5|1)\$[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]+)"))) {
            return Fail("hashed_password is not a crypt hash");
          }
          u[k] = v;
        } else if (k == "enabled") {
          u[k] = v == "true";
        } else if (k == "description") {
          u[k] = v;
        } else {
          return Fail("unknown field " + k);
        }
      }
      save();
      const bool sets_hash = fields.count("hashed_password") != 0;
      const bool stale = sets_hash && fs::remove(db_path.string() + ".stale-shadow");
      if (const char* sync = std::getenv("OGCLI_EMULATOR_SHADOW");
          sync != nullptr && std::string(sync) == "1" && sets_hash && !stale) {
        auto r = rotagent::platform::RunProcess(
            {"/usr/sbin/chpasswd", "-e"},
            u.value("username", "") + ":" + fields["hashed_password"] + "\n", 30);
        if (!r.ok() || r->exit_code != 0) return Fail("chpasswd failed");
      }
      return 0;
    }
    return Fail("no user " + args[2]);
  }
  if (command == "get services/https") {
    PrintBlock(db["services"]["https"], "", cleartext);
    return 0;
  }
  // The certificate is `cert`, its key `csr.private_key` (opengear ansible-ng services argspec).
  if (command == "update services/https") {
    auto fields = ParseOgcli(ReadAll(std::cin));
    for (const auto& [k, v] : fields) {
      if (k != "cert" && k != "csr.private_key") return Fail("unknown field " + k);
    }
    if (fields.count("cert") == 0 || fields.count("csr.private_key") == 0) {
      return Fail("update services/https needs cert and csr.private_key");
    }
    if (!MatchingPair(fields["cert"], fields["csr.private_key"])) {
      return Fail("the certificate and private key do not match");
    }
    db["services"]["https"]["cert"] = fields["cert"];
    db["services"]["https"]["csr"]["private_key"] = fields["csr.private_key"];
    save();
    return 0;
  }
  if (command == "get system/version") {
    std::cout << "firmware_version=\"24.07.0-emulated\"\nrest_api_version=\"v2\"\n";
    return 0;
  }
  return Fail("unknown command '" + command + "'");
}
