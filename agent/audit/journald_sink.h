// Audit records to journald, one entry each with ROTAGENT_AUDIT_* fields, so that
// `journalctl -o json ROTAGENT_AUDIT_EVENT=reverted` finds every rollback. All entries share one
// MESSAGE_ID (kMessageId) for `journalctl MESSAGE_ID=...`.
#pragma once

#include "agent/audit/sink.h"

namespace rotagent::audit {

inline constexpr const char* kMessageId = "7d0c2a5b9e4f4c1a8f3b6d2e1c0a9b84";

class JournaldSink : public Sink {
 public:
  void Write(const Event& e, const std::string& json) override;
};

}  // namespace rotagent::audit
