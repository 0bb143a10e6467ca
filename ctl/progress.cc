#include "ctl/progress.h"

#include <unistd.h>

namespace rotagent::ctl {

Progress::Progress(size_t total, bool enabled)
    : total_(total), enabled_(enabled), live_(enabled && isatty(STDERR_FILENO) != 0) {}

void Progress::Started() {
  std::lock_guard lock(mu_);
  ++running_;
  Redraw();
}

void Progress::Finished(const std::string& device, bool ok, double seconds,
                        const std::string& detail) {
  std::lock_guard lock(mu_);
  --running_;
  ++(ok ? succeeded_ : failed_);
  if (!enabled_) return;
  if (live_) {
    // Failures stay on screen above the redrawn line.
    if (!ok) std::fprintf(stderr, "\r\033[K%s: Failed: %s\n", device.c_str(), detail.c_str());
    Redraw();
  } else {
    std::fprintf(stderr, "%s: %s (%.1f s)%s%s\n", device.c_str(), ok ? "Succeeded" : "Failed",
                 seconds, ok ? "" : ": ", ok ? "" : detail.c_str());
  }
}

void Progress::Done() {
  std::lock_guard lock(mu_);
  if (live_) std::fputs("\n", stderr);
}

void Progress::Redraw() {
  if (!live_) return;
  const size_t done = succeeded_ + failed_;
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %zu succeeded, %zu failed, %zu running, %zu waiting",
               done, total_, succeeded_, failed_, running_, total_ - done - running_);
  std::fflush(stderr);
}

}  // namespace rotagent::ctl
