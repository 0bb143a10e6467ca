#include "agent/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "agent/authz/methods.h"
#include "agent/state/admin_state.h"
#include "common/atomic_file.h"
#include "common/yaml_reader.h"

namespace rotagent {
namespace {

// The embedded default; kept as YAML so it goes through the same parser as a file.
constexpr const char* kDefaultYaml = R"(
listen: 127.0.0.1:9339
state_dir: ./var/rotagent
identity:
  bootstrap: true
grpc_server:
  ssl_profile: system_default_profile
certz:
  profiles:
    - id: gnsi
      role: server
authorization:
  "/gnsi.certz.v1.Certz/*": ["CN=rotagent-admin"]
  "/gnsi.credentialz.v1.Credentialz/*": ["CN=rotagent-admin"]
  "/gnsi.authz.v1.Authz/*": ["CN=rotagent-admin"]
  "/gnmi.gNMI/*": ["CN=rotagent-admin"]
platform:
  kind: linux
)";

void ParseHashPolicy(const Reader& r, const YAML::Node& n,
                     Config::Credentialz::PasswordHashPolicy& p) {
  const std::string key = "credentialz.password_hash_policy";
  if (!n.IsDefined() || n.IsNull()) return;
  r.AllowKeys(n, key, {"allowed_methods", "max_sha512_rounds", "max_yescrypt_cost"});
  if (At(n, "allowed_methods").IsDefined()) {
    p.allowed_methods = r.List(At(n, "allowed_methods"), key + ".allowed_methods");
    if (p.allowed_methods.empty()) r.Fail(n, key + ".allowed_methods", "lists no method");
    for (const auto& m : p.allowed_methods) {
      if (m != "yescrypt" && m != "sha512crypt" && m != "md5crypt") {
        r.Fail(At(n, "allowed_methods"), key + ".allowed_methods",
               "'" + m + "' is not a method (yescrypt, sha512crypt, md5crypt)");
      }
    }
  }
  // sha512crypt's own bounds are 1000..999999999 rounds; yescrypt's cost 1..11.
  p.max_sha512_rounds =
      r.Int(At(n, "max_sha512_rounds"), key + ".max_sha512_rounds", 1000000, 1000, 999999999);
  p.max_yescrypt_cost = r.Int(At(n, "max_yescrypt_cost"), key + ".max_yescrypt_cost", 8, 1, 11);
}

void ParseCredentialz(const Reader& r, const YAML::Node& cr, Config& c) {
  r.AllowKeys(cr, "credentialz",
              {"confirm_timeout", "idle_timeout", "accounts", "break_glass_accounts",
               "password_hash_policy"});
  ParseHashPolicy(r, At(cr, "password_hash_policy"), c.credentialz.password_hash_policy);
  c.credentialz.confirm_timeout_seconds =
      r.Int(At(cr, "confirm_timeout"), "credentialz.confirm_timeout", 300, 1, 86400);
  c.credentialz.idle_timeout_seconds =
      r.Int(At(cr, "idle_timeout"), "credentialz.idle_timeout", 60, 1, 86400);
  if (At(cr, "break_glass_accounts").IsDefined()) {
    c.credentialz.break_glass_accounts =
        r.List(At(cr, "break_glass_accounts"), "credentialz.break_glass_accounts");
  }
  const YAML::Node list = At(cr, "accounts");
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) r.Fail(list, "credentialz.accounts", "expected a list of accounts");
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node a = list[i];
    const std::string key = "credentialz.accounts[" + std::to_string(i) + "]";
    r.AllowKeys(a, key, {"name", "role"});
    const std::string name = r.Str(At(a, "name"), key + ".name", "");
    if (name.empty()) r.Fail(a, key + ".name", "is required");
    if (c.credentialz.accounts.count(name) != 0) {
      r.Fail(At(a, "name"), key + ".name", "duplicate account '" + name + "'");
    }
    const auto& bg = c.credentialz.break_glass_accounts;
    if (std::find(bg.begin(), bg.end(), name) != bg.end()) {
      r.Fail(At(a, "name"), key + ".name",
             "'" + name + "' is a break-glass account and can never be managed");
    }
    c.credentialz.accounts[name] = r.Str(At(a, "role"), key + ".role", "");
  }
}

