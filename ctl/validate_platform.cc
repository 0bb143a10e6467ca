#include "ctl/validate_platform.h"

#include <chrono>
#include <ctime>
#include <functional>

#include "common/ossl.h"
#include "platform/eos/eapi_client.h"
#include "platform/eos/session_state.h"
#include "platform/opengear/ogcli_format.h"
#include "platform/subprocess.h"

namespace rotagent::ctl {
namespace {

using Clock = std::chrono::steady_clock;

void Check(std::vector<CheckResult>& out, const std::string& name,
           const std::function<Result<std::string>()>& run) {
  const auto start = Clock::now();
  auto r = run();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  out.push_back({name, r.ok() ? "pass" : "fail", r.ok() ? *r : r.status().message(), secs});
}

void EosChecks(const std::string& socket, const std::string& profile,
               std::vector<CheckResult>& out) {
  platform::EosConfig c;
  if (!socket.empty()) c.socket = socket;
  platform::eos::EapiClient eapi(c);
  const std::string probe = "rotagent-validate-" + std::to_string(time(nullptr));
  // A session with no change, under a long timer, then aborted: which form names it?
  Check(out, "eos-pending-session-detection", [&]() -> Result<std::string> {
    auto before = eapi.Run({"show configuration sessions detail"});
    if (!before.ok()) return before.status();
    auto pending = platform::eos::PendingTimerSession((*before)[0]);
    if (!pending.ok()) return pending.status();
    if (*pending) {
      return FailedPrecondition("session '" + **pending +
                                "' already waits on a commit timer; run again once it is gone");
    }
    ROTAGENT_RETURN_IF_ERROR(
        eapi.Run({"configure session " + probe, "commit timer 00:10:00"}).status());
    auto during = eapi.Run({"show configuration sessions detail"});
    Status aborted = eapi.Run({"configure session " + probe + " abort"}).status();
    if (!during.ok()) return during.status();
    ROTAGENT_RETURN_IF_ERROR(aborted.WithContext("aborting the probe session " + probe));
    const nlohmann::json& d = (*during)[0];
    auto seen = platform::eos::PendingTimerSession(d);
    if (!seen.ok()) return seen.status();
    if (*seen != probe) {
      return FailedPrecondition(
          "the probe session " + probe +
          " waited on its timer but neither form named it: " + d.dump().substr(0, 400));
    }
    return std::string(d.contains("commitTimerSessionName")
                           ? "4.32+ form: top-level commitTimerSessionName"
                           : "pre-4.32 form: state pendingCommitTimer");
  });
  // While one session waits, a second commit timer must be refused.
  Check(out, "eos-one-pending-timer", [&]() -> Result<std::string> {
    ROTAGENT_RETURN_IF_ERROR(
        eapi.Run({"configure session " + probe + "-a", "commit timer 00:10:00"}).status());
    auto second = eapi.Run({"configure session " + probe + "-b", "commit timer 00:10:00"});
    (void)eapi.Run({"configure session " + probe + "-b abort"});
    ROTAGENT_RETURN_IF_ERROR(eapi.Run({"configure session " + probe + "-a abort"}).status());
    if (second.ok()) {
      return FailedPrecondition(
          "EOS accepted a second commit timer; the adapter's one-session "
          "rule is stricter than this release needs");
    }
    return std::string("refused: ") + second.status().message();
  });
  Check(out, "eos-ssl-profile-validity", [&]() -> Result<std::string> {
    if (profile.empty()) return InvalidArgument("no --profile given");
    auto status = eapi.Run({"show management security ssl profile " + profile});
    if (!status.ok()) return status.status();
    auto v = platform::eos::SslProfileValidity((*status)[0], profile);
    if (!v.ok()) {
      return v.status().WithContext("the adapter cannot read this release's profile JSON (" +
                                    (*status)[0].dump().substr(0, 400) + ")");
    }
    if (!v->valid) return FailedPrecondition("profile " + profile + " is invalid: " + v->errors);
    return std::string("profile " + profile + " reads valid");
  });
}

void OpengearChecks(const std::string& ogcli, std::vector<CheckResult>& out) {
  const std::string tool = ogcli.empty() ? "/usr/bin/ogcli" : ogcli;
  const auto get = [&](const std::string& what) -> Result<std::string> {
    auto r = platform::RunProcess({tool, "--secrets", "cleartext", "get", what}, "", 30);
    if (!r.ok()) return r.status();
    if (r->exit_code != 0) {
      Wipe(r->out);
      return FailedPrecondition("ogcli get " + what + ": " + r->err.substr(0, r->err.find('\n')));
    }
    return std::move(r->out);
  };
  Check(out, "opengear-ogcli-users-form", [&]() -> Result<std::string> {
    auto text = get("users");
    if (!text.ok()) return text.status();
    auto users = platform::opengear::ParseOgcliRecords(*text);
    Wipe(*text);
    size_t masked = 0, usable = 0;
    for (auto& u : users) {
      if (u.count("username") != 0 && u.count("id") != 0) ++usable;
      if (auto h = u.find("hashed_password"); h != u.end()) {
        masked += platform::opengear::MaskedHash(h->second) ? 1 : 0;
        Wipe(h->second);
      }
    }
    if (usable == 0) return FailedPrecondition("no user block with username and id was parsed");
    return std::to_string(usable) + " users parsed; hashed_password " +
           (masked != 0 ? "prints masked: use login_proof: ssh" : "reads back in cleartext");
  });
  Check(out, "opengear-https-fields", [&]() -> Result<std::string> {
    auto text = get("services/https");
    if (!text.ok()) return text.status();
    auto https = platform::opengear::ParseOgcli(*text);
    Wipe(*text);
    const bool cert = https.count("cert") != 0, key = https.count("csr.private_key") != 0;
    if (auto k = https.find("csr.private_key"); k != https.end()) Wipe(k->second);
    if (!cert || !key) {
      return FailedPrecondition(std::string("services/https lacks ") +
                                (!cert ? "cert" : "csr.private_key"));
    }
    return std::string("cert and csr.private_key present");
  });
}

}  // namespace

std::vector<CheckResult> ValidatePlatform(const std::string& spec, const std::string& profile) {
  std::vector<CheckResult> out;
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string where = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "eos") {
    EosChecks(where, profile, out);
  } else if (kind == "opengear") {
    OpengearChecks(where, out);
  } else {
    out.push_back({"platform-checks", "fail",
                   "--platform-checks must be eos[:SOCKET] or opengear[:OGCLI], not '" + spec + "'",
                   0});
  }
  return out;
}

}  // namespace rotagent::ctl
