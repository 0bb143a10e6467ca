// rotctl's PKI settings in the inventory: which signer issues device certificates, where the
// secret store's key-encryption key lives, and how much the archive and the store keep.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/yaml_reader.h"

namespace rotagent::ctl {

struct SignerConfig {
  std::string type = "file";  // file | pkcs11 | command
  // pkcs11: the CA key stays in the token; the PIN comes from a file or the environment.
  std::filesystem::path module;
  std::string token_label, key_label = "rotctl-ca";
  std::filesystem::path pin_file;
  std::string pin_env;
  // command: an external CA reading a CSR on stdin and writing the chain on stdout.
  std::vector<std::string> command;
  std::filesystem::path roots;  // what the external CA's chains must verify to
  int timeout_seconds = 30;
};

struct SecretsConfig {
  std::string kek = "file";        // file | pkcs11: where the key-encryption key lives
  std::filesystem::path kek_file;  // default <state_dir>/secrets.kek
  int keep_older = 2;              // versions kept beyond those a device may still hold
  // pkcs11: an AES-256 key in the token, never extractable; the PIN from a file or the
  // environment, as for the signer.
  std::filesystem::path module;
  std::string token_label, key_label = "rotctl-secrets-kek";
  std::filesystem::path pin_file;
  std::string pin_env;
};

struct ArchiveConfig {
  int keep_versions = 10;  // per device and profile
};

struct PkiConfig {
  SignerConfig signer;
  SecretsConfig secrets;
  ArchiveConfig archive;
};

// The inventory's top-level keys this parses.
inline const char* const kPkiKeys[] = {"signer", "secrets", "archive"};

// Throws YamlError naming the file, line and key.
PkiConfig ParsePkiConfig(const Reader& r, const YAML::Node& root);
// Relative paths are relative to the inventory's directory; defaults hang off state_dir.
void ResolvePkiPaths(PkiConfig& c, const std::filesystem::path& base,
                     const std::filesystem::path& state_dir);

}  // namespace rotagent::ctl
