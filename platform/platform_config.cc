#include "platform/platform_config.h"

#include <set>

#include "common/yaml_reader.h"
#include "platform/registry.h"

namespace rotagent::platform {
namespace {

void ParseSsh(const Reader& r, const YAML::Node& n, SshConfig& s) {
  r.AllowKeys(n, "platform.ssh",
              {"address", "authorized_keys_file", "authorized_principals_file", "managed_dir",
               "config_fragment", "check_command", "pid_file", "host_public_keys",
               "hiba_check_command", "probe_timeout", "auth_log"});
  s.address = r.Str(At(n, "address"), "platform.ssh.address", s.address);
  s.authorized_keys_file = r.Str(At(n, "authorized_keys_file"), "platform.ssh.authorized_keys_file",
                                 s.authorized_keys_file);
  s.authorized_principals_file =
      r.Str(At(n, "authorized_principals_file"), "platform.ssh.authorized_principals_file",
            s.authorized_principals_file);
  s.managed_dir = r.Str(At(n, "managed_dir"), "platform.ssh.managed_dir", s.managed_dir.string());
  s.config_fragment =
      r.Str(At(n, "config_fragment"), "platform.ssh.config_fragment", s.config_fragment.string());
  if (At(n, "check_command").IsDefined()) {
    s.check_command = r.List(At(n, "check_command"), "platform.ssh.check_command");
  }
  s.pid_file = r.Str(At(n, "pid_file"), "platform.ssh.pid_file", s.pid_file.string());
  if (At(n, "host_public_keys").IsDefined()) {
    s.host_public_keys.clear();
    for (const auto& p : r.List(At(n, "host_public_keys"), "platform.ssh.host_public_keys")) {
      s.host_public_keys.emplace_back(p);
    }
  }
  s.hiba_check_command = r.Str(At(n, "hiba_check_command"), "platform.ssh.hiba_check_command", "");
  s.probe_timeout_seconds = r.Int(At(n, "probe_timeout"), "platform.ssh.probe_timeout", 10, 1, 300);
  s.auth_log = r.Str(At(n, "auth_log"), "platform.ssh.auth_log", "");
  if (!s.auth_log.empty() && !s.auth_log.is_absolute()) {
    r.Fail(At(n, "auth_log"), "platform.ssh.auth_log", "must be an absolute path");
  }
}

}  // namespace

void ParsePlatformSection(const Reader& r, const YAML::Node& pf, const ParseContext& context,
                          PlatformConfig& out) {
  const std::vector<std::string> kinds = KindNames();
  std::set<std::string> keys = {"kind", "hook_timeout", "ssh"};
  for (const auto& name : kinds) {
    if (FindKind(name)->parse) keys.insert(name);
  }
  r.AllowKeys(pf, "platform", keys);
  out.kind = r.Str(At(pf, "kind"), "platform.kind", out.kind);
  if (FindKind(out.kind) == nullptr)
    r.Fail(At(pf, "kind"), "platform.kind", "must be " + KindNamesText());
  out.hook_timeout_seconds = r.Int(At(pf, "hook_timeout"), "platform.hook_timeout", 30, 1, 3600);
  ParseSsh(r, At(pf, "ssh"), out.ssh);
  for (const auto& name : kinds) {
    const PlatformKind* kind = FindKind(name);
    if (!kind->parse) continue;
    ParseContext c = context;
    c.selected = name == out.kind;
    out.options[name] = kind->parse(r, At(pf, name.c_str()), c);
  }
}

std::string ParseLoginProof(const Reader& r, const YAML::Node& n, const std::string& key) {
  std::string proof = r.Str(At(n, "login_proof"), key, "ssh");
  if (proof != "ssh" && proof != "readback") {
    r.Fail(At(n, "login_proof"), key, "must be ssh or readback");
  }
  return proof;
}

}  // namespace rotagent::platform
