// Compiled as part of the store module: the store is below every service, so gNMI's header is
// not visible to it and this must not compile (tests/CMakeLists.txt, layering_*).
#include "agent/gnmi/gnmi_service.h"
