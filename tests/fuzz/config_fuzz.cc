// The agent's YAML configuration and rotctl's inventory, from untrusted text.
#include "agent/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)rotagent::ParseConfig(text, "fuzz.yaml");
  return 0;
}
