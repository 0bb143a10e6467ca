#include "agent/credentialz/password.h"

#include <crypt.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "common/ossl.h"

namespace rotagent::credentialz {
namespace {

constexpr size_t kMaxPassword = 512;

bool IsCryptChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '/';
}

bool AllCryptChars(const std::string& s) { return std::all_of(s.begin(), s.end(), IsCryptChar); }

// Splits "$id$a$b..." into its '$'-separated fields after the leading '$'.
std::vector<std::string> Fields(const std::string& hash) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= hash.size()) {
    size_t end = hash.find('$', start);
    if (end == std::string::npos) end = hash.size();
    out.push_back(hash.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Status Bad(const std::string& account, const std::string& why) {
  return InvalidArgument("password hash for account '" + account + "' " + why);
}

Status CheckMd5(const std::vector<std::string>& f, const std::string& account) {
  if (f.size() != 3 || f[1].empty() || f[1].size() > 8 || f[2].size() != 22 ||
      !AllCryptChars(f[1]) || !AllCryptChars(f[2])) {
    return Bad(account, "is not a crypt MD5 string ($1$<salt up to 8>$<22 characters>)");
  }
  return Status::Ok();
}

Status CheckSha512(std::vector<std::string> f, const std::string& account,
                   const HashPolicy& policy) {
  if (f.size() == 4 && f[1].rfind("rounds=", 0) == 0) {
    const std::string n = f[1].substr(7);
    if (n.empty() || n.size() > 10 || !std::all_of(n.begin(), n.end(), ::isdigit)) {
      return Bad(account, "has a malformed rounds= field");
    }
    if (std::stoull(n) > static_cast<unsigned long long>(policy.max_sha512_rounds)) {
      return Bad(account, "asks for " + n +
                              " SHA-512 rounds, above credentialz.password_hash_policy."
                              "max_sha512_rounds (" +
                              std::to_string(policy.max_sha512_rounds) + ")");
    }
    f.erase(f.begin() + 1);
  }
  if (f.size() != 3 || f[1].empty() || f[1].size() > 16 || f[2].size() != 86 ||
      !AllCryptChars(f[1]) || !AllCryptChars(f[2])) {
    return Bad(account, "is not a crypt SHA-512 string ($6$[rounds=N$]<salt>$<86 characters>)");
  }
  return Status::Ok();
}

// The parameters field of "$y$<params>$<salt>$<hash>" as libxcrypt writes it: flavor 'j' (its
// only one), then log2(N) - 1 and r - 1, one base-64 character each. Rarer forms (more
// parameters, multi-character values) cannot be costed here and are refused.
Status CheckYescryptCost(const std::string& params, const std::string& account,
                         const HashPolicy& policy) {
  static const std::string kItoa64 =
      "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const size_t n = params.size() == 3 ? kItoa64.find(params[1]) : std::string::npos;
  const size_t r = params.size() == 3 ? kItoa64.find(params[2]) : std::string::npos;
  if (params.size() != 3 || params[0] != 'j' || n >= 47 || r >= 47) {
    return Bad(account,
               "uses yescrypt parameters other than libxcrypt's ($y$j<N><r>$), which "
               "credentialz.password_hash_policy cannot cost");
  }
  // libxcrypt's cost c gives N = 2^(c + 7) with r = 32 (memory 128 * N * r bytes).
  const size_t n_log2 = n + 1, block = r + 1;
  if (n_log2 > static_cast<size_t>(policy.max_yescrypt_cost) + 7 || block > 32) {
    return Bad(account,
               "uses yescrypt parameters above credentialz.password_hash_policy."
               "max_yescrypt_cost (" +
                   std::to_string(policy.max_yescrypt_cost) + ")");
  }
  return Status::Ok();
}

Status MethodNotAllowed(const std::string& account, const std::string& method) {
  return Bad(account, "uses " + method +
                          ", which credentialz.password_hash_policy.allowed_methods does not list");
}

}  // namespace

Status CheckCryptHash(HashKind kind, const std::string& hash, const std::string& account,
                      const HashPolicy& policy) {
  if (hash.empty()) return Bad(account, "is empty");
  if (hash.size() > 512) return Bad(account, "is longer than 512 characters");
  if (hash[0] != '$') return Bad(account, "does not start with a $id$ method prefix");
  const auto f = Fields(hash);
  const std::string& id = f[0];
  if (kind == HashKind::kMd5 && id != "1") {
    return Bad(account, "does not start with $1$ although hash_type is HASH_TYPE_CRYPT_MD5");
  }
  if (kind == HashKind::kSha512 && id != "6") {
    return Bad(account, "does not start with $6$ although hash_type is HASH_TYPE_CRYPT_SHA_2_512");
  }
  if (id == "1") {
    ROTAGENT_RETURN_IF_ERROR(CheckMd5(f, account));
    return policy.md5crypt ? Status::Ok() : MethodNotAllowed(account, "md5crypt ($1$)");
  }
  if (id == "6") {
    ROTAGENT_RETURN_IF_ERROR(CheckSha512(f, account, policy));
    return policy.sha512crypt ? Status::Ok() : MethodNotAllowed(account, "sha512crypt ($6$)");
  }
  if (id == "y") {
    bool chars =
        std::all_of(hash.begin(), hash.end(), [](char c) { return IsCryptChar(c) || c == '$'; });
    if (f.size() != 4 || !chars || f[3].size() != 43) {
      return Bad(account, "is not a yescrypt string ($y$<params>$<salt>$<43 characters>)");
    }
    if (crypt_checksalt(hash.c_str()) != CRYPT_SALT_OK) {
      return Bad(account, "uses yescrypt parameters this system does not support");
    }
    ROTAGENT_RETURN_IF_ERROR(CheckYescryptCost(f[1], account, policy));
    return policy.yescrypt ? Status::Ok() : MethodNotAllowed(account, "yescrypt ($y$)");
  }
  return Bad(account, "uses method $" + id + "$; accepted are $1$, $6$ and $y$");
}

Status CheckPlaintext(const std::string& plaintext, const std::string& account) {
  if (plaintext.empty()) return InvalidArgument("password for account '" + account + "' is empty");
  if (plaintext.size() > kMaxPassword) {
    return InvalidArgument("password for account '" + account + "' is longer than 512 bytes");
  }
  if (plaintext.find('\0') != std::string::npos) {
    return InvalidArgument("password for account '" + account + "' holds a NUL byte");
  }
  return Status::Ok();
}

Result<std::string> HashPassword(const std::string& plaintext, const std::string& prefix) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  // A null prefix asks libxcrypt for its strongest default method (yescrypt on Debian); an
  // empty prefix would select DES, so never pass one.
  const char* method = prefix.empty() ? nullptr : prefix.c_str();
  if (crypt_gensalt_rn(method, 0, nullptr, 0, setting, sizeof(setting)) == nullptr &&
      crypt_gensalt_rn("$6$", 0, nullptr, 0, setting, sizeof(setting)) == nullptr) {
    return Internal("crypt_gensalt found no usable hashing method");
  }
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(plaintext.c_str(), setting, data.get(), sizeof(crypt_data));
  std::string hash = out != nullptr && out[0] == '$' ? out : "";
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  if (hash.empty()) return Internal("crypt failed to hash the password");
  return hash;
}

bool PasswordMatches(const std::string& plaintext, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(plaintext.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  bool match = out != nullptr && out[0] == '$' && hash == out;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return match;
}

}  // namespace rotagent::credentialz
