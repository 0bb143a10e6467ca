#include "agent/audit/journald_sink.h"

#include <spdlog/spdlog.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include <string>
#include <vector>

namespace rotagent::audit {

void JournaldSink::Write(const Event& e, const std::string& json) {
  const bool refused =
      e.outcome == "refused" || e.outcome == "denied" || e.outcome == "rolled-back";
  std::string message = "audit: " + e.event + (e.target.empty() ? "" : " " + e.target) +
                        (e.client.empty() ? "" : " by " + e.client) + " (" + e.outcome +
                        (e.cause.empty() ? "" : ", " + e.cause) + ")";
  std::vector<std::string> fields = {
      "MESSAGE=" + message,
      "MESSAGE_ID=" + std::string(kMessageId),
      "PRIORITY=" + std::to_string(refused ? LOG_WARNING : LOG_NOTICE),
      "ROTAGENT_AUDIT_EVENT=" + e.event,
      "ROTAGENT_AUDIT_OUTCOME=" + e.outcome,
      "ROTAGENT_AUDIT_CODE=" + std::string(CodeName(e.code)),
      "ROTAGENT_AUDIT_JSON=" + json,
  };
  const auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) fields.push_back(std::string(key) + "=" + value);
  };
  add("ROTAGENT_AUDIT_RPC", e.rpc);
  add("ROTAGENT_AUDIT_CLIENT", e.client);
  add("ROTAGENT_AUDIT_PEER", e.peer);
  add("ROTAGENT_AUDIT_TARGET", e.target);
  add("ROTAGENT_AUDIT_VERSION_BEFORE", e.version_before);
  add("ROTAGENT_AUDIT_VERSION_AFTER", e.version_after);
  add("ROTAGENT_AUDIT_CAUSE", e.cause);
  std::vector<iovec> iov;
  iov.reserve(fields.size());
  for (auto& f : fields) iov.push_back({f.data(), f.size()});
  // sd_journal_sendv frames values with newlines in them, so a client-chosen name cannot forge
  // a field. Without journald (tests, containers) it fails; the file sink is the record there.
  if (const int r = sd_journal_sendv(iov.data(), static_cast<int>(iov.size())); r < 0) {
    static bool warned = false;
    if (!warned) spdlog::warn("audit: journald unavailable ({}); records go to the file only", r);
    warned = true;
  }
}

}  // namespace rotagent::audit
