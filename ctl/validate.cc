#include "ctl/validate.h"

#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <thread>

#include "common/atomic_file.h"
#include "ctl/agent_link.h"
#include "ctl/device_rotation.h"
#include "ctl/device_status.h"
#include "ctl/issuer.h"
#include "ctl/retry.h"
#include "ctl/secret_store.h"
#include "ctl/validate_platform.h"
#include "platform/ssh_probe.h"

namespace rotagent::ctl {
namespace {

using Clock = std::chrono::steady_clock;

// Retries `ok` until it holds or `seconds` pass: a rollback finishes after the stream ends.
bool Eventually(const std::function<bool()>& ok, int seconds = 15) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    if (ok()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Status Login(const std::string& address, const std::string& account, const std::string& password) {
  auto ep = platform::ParseSshEndpoint(address, 10);
  if (!ep.ok()) return ep.status();
  return platform::TryPasswordLoginAnyHostKey(*ep, account, password);
}

// "<epoch>-<6 random hex>": labels of runs started in the same second still differ.
std::string RunStamp() {
  unsigned char r[3];
  RAND_bytes(r, sizeof r);
  char hex[8];
  snprintf(hex, sizeof hex, "%02x%02x%02x", r[0], r[1], r[2]);
  return std::to_string(time(nullptr)) + "-" + hex;
}

// Runs `call` again while the agent answers busy (ABORTED) or not yet (UNAVAILABLE), for up to
// about 15 s: the end of a rolled-back stream is not the end of its rollback on the agent.
Status WhenIdle(const std::function<Status()>& call) {
  const RetryPolicy busy{.max_attempts = 30, .initial_backoff_ms = 100, .max_backoff_ms = 1000};
  for (int n = 1;; ++n) {
    Status s = call();
    const bool busy_now = s.code() == Code::kAborted || s.code() == Code::kUnavailable;
    if (!busy_now || n >= busy.max_attempts) return s;
    std::this_thread::sleep_for(Backoff(busy, n, 0.5));
  }
}

class Runner {
 public:
  void Run(const std::string& name, const std::function<Status()>& check) {
    const auto start = Clock::now();
    Status s = check();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    results.push_back({name, s.ok() ? "pass" : "fail", s.message(), secs});
  }
  void Skip(const std::string& name, const std::string& why) {
    results.push_back({name, "skip", why, 0});
  }
  bool Passed(const std::string& name) const {
    for (const auto& r : results) {
      if (r.name == name) return r.result == "pass";
    }
    return false;
  }
  std::vector<CheckResult> results;
};

}  // namespace

std::vector<CheckResult> Validate(const Inventory& inventory, const Device& device,
                                  const ValidateOptions& opts) {
  Runner r;
  // Unique per run, even for runs started in the same second against the same device.
  const std::string stamp = RunStamp();
  const std::string cert_version = "validate-" + stamp;
  const std::string pw_version = "validate-" + stamp;
  // The checks rotate exactly one server profile.
  Inventory inv = inventory;
  CertificateProfile profile{opts.profile, "server"};
  if (profile.id.empty()) {
    for (const auto& p : inventory.certificate_profiles) {
      if (p.role == "server" && profile.id.empty()) profile.id = p.id;
    }
  }
  inv.certificate_profiles = {profile};
  std::string ssh = opts.ssh_address;
  if (ssh.empty()) ssh = device.address.substr(0, device.address.rfind(':')) + ":22";

  r.Run("reach", [&]() -> Status {
    auto link = AgentLink::Open(inv, device);
    if (!link.ok()) return link.status();
    grpc::ClientContext ctx;
    AgentLink::SetDeadline(ctx);
    gnmi::CapabilityResponse caps;
    grpc::Status s = link->gnmi().Capabilities(&ctx, gnmi::CapabilityRequest(), &caps);
    if (!s.ok()) return Unavailable("gNMI Capabilities: " + s.error_message());
    return Status::Ok();
  });
  if (!r.Passed("reach")) return r.results;

  auto ca = Issuer::Open(inv, "validate-" + device.name);
  auto trust = ReadFile(inv.trust_bundle);
  const bool can_sign = ca.ok() && trust.ok() && !profile.id.empty();
  CertificatePush push{&inv, can_sign ? ca->get() : nullptr,
                       can_sign ? (*ca)->roots_pem() + *trust : "", cert_version};
  push.profiles = std::vector<CertificateProfile>{profile};
  if (!can_sign) {
    const std::string why = profile.id.empty() ? "the inventory has no server certificate profile"
                            : !ca.ok()         ? ca.status().message()
                                               : trust.status().message();
    for (const char* c :
         {"certificate-rotation", "certificate-rollback-on-drop", "version-already-exists"}) {
      r.Skip(c, why);
    }
  } else {
    r.Run("certificate-rotation", [&] { return PushCertificates(push, device); });
    r.Run("certificate-rollback-on-drop", [&]() -> Status {
      auto before = ServedCertificate(inv, device);
      if (!before.ok()) return before.status();
      CertificatePush drop = push;
      drop.version = cert_version + "-dropped";
      drop.drop_before_finalize = true;
      Status s = PushCertificates(drop, device);
      if (s.code() != Code::kAborted) return s.ok() ? Internal("the stream was not dropped") : s;
      if (!Eventually([&] {
            auto now = ServedCertificate(inv, device);
            return now.ok() && *now == *before;
          })) {
        return FailedPrecondition(
            "new connections were not served the previous certificate "
            "again within 15 s of the dropped stream");
      }
      return Status::Ok();
    });
    r.Run("version-already-exists", [&]() -> Status {
      // The active version again, without force. The agent may still be finishing the rollback
      // of the dropped stream (ABORTED: busy); that is retried, anything else is the answer.
      Status s = WhenIdle([&] { return PushCertificates(push, device); });
      if (s.code() == Code::kAlreadyExists) return Status::Ok();
      return FailedPrecondition("re-sending the active version gave '" + s.message() +
                                "', not ALREADY_EXISTS");
    });
  }

  std::string password;
  SecretStore secrets = SecretStore::For(inv);
  const std::string secret_profile = "validate-" + opts.account;
  if (opts.account.empty()) {
    r.Skip("password-rotation", "no --account given");
    r.Skip("password-rollback-on-drop", "no --account given");
  } else {
    r.Run("password-rotation", [&]() -> Status {
      // Likewise the certz checks may leave the agent busy for a moment.
      auto v = secrets.AddGenerated(secret_profile);
      if (!v.ok()) return v.status();
      auto pw = secrets.Read(secret_profile, *v);
      if (!pw.ok()) return pw.status();
      password = std::move(*pw);
      auto hash = Sha512Crypt(password);
      if (!hash.ok()) return hash.status();
      ROTAGENT_RETURN_IF_ERROR(WhenIdle([&] {
        return PushPasswords(inv, {{opts.account, *hash, pw_version}}, false, device);
      }));
      return Login(ssh, opts.account, password).WithContext("SSH login with the new password");
    });
    r.Run("password-rollback-on-drop", [&]() -> Status {
      if (password.empty()) return FailedPrecondition("password-rotation did not pass");
      std::string dropped = GeneratePassword();
      auto hash = Sha512Crypt(dropped);
      if (!hash.ok()) return hash.status();
      Status s = PushPasswords(inv, {{opts.account, *hash, pw_version + "-dropped"}}, false, device,
                               /*drop_before_finalize=*/true);
      if (s.code() != Code::kAborted) return s.ok() ? Internal("the stream was not dropped") : s;
      const bool restored = Eventually([&] {
        return Login(ssh, opts.account, password).ok() && !Login(ssh, opts.account, dropped).ok();
      });
      Wipe(dropped);
      if (!restored) {
        return FailedPrecondition(
            "the previous password did not work again within 15 s of the "
            "dropped stream");
      }
      return Status::Ok();
    });
  }
  Wipe(password);

  r.Run("state-reporting", [&]() -> Status {
    auto link = AgentLink::Open(inv, device);
    if (!link.ok()) return link.status();
    auto status = FetchDeviceStatus(*link, device.name);
    if (!status.ok()) return status.status();
    std::vector<std::pair<std::string, std::string>> want;
    if (r.Passed("certificate-rotation")) {
      want.emplace_back("profiles/" + profile.id + "/chain", cert_version);
    }
    if (r.Passed("password-rotation")) {
      want.emplace_back("accounts/" + opts.account + "/password", pw_version);
    }
    if (want.empty())
      return FailedPrecondition("no rotation passed, so there is nothing to read back");
    for (const auto& [name, version] : want) {
      bool found = false;
      for (const auto& c : status->credentials) {
        if (c.name != name) continue;
        found = true;
        // The committed version, InSync, or OutOfSync naming the dropped attempt.
        const bool truthful = c.version == version && (c.synchronization_status == "InSync" ||
                                                       c.attempted_version == version + "-dropped");
        if (!truthful) {
          return FailedPrecondition(name + " is reported at '" + c.version + "', " +
                                    c.synchronization_status + " (attempted '" +
                                    c.attempted_version + "'); expected " + version);
        }
      }
      if (!found) return FailedPrecondition(name + " is not reported over gNMI");
    }
    return Status::Ok();
  });
  if (!opts.platform_checks.empty()) {
    for (auto& c : ValidatePlatform(opts.platform_checks, profile.id)) r.results.push_back(c);
  }
  return r.results;
}

nlohmann::json ValidationReport(const Device& device, const std::vector<CheckResult>& checks) {
  nlohmann::json list = nlohmann::json::array();
  size_t failed = 0;
  for (const auto& c : checks) {
    list.push_back(
        {{"check", c.name}, {"result", c.result}, {"detail", c.detail}, {"seconds", c.seconds}});
    failed += c.result == "fail" ? 1 : 0;
  }
  return {{"device", device.name},
          {"address", device.address},
          {"time", RenderTime(time(nullptr))},
          {"passed", failed == 0},
          {"checks", list}};
}

}  // namespace rotagent::ctl
