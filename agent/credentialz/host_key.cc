#include "agent/credentialz/host_key.h"

#include "common/ossl.h"
#include "platform/ssh_ptr.h"

namespace rotagent::credentialz {
namespace {

using sshptr::Key;

Result<std::string> PublicLine(ssh_key key) {
  ssh_key pub_raw = nullptr;
  if (ssh_pki_export_privkey_to_pubkey(key, &pub_raw) != SSH_OK) {
    return Internal("cannot derive the public key");
  }
  Key pub(pub_raw);
  char* b64 = nullptr;
  if (ssh_pki_export_pubkey_base64(pub.get(), &b64) != SSH_OK) {
    return Internal("cannot encode the public key");
  }
  sshptr::Chars hold(b64);
  return std::string(ssh_key_type_to_char(ssh_key_type(pub.get()))) + " " + b64;
}

Result<std::string> PrivateText(ssh_key key) {
  char* b64 = nullptr;
  if (ssh_pki_export_privkey_base64(key, nullptr, nullptr, nullptr, &b64) != SSH_OK) {
    return Internal("cannot encode the private key");
  }
  std::string out(b64);
  OPENSSL_cleanse(b64, out.size());
  ssh_string_free_char(b64);
  return out;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<platform::HostKey> ImportHostKey(const std::string& private_key,
                                        const std::string& certificate, const std::string& what) {
  if (private_key.empty()) return InvalidArgument(what + ": private_key is empty");
  ssh_key raw = nullptr;
  if (ssh_pki_import_privkey_base64(private_key.c_str(), nullptr, nullptr, nullptr, &raw) !=
          SSH_OK ||
      raw == nullptr) {
    return InvalidArgument(what + ": private_key is not an unencrypted OpenSSH or PEM private key");
  }
  Key key(raw);
  platform::HostKey out;
  auto pub = PublicLine(key.get());
  if (!pub.ok()) return pub.status();
  out.public_key = *pub;
  out.private_key = Secret(Trim(private_key) + "\n");
  if (!Trim(certificate).empty()) {
    auto cert = ParseCertificate(certificate, what + ": certificate");
    if (!cert.ok()) return cert.status();
    if (!cert->host) {
      return InvalidArgument(what + ": certificate is a user certificate, not a host one");
    }
    if (cert->key.Line() != out.public_key) {
      return InvalidArgument(what + ": certificate does not certify private_key");
    }
    out.certificate = cert->line;
  }
  return out;
}

Result<platform::HostKey> GenerateHostKey(KeyKind kind) {
  enum ssh_keytypes_e type = SSH_KEYTYPE_ED25519;
  int bits = 0;
  switch (kind) {
    case KeyKind::kEd25519:
      break;
    case KeyKind::kEcdsaP256:
      type = SSH_KEYTYPE_ECDSA_P256;
      bits = 256;
      break;
    case KeyKind::kEcdsaP384:
      type = SSH_KEYTYPE_ECDSA_P384;
      bits = 384;
      break;
    case KeyKind::kEcdsaP521:
      type = SSH_KEYTYPE_ECDSA_P521;
      bits = 521;
      break;
    case KeyKind::kRsa2048:
      type = SSH_KEYTYPE_RSA;
      bits = 2048;
      break;
    case KeyKind::kRsa3072:
      type = SSH_KEYTYPE_RSA;
      bits = 3072;
      break;
    case KeyKind::kRsa4096:
      type = SSH_KEYTYPE_RSA;
      bits = 4096;
      break;
  }
  ssh_key raw = nullptr;
  if (ssh_pki_generate(type, bits, &raw) != SSH_OK) {
    return Internal(std::string("cannot generate an ") + KeyKindName(kind) + " key");
  }
  Key key(raw);
  platform::HostKey out;
  auto priv = PrivateText(key.get());
  if (!priv.ok()) return priv.status();
  out.private_key = Secret(std::move(*priv));
  auto pub = PublicLine(key.get());
  if (!pub.ok()) return pub.status();
  out.public_key = *pub;
  return out;
}

}  // namespace rotagent::credentialz
