#include "ctl/bounded_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "common/unique_fd.h"

extern char** environ;

namespace rotagent::ctl {
namespace {

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace

Result<BoundedOutput> RunBounded(const std::vector<std::string>& argv, const std::string& input,
                                 const std::vector<std::string>& env, const ProcessLimits& limits) {
  if (argv.empty()) return InvalidArgument("no command to run");
  auto in = MakePipe();
  auto out = MakePipe();
  auto err = MakePipe();
  if (!in.ok() || !out.ok() || !err.ok()) return Internal("cannot create pipes for " + argv[0]);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (char** e = environ; *e != nullptr; ++e) cenv.push_back(*e);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in->read.get(), 0);
  posix_spawn_file_actions_adddup2(&fa, out->write.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, err->write.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so a timeout kills everything it started (a shell's children too).
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, cargv[0], &fa, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  in->read.reset();
  out->write.reset();
  err->write.reset();
  if (rc != 0) return Unavailable(argv[0] + " could not be started: " + std::strerror(rc));
  fcntl(in->write.get(), F_SETFL, O_NONBLOCK);
  // A child that exits without reading stdin must not kill rotctl with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  BoundedOutput result;
  size_t written = 0;
  if (input.empty()) in->write.reset();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(limits.timeout_seconds);
  // Readable once the child exits: one that closes its output and lingers is still bounded.
  // Without a pidfd (old kernels) the pipes closing is taken as the end.
  UniqueFd exited(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  bool done = exited.get() < 0;
  Status failure;
  while (!done || out->read.get() >= 0 || err->read.get() >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      failure = Status(Code::kDeadlineExceeded, argv[0] + " did not finish within " +
                                                    std::to_string(limits.timeout_seconds) + " s");
      break;
    }
    pollfd p[4] = {{in->write.get(), POLLOUT, 0},
                   {out->read.get(), POLLIN, 0},
                   {err->read.get(), POLLIN, 0},
                   {done ? -1 : exited.get(), POLLIN, 0}};
    if (poll(p, 4, static_cast<int>(left.count())) <= 0) continue;
    if ((p[3].revents & POLLIN) != 0) done = true;
    if (in->write.get() >= 0 && (p[0].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n = write(in->write.get(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 || written == input.size()) in->write.reset();
    }
    for (int i = 1; i <= 2; ++i) {
      UniqueFd& fd = i == 1 ? out->read : err->read;
      if (fd.get() < 0 || (p[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[4096];
      const ssize_t n = read(fd.get(), buf, sizeof buf);
      if (n <= 0) {
        fd.reset();
        continue;
      }
      std::string& sink = i == 1 ? result.out : result.err;
      const size_t cap = i == 1 ? limits.max_output : limits.max_error;
      if (i == 1 && sink.size() + static_cast<size_t>(n) > cap) {
        failure = Status(Code::kResourceExhausted,
                         argv[0] + " wrote more than " + std::to_string(cap) + " bytes");
        break;
      }
      sink.append(buf, std::min(static_cast<size_t>(n), cap - std::min(cap, sink.size())));
    }
    if (!failure.ok()) break;
  }
  if (!failure.ok()) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!failure.ok()) return failure;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace rotagent::ctl
