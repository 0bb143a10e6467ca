// Confines a test process (and every process it starts) to its own accounts: a private mount
// namespace in which /etc is a bind-mounted copy, so /etc/passwd and /etc/shadow changes never
// reach the host. Must run before any thread exists.
#pragma once

#include <filesystem>
#include <string>

namespace rotagent::testing {

// Throws if the namespace cannot be made (the tests need root).
void EnterAccountSandbox(const std::filesystem::path& scratch);
// Creates a local account with a home under `homes` and sets its password (fed on stdin).
void AddAccount(const std::string& name, const std::string& password,
                const std::filesystem::path& homes);

}  // namespace rotagent::testing