void ParseState(const Reader& r, const YAML::Node& n, Config::StateConfig& s) {
  r.AllowKeys(n, "state",
              {"admin_state", "created_on_unit", "check_interval", "expiry_warning_days",
               "expiry_critical_days", "grpc_server_name"});
  s.admin_state = r.Str(At(n, "admin_state"), "state.admin_state", s.admin_state);
  if (Status st = state::AdminState::Check(s.admin_state); !st.ok()) {
    r.Fail(At(n, "admin_state"), "state.admin_state", st.message());
  }
  const std::string unit = r.Str(At(n, "created_on_unit"), "state.created_on_unit", "nanoseconds");
  if (unit != "seconds" && unit != "nanoseconds") {
    r.Fail(At(n, "created_on_unit"), "state.created_on_unit",
           "must be 'seconds' (as sent) or 'nanoseconds'");
  }
  s.created_on_ns = unit == "nanoseconds";
  s.check_interval_seconds = r.Int(At(n, "check_interval"), "state.check_interval", 60, 1, 86400);
  s.expiry_warning_days =
      r.Int(At(n, "expiry_warning_days"), "state.expiry_warning_days", 30, 0, 3650);
  s.expiry_critical_days =
      r.Int(At(n, "expiry_critical_days"), "state.expiry_critical_days", 7, 0, 3650);
  s.grpc_server_name =
      r.Str(At(n, "grpc_server_name"), "state.grpc_server_name", s.grpc_server_name);
}

void ParseLimits(const Reader& r, const YAML::Node& n, Config::Limits& l) {
  r.AllowKeys(n, "limits",
              {"max_connections", "fd_reserve", "handshake_timeout", "max_connection_idle",
               "keepalive_time", "keepalive_timeout", "max_concurrent_streams", "max_threads"});
  l.max_connections =
      r.Int(At(n, "max_connections"), "limits.max_connections", l.max_connections, 8, 1 << 20);
  l.fd_reserve = r.Int(At(n, "fd_reserve"), "limits.fd_reserve", l.fd_reserve, 32, 1 << 16);
  l.handshake_timeout_seconds = r.Int(At(n, "handshake_timeout"), "limits.handshake_timeout",
                                      l.handshake_timeout_seconds, 1, 300);
  l.max_connection_idle_seconds = r.Int(At(n, "max_connection_idle"), "limits.max_connection_idle",
                                        l.max_connection_idle_seconds, 10, 86400);
  l.keepalive_time_seconds =
      r.Int(At(n, "keepalive_time"), "limits.keepalive_time", l.keepalive_time_seconds, 10, 86400);
  l.keepalive_timeout_seconds = r.Int(At(n, "keepalive_timeout"), "limits.keepalive_timeout",
                                      l.keepalive_timeout_seconds, 1, 3600);
  l.max_concurrent_streams = r.Int(At(n, "max_concurrent_streams"), "limits.max_concurrent_streams",
                                   l.max_concurrent_streams, 1, 1024);
  l.max_threads = r.Int(At(n, "max_threads"), "limits.max_threads", l.max_threads, 8, 4096);
}

void ParseGnmi(const Reader& r, const YAML::Node& n, const Config::Limits& l, Config::Gnmi& g) {
  r.AllowKeys(n, "gnmi",
              {"max_streams", "max_streams_per_client", "max_subscriptions_per_request",
               "min_sample_interval_ms"});
  g.max_streams = r.Int(At(n, "max_streams"), "gnmi.max_streams",
                        std::min(g.max_streams, l.max_threads / 2), 1, 4096);
  // Each open stream holds one gRPC thread; certz and credentialz must keep some.
  if (g.max_streams > l.max_threads / 2) {
    r.Fail(At(n, "max_streams"), "gnmi.max_streams",
           "must be at most half of limits.max_threads (" + std::to_string(l.max_threads / 2) +
               "): each stream holds a thread");
  }
  g.max_streams_per_client =
      r.Int(At(n, "max_streams_per_client"), "gnmi.max_streams_per_client",
            std::min(g.max_streams_per_client, g.max_streams), 1, g.max_streams);
  g.max_subscriptions_per_request =
      r.Int(At(n, "max_subscriptions_per_request"), "gnmi.max_subscriptions_per_request",
            g.max_subscriptions_per_request, 1, 10000);
  g.min_sample_interval_ms = r.Int(At(n, "min_sample_interval_ms"), "gnmi.min_sample_interval_ms",
                                   g.min_sample_interval_ms, 100, 3600 * 1000);
}

void ParseAudit(const Reader& r, const YAML::Node& n, const std::filesystem::path& state_dir,
                audit::Settings& a) {
  r.AllowKeys(n, "audit", {"journal", "file", "max_file_mib", "max_files"});
  a.journal = r.Bool(At(n, "journal"), "audit.journal", a.journal);
  const std::string file = r.Str(At(n, "file"), "audit.file", "");
  // Relative to the state dir, like everything else the agent keeps.
  if (!file.empty()) {
    a.file =
        std::filesystem::path(file).is_absolute() ? std::filesystem::path(file) : state_dir / file;
  }
  a.max_file_bytes =
      int64_t{r.Int(At(n, "max_file_mib"), "audit.max_file_mib", 10, 1, 4096)} * 1024 * 1024;
  a.max_files = r.Int(At(n, "max_files"), "audit.max_files", a.max_files, 1, 100);
}

