// Progress of a fabric run on stderr: on a terminal one line redrawn in place (done, failed,
// running, waiting); otherwise one plain line per device as it finishes, fit for logs.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

namespace rotagent::ctl {

class Progress {
 public:
  Progress(size_t total, bool enabled);
  void Started();
  void Finished(const std::string& device, bool ok, double seconds, const std::string& detail);
  void Done();

 private:
  void Redraw();  // mu_ held

  std::mutex mu_;
  size_t total_, running_ = 0, succeeded_ = 0, failed_ = 0;
  bool enabled_, live_;
};

}  // namespace rotagent::ctl
