#include "ctl/pkcs11_token.h"

#include <dlfcn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <p11-kit/pkcs11.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "common/atomic_file.h"

namespace rotagent::ctl {
namespace {

// DER of the prime256v1 OID, as CKA_EC_PARAMS wants it.
constexpr CK_BYTE kP256Params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

std::string Rv(CK_RV rv) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "CKR 0x%lx", rv);
  return buf;
}

Status Failed(const std::string& what, CK_RV rv) {
  return Unavailable("PKCS#11 " + what + " failed (" + Rv(rv) + ")");
}

// Token labels are 32 bytes, padded with spaces.
std::string Trimmed(const CK_UTF8CHAR* label, size_t n) {
  std::string s(reinterpret_cast<const char*>(label), n);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

// The private keys labelled `label` (at most two: one is all rotctl wants).
Result<std::vector<CK_OBJECT_HANDLE>> FindPrivateKeys(CK_FUNCTION_LIST_PTR f,
                                                      CK_SESSION_HANDLE session,
                                                      const std::string& label) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                         {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
  CK_RV rv = f->C_FindObjectsInit(session, tmpl, 2);
  if (rv != CKR_OK) return Failed("C_FindObjectsInit", rv);
  std::vector<CK_OBJECT_HANDLE> keys(2);
  CK_ULONG n = 0;
  rv = f->C_FindObjects(session, keys.data(), 2, &n);
  f->C_FindObjectsFinal(session);
  if (rv != CKR_OK) return Failed("C_FindObjects", rv);
  keys.resize(n);
  return keys;
}

// One loaded, initialized module per path, shared by every token rotctl has open at once (the
// signer's and the secret store's may be the same): C_Finalize only when the last one closes.
struct Library {
  void* lib = nullptr;
  CK_FUNCTION_LIST_PTR f = nullptr;
  bool initialized = false;
  ~Library() {
    if (initialized) f->C_Finalize(nullptr);
    if (lib != nullptr) dlclose(lib);
  }
};

Result<std::shared_ptr<Library>> LoadLibrary(const std::filesystem::path& module) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<Library>> loaded;
  const std::lock_guard lock(mu);
  if (auto l = loaded[module.string()].lock()) return l;
  auto l = std::make_shared<Library>();
  l->lib = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (l->lib == nullptr) {
    return FailedPrecondition("cannot load the PKCS#11 module " + module.string() + ": " +
                              dlerror());
  }
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(l->lib, "C_GetFunctionList"));
  if (get == nullptr || get(&l->f) != CKR_OK || l->f == nullptr) {
    return FailedPrecondition(module.string() + " is not a PKCS#11 module");
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = l->f->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) return Failed("C_Initialize", rv);
  l->initialized = rv == CKR_OK;
  loaded[module.string()] = l;
  return l;
}

}  // namespace

struct Pkcs11Token::Module {
  std::shared_ptr<Library> library;
  CK_FUNCTION_LIST_PTR f = nullptr;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  // No C_Logout: the login is shared by the application's sessions on the token, and closing
  // the last one logs out.
  ~Module() {
    if (session != CK_INVALID_HANDLE) f->C_CloseSession(session);
  }
};

Result<std::unique_ptr<Pkcs11Token>> Pkcs11Token::Open(const std::filesystem::path& module,
                                                       const std::string& token_label,
                                                       const std::string& pin) {
  std::unique_ptr<Pkcs11Token> t(new Pkcs11Token());
  t->m_ = std::make_unique<Module>();
  Module& m = *t->m_;
  auto library = LoadLibrary(module);
  if (!library.ok()) return library.status();
  m.library = std::move(*library);
  m.f = m.library->f;
  CK_RV rv = CKR_OK;
  CK_ULONG n = 0;
  if ((rv = m.f->C_GetSlotList(CK_TRUE, nullptr, &n)) != CKR_OK) return Failed("C_GetSlotList", rv);
  std::vector<CK_SLOT_ID> slots(n);
  if ((rv = m.f->C_GetSlotList(CK_TRUE, slots.data(), &n)) != CKR_OK) {
    return Failed("C_GetSlotList", rv);
  }
  slots.resize(n);
  CK_SLOT_ID slot = 0;
  int found = 0;
  for (CK_SLOT_ID s : slots) {
    CK_TOKEN_INFO info;
    if (m.f->C_GetTokenInfo(s, &info) == CKR_OK &&
        Trimmed(info.label, sizeof info.label) == token_label) {
      slot = s;
      ++found;
    }
  }
  if (found != 1) {
    return FailedPrecondition(std::string(found == 0 ? "no" : "more than one") +
                              " PKCS#11 token labelled '" + token_label + "' in " +
                              module.string());
  }
  rv = m.f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &m.session);
  if (rv != CKR_OK) return Failed("C_OpenSession", rv);
  std::string p = pin;
  rv = m.f->C_Login(m.session, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());
  Wipe(p);
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE) {
    return Status(Code::kPermissionDenied,
                  "the PIN for PKCS#11 token '" + token_label + "' is wrong");
  }
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return Failed("C_Login", rv);
  return t;
}

