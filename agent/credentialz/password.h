// Password hashes: checking the crypt(3) strings a controller sends, and hashing plaintext with
// a strong method. Plaintext never leaves these functions except through the caller's buffer.
#pragma once

#include <string>

#include "common/status.h"

namespace rotagent::credentialz {

enum class HashKind { kAny, kMd5, kSha512 };

// Which crypt methods and costs a controller's hash may use (credentialz.password_hash_policy).
// A hash too cheap is weak; one too dear makes every login a denial of service.
struct HashPolicy {
  bool yescrypt = true;
  bool sha512crypt = true;
  bool md5crypt = false;            // weak: only when the operator opts in
  int max_sha512_rounds = 1000000;  // rounds= of $6$ (5000 when absent)
  int max_yescrypt_cost = 8;        // libxcrypt's cost: N = 2^(cost + 7); 5 is the default
};

// INVALID_ARGUMENT naming the problem unless `hash` is a well-formed crypt string of `kind`
// ($1$, $6$, or with kAny also $y$ where libxcrypt supports it) that `policy` admits (the message
// then names the rule). `account` names it in errors.
Status CheckCryptHash(HashKind kind, const std::string& hash, const std::string& account,
                      const HashPolicy& policy = {});
// INVALID_ARGUMENT for an empty, oversized or NUL-holding password; the text is never quoted.
Status CheckPlaintext(const std::string& plaintext, const std::string& account);
// A fresh salt from `prefix`'s method ("$6$"), or from the strongest libxcrypt offers (yescrypt,
// else sha512crypt) when it is empty.
Result<std::string> HashPassword(const std::string& plaintext, const std::string& prefix = "");
bool PasswordMatches(const std::string& plaintext, const std::string& hash);

}  // namespace rotagent::credentialz
