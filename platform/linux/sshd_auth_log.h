// sshd's authentication results, counted from its own log lines: "Accepted <method> for ..." is
// an accept, "Failed <method> for ..." a reject (an invalid user's attempts log "Failed ... for
// invalid user"; each failed attempt is one reject).
//
// The source is a file only sshd writes: its stderr (sshd -e) or sshd -E FILE. Never a syslog
// file such as /var/log/auth.log: any local user can send syslog a line tagged "sshd". Local
// users cannot forge lines in sshd's own file: it is opened through root-owned directories only
// (common/safe_path.h), without following a symlink, and must be a root-owned regular file that
// group and others cannot write, with one link. A remote client cannot start a line either:
// sshd escapes control characters in what it logs of the client (the user name).
//
// Counting starts at the end of what the file holds when the agent starts; a file that is
// replaced or truncated (log rotation) is read from its start. The time of an event is the
// file's modification time when the line is read (the lines carry none), so it lags by at most
// the reporting interval. Lines appended while the file was refused are skipped, not counted
// once it is fit again.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <mutex>
#include <string>

#include "platform/ssh_host_sink.h"

namespace rotagent::platform {

class SshdAuthLog {
 public:
  explicit SshdAuthLog(std::filesystem::path file);
  // Counts what sshd appended since the last call; the totals so far.
  SshAuthCounters Poll();

 private:
  // Reads new complete lines from the file, from `offset_` on (0 after a rotation).
  void ReadNew(bool count);

  std::filesystem::path file_;
  std::mutex mu_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t offset_ = 0;
  std::string partial_;   // the start of a line sshd has not finished
  bool refused_ = false;  // the last open refused the file: what it holds now is not counted
  SshAuthCounters counts_;
};

}  // namespace rotagent::platform
