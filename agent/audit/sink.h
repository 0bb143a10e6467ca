// Where audit records go. The trail (trail.h) fans one record out to every configured sink.
#pragma once

#include "agent/audit/event.h"

namespace rotagent::audit {

class Sink {
 public:
  virtual ~Sink() = default;
  // Called with the trail's lock held: one record at a time, in order.
  virtual void Write(const Event& e, const std::string& json) = 0;
};

}  // namespace rotagent::audit
