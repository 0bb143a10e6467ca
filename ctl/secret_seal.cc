#include "ctl/secret_seal.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/atomic_file.h"
#include "common/ossl.h"
#include "common/unique_fd.h"

namespace rotagent::ctl {
namespace {

constexpr char kMagic[] = {'R', 'S', 'S', '1'};
constexpr size_t kNonce = 12, kTag = 16, kHeader = sizeof kMagic + kNonce + kTag;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

}  // namespace

Kek::Kek(Kek&& o) noexcept : file_(std::move(o.file_)) {
  std::memcpy(key_, o.key_, sizeof key_);
  OPENSSL_cleanse(o.key_, sizeof o.key_);
}

Kek::~Kek() { OPENSSL_cleanse(key_, sizeof key_); }

Result<Kek> Kek::Load(const std::filesystem::path& file) {
  const std::string name = "the secret store's key-encryption key " + file.string();
  UniqueFd fd(open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    return FailedPrecondition(
        name + (errno == ELOOP ? " is a symbolic link"
                               : " cannot be opened: " + std::string(std::strerror(errno))));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return FailedPrecondition(name + " is not a regular file");
  }
  if (st.st_uid != geteuid()) return FailedPrecondition(name + " is owned by another user");
  if ((st.st_mode & 077) != 0) {
    return FailedPrecondition(name + " is accessible to group or others; it must be 0600");
  }
  Kek k;
  unsigned char extra = 0;
  if (st.st_size != sizeof k.key_ || read(fd.get(), k.key_, sizeof k.key_) != sizeof k.key_ ||
      read(fd.get(), &extra, 1) != 0) {
    return FailedPrecondition(name + " does not hold exactly 32 bytes");
  }
  k.file_ = file.string();
  return k;
}

Result<Kek> Kek::LoadOrCreate(const std::filesystem::path& file) {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(file.parent_path(), 0700));
  // O_EXCL: of two rotctl processes creating it at once, one wins and the other loads its key.
  UniqueFd fd(open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() >= 0) {
    unsigned char key[32];
    const bool made = RAND_bytes(key, sizeof key) == 1 &&
                      write(fd.get(), key, sizeof key) == static_cast<ssize_t>(sizeof key) &&
                      fsync(fd.get()) == 0;
    OPENSSL_cleanse(key, sizeof key);
    if (!made) {
      unlink(file.c_str());
      return Internal("cannot create " + file.string());
    }
  } else if (errno != EEXIST) {
    return Internal("cannot create " + file.string() + ": " + std::strerror(errno));
  }
  return Load(file);
}

bool Kek::IsSealed(const std::string& data) {
  return data.size() >= kHeader && std::memcmp(data.data(), kMagic, sizeof kMagic) == 0;
}

Result<std::string> Kek::Seal(const std::string& plaintext, const std::string& aad) const {
  std::string out(kHeader + plaintext.size(), '\0');
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + sizeof kMagic);
  auto* tag = nonce + kNonce;
  auto* ct = tag + kTag;
  if (RAND_bytes(nonce, kNonce) != 1) return Internal("no randomness for a nonce");
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0, m = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_, nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct, &n, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct + n, &m) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, tag) != 1) {
    return Internal("AES-256-GCM sealing failed");
  }
  return out;
}

Result<std::string> Kek::Open(const std::string& sealed, const std::string& aad) const {
  if (!IsSealed(sealed)) return FailedPrecondition("not a sealed secret");
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data() + sizeof kMagic);
  const auto* tag = nonce + kNonce;
  const auto* ct = tag + kTag;
  const size_t len = sealed.size() - kHeader;
  std::string out(len, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0, m = 0;
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_, nonce) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n, ct,
                        static_cast<int>(len)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, const_cast<unsigned char*>(tag)) ==
          1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + n, &m) == 1;
  if (!ok) {
    Wipe(out);
    return FailedPrecondition(
        "a sealed secret does not open with this key-encryption key (wrong key, or "
        "the file was altered or moved)");
  }
  return out;
}

}  // namespace rotagent::ctl
