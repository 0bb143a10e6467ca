// The key engine is driven here the way gRPC 1.51 loads an "engine:<id>:<key>" server key.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "agent/tls/key_engine.h"

#include <gtest/gtest.h>
#include <openssl/engine.h>

#include "tests/support/pki.h"

namespace rotagent::tls {
namespace {

// gRPC's steps: ENGINE_by_id, ENGINE_set_default(ALL), ENGINE_init, ENGINE_load_private_key.
ossl::Pkey LoadAsGrpcDoes(const std::string& reference) {
  const std::string rest = reference.substr(reference.find(':') + 1);
  const std::string engine_id = rest.substr(0, rest.find(':'));
  const std::string key_id = rest.substr(rest.find(':') + 1);
  ENGINE* e = ENGINE_by_id(engine_id.c_str());
  if (e == nullptr) return nullptr;
  EVP_PKEY* key = nullptr;
  if (ENGINE_set_default(e, ENGINE_METHOD_ALL) == 1 && ENGINE_init(e) == 1) {
    key = ENGINE_load_private_key(e, key_id.c_str(), nullptr, nullptr);
    ENGINE_finish(e);
  }
  ENGINE_free(e);
  return ossl::Pkey(key);
}

TEST(KeyEngineTest, GrpcLoadsTheRegisteredKeyUntilItsHandleIsGone) {
  auto ca = testing::MakeCa("CA");
  auto leaf = testing::MakeLeaf(ca, "leaf");
  EVP_PKEY_up_ref(leaf.key.get());
  auto registered = RegisteredKey::Register(ossl::Pkey(leaf.key.get()));
  ASSERT_TRUE(registered.ok()) << registered.status().message();
  const std::string reference = registered->reference();
  EXPECT_EQ(reference.rfind("engine:rotagent-keys:", 0), 0U) << reference;

  ossl::Pkey loaded = LoadAsGrpcDoes(reference);
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(loaded.get(), leaf.key.get()), 1);
  // The engine implements no algorithm: gRPC's ENGINE_set_default(ALL) must change no default.
  EXPECT_EQ(ENGINE_get_pkey_meth_engine(EVP_PKEY_EC), nullptr);
  EXPECT_EQ(ENGINE_get_default_RSA(), nullptr);
  EXPECT_EQ(ENGINE_get_default_EC(), nullptr);

  {
    RegisteredKey moved = std::move(*registered);  // the move keeps it registered
    EXPECT_NE(LoadAsGrpcDoes(reference), nullptr);
  }
  EXPECT_EQ(LoadAsGrpcDoes(reference), nullptr);
  EXPECT_EQ(LoadAsGrpcDoes("engine:rotagent-keys:unknown"), nullptr);
}

TEST(KeyEngineTest, EveryRegistrationHasItsOwnReference) {
  auto ca = testing::MakeCa("CA");
  auto a = testing::MakeLeaf(ca, "a");
  auto b = testing::MakeLeaf(ca, "b");
  auto ra = RegisteredKey::Register(std::move(a.key));
  auto rb = RegisteredKey::Register(std::move(b.key));
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_NE(ra->reference(), rb->reference());
  EXPECT_EQ(RegisteredKey::Register(nullptr).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace rotagent::tls
