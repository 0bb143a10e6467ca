// Named crash points for crash-safety tests. When the environment variable ROTAGENT_FAILPOINT
// names a point, the process kills itself with SIGKILL on reaching it, exactly as a power cut or
// an OOM kill would. Unset (always, in production), a point costs one string comparison.
#pragma once

#include <string_view>

namespace rotagent {

void Failpoint(std::string_view name);

}  // namespace rotagent
