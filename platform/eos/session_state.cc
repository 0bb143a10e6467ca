#include "platform/eos/session_state.h"

namespace rotagent::platform::eos {

Result<std::optional<std::string>> PendingTimerSession(const nlohmann::json& detail) {
  if (!detail.is_object()) return Internal("eos: show configuration sessions is not an object");
  // 4.32 and later: the top-level name is the only mark of the waiting session.
  if (const auto name = detail.find("commitTimerSessionName"); name != detail.end()) {
    if (name->is_string() && !name->get<std::string>().empty()) {
      return std::optional<std::string>(name->get<std::string>());
    }
    return std::optional<std::string>();
  }
  const auto sessions = detail.find("sessions");
  if (sessions == detail.end() || !sessions->is_object()) {
    return Internal("eos: show configuration sessions has no sessions object");
  }
  for (const auto& [name, s] : sessions->items()) {
    if (s.is_object() && s.value("state", "") == "pendingCommitTimer") {
      return std::optional<std::string>(name);
    }
  }
  return std::optional<std::string>();
}

Result<ProfileValidity> SslProfileValidity(const nlohmann::json& status,
                                           const std::string& profile) {
  const auto all = status.is_object() ? status.find("profileStatus") : status.end();
  if (!status.is_object() || all == status.end() || !all->is_object() || !all->contains(profile)) {
    return NotFound("EOS lists no state for ssl profile " + profile);
  }
  const nlohmann::json& p = (*all)[profile];
  ProfileValidity out;
  // `state` as anta reads sslProfile.state; `profileState` accepted too (the per-profile key
  // name is unconfirmed, docs/platforms.md).
  const std::string state = p.value("state", p.value("profileState", std::string()));
  out.valid = state == "valid";
  if (const auto e = p.find("error"); e != p.end()) {
    for (const auto& x : e->is_array() ? *e : nlohmann::json::array({*e})) {
      if (x.is_string()) out.errors += (out.errors.empty() ? "" : "; ") + x.get<std::string>();
    }
  }
  if (!out.valid && out.errors.empty()) out.errors = "state '" + state + "'";
  return out;
}

}  // namespace rotagent::platform::eos
