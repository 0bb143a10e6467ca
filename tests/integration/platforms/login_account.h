// The local account the login-proof platform tests rotate, created in their /etc sandbox
// (login_sandbox_main.cc) with this password.
#pragma once

namespace rotagent::testing {

inline constexpr const char* kLoginAccount = "admin";
inline constexpr const char* kLoginInitialPassword = "Initial+admin+9z";

}  // namespace rotagent::testing
