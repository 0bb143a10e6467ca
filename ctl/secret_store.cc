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

Result<std::string> SecretStore::Read(const std::string& profile, int version) const {
  const fs::path path = dir_ / profile / std::to_string(version);
  auto stored = ReadFile(path);
  if (!stored.ok()) {
    return NotFound("the secret store has no version " + std::to_string(version) +
                    " of password profile " + profile + " (never made, or purged)");
  }
  // A missing KEK is an error here, not a reason to make a new one that opens nothing.
  auto kek = Kek::IsSealed(*stored) ? Kek::Load(kek_file_) : Kek::LoadOrCreate(kek_file_);
  if (!kek.ok()) return kek.status();
  if (!Kek::IsSealed(*stored)) {
    // Written by a rotctl before sealing: seal it now, so the plaintext leaves the disk.
    auto sealed = kek->Seal(*stored, SealingContext(profile, version));
    if (!sealed.ok()) return sealed.status();
    ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(path, *sealed, 0600));
    return stored;
  }
  auto plain = kek->Open(*stored, SealingContext(profile, version));
  if (!plain.ok()) {
    return plain.status().WithContext("version " + std::to_string(version) + " of " + profile);
  }
  return plain;
}

Result<int> SecretStore::AddGenerated(const std::string& profile) {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir_ / profile, 0700));
  auto kek = Kek::LoadOrCreate(kek_file_);
  if (!kek.ok()) return kek.status();
  auto current = Current(profile);
  if (!current.ok()) return current.status();
  const int next = *current + 1;
  const fs::path path = dir_ / profile / std::to_string(next);
  if (fs::exists(path)) return Internal(path.string() + " already exists");
  std::string password = GeneratePassword();
  auto sealed = kek->Seal(password, SealingContext(profile, next));
  Wipe(password);
  if (!sealed.ok()) return sealed.status();
  ROTAGENT_RETURN_IF_ERROR(WriteFileAtomic(path, *sealed, 0600));
  return next;
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
