#include "ctl/pki_config.h"

namespace rotagent::ctl {
namespace {

SignerConfig ParseSigner(const Reader& r, const YAML::Node& n) {
  SignerConfig s;
  if (!n.IsDefined() || n.IsNull()) return s;
  r.AllowKeys(n, "signer",
              {"type", "module", "token_label", "key_label", "pin_file", "pin_env", "command",
               "roots", "timeout_seconds"});
  s.type = r.Str(At(n, "type"), "signer.type", s.type);
  const auto only_for = [&](const char* key, const std::string& type) {
    if (At(n, key).IsDefined() && s.type != type) {
      r.Fail(At(n, key), std::string("signer.") + key, "only applies to signer type " + type);
    }
  };
  for (const char* k : {"module", "token_label", "key_label", "pin_file", "pin_env"}) {
    only_for(k, "pkcs11");
  }
  for (const char* k : {"command", "roots", "timeout_seconds"}) only_for(k, "command");
  if (s.type == "pkcs11") {
    s.module = r.Required(n, "module", "signer.module");
    s.token_label = r.Required(n, "token_label", "signer.token_label");
    s.key_label = r.Str(At(n, "key_label"), "signer.key_label", s.key_label);
    s.pin_file = r.Str(At(n, "pin_file"), "signer.pin_file", "");
    s.pin_env = r.Str(At(n, "pin_env"), "signer.pin_env", "");
    // The PIN is never on a command line or in the inventory itself.
    if (s.pin_file.empty() == s.pin_env.empty()) {
      r.Fail(n, "signer", "a pkcs11 signer needs exactly one of pin_file and pin_env");
    }
  } else if (s.type == "command") {
    s.command = r.List(At(n, "command"), "signer.command");
    if (s.command.empty() || s.command[0].empty() || s.command[0][0] != '/') {
      r.Fail(At(n, "command"), "signer.command",
             "expected a list whose first element is an absolute program path (no shell)");
    }
    s.roots = r.Required(n, "roots", "signer.roots");
    // The device's rotation stream waits while the command runs: rotctl gives a stream 60 s and
    // agents end one silent for idle_timeout (60 s by default).
    s.timeout_seconds =
        r.Int(At(n, "timeout_seconds"), "signer.timeout_seconds", s.timeout_seconds, 1, 50);
  } else if (s.type != "file") {
    r.Fail(At(n, "type"), "signer.type", "must be file, pkcs11 or command");
  }
  return s;
}

SecretsConfig ParseSecrets(const Reader& r, const YAML::Node& n) {
  SecretsConfig s;
  if (!n.IsDefined() || n.IsNull()) return s;
  r.AllowKeys(n, "secrets",
              {"kek", "kek_file", "keep_older", "module", "token_label", "key_label", "pin_file",
               "pin_env"});
  s.kek = r.Str(At(n, "kek"), "secrets.kek", s.kek);
  if (s.kek != "file" && s.kek != "pkcs11") {
    r.Fail(At(n, "kek"), "secrets.kek", "must be file or pkcs11");
  }
  const auto only_for = [&](const char* key, const std::string& kek) {
    if (At(n, key).IsDefined() && s.kek != kek) {
      r.Fail(At(n, key), std::string("secrets.") + key, "only applies to secrets.kek " + kek);
    }
  };
  for (const char* k : {"module", "token_label", "key_label", "pin_file", "pin_env"}) {
    only_for(k, "pkcs11");
  }
  s.keep_older = r.Int(At(n, "keep_older"), "secrets.keep_older", s.keep_older, 0, 1000);
  // Under pkcs11 the file still opens versions sealed before the store moved to the token.
  s.kek_file = r.Str(At(n, "kek_file"), "secrets.kek_file", "");
  if (s.kek == "pkcs11") {
    s.module = r.Required(n, "module", "secrets.module");
    s.token_label = r.Required(n, "token_label", "secrets.token_label");
    s.key_label = r.Str(At(n, "key_label"), "secrets.key_label", s.key_label);
    if (s.key_label.empty()) r.Fail(At(n, "key_label"), "secrets.key_label", "must not be empty");
    s.pin_file = r.Str(At(n, "pin_file"), "secrets.pin_file", "");
    s.pin_env = r.Str(At(n, "pin_env"), "secrets.pin_env", "");
    // The PIN is never on a command line or in the inventory itself.
    if (s.pin_file.empty() == s.pin_env.empty()) {
      r.Fail(n, "secrets", "a pkcs11 key-encryption key needs exactly one of pin_file and pin_env");
    }
  }
  return s;
}

}  // namespace

PkiConfig ParsePkiConfig(const Reader& r, const YAML::Node& root) {
  PkiConfig c;
  c.signer = ParseSigner(r, At(root, "signer"));
  c.secrets = ParseSecrets(r, At(root, "secrets"));
  if (const YAML::Node a = At(root, "archive"); a.IsDefined() && !a.IsNull()) {
    r.AllowKeys(a, "archive", {"keep_versions"});
    c.archive.keep_versions =
        r.Int(At(a, "keep_versions"), "archive.keep_versions", c.archive.keep_versions, 1, 100000);
  }
  return c;
}

void ResolvePkiPaths(PkiConfig& c, const std::filesystem::path& base,
                     const std::filesystem::path& state_dir) {
  if (c.secrets.kek_file.empty()) c.secrets.kek_file = state_dir / "secrets.kek";
  for (auto* p : {&c.signer.module, &c.signer.pin_file, &c.signer.roots, &c.secrets.kek_file,
                  &c.secrets.module, &c.secrets.pin_file}) {
    if (!p->empty() && p->is_relative()) *p = base / *p;
  }
}

}  // namespace rotagent::ctl
