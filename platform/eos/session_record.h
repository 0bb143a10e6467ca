// The agent's durable note of the EOS configuration session it left waiting on a commit timer,
// written (0600, atomically) before `commit timer` is sent, so that after a restart the agent
// confirms or aborts that session by name instead of guessing from the box. Holds names and
// fingerprints only, never a secret.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"

namespace rotagent::platform::eos {

struct SessionRecord {
  std::string session;
  std::string group;                           // "cert" or "user": whose transaction it is
  std::map<std::string, std::string> members;  // change key -> fingerprint of what it applies
};

Status WriteSessionRecord(const std::filesystem::path& file, const SessionRecord& r);
// nullopt when there is none; INTERNAL when it cannot be read or parsed.
Result<std::optional<SessionRecord>> ReadSessionRecord(const std::filesystem::path& file);
Status RemoveSessionRecord(const std::filesystem::path& file);

}  // namespace rotagent::platform::eos
