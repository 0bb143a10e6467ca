#include "agent/credentialz/credentialz_translate.h"

#include <map>

#include "common/ossl.h"

namespace rotagent::credentialz {
namespace {

Result<KeyKind> KindFromProto(pb::KeyType t, const std::string& what) {
  switch (t) {
    case pb::KEY_TYPE_ECDSA_P_256:
      return KeyKind::kEcdsaP256;
    case pb::KEY_TYPE_ECDSA_P_384:
      return KeyKind::kEcdsaP384;
    case pb::KEY_TYPE_ECDSA_P_521:
      return KeyKind::kEcdsaP521;
    case pb::KEY_TYPE_ED25519:
      return KeyKind::kEd25519;
    case pb::KEY_TYPE_RSA_2048:
      return KeyKind::kRsa2048;
    case pb::KEY_TYPE_RSA_3072:
      return KeyKind::kRsa3072;
    case pb::KEY_TYPE_RSA_4096:
      return KeyKind::kRsa4096;
    default:
      return InvalidArgument(what + ": key_type is unspecified or unknown");
  }
}

const char* StandardOptionName(pb::Option::StandardOption id) {
  static const std::map<int, const char*> names = {
      {pb::Option::STANDARD_OPTION_AGENT_FORWARDING, "agent-forwarding"},
      {pb::Option::STANDARD_OPTION_CERT_AUTHORITY, "cert-authority"},
      {pb::Option::STANDARD_OPTION_COMMAND, "command"},
      {pb::Option::STANDARD_OPTION_ENVIRONMENT, "environment"},
      {pb::Option::STANDARD_OPTION_EXPIRY_TIME, "expiry-time"},
      {pb::Option::STANDARD_OPTION_FROM, "from"},
      {pb::Option::STANDARD_OPTION_NO_AGENT_FORWARDING, "no-agent-forwarding"},
      {pb::Option::STANDARD_OPTION_NO_PORT_FORWARDING, "no-port-forwarding"},
      {pb::Option::STANDARD_OPTION_NO_PTY, "no-pty"},
      {pb::Option::STANDARD_OPTION_NO_USER_RC, "no-user-rc"},
      {pb::Option::STANDARD_OPTION_NO_X11_FORWARDING, "no-x11-forwarding"},
      {pb::Option::STANDARD_OPTION_PERMITLISTEN, "permitlisten"},
      {pb::Option::STANDARD_OPTION_PERMITOPEN, "permitopen"},
      {pb::Option::STANDARD_OPTION_PORT_FORWARDING, "port-forwarding"},
      {pb::Option::STANDARD_OPTION_PRINCIPALS, "principals"},
      {pb::Option::STANDARD_OPTION_PTY, "pty"},
      {pb::Option::STANDARD_OPTION_NO_TOUCH_REQUIRED, "no-touch-required"},
      {pb::Option::STANDARD_OPTION_VERIFY_REQUIRED, "verify-required"},
      {pb::Option::STANDARD_OPTION_RESTRICT, "restrict"},
      {pb::Option::STANDARD_OPTION_TUNNEL, "tunnel"},
      {pb::Option::STANDARD_OPTION_USER_RC, "user-rc"},
      {pb::Option::STANDARD_OPTION_X11_FORWARDING, "x11-forwarding"}};
  auto it = names.find(id);
  return it == names.end() ? nullptr : it->second;
}

Result<std::vector<KeyOption>> OptionsFromProto(
    const google::protobuf::RepeatedPtrField<pb::Option>& in, const std::string& what) {
  std::vector<KeyOption> out;
  for (const auto& o : in) {
    KeyOption k{o.name(), o.value()};
    if (o.key_case() == pb::Option::kId) {
      const char* name = StandardOptionName(o.id());
      if (name == nullptr)
        return InvalidArgument(what + ": unknown standard option id " + std::to_string(o.id()));
      k.name = name;
    } else if (o.key_case() != pb::Option::kName) {
      return InvalidArgument(what + ": an option has neither name nor id");
    }
    out.push_back(std::move(k));
  }
  return out;
}

store::EntityMeta Meta(const std::string& version, uint64_t created_on) {
  return {version, created_on, 0};
}

}  // namespace

Result<std::vector<PasswordUpdate>> PasswordsFromProto(pb::PasswordRequest& req) {
  std::vector<PasswordUpdate> out;
  Status bad;
  for (auto& a : *req.mutable_accounts()) {
    PasswordUpdate u;
    u.account = a.account();
    u.meta = Meta(a.version(), a.created_on());
    auto* pw = a.mutable_password();
    if (pw->value_case() == pb::PasswordRequest::Password::kPlaintext) {
      u.plaintext = true;
      u.secret = Secret(std::move(*pw->mutable_plaintext()));  // cleanses the request's copy
    } else if (pw->value_case() == pb::PasswordRequest::Password::kCryptoHash) {
      u.secret = Secret(std::string(pw->crypto_hash().hash_value()));
      switch (pw->crypto_hash().hash_type()) {
        case pb::PasswordRequest::CryptoHash::HASH_TYPE_CRYPT_MD5:
          u.kind = HashKind::kMd5;
          break;
        case pb::PasswordRequest::CryptoHash::HASH_TYPE_CRYPT_SHA_2_512:
          u.kind = HashKind::kSha512;
          break;
        case pb::PasswordRequest::CryptoHash::HASH_TYPE_UNSPECIFIED:
          u.kind = HashKind::kAny;
          break;
        default:
          if (bad.ok()) bad = InvalidArgument("account '" + u.account + "': unknown hash_type");
      }
    } else if (bad.ok()) {
      bad = InvalidArgument("account '" + u.account +
                            "': password holds neither plaintext nor crypto_hash");
    }
    out.push_back(std::move(u));
  }
  req.Clear();
  if (!bad.ok()) return bad;  // `out`'s secrets are cleansed as it goes
  return out;
}

Result<std::vector<KeysUpdate>> KeysFromProto(const pb::AuthorizedKeysRequest& req) {
  std::vector<KeysUpdate> out;
  for (const auto& c : req.credentials()) {
    KeysUpdate u{c.account(), {}, Meta(c.version(), c.created_on())};
    for (int i = 0; i < c.authorized_keys_size(); ++i) {
      const auto& k = c.authorized_keys(i);
      const std::string what =
          "authorized key " + std::to_string(i + 1) + " of account '" + c.account() + "'";
      auto key = ParsePublicKey(k.authorized_key(), what);
      if (!key.ok()) return key.status();
      auto kind = KindFromProto(k.key_type(), what);
      if (!kind.ok()) return kind.status();
      ROTAGENT_RETURN_IF_ERROR(CheckKind(*key, *kind, what));
      auto options = OptionsFromProto(k.options(), what);
      if (!options.ok()) return options.status();
      u.keys.push_back({*key, std::move(*options), k.description()});
    }
    out.push_back(std::move(u));
  }
  return out;
}

Result<std::vector<PrincipalsUpdate>> PrincipalsFromProto(const pb::AuthorizedUsersRequest& req) {
  std::vector<PrincipalsUpdate> out;
  for (const auto& p : req.policies()) {
    PrincipalsUpdate u{p.account(), {}, Meta(p.version(), p.created_on())};
    const auto& list = p.authorized_principals().authorized_principals();
    for (int i = 0; i < list.size(); ++i) {
      const std::string what =
          "authorized principal " + std::to_string(i + 1) + " of account '" + p.account() + "'";
      auto options = OptionsFromProto(list[i].options(), what);
      if (!options.ok()) return options.status();
      u.principals.push_back({list[i].authorized_user(), std::move(*options)});
    }
    out.push_back(std::move(u));
  }
  return out;
}

Result<std::vector<PublicKey>> CaKeysFromProto(const pb::CaPublicKeyRequest& req) {
  std::vector<PublicKey> out;
  for (int i = 0; i < req.ssh_ca_public_keys_size(); ++i) {
    const auto& k = req.ssh_ca_public_keys(i);
    const std::string what = "ssh_ca_public_keys[" + std::to_string(i) + "]";
    auto key = ParsePublicKey(k.public_key(), what);
    if (!key.ok()) return key.status();
    auto kind = KindFromProto(k.key_type(), what);
    if (!kind.ok()) return kind.status();
    ROTAGENT_RETURN_IF_ERROR(CheckKind(*key, *kind, what));
    out.push_back(std::move(*key));
  }
  return out;
}

std::vector<HostKeyUpload> ServerKeysFromProto(pb::ServerKeysRequest& req) {
  std::vector<HostKeyUpload> out;
  for (auto& a : *req.mutable_auth_artifacts()) {
    out.push_back({Secret(std::move(*a.mutable_private_key())), a.certificate()});
  }
  req.Clear();
  return out;
}

Result<KeyKind> KeyGenFromProto(pb::KeyGen g) {
  switch (g) {
    case pb::KEY_GEN_SSH_KEY_TYPE_RSA_2048:
      return KeyKind::kRsa2048;
    case pb::KEY_GEN_SSH_KEY_TYPE_RSA_3072:
      return KeyKind::kRsa3072;
    case pb::KEY_GEN_SSH_KEY_TYPE_RSA_4096:
      return KeyKind::kRsa4096;
    case pb::KEY_GEN_SSH_KEY_TYPE_ECDSA_P_256:
      return KeyKind::kEcdsaP256;
    case pb::KEY_GEN_SSH_KEY_TYPE_ECDSA_P_384:
      return KeyKind::kEcdsaP384;
    case pb::KEY_GEN_SSH_KEY_TYPE_ECDSA_P_521:
      return KeyKind::kEcdsaP521;
    case pb::KEY_GEN_SSH_KEY_TYPE_EDDSA_ED25519:
      return KeyKind::kEd25519;
    default:
      return InvalidArgument("key_params " + std::to_string(g) + " is unspecified or unknown");
  }
}

Result<std::vector<std::string>> AuthMethodsFromProto(const pb::AllowedAuthenticationRequest& req) {
  std::vector<std::string> out;
  for (int t : req.authentication_types()) {
    switch (t) {
      case pb::AUTHENTICATION_TYPE_PASSWORD:
        out.emplace_back("password");
        break;
      case pb::AUTHENTICATION_TYPE_PUBKEY:
        out.emplace_back("publickey");
        break;
      case pb::AUTHENTICATION_TYPE_KBDINTERACTIVE:
        out.emplace_back("keyboard-interactive");
        break;
      default:
        return InvalidArgument("authentication_types holds unspecified or unknown type " +
                               std::to_string(t));
    }
  }
  return out;
}

Result<std::optional<std::string>> ToolFromProto(const pb::AuthorizedPrincipalCheckRequest& req) {
  switch (req.tool()) {
    case pb::AuthorizedPrincipalCheckRequest::TOOL_UNSPECIFIED:
      return std::optional<std::string>();
    case pb::AuthorizedPrincipalCheckRequest::TOOL_HIBA_DEFAULT:
      return std::optional<std::string>("hiba");
    default:
      return InvalidArgument("authorized_principal_check: unknown tool");
  }
}

pb::PublicKey PublicKeyToProto(const std::string& line) {
  pb::PublicKey out;
  out.set_public_key(line);
  auto key = ParsePublicKey(line, "host key");
  if (!key.ok()) return out;
  for (KeyKind k : {KeyKind::kEd25519, KeyKind::kEcdsaP256, KeyKind::kEcdsaP384,
                    KeyKind::kEcdsaP521, KeyKind::kRsa2048, KeyKind::kRsa3072, KeyKind::kRsa4096}) {
    if (!CheckKind(*key, k, "").ok()) continue;
    static const std::map<KeyKind, pb::KeyType> types = {
        {KeyKind::kEd25519, pb::KEY_TYPE_ED25519},
        {KeyKind::kEcdsaP256, pb::KEY_TYPE_ECDSA_P_256},
        {KeyKind::kEcdsaP384, pb::KEY_TYPE_ECDSA_P_384},
        {KeyKind::kEcdsaP521, pb::KEY_TYPE_ECDSA_P_521},
        {KeyKind::kRsa2048, pb::KEY_TYPE_RSA_2048},
        {KeyKind::kRsa3072, pb::KEY_TYPE_RSA_3072},
        {KeyKind::kRsa4096, pb::KEY_TYPE_RSA_4096}};
    out.set_key_type(types.at(k));
  }
  return out;
}

}  // namespace rotagent::credentialz
