// The ENGINE API is deprecated in OpenSSL 3.0, but it is the one gRPC 1.51 loads keys through.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "agent/tls/key_engine.h"

#include <openssl/engine.h>
#include <openssl/rand.h>

#include <mutex>
#include <unordered_map>

namespace rotagent::tls {
namespace {

constexpr const char* kEngineId = "rotagent-keys";

struct Registry {
  std::mutex mu;
  std::unordered_map<std::string, ossl::Pkey> keys;
};

Registry& Keys() {
  static Registry* const r = new Registry;  // used by gRPC threads until exit
  return *r;
}

// ENGINE_load_private_key: a new reference to the registered key, or null once it is gone.
EVP_PKEY* Load(ENGINE* /*e*/, const char* id, UI_METHOD* /*ui*/, void* /*cb*/) {
  Registry& r = Keys();
  std::lock_guard lock(r.mu);
  auto it = r.keys.find(id);
  if (it == r.keys.end()) return nullptr;
  EVP_PKEY_up_ref(it->second.get());
  return it->second.get();
}

// Adds the engine to OpenSSL's list once, where gRPC's ENGINE_by_id finds it. It sets no
// algorithm, so gRPC's ENGINE_set_default(ENGINE_METHOD_ALL) changes no default. The agent keeps
// its reference for good: gRPC initialises the engine on every load and never finishes it, so
// OpenSSL's exit-time cleanup cannot free it, and it must stay reachable rather than leak.
bool AddEngine() {
  static ENGINE* const engine = [] {
    ENGINE* e = ENGINE_new();
    if (e == nullptr) return e;
    if (ENGINE_set_id(e, kEngineId) != 1 ||
        ENGINE_set_name(e, "rotagent: keys the agent has parsed") != 1 ||
        ENGINE_set_load_privkey_function(e, Load) != 1 || ENGINE_add(e) != 1) {
      ENGINE_free(e);
      return static_cast<ENGINE*>(nullptr);
    }
    return e;
  }();
  return engine != nullptr;
}

std::string RandomId() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char c : b) {
    id += kHex[c >> 4];
    id += kHex[c & 15];
  }
  return id;
}

}  // namespace

Result<RegisteredKey> RegisteredKey::Register(ossl::Pkey key) {
  if (key == nullptr) return InvalidArgument("no private key to serve");
  if (!AddEngine()) return Internal("OpenSSL refused the key engine the listener needs");
  std::string id = RandomId();
  if (id.empty()) return Internal("no randomness for a key id");
  Registry& r = Keys();
  {
    std::lock_guard lock(r.mu);
    r.keys.emplace(id, std::move(key));
  }
  std::string reference = std::string("engine:") + kEngineId + ":" + id;
  return RegisteredKey(std::move(id), std::move(reference));
}

RegisteredKey::RegisteredKey(std::string id, std::string reference)
    : id_(std::move(id)), reference_(std::move(reference)) {}

RegisteredKey::RegisteredKey(RegisteredKey&& other) noexcept
    : id_(std::move(other.id_)), reference_(std::move(other.reference_)) {
  other.id_.clear();
}

RegisteredKey& RegisteredKey::operator=(RegisteredKey&& other) noexcept {
  if (this != &other) {
    RegisteredKey gone(std::move(*this));
    id_ = std::move(other.id_);
    reference_ = std::move(other.reference_);
    other.id_.clear();
  }
  return *this;
}

RegisteredKey::~RegisteredKey() {
  if (id_.empty()) return;
  Registry& r = Keys();
  std::lock_guard lock(r.mu);
  r.keys.erase(id_);
}

}  // namespace rotagent::tls
