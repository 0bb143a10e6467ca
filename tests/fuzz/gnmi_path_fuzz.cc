// gNMI paths: textual paths (as in config and subscriptions) and gNMI Path messages with a prefix,
// resolved against the agent's schema.
#include "agent/gnmi/gnmi_paths.h"
#include "agent/state/path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto path = rotagent::state::ParsePath(text);
  (void)rotagent::state::CheckPattern(path);
  (void)rotagent::state::PathString(path);
  (void)rotagent::state::Covers(path, rotagent::state::ParsePath("/system/aaa"));
  gnmi::GetRequest req;
  if (req.ParseFromString(text)) {
    for (const auto& p : req.path()) (void)rotagent::gnmi_service::Resolve(req.prefix(), p);
    (void)rotagent::gnmi_service::CheckEncoding(req.encoding());
  }
  return 0;
}
