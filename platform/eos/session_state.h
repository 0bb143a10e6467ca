// What EOS says about configuration sessions and SSL profiles, read from its JSON. Both forms of
// the pending commit timer are understood, chosen by what the box returns (never by a version
// string): up to 4.31 the waiting session has `state: pendingCommitTimer` (and `commitBy`); from
// 4.32 every committed session reads "committed" and the waiting one is named only by top-level
// `commitTimerSessionName` / `commitTimerExpireTime` (napalm issue 2166 / PR 2167).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"

namespace rotagent::platform::eos {

// The session waiting on its commit timer, from `show configuration sessions detail`; nullopt
// when none is. INTERNAL when the reply is neither form.
Result<std::optional<std::string>> PendingTimerSession(const nlohmann::json& sessions_detail);

struct ProfileValidity {
  bool valid = false;
  std::string errors;  // EOS's reasons, "; "-joined; names files, never their content
};
// The state of `profile` from `show management security ssl profile PROFILE`
// (`profileStatus.<P>.state`, "valid" or "invalid", with `error` reasons). NOT_FOUND when EOS
// does not list the profile.
Result<ProfileValidity> SslProfileValidity(const nlohmann::json& status,
                                           const std::string& profile);

}  // namespace rotagent::platform::eos
