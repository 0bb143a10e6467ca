// Waits for a directory's contents to reach a state, woken by inotify on every change in it
// (no polling interval): for what the agent finishes after it answered, such as closing a
// transaction's journal entry.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>

namespace rotagent::testing {

// True once `done` holds; checked now and after each entry created, removed or renamed in `dir`.
// False if it still does not hold after `timeout`.
bool WaitInDirectory(const std::filesystem::path& dir, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace rotagent::testing