Pkcs11Token::~Pkcs11Token() = default;

Result<CK_OBJECT_HANDLE> Pkcs11Token::FindSigningKey(const std::string& label) {
  std::lock_guard lock(mu_);
  Module& m = *m_;
  auto keys = FindPrivateKeys(m.f, m.session, label);
  if (!keys.ok()) return keys.status();
  if (keys->size() != 1) {
    return FailedPrecondition(std::string(keys->empty() ? "no" : "more than one") +
                              " private key labelled '" + label + "' in the token");
  }
  CK_RV rv = CKR_OK;
  CK_BBOOL extractable = CK_TRUE, sensitive = CK_FALSE;
  CK_KEY_TYPE type = 0;
  CK_ATTRIBUTE attrs[] = {{CKA_EXTRACTABLE, &extractable, sizeof extractable},
                          {CKA_SENSITIVE, &sensitive, sizeof sensitive},
                          {CKA_KEY_TYPE, &type, sizeof type}};
  if ((rv = m.f->C_GetAttributeValue(m.session, keys->front(), attrs, 3)) != CKR_OK) {
    return Failed("C_GetAttributeValue", rv);
  }
  // A CA key the token would hand out is no better than a file: refuse it.
  if (extractable != CK_FALSE || sensitive != CK_TRUE) {
    return FailedPrecondition("the private key '" + label +
                              "' is extractable or not sensitive; rotctl only signs with a key "
                              "that cannot leave the token");
  }
  if (type != CKK_EC) return FailedPrecondition("the private key '" + label + "' is not EC");
  return keys->front();
}

Result<ossl::Pkey> Pkcs11Token::GenerateEcKey(const std::string& label) {
  std::lock_guard lock(mu_);
  Module& m = *m_;
  auto existing = FindPrivateKeys(m.f, m.session, label);
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) {
    return Status(Code::kAlreadyExists, "the token already holds a private key labelled '" + label +
                                            "'; it is never overwritten");
  }
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  CK_BYTE id[] = {'r', 'o', 't', 'c', 't', 'l'};
  auto* lbl = const_cast<char*>(label.data());
  CK_ATTRIBUTE pub[] = {{CKA_EC_PARAMS, const_cast<CK_BYTE*>(kP256Params), sizeof kP256Params},
                        {CKA_TOKEN, &yes, sizeof yes},
                        {CKA_VERIFY, &yes, sizeof yes},
                        {CKA_LABEL, lbl, label.size()},
                        {CKA_ID, id, sizeof id}};
  CK_ATTRIBUTE priv[] = {{CKA_TOKEN, &yes, sizeof yes},
                         {CKA_PRIVATE, &yes, sizeof yes},
                         {CKA_SENSITIVE, &yes, sizeof yes},
                         {CKA_EXTRACTABLE, &no, sizeof no},
                         {CKA_SIGN, &yes, sizeof yes},
                         {CKA_LABEL, lbl, label.size()},
                         {CKA_ID, id, sizeof id}};
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub_h = 0, priv_h = 0;
  CK_RV rv = m.f->C_GenerateKeyPair(m.session, &mech, pub, 5, priv, 7, &pub_h, &priv_h);
  if (rv != CKR_OK) return Failed("C_GenerateKeyPair", rv);
  // CKA_EC_POINT is the uncompressed point wrapped in a DER OCTET STRING.
  CK_BYTE point[256];
  CK_ATTRIBUTE ec_point{CKA_EC_POINT, point, sizeof point};
  if ((rv = m.f->C_GetAttributeValue(m.session, pub_h, &ec_point, 1)) != CKR_OK) {
    return Failed("C_GetAttributeValue(CKA_EC_POINT)", rv);
  }
  const unsigned char* p = point;
  ASN1_OCTET_STRING* os =
      d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(ec_point.ulValueLen));
  if (os == nullptr) return Internal("the token's EC point is not a DER OCTET STRING");
  std::string raw(reinterpret_cast<const char*>(ASN1_STRING_get0_data(os)),
                  static_cast<size_t>(ASN1_STRING_length(os)));
  ASN1_OCTET_STRING_free(os);
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, raw.data(), raw.size()),
      OSSL_PARAM_construct_end()};
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return Internal("the token's public key does not load: " + ossl::LastError());
  }
  return ossl::Pkey(key);
}

