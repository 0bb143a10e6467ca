// Compiled as part of the credentialz engine: the daemon core sees the platform seam only, never
// a platform kind.
#include "platform/eos/eos_platform.h"
