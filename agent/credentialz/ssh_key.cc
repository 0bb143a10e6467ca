#include "agent/credentialz/ssh_key.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <optional>

#include "common/text_field.h"

namespace rotagent::credentialz {
namespace {

bool IsBase64(const std::string& s) {
  return !s.empty() && s.size() % 4 == 0 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
}

std::string Trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::optional<std::string> Base64Decode(const std::string& s) {
  if (!IsBase64(s)) return std::nullopt;
  std::string out(s.size() / 4 * 3, '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  size_t pad = std::count(s.end() - 2, s.end(), '=');
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string Base64Encode(const std::string& s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Reads one SSH wire-format string (uint32 length, bytes).
bool ReadString(const std::string& blob, size_t& pos, std::string& out) {
  if (blob.size() - pos < 4) return false;
  uint32_t len = 0;
  for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(blob[pos + i]);
  pos += 4;
  if (blob.size() - pos < len) return false;
  out = blob.substr(pos, len);
  pos += len;
  return true;
}

int MpintBits(const std::string& m) {
  size_t i = 0;
  while (i < m.size() && m[i] == 0) ++i;
  if (i == m.size()) return 0;
  int bits = static_cast<int>(m.size() - i - 1) * 8;
  for (auto c = static_cast<unsigned char>(m[i]); c != 0; c >>= 1) ++bits;
  return bits;
}

const std::map<std::string, std::string>& Curves() {
  static const std::map<std::string, std::string> m = {{"ecdsa-sha2-nistp256", "nistp256"},
                                                       {"ecdsa-sha2-nistp384", "nistp384"},
                                                       {"ecdsa-sha2-nistp521", "nistp521"}};
  return m;
}

// Interprets a decoded wire blob; nullopt if it is not one.
std::optional<PublicKey> FromBlob(const std::string& blob) {
  size_t pos = 0;
  std::string type;
  if (!ReadString(blob, pos, type)) return std::nullopt;
  PublicKey k{type, Base64Encode(blob), 0};
  std::string a, b;
  if (type == "ssh-ed25519") {
    if (!ReadString(blob, pos, a) || a.size() != 32) return std::nullopt;
  } else if (type == "ssh-rsa") {
    if (!ReadString(blob, pos, a) || !ReadString(blob, pos, b)) return std::nullopt;
    k.rsa_bits = MpintBits(b);
  } else if (auto c = Curves().find(type); c != Curves().end()) {
    if (!ReadString(blob, pos, a) || a != c->second || !ReadString(blob, pos, b)) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (pos != blob.size()) return std::nullopt;
  return k;
}

std::optional<PublicKey> FromText(const std::string& text) {
  std::string t = Trim(text);
  // A full line: "<type> <base64> [comment]"; its first word must name the blob's type.
  auto space = t.find_first_of(" \t");
  if (space != std::string::npos) {
    std::string type = t.substr(0, space);
    std::string rest = Trim(t.substr(space));
    std::string b64 = rest.substr(0, rest.find_first_of(" \t"));
    auto blob = Base64Decode(b64);
    if (!blob) return std::nullopt;
    auto k = FromBlob(*blob);
    if (!k || k->algorithm != type) return std::nullopt;
    return k;
  }
  auto blob = Base64Decode(t);
  if (!blob) return std::nullopt;
  return FromBlob(*blob);
}

struct OptionSpec {
  bool valued;
};
const std::map<std::string, OptionSpec>& KnownOptions() {
  static const std::map<std::string, OptionSpec> m = {{"agent-forwarding", {false}},
                                                      {"cert-authority", {false}},
                                                      {"command", {true}},
                                                      {"environment", {true}},
                                                      {"expiry-time", {true}},
                                                      {"from", {true}},
                                                      {"no-agent-forwarding", {false}},
                                                      {"no-port-forwarding", {false}},
                                                      {"no-pty", {false}},
                                                      {"no-user-rc", {false}},
                                                      {"no-x11-forwarding", {false}},
                                                      {"permitlisten", {true}},
                                                      {"permitopen", {true}},
                                                      {"port-forwarding", {false}},
                                                      {"principals", {true}},
                                                      {"pty", {false}},
                                                      {"no-touch-required", {false}},
                                                      {"verify-required", {false}},
                                                      {"restrict", {false}},
                                                      {"tunnel", {true}},
                                                      {"user-rc", {false}},
                                                      {"x11-forwarding", {false}}};
  return m;
}

int KeyFieldCount(const std::string& algorithm) {
  if (algorithm == "ssh-ed25519") return 1;
  if (algorithm == "ssh-rsa" || Curves().count(algorithm) != 0) return 2;
  return 0;
}

std::string WireString(const std::string& s) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((s.size() >> (24 - 8 * i)) & 0xff);
  return out + s;
}

}  // namespace

Result<SshCertificate> ParseCertificate(const std::string& text, const std::string& what) {
  const std::string t = Trim(text);
  const auto space = t.find_first_of(" \t");
  const std::string suffix = "-cert-v01@openssh.com";
  const std::string type = t.substr(0, space);
  auto bad = [&] { return InvalidArgument(what + " is not an OpenSSH certificate line"); };
  if (space == std::string::npos || type.size() <= suffix.size() ||
      type.compare(type.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return bad();
  }
  const std::string rest = Trim(t.substr(space));
  const std::string b64 = rest.substr(0, rest.find_first_of(" \t"));
  auto blob = Base64Decode(b64);
  if (!blob) return bad();
  // Certificate layout: type, nonce, the key's own fields, serial (uint64), type (uint32), ...
  size_t pos = 0;
  std::string field;
  if (!ReadString(*blob, pos, field) || field != type || !ReadString(*blob, pos, field)) {
    return bad();
  }
  const std::string algorithm = type.substr(0, type.size() - suffix.size());
  std::string plain = WireString(algorithm);
  for (int i = 0, n = KeyFieldCount(algorithm); i < n; ++i) {
    if (!ReadString(*blob, pos, field)) return bad();
    plain += WireString(field);
  }
  if (KeyFieldCount(algorithm) == 0 || blob->size() - pos < 12) return bad();
  auto key = FromBlob(plain);
  if (!key) return bad();
  const auto cert_type = static_cast<unsigned char>((*blob)[pos + 11]);
  return SshCertificate{*key, cert_type == 2, type + " " + b64};
}

const char* KeyKindName(KeyKind k) {
  switch (k) {
    case KeyKind::kEcdsaP256:
      return "ECDSA P-256";
    case KeyKind::kEcdsaP384:
      return "ECDSA P-384";
    case KeyKind::kEcdsaP521:
      return "ECDSA P-521";
    case KeyKind::kEd25519:
      return "Ed25519";
    case KeyKind::kRsa2048:
      return "RSA 2048";
    case KeyKind::kRsa3072:
      return "RSA 3072";
    case KeyKind::kRsa4096:
      return "RSA 4096";
  }
  return "?";
}

Result<PublicKey> ParsePublicKey(const std::string& bytes, const std::string& what) {
  if (bytes.empty()) return InvalidArgument(what + " is empty");
  if (bytes.size() > 16384) return InvalidArgument(what + " is longer than 16384 bytes");
  if (auto k = FromBlob(bytes)) return *k;
  if (auto k = FromText(bytes)) return *k;
  // Double-encoded: base64 of a line or of the base64 blob.
  if (auto inner = Base64Decode(Trim(bytes))) {
    if (auto k = FromText(*inner)) return *k;
  }
  return InvalidArgument(what +
                         " is not an OpenSSH public key (expected the base64 key, a full "
                         "'type base64 [comment]' line, or either base64-encoded)");
}

Status CheckKind(const PublicKey& key, KeyKind kind, const std::string& what) {
  auto mismatch = [&] {
    return InvalidArgument(what + " is " + key.algorithm +
                           (key.rsa_bits ? " (" + std::to_string(key.rsa_bits) + " bits)" : "") +
                           " but key_type says " + KeyKindName(kind));
  };
  switch (kind) {
    case KeyKind::kEd25519:
      return key.algorithm == "ssh-ed25519" ? Status::Ok() : mismatch();
    case KeyKind::kEcdsaP256:
      return key.algorithm == "ecdsa-sha2-nistp256" ? Status::Ok() : mismatch();
    case KeyKind::kEcdsaP384:
      return key.algorithm == "ecdsa-sha2-nistp384" ? Status::Ok() : mismatch();
    case KeyKind::kEcdsaP521:
      return key.algorithm == "ecdsa-sha2-nistp521" ? Status::Ok() : mismatch();
    case KeyKind::kRsa2048:
    case KeyKind::kRsa3072:
    case KeyKind::kRsa4096: {
      const int want = kind == KeyKind::kRsa2048 ? 2048 : kind == KeyKind::kRsa3072 ? 3072 : 4096;
      return key.algorithm == "ssh-rsa" && key.rsa_bits == want ? Status::Ok() : mismatch();
    }
  }
  return mismatch();
}

Result<std::string> RenderOptions(const std::vector<KeyOption>& options, const std::string& what) {
  std::string out;
  for (const auto& o : options) {
    auto spec = KnownOptions().find(o.name);
    if (spec == KnownOptions().end()) {
      return InvalidArgument(what + ": unknown option '" + o.name + "'");
    }
    if (!out.empty()) out += ',';
    if (!spec->second.valued) {
      if (!o.value.empty()) {
        return InvalidArgument(what + ": option '" + o.name + "' takes no value");
      }
      out += o.name;
      continue;
    }
    if (o.value.empty()) return InvalidArgument(what + ": option '" + o.name + "' needs a value");
    // OpenSSH unescapes only \" inside a quoted value, so a '\' cannot be written faithfully
    // (a trailing one swallows the closing quote); '"' and control characters are refused too.
    if (HasControlCharacter(o.value) || o.value.find_first_of("\"\\") != std::string::npos) {
      return InvalidArgument(what + ": option '" + o.name +
                             "' value holds a '\"', a '\\' or a control character");
    }
    out += o.name + "=\"" + o.value + '"';
  }
  return out;
}

Result<std::string> RenderAuthorizedKeys(const std::vector<AuthorizedKey>& keys,
                                         const std::string& account) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string what =
        "authorized key " + std::to_string(i + 1) + " of account '" + account + "'";
    auto options = RenderOptions(keys[i].options, what);
    if (!options.ok()) return options.status();
    // A '"' could close a quote an option left open; a newline would start a line of its own.
    if (HasControlCharacter(keys[i].description) ||
        keys[i].description.find('"') != std::string::npos) {
      return InvalidArgument(what + ": description holds a '\"' or a control character");
    }
    if (!options->empty()) out += *options + " ";
    out += keys[i].key.Line();
    if (!keys[i].description.empty()) out += " " + keys[i].description;
    out += "\n";
  }
  return out;
}

Result<std::string> RenderPrincipals(const std::vector<Principal>& principals,
                                     const std::string& account) {
  std::string out;
  for (size_t i = 0; i < principals.size(); ++i) {
    const std::string what =
        "authorized principal " + std::to_string(i + 1) + " of account '" + account + "'";
    const std::string& name = principals[i].name;
    if (name.empty()) return InvalidArgument(what + " is empty");
    if (HasControlCharacter(name) || name.find_first_of(" \t#\"") != std::string::npos) {
      return InvalidArgument(what + " holds whitespace, '#', '\"' or a control character");
    }
    auto options = RenderOptions(principals[i].options, what);
    if (!options.ok()) return options.status();
    if (!options->empty()) out += *options + " ";
    out += name + "\n";
  }
  return out;
}

}  // namespace rotagent::credentialz