Result<std::string> Pkcs11Token::SignDigest(CK_OBJECT_HANDLE key, const unsigned char* digest,
                                            size_t len) {
  std::lock_guard lock(mu_);
  Module& m = *m_;
  CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
  CK_RV rv = m.f->C_SignInit(m.session, &mech, key);
  if (rv != CKR_OK) return Failed("C_SignInit", rv);
  CK_BYTE rs[132];  // r || s, up to P-521
  CK_ULONG n = sizeof rs;
  rv = m.f->C_Sign(m.session, const_cast<CK_BYTE_PTR>(digest), len, rs, &n);
  if (rv != CKR_OK) return Failed("C_Sign", rv);
  if (n == 0 || n % 2 != 0) return Internal("the token returned a malformed ECDSA signature");
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(rs, static_cast<int>(n / 2), nullptr),
                 BN_bin2bn(rs + n / 2, static_cast<int>(n / 2), nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (der_len <= 0) return Internal("cannot encode the token's signature");
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  return out;
}

// The secret keys labelled `label` (at most two: one is all rotctl wants).
Result<std::vector<CK_OBJECT_HANDLE>> Pkcs11Token::FindSecretKeys(const std::string& label) {
  Module& m = *m_;
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                         {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
  CK_RV rv = m.f->C_FindObjectsInit(m.session, tmpl, 2);
  if (rv != CKR_OK) return Failed("C_FindObjectsInit", rv);
  std::vector<CK_OBJECT_HANDLE> keys(2);
  CK_ULONG n = 0;
  rv = m.f->C_FindObjects(m.session, keys.data(), 2, &n);
  m.f->C_FindObjectsFinal(m.session);
  if (rv != CKR_OK) return Failed("C_FindObjects", rv);
  keys.resize(n);
  return keys;
}

Status Pkcs11Token::GenerateAesKey(const std::string& label) {
  std::lock_guard lock(mu_);
  Module& m = *m_;
  auto existing = FindSecretKeys(label);
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) {
    return Status(Code::kAlreadyExists, "the token already holds a secret key labelled '" + label +
                                            "'; it is never overwritten");
  }
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  CK_ULONG len = 32;
  CK_ATTRIBUTE tmpl[] = {{CKA_TOKEN, &yes, sizeof yes},
                         {CKA_PRIVATE, &yes, sizeof yes},
                         {CKA_SENSITIVE, &yes, sizeof yes},
                         {CKA_EXTRACTABLE, &no, sizeof no},
                         {CKA_ENCRYPT, &yes, sizeof yes},
                         {CKA_DECRYPT, &yes, sizeof yes},
                         {CKA_WRAP, &no, sizeof no},
                         {CKA_UNWRAP, &no, sizeof no},
                         {CKA_VALUE_LEN, &len, sizeof len},
                         {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
  CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = 0;
  const CK_RV rv = m.f->C_GenerateKey(m.session, &mech, tmpl, 10, &key);
  if (rv != CKR_OK) return Failed("C_GenerateKey", rv);
  return Status::Ok();
}

Result<CK_OBJECT_HANDLE> Pkcs11Token::FindAesKey(const std::string& label) {
  std::lock_guard lock(mu_);
  Module& m = *m_;
  auto keys = FindSecretKeys(label);
  if (!keys.ok()) return keys.status();
  if (keys->size() != 1) {
    return FailedPrecondition(std::string(keys->empty() ? "no" : "more than one") +
                              " secret key labelled '" + label + "' in the token");
  }
  CK_BBOOL extractable = CK_TRUE, sensitive = CK_FALSE;
  CK_KEY_TYPE type = 0;
  CK_ULONG len = 0;
  CK_ATTRIBUTE attrs[] = {{CKA_EXTRACTABLE, &extractable, sizeof extractable},
                          {CKA_SENSITIVE, &sensitive, sizeof sensitive},
                          {CKA_KEY_TYPE, &type, sizeof type},
                          {CKA_VALUE_LEN, &len, sizeof len}};
  const CK_RV rv = m.f->C_GetAttributeValue(m.session, keys->front(), attrs, 4);
  if (rv != CKR_OK) return Failed("C_GetAttributeValue", rv);
  // A key-encryption key the token would hand out is no better than a file: refuse it.
  if (extractable != CK_FALSE || sensitive != CK_TRUE) {
    return FailedPrecondition("the secret key '" + label +
                              "' is extractable or not sensitive; rotctl only seals with a key "
                              "that cannot leave the token");
  }
  if (type != CKK_AES || len != 32) {
    return FailedPrecondition("the secret key '" + label + "' is not an AES-256 key");
  }
  return keys->front();
}

Result<std::string> Pkcs11Token::AesGcm(bool encrypt, CK_OBJECT_HANDLE key, const std::string& iv,
                                        const std::string& aad, const std::string& in) {
  std::lock_guard lock(mu_);
  Module& m = *m_;
  CK_GCM_PARAMS params{};
  params.iv_ptr = reinterpret_cast<unsigned char*>(const_cast<char*>(iv.data()));
  params.iv_len = iv.size();
  params.iv_bits = iv.size() * 8;
  params.aad_ptr = reinterpret_cast<unsigned char*>(const_cast<char*>(aad.data()));
  params.aad_len = aad.size();
  params.tag_bits = 128;
  CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
  CK_RV rv = encrypt ? m.f->C_EncryptInit(m.session, &mech, key)
                     : m.f->C_DecryptInit(m.session, &mech, key);
  if (rv != CKR_OK) return Failed(encrypt ? "C_EncryptInit" : "C_DecryptInit", rv);
  // GCM adds (or removes) a 16-byte tag.
  std::string out(in.size() + 16, '\0');
  CK_ULONG n = out.size();
  auto* data = reinterpret_cast<CK_BYTE_PTR>(const_cast<char*>(in.data()));
  auto* dst = reinterpret_cast<CK_BYTE_PTR>(out.data());
  rv = encrypt ? m.f->C_Encrypt(m.session, data, in.size(), dst, &n)
               : m.f->C_Decrypt(m.session, data, in.size(), dst, &n);
  if (rv != CKR_OK) {
    Wipe(out);
    // SoftHSM2 answers a tag mismatch with CKR_GENERAL_ERROR.
    if (!encrypt && (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
                     rv == CKR_GENERAL_ERROR)) {
      return FailedPrecondition("the token's AES-GCM tag does not match (" + Rv(rv) + ")");
    }
    return Failed(encrypt ? "C_Encrypt" : "C_Decrypt", rv);
  }
  out.resize(n);
  return out;
}

Result<std::string> ReadPin(const std::filesystem::path& pin_file, const std::string& pin_env,
                            const std::string& setting) {
  std::string pin;
  if (!pin_env.empty()) {
    const char* v = std::getenv(pin_env.c_str());
    if (v == nullptr || *v == '\0') {
      return FailedPrecondition(setting + ".pin_env names " + pin_env + ", which is not set");
    }
    pin = v;
  } else {
    struct stat st {};
    if (stat(pin_file.c_str(), &st) != 0) {
      return FailedPrecondition(setting + ".pin_file " + pin_file.string() + " does not exist");
    }
    if ((st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
      return FailedPrecondition(setting + ".pin_file " + pin_file.string() +
                                " must be owned by rotctl's user and readable by no one else "
                                "(0600 or 0400)");
    }
    auto text = ReadFile(pin_file);
    if (!text.ok()) return text.status().WithContext(setting + ".pin_file");
    pin = text->substr(0, text->find('\n'));
    Wipe(*text);
  }
  if (pin.empty()) return FailedPrecondition("the token PIN is empty");
  return pin;
}

}  // namespace rotagent::ctl
