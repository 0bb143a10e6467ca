#include "agent/credentialz/slots.h"

#include <sstream>

namespace rotagent::credentialz {
namespace {

constexpr const char* kAuthMethods = "auth_methods";
constexpr const char* kPrincipalCheck = "principal_check";

std::optional<std::string> Opt(const store::Slot& s, const std::string& name) {
  const std::string* f = s.File(name);
  return f ? std::optional<std::string>(*f) : std::nullopt;
}

void Put(store::Slot& s, const std::string& name, const std::optional<std::string>& v) {
  if (v) {
    s.files[name] = *v;
  } else {
    s.files.erase(name);
  }
}

std::string HostKeyFile(size_t i) { return "host_key." + std::to_string(i); }

}  // namespace

platform::AccountState AccountFromSlot(const store::Slot& s) {
  return {Opt(s, kPassword), Opt(s, kAuthorizedKeys), Opt(s, kAuthorizedPrincipals)};
}

void AccountToSlot(const platform::AccountState& state, store::Slot& s) {
  Put(s, kPassword, state.password_hash);
  Put(s, kAuthorizedKeys, state.authorized_keys);
  Put(s, kAuthorizedPrincipals, state.authorized_principals);
}

platform::SshHostState HostFromSlot(const store::Slot& s) {
  platform::SshHostState h;
  h.trusted_user_ca_keys = Opt(s, kCaKeys);
  for (size_t i = 0;; ++i) {
    const std::string* priv = s.File(HostKeyFile(i));
    if (priv == nullptr) break;
    h.host_keys.push_back({Secret(std::string(*priv)), Opt(s, HostKeyFile(i) + ".pub").value_or(""),
                           Opt(s, HostKeyFile(i) + "-cert.pub").value_or("")});
  }
  if (auto m = Opt(s, kAuthMethods)) {
    std::vector<std::string> methods;
    std::istringstream in(*m);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) methods.push_back(line);
    }
    h.auth_methods = methods;
  }
  h.principal_check = Opt(s, kPrincipalCheck);
  return h;
}

void HostToSlot(const platform::SshHostState& h, store::Slot& s) {
  for (auto it = s.files.begin(); it != s.files.end();) {
    it = it->first.rfind("host_key.", 0) == 0 ? s.files.erase(it) : std::next(it);
  }
  Put(s, kCaKeys, h.trusted_user_ca_keys);
  for (size_t i = 0; i < h.host_keys.size(); ++i) {
    s.files[HostKeyFile(i)] = h.host_keys[i].private_key.reveal();
    s.files[HostKeyFile(i) + ".pub"] = h.host_keys[i].public_key;
    if (!h.host_keys[i].certificate.empty()) {
      s.files[HostKeyFile(i) + "-cert.pub"] = h.host_keys[i].certificate;
    }
  }
  std::optional<std::string> methods;
  if (h.auth_methods) {
    methods = "";
    for (const auto& m : *h.auth_methods) *methods += m + "\n";
  }
  Put(s, kAuthMethods, methods);
  Put(s, kPrincipalCheck, h.principal_check);
}

}  // namespace rotagent::credentialz
