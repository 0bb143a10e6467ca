#include "ctl/secret_store.h"

#include <crypt.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "common/atomic_file.h"
#include "common/ossl.h"

namespace rotagent::ctl {
namespace fs = std::filesystem;

std::string VersionLabel(int version) { return "v" + std::to_string(version); }

int ParseVersionLabel(const std::string& label) {
  int v = 0;
  if (label.size() < 2 || label[0] != 'v') return 0;
  auto [end, ec] = std::from_chars(label.data() + 1, label.data() + label.size(), v);
  return ec == std::errc() && end == label.data() + label.size() && v > 0 ? v : 0;
}

Result<int> SecretStore::Current(const std::string& profile) const {
  const fs::path dir = dir_ / profile;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  int newest = 0;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    int v = 0;
    const std::string name = e.path().filename().string();
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), v);
    if (err == std::errc() && end == name.data() + name.size()) newest = std::max(newest, v);
  }
  if (ec) return Internal("cannot list " + dir.string() + ": " + ec.message());
  return newest;
}

Result<std::string> SecretStore::Read(const std::string& profile, int version) const {
  auto secret = ReadFile(dir_ / profile / std::to_string(version));
  if (!secret.ok()) {
    return FailedPrecondition("the secret store has no version " + std::to_string(version) +
                              " of password profile " + profile);
  }
  return secret;
}

Result<int> SecretStore::AddGenerated(const std::string& profile) {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir_ / profile, 0700));
  auto current = Current(profile);
  if (!current.ok()) return current.status();
  const int next = *current + 1;
  const fs::path path = dir_ / profile / std::to_string(next);
  if (fs::exists(path)) return Internal(path.string() + " already exists");
  std::string password = GeneratePassword();
  Status s = WriteFileAtomic(path, password, 0600);
  Wipe(password);
  ROTAGENT_RETURN_IF_ERROR(s);
  return next;
}

std::string GeneratePassword() {
  static constexpr std::string_view kClasses[] = {
      "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#%+-.:=@^_~"};
  constexpr size_t kLength = 24;
  // A uniform draw below n: bytes at or above the last whole multiple of n are redrawn.
  auto below = [](size_t n) {
    const unsigned limit = 256 - (256 % n);
    for (;;) {
      unsigned char b = 0;
      RAND_bytes(&b, 1);
      if (b < limit) return static_cast<size_t>(b % n);
    }
  };
  std::string all;
  for (auto c : kClasses) all += c;
  std::string out;
  for (auto c : kClasses) out += c[below(c.size())];
  while (out.size() < kLength) out += all[below(all.size())];
  // Fisher-Yates, so the guaranteed classes are not always first.
  for (size_t i = out.size() - 1; i > 0; --i) std::swap(out[i], out[below(i + 1)]);
  return out;
}

Result<std::string> Sha512Crypt(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$6$", 0, nullptr, 0, setting, sizeof setting) == nullptr) {
    return Internal("crypt_gensalt cannot make a sha512-crypt salt");
  }
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] == '*') return Internal("sha512-crypt hashing failed");
  std::string hash = out;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return hash;
}

}  // namespace rotagent::ctl