void ParseProfiles(const Reader& r, const YAML::Node& list, Config& c) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) r.Fail(list, "certz.profiles", "expected a list of profiles");
  std::set<std::string> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node p = list[i];
    const std::string key = "certz.profiles[" + std::to_string(i) + "]";
    r.AllowKeys(p, key, {"id", "role", "install", "hooks"});
    ProfileConfig pc;
    pc.id = r.Str(At(p, "id"), key + ".id", "");
    if (pc.id.empty()) r.Fail(p, key + ".id", "is required");
    if (!ids.insert(pc.id).second)
      r.Fail(At(p, "id"), key + ".id", "duplicate profile '" + pc.id + "'");
    if (pc.id == "system_default_profile") {
      r.Fail(At(p, "id"), key + ".id",
             "system_default_profile is built in and cannot be configured here");
    }
    pc.role = r.Str(At(p, "role"), key + ".role", "server");
    if (pc.role != "server" && pc.role != "client") {
      r.Fail(At(p, "role"), key + ".role", "must be 'server' or 'client', got '" + pc.role + "'");
    }
    platform::CertTarget t;
    const YAML::Node inst = At(p, "install");
    r.AllowKeys(inst, key + ".install", {"cert", "key", "trust_bundle", "crl"});
    t.cert_path = r.Str(At(inst, "cert"), key + ".install.cert", "");
    t.key_path = r.Str(At(inst, "key"), key + ".install.key", "");
    t.trust_bundle_path = r.Str(At(inst, "trust_bundle"), key + ".install.trust_bundle", "");
    t.crl_path = r.Str(At(inst, "crl"), key + ".install.crl", "");
    const YAML::Node hooks = At(p, "hooks");
    r.AllowKeys(hooks, key + ".hooks", {"stage", "commit", "rollback"});
    t.stage_hook = r.List(At(hooks, "stage"), key + ".hooks.stage");
    t.commit_hook = r.List(At(hooks, "commit"), key + ".hooks.commit");
    t.rollback_hook = r.List(At(hooks, "rollback"), key + ".hooks.rollback");
    for (const auto* h : {&t.stage_hook, &t.commit_hook, &t.rollback_hook}) {
      if (!h->empty() && ((*h)[0].empty() || (*h)[0][0] != '/')) {
        r.Fail(hooks, key + ".hooks", "a hook's first word must be an absolute path");
      }
    }
    c.platform.cert_targets[pc.id] = t;
    c.certz.profiles.push_back(pc);
  }
}

