#include "ctl/secret_store.h"

#include <crypt.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/ossl.h"
#include "common/unique_fd.h"
#include "ctl/secret_seal.h"
#include "ctl/secret_token_kek.h"

namespace rotagent::ctl {
namespace fs = std::filesystem;
namespace {

// Binds a ciphertext to its place: a sealed file copied over another version does not open.
std::string SealingContext(const std::string& profile, int version) {
  return "rotctl-secret:" + profile + ":" + std::to_string(version);
}

}  // namespace

std::string VersionLabel(int version) { return "v" + std::to_string(version); }

int ParseVersionLabel(const std::string& label) {
  int v = 0;
  if (label.size() < 2 || label[0] != 'v') return 0;
  auto [end, ec] = std::from_chars(label.data() + 1, label.data() + label.size(), v);
  return ec == std::errc() && end == label.data() + label.size() && v > 0 ? v : 0;
}

Result<std::vector<int>> SecretStore::Versions(const std::string& profile) const {
  const fs::path dir = dir_ / profile;
  std::vector<int> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    int v = 0;
    const std::string name = e.path().filename().string();
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), v);
    if (err == std::errc() && end == name.data() + name.size() && v > 0) out.push_back(v);
  }
  if (ec) return Internal("cannot list " + dir.string() + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Result<int> SecretStore::Current(const std::string& profile) const {
  auto versions = Versions(profile);
  if (!versions.ok()) return versions.status();
  return versions->empty() ? 0 : versions->back();
}

Result<std::unique_ptr<Sealer>> SecretStore::OpenSealer(bool create) const {
  if (config_.kek == "pkcs11") {
    auto k = TokenKek::Load(config_);
    if (!k.ok()) return k.status();
    return std::unique_ptr<Sealer>(std::move(*k));
  }
  auto k = create ? Kek::LoadOrCreate(config_.kek_file) : Kek::Load(config_.kek_file);
  if (!k.ok()) return k.status();
  return std::unique_ptr<Sealer>(std::make_unique<Kek>(std::move(*k)));
}

Result<std::string> SecretStore::Read(const std::string& profile, int version) const {
  const fs::path path = dir_ / profile / std::to_string(version);
  auto stored = ReadFile(path);
  if (!stored.ok()) {
    return NotFound("the secret store has no version " + std::to_string(version) +
                    " of password profile " + profile + " (never made, or purged)");
  }
  const std::string where = "version " + std::to_string(version) + " of " + profile;
  const bool by_token = TokenKek::IsSealed(*stored), by_file = Kek::IsSealed(*stored);
  if (by_token && config_.kek != "pkcs11") {
    return FailedPrecondition(where +
                              " is sealed by a key-encryption key in a PKCS#11 token; set "
                              "secrets.kek: pkcs11 and the token's settings in the inventory");
  }
  // A missing KEK is an error here, not a reason to make a new one that opens nothing.
  auto sealer = OpenSealer(/*create=*/!by_token && !by_file);
  if (!sealer.ok()) return sealer.status();
  const bool current_format = config_.kek == "pkcs11" ? by_token : by_file;
  if (current_format) {
    auto plain = (*sealer)->Open(*stored, SealingContext(profile, version));
    if (!plain.ok()) return plain.status().WithContext(where);
    return plain;
  }
  Result<std::string> plain = std::move(*stored);
  if (by_file) {
    // Sealed before the store moved to the token: the file KEK still opens it.
    auto file_kek = Kek::Load(config_.kek_file);
    if (!file_kek.ok()) {
      return file_kek.status().WithContext(where + " is sealed under the file KEK");
    }
    plain = file_kek->Open(*plain, SealingContext(profile, version));
    if (!plain.ok()) return plain.status().WithContext(where);
  }
  // Written before sealing, or under the file KEK: sealed again under the configured KEK now,
  // so neither the plaintext nor the file KEK is needed for it any more.
  auto sealed = (*sealer)->Seal(*plain, SealingContext(profile, version));
  if (!sealed.ok()) {
    Wipe(*plain);
    return sealed.status();
  }
  if (Status s = WriteFileAtomic(path, *sealed, 0600); !s.ok()) {
    Wipe(*plain);
    return s;
  }
  return plain;
}

Result<int> SecretStore::AddGenerated(const std::string& profile) {
  // The KEK first: when it cannot be used, nothing is written.
  auto sealer = OpenSealer(/*create=*/true);
  if (!sealer.ok()) return sealer.status();
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir_ / profile, 0700));
  auto current = Current(profile);
  if (!current.ok()) return current.status();
  const int next = *current + 1;
  const fs::path path = dir_ / profile / std::to_string(next);
  if (fs::exists(path)) return Internal(path.string() + " already exists");
  std::string password = GeneratePassword();
  auto sealed = (*sealer)->Seal(password, SealingContext(profile, next));
  Wipe(password);
  if (!sealed.ok()) return sealed.status();
  ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(path, *sealed, 0600));
  return next;
}

