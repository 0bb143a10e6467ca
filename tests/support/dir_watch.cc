#include "tests/support/dir_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>

namespace rotagent::testing {

bool WaitInDirectory(const std::filesystem::path& dir, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout) {
  const int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) return done();
  // Watched before the first check, so a change between the two is not missed.
  inotify_add_watch(fd, dir.c_str(), IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool held = done();
  while (!held) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) == 1) {
      std::array<char, 4096> events{};
      while (read(fd, events.data(), events.size()) > 0) {
      }
    }
    held = done();
  }
  close(fd);
  return held;
}

}  // namespace rotagent::testing
