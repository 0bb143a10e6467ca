// rotagentd's configuration. The schema is documented in config/README.md; every error names the
// file, line and key.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "agent/audit/settings.h"
#include "agent/certz/validate.h"
#include "common/status.h"
#include "platform/platform_config.h"

namespace rotagent {

struct ProfileConfig {
  std::string id;
  std::string role = "server";  // "server": served by a TLS listener; "client": for on-box clients
};

struct Config {
  std::string listen = "127.0.0.1:9339";
  std::filesystem::path state_dir = "/var/lib/rotagent";
  std::string log_level = "info";

  // Material of system_default_profile: files, or a lab CA and identity generated on first start.
  struct Identity {
    bool bootstrap = false;
    std::vector<std::string> hostnames = {"localhost", "127.0.0.1", "::1"};
    std::string cert, key, trust_bundle;
  } identity;

  // The profile the agent's own gRPC listener serves.
  std::string server_profile = "system_default_profile";

  struct Certz {
    int confirm_timeout_seconds = 300;  // from taking the rotation lock to finalize
    int idle_timeout_seconds = 60;      // a stream silent this long is ended and rolled back
    // An installed CRL past its nextUpdate: keep checking revocation with it (true), or refuse
    // every client of its CA until a fresh one is installed (false, "enforce").
    bool keep_expired_crl = true;
    certz::KeyPolicy key_policy;
    certz::SizeLimits limits;
    std::vector<ProfileConfig> profiles;
  } certz;

  struct Credentialz {
    int confirm_timeout_seconds = 300;
    int idle_timeout_seconds = 60;
    // Accounts credentialz may rotate, by name, with the role each plays (for reports).
    std::map<std::string, std::string> accounts;
    // Never rotatable, whatever `accounts` says: the way back in when all else fails.
    std::vector<std::string> break_glass_accounts = {"root"};
    // Which crypt methods and costs a controller's password hash may use.
    struct PasswordHashPolicy {
      std::vector<std::string> allowed_methods = {"yescrypt", "sha512crypt"};  // + md5crypt
      int max_sha512_rounds = 1000000;
      int max_yescrypt_cost = 8;
    } password_hash_policy;
  } credentialz;
  struct Authz {
    int confirm_timeout_seconds = 300;  // as certz: from taking the rotation lock to finalize
    int idle_timeout_seconds = 60;
  } authz;

  // What the agent reports over gNMI, and how it watches what it reports.
  struct StateConfig {
    std::string admin_state = "enabled";  // enabled, disabled, maintenance, locked
    bool created_on_ns = true;            // created-on leaves in ns (the YANG), not as sent
    int check_interval_seconds = 60;      // drift and expiry check period
    int expiry_warning_days = 30;
    int expiry_critical_days = 7;
    std::string grpc_server_name = "rotagent";
  } state;

  // What any network client, authenticated or not, can hold of the listener (limits:).
  struct Limits {
    int max_connections = 512;  // accepted TCP connections, in handshake or established
    int fd_reserve = 64;        // fds under the open-file limit kept for the agent's own use
    int handshake_timeout_seconds = 10;
    int max_connection_idle_seconds = 600;  // a connection with no open call is closed after
    int keepalive_time_seconds = 60;        // the agent pings an idle connection this often
    int keepalive_timeout_seconds = 20;     // and closes it when a ping goes unanswered
    int max_concurrent_streams = 16;        // open calls per connection
    int max_threads = 64;                   // gRPC threads serving calls
    bool operator==(const Limits&) const = default;
  } limits;

  // gNMI Subscribe bounds (gnmi:); a request beyond one is refused with RESOURCE_EXHAUSTED.
  struct Gnmi {
    int max_streams = 32;                    // open Subscribe calls, all clients together
    int max_streams_per_client = 8;          // per client certificate
    int max_subscriptions_per_request = 32;  // paths in one SubscriptionList
    int min_sample_interval_ms = 1000;       // shortest SAMPLE and heartbeat interval
    bool operator==(const Gnmi&) const = default;
  } gnmi;

  // gRPC method ("/gnmi.gNMI/Set"), service ("/gnmi.gNMI/*" or "gnmi.gNMI") -> client identities
  // allowed to call it ("CN=x", "DNS=x", "URI=x", "*").
  std::map<std::string, std::vector<std::string>> authorization;

  platform::PlatformConfig platform;

  audit::Settings audit;  // audit: where audit records go (journald, a file)

  std::string source = "embedded default";  // where this config came from, for messages
};

Result<Config> ParseConfig(const std::string& text, const std::string& source);
Result<Config> LoadConfig(const std::filesystem::path& path);
// The configuration used when no --config is given: a lab agent on loopback.
Config DefaultConfig();

// Role of a profile: its configured role, or "client" for profiles added at run time.
std::string RoleOf(const Config& config, const std::string& profile_id);

}  // namespace rotagent
