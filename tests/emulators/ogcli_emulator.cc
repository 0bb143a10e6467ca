// An ogcli emulator for the Opengear adapter tests. The configuration database is a JSON file
// (OGCLI_EMULATOR_DB); values arrive on stdin as `field="value"` lines, the way operators feed
// ogcli a heredoc, and are printed the same way:
//   ogcli get users                 users[N].id / .username / .hashed_password
//   ogcli update user ID            stdin: hashed_password, description, enabled
//   ogcli get services/https        https.cert
//   ogcli replace services/https    stdin: cert, private_key (must be a matching pair)
//   ogcli get system/version        system_version.firmware_version
// What a real box would expose or refuse: a secret on the command line is recorded in
// <db>.violations and refused; a malformed hash, unknown field, unknown user, unknown command or
// a mismatched certificate and key exits 1 with "Error: ...". Each line of <db>.fail is a command
// ("update user", "replace services/https", ...) made to fail.
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "platform/opengear/ogcli_format.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using rotagent::platform::opengear::OgcliQuote;
using rotagent::platform::opengear::ParseOgcli;

int Fail(const std::string& why) {
  std::cerr << "Error: " << why << "\n";
  return 1;
}

std::string ReadAll(std::istream& in) { return {std::istreambuf_iterator<char>(in), {}}; }

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

}  // namespace

int main(int argc, char** argv) {
  const char* db_env = std::getenv("OGCLI_EMULATOR_DB");
  if (db_env == nullptr) return Fail("OGCLI_EMULATOR_DB is not set");
  const fs::path db_path = db_env;
  std::string command;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.find("password") != std::string::npos || a.find("private_key") != std::string::npos ||
        a.find("$6$") != std::string::npos) {
      std::ofstream(db_path.string() + ".violations", std::ios::app)
          << "secret on the ogcli command line: " << argv[1] << " " << (argc > 2 ? argv[2] : "")
          << "\n";
      return Fail("secrets must not be passed on the command line");
    }
    if (i <= 2) command += (command.empty() ? "" : " ") + a;
  }
  {
    std::ifstream fail(db_path.string() + ".fail");
    for (std::string line; std::getline(fail, line);) {
      if (!line.empty() && command == line) return Fail("injected failure of " + command);
    }
  }
  std::ifstream db_in(db_path);
  json db = json::parse(db_in, nullptr, false);
  if (!db.is_object()) return Fail("the configuration database is unreadable");
  auto save = [&] {
    const fs::path tmp = db_path.string() + ".tmp";
    std::ofstream(tmp) << db.dump(2);
    fs::rename(tmp, db_path);
  };

  if (command == "get users") {
    for (size_t i = 0; i < db["users"].size(); ++i) {
      const auto& u = db["users"][i];
      const std::string p = "users[" + std::to_string(i) + "].";
      std::cout << p << "id=" << OgcliQuote(u.value("id", "")) << "\n"
                << p << "username=" << OgcliQuote(u.value("username", "")) << "\n"
                << p << "hashed_password=" << OgcliQuote(u.value("hashed_password", "")) << "\n";
    }
    return 0;
  }
  if (command == "update user" && argc == 4) {
    auto fields = ParseOgcli(ReadAll(std::cin));
    for (auto& u : db["users"]) {
      if (u.value("id", "") != argv[3]) continue;
      for (const auto& [k, v] : fields) {
        if (k == "hashed_password") {
          if (!std::regex_match(v,
                                std::regex(R"(\$(6|5|1)\$[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]+)"))) {
            return Fail("hashed_password is not a crypt hash");
          }
        } else if (k != "description" && k != "enabled") {
          return Fail("unknown field " + k);
        }
        u[k] = v;
      }
      save();
      return 0;
    }
    return Fail("no user " + std::string(argv[3]));
  }
  if (command == "get services/https") {
    std::cout << "https.cert=" << OgcliQuote(db["services"]["https"].value("cert", "")) << "\n";
    return 0;
  }
  if (command == "replace services/https") {
    auto fields = ParseOgcli(ReadAll(std::cin));
    if (fields.count("cert") == 0 || fields.count("private_key") == 0) {
      return Fail("replace services/https needs cert and private_key");
    }
    if (!MatchingPair(fields["cert"], fields["private_key"])) {
      return Fail("the certificate and private key do not match");
    }
    db["services"]["https"] = {{"cert", fields["cert"]}, {"private_key", fields["private_key"]}};
    save();
    return 0;
  }
  if (command == "get system/version") {
    std::cout << "system_version.firmware_version=\"24.07.0-emulated\"\n";
    return 0;
  }
  return Fail("unknown command '" + command + "'");
}
