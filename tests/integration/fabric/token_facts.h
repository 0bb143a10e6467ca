// What a SoftHSM2 token says about one of its keys, asked over PKCS#11 directly by the test
// (not through rotctl): how many keys carry the label, their sensitivity and extractability,
// and what the token answers when asked for the key's value or to wrap it out.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <p11-kit/pkcs11.h>

#include <string>

namespace rotagent::testing {

struct KeyFacts {
  int keys = 0;
  bool sensitive = false, extractable = true, never_extractable = false;
  CK_RV value_rv = CKR_OK;  // asking for CKA_VALUE
  CK_RV wrap_rv = CKR_OK;   // secret keys: wrapping it with a fresh AES key (CKM_AES_KEY_WRAP)
};

inline KeyFacts AskToken(const char* module, const std::string& pin, CK_OBJECT_CLASS cls,
                         const std::string& label) {
  KeyFacts facts;
  void* lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return facts;
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
  CK_FUNCTION_LIST_PTR f = nullptr;
  get(&f);
  f->C_Initialize(nullptr);
  CK_SLOT_ID slots[8];
  CK_ULONG n = 8;
  f->C_GetSlotList(CK_TRUE, slots, &n);
  for (CK_ULONG i = 0; i < n; ++i) {
    CK_TOKEN_INFO info;
    f->C_GetTokenInfo(slots[i], &info);
    if (std::string(reinterpret_cast<char*>(info.label), 7) != "rotctl ") continue;
    CK_SESSION_HANDLE s;
    f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, nullptr, nullptr, &s);
    std::string p = pin;
    f->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
    f->C_FindObjectsInit(s, tmpl, 2);
    CK_OBJECT_HANDLE keys[4];
    CK_ULONG found = 0;
    f->C_FindObjects(s, keys, 4, &found);
    f->C_FindObjectsFinal(s);
    facts.keys = static_cast<int>(found);
    if (found == 1) {
      CK_BBOOL sens = CK_FALSE, ext = CK_TRUE, never = CK_FALSE;
      CK_ATTRIBUTE a[] = {{CKA_SENSITIVE, &sens, sizeof sens},
                          {CKA_EXTRACTABLE, &ext, sizeof ext},
                          {CKA_NEVER_EXTRACTABLE, &never, sizeof never}};
      f->C_GetAttributeValue(s, keys[0], a, 3);
      facts.sensitive = sens == CK_TRUE;
      facts.extractable = ext == CK_TRUE;
      facts.never_extractable = never == CK_TRUE;
      CK_BYTE value[256];
      CK_ATTRIBUTE v{CKA_VALUE, value, sizeof value};
      facts.value_rv = f->C_GetAttributeValue(s, keys[0], &v, 1);
      if (cls == CKO_SECRET_KEY) {
        // A session key allowed to wrap: the token must still refuse to wrap the key out.
        CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
        CK_ULONG len = 32;
        CK_ATTRIBUTE wt[] = {{CKA_TOKEN, &no, sizeof no},
                             {CKA_WRAP, &yes, sizeof yes},
                             {CKA_VALUE_LEN, &len, sizeof len}};
        CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
        CK_OBJECT_HANDLE wrapping = 0;
        facts.wrap_rv = f->C_GenerateKey(s, &gen, wt, 3, &wrapping);
        if (facts.wrap_rv == CKR_OK) {
          CK_MECHANISM wrap{CKM_AES_KEY_WRAP, nullptr, 0};
          CK_BYTE out[256];
          CK_ULONG out_len = sizeof out;
          facts.wrap_rv = f->C_WrapKey(s, &wrap, wrapping, keys[0], out, &out_len);
        }
      }
    }
    f->C_CloseSession(s);
  }
  f->C_Finalize(nullptr);
  dlclose(lib);
  return facts;
}

// Exactly one key carries the label, and the token keeps it: sensitive, never extractable, its
// value refused.
inline void ExpectKeptInToken(const KeyFacts& facts) {
  EXPECT_EQ(facts.keys, 1);
  EXPECT_TRUE(facts.sensitive);
  EXPECT_FALSE(facts.extractable);
  EXPECT_TRUE(facts.never_extractable);
  EXPECT_EQ(facts.value_rv, static_cast<CK_RV>(CKR_ATTRIBUTE_SENSITIVE));
}

}  // namespace rotagent::testing