Config Parse(const std::string& text, const std::string& source) {
  Reader r(source);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw YamlError(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Config c;
  c.source = source;
  if (root.IsNull()) return c;
  r.AllowKeys(
      root, "",
      {"listen", "state_dir", "log_level", "identity", "grpc_server", "certz", "credentialz",
       "authz", "state", "authorization", "platform", "limits", "gnmi", "audit"});
  c.listen = r.Str(At(root, "listen"), "listen", c.listen);
  if (c.listen.rfind(':') == std::string::npos) {
    r.Fail(At(root, "listen"), "listen", "expected host:port, got '" + c.listen + "'");
  }
  c.state_dir = r.Str(At(root, "state_dir"), "state_dir", c.state_dir.string());
  c.log_level = r.Str(At(root, "log_level"), "log_level", c.log_level);
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c.log_level)) {
    r.Fail(At(root, "log_level"), "log_level", "must be one of trace, debug, info, warn, error");
  }

  const YAML::Node id = At(root, "identity");
  r.AllowKeys(id, "identity", {"bootstrap", "hostnames", "cert", "key", "trust_bundle"});
  c.identity.bootstrap = r.Bool(At(id, "bootstrap"), "identity.bootstrap", false);
  if (At(id, "hostnames").IsDefined())
    c.identity.hostnames = r.List(At(id, "hostnames"), "identity.hostnames");
  c.identity.cert = r.Str(At(id, "cert"), "identity.cert", "");
  c.identity.key = r.Str(At(id, "key"), "identity.key", "");
  c.identity.trust_bundle = r.Str(At(id, "trust_bundle"), "identity.trust_bundle", "");
  bool files =
      !c.identity.cert.empty() || !c.identity.key.empty() || !c.identity.trust_bundle.empty();
  if (files &&
      (c.identity.cert.empty() || c.identity.key.empty() || c.identity.trust_bundle.empty())) {
    r.Fail(id, "identity", "cert, key and trust_bundle must be given together");
  }
  if (!files && !c.identity.bootstrap) {
    r.Fail(root, "identity", "give cert, key and trust_bundle files, or set bootstrap: true");
  }

  const YAML::Node gs = At(root, "grpc_server");
  r.AllowKeys(gs, "grpc_server", {"ssl_profile"});
  c.server_profile = r.Str(At(gs, "ssl_profile"), "grpc_server.ssl_profile", c.server_profile);

  const YAML::Node cz = At(root, "certz");
  r.AllowKeys(cz, "certz",
              {"confirm_timeout", "idle_timeout", "expired_crl", "min_rsa_bits", "min_ec_bits",
               "allow_ed25519", "max_entity_bytes", "profiles"});
  c.certz.confirm_timeout_seconds =
      r.Int(At(cz, "confirm_timeout"), "certz.confirm_timeout", 300, 1, 86400);
  c.certz.idle_timeout_seconds = r.Int(At(cz, "idle_timeout"), "certz.idle_timeout", 60, 1, 86400);
  const std::string expired_crl = r.Str(At(cz, "expired_crl"), "certz.expired_crl", "keep");
  if (expired_crl != "keep" && expired_crl != "enforce") {
    r.Fail(At(cz, "expired_crl"), "certz.expired_crl",
           "must be 'keep' (go on checking revocation with it) or 'enforce' (refuse the CA's "
           "clients), got '" +
               expired_crl + "'");
  }
  c.certz.keep_expired_crl = expired_crl == "keep";
  c.certz.key_policy.min_rsa_bits =
      r.Int(At(cz, "min_rsa_bits"), "certz.min_rsa_bits", 2048, 1024, 16384);
  c.certz.key_policy.min_ec_bits = r.Int(At(cz, "min_ec_bits"), "certz.min_ec_bits", 256, 256, 521);
  c.certz.key_policy.allow_ed25519 = r.Bool(cz["allow_ed25519"], "certz.allow_ed25519", true);
  c.certz.limits.max_entity_bytes = static_cast<size_t>(r.Int(
      At(cz, "max_entity_bytes"), "certz.max_entity_bytes", 256 * 1024, 1024, 16 * 1024 * 1024));
  ParseProfiles(r, At(cz, "profiles"), c);
  if (c.server_profile != "system_default_profile" && RoleOf(c, c.server_profile) != "server") {
    r.Fail(At(gs, "ssl_profile"), "grpc_server.ssl_profile",
           "profile '" + c.server_profile + "' must be listed in certz.profiles with role server");
  }

  const YAML::Node ax = At(root, "authz");
  r.AllowKeys(ax, "authz", {"confirm_timeout", "idle_timeout"});
  c.authz.confirm_timeout_seconds =
      r.Int(At(ax, "confirm_timeout"), "authz.confirm_timeout", 300, 1, 86400);
  c.authz.idle_timeout_seconds = r.Int(At(ax, "idle_timeout"), "authz.idle_timeout", 60, 1, 86400);

  const YAML::Node az = At(root, "authorization");
  if (az.IsDefined() && !az.IsNull()) {
    if (!az.IsMap()) r.Fail(az, "authorization", "expected a mapping of method to identities");
    for (const auto& kv : az) {
      auto key = kv.first.as<std::string>();
      if (Status s = authz::CheckRuleKey(key); !s.ok()) {
        r.Fail(kv.first, "authorization." + key, s.message());
      }
      c.authorization[key] = r.List(kv.second, "authorization." + key);
    }
  }

  ParseCredentialz(r, At(root, "credentialz"), c);
  ParseState(r, At(root, "state"), c.state);
  ParseLimits(r, At(root, "limits"), c.limits);
  ParseGnmi(r, At(root, "gnmi"), c.limits, c.gnmi);
  ParseAudit(r, At(root, "audit"), c.state_dir, c.audit);

  const int longest_confirm =
      std::max(c.certz.confirm_timeout_seconds, c.credentialz.confirm_timeout_seconds);
  platform::ParsePlatformSection(r, At(root, "platform"),
                                 {.longest_confirm_seconds = longest_confirm}, c.platform);
  c.platform.work_dir = c.state_dir / "platform";
  return c;
}

}  // namespace

Result<Config> ParseConfig(const std::string& text, const std::string& source) {
  try {
    return Parse(text, source);
  } catch (const YamlError& e) {
    return InvalidArgument(e.what());
  } catch (const YAML::Exception& e) {
    return InvalidArgument(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<Config> LoadConfig(const std::filesystem::path& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status().WithContext("config");
  return ParseConfig(*text, path.string());
}

Config DefaultConfig() {
  auto c = ParseConfig(kDefaultYaml, "embedded default");
  if (!c.ok())
    throw std::logic_error("embedded default config is invalid: " + c.status().message());
  return std::move(c.value());
}

std::string RoleOf(const Config& config, const std::string& profile_id) {
  if (profile_id == "system_default_profile") return "server";
  for (const auto& p : config.certz.profiles) {
    if (p.id == profile_id) return p.role;
  }
  return "client";
}

}  // namespace rotagent