Result<SecretStore::KekInit> SecretStore::InitKek() const {
  KekInit out;
  if (config_.kek == "pkcs11") {
    auto created = TokenKek::Create(config_);
    if (!created.ok()) return created.status();
    out.created = *created;
  } else {
    std::error_code ec;
    out.created = !fs::exists(config_.kek_file, ec);
  }
  auto sealer = OpenSealer(/*create=*/true);
  if (!sealer.ok()) return sealer.status();
  out.kek = (*sealer)->Describe();
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (!e.is_directory()) continue;  // reveals.log, purges.log
    const std::string profile = e.path().filename().string();
    auto versions = Versions(profile);
    if (!versions.ok()) return versions.status();
    for (int v : *versions) {
      auto stored = ReadFile(e.path() / std::to_string(v));
      if (!stored.ok()) return stored.status();
      const bool current_format =
          config_.kek == "pkcs11" ? TokenKek::IsSealed(*stored) : Kek::IsSealed(*stored);
      if (current_format) continue;
      auto plain = Read(profile, v);  // seals it under the configured KEK
      if (!plain.ok()) return plain.status();
      Wipe(*plain);
      ++out.resealed;
    }
  }
  if (ec) return Internal("cannot list " + dir_.string() + ": " + ec.message());
  return out;
}

Status SecretStore::Purge(const std::string& profile, int version,
                          const std::string& reason) const {
  auto current = Current(profile);
  if (!current.ok()) return current.status();
  if (version >= *current) {
    return FailedPrecondition("version " + std::to_string(version) + " of " + profile +
                              " is the current one and is never purged");
  }
  const fs::path path = dir_ / profile / std::to_string(version);
  {
    // Overwrite in place before unlinking, so the blocks do not keep even the ciphertext.
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (fd.get() < 0 || fstat(fd.get(), &st) != 0) {
      return NotFound("no version " + std::to_string(version) + " of " + profile + " to purge");
    }
    std::string zeros(static_cast<size_t>(st.st_size), '\0');
    if (pwrite(fd.get(), zeros.data(), zeros.size(), 0) != static_cast<ssize_t>(zeros.size()) ||
        fsync(fd.get()) != 0) {
      return Internal("cannot overwrite " + path.string());
    }
  }
  if (unlink(path.c_str()) != 0) return Internal("cannot unlink " + path.string());
  return AppendLog(
      "purges.log",
      nlohmann::json{
          {"time", time(nullptr)}, {"profile", profile}, {"version", version}, {"reason", reason}}
          .dump());
}

Status SecretStore::LogReveal(const std::string& profile, int version,
                              const std::string& destination) const {
  return AppendLog("reveals.log", nlohmann::json{{"time", time(nullptr)},
                                                 {"profile", profile},
                                                 {"version", version},
                                                 {"uid", getuid()},
                                                 {"destination", destination}}
                                      .dump());
}

Status SecretStore::AppendLog(const char* name, const std::string& line) const {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir_, 0700));
  const fs::path path = dir_ / name;
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
  const std::string text = line + "\n";
  if (fd.get() < 0 ||
      write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      fsync(fd.get()) != 0) {
    return Internal("cannot append to " + path.string());
  }
  return Status::Ok();
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
