#include "platform/linux/hook_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "common/text_field.h"

namespace rotagent::platform {
namespace {

constexpr const char* kHookPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
constexpr const char* kHookLang = "LANG=C.UTF-8";

// The child between fork and exec: async-signal-safe calls only. Dispositions go back to their
// defaults before the mask is emptied, so no signal reaches an agent handler in the child.
[[noreturn]] void ExecHook(char* const* argv, char* const* envp, int out, int report) {
  // The raw call, because glibc refuses its own reserved signals (32, 33), which an ignoring
  // parent would otherwise pass on. SIG_DFL is 0, so an all-zero kernel sigaction is "default" on
  // every architecture; KILL and STOP answer EINVAL.
  const uint64_t kernel_sigaction[4] = {};
  for (int sig = 1; sig < NSIG; ++sig) {
    syscall(SYS_rt_sigaction, sig, kernel_sigaction, nullptr, sizeof(uint64_t));
  }
  setpgid(0, 0);  // its own group, so a timeout kills whatever it started too
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  umask(022);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
    const int e = errno;
    (void)!write(report, &e, sizeof e);
    _exit(127);
  }
  // No descriptor of the agent (sockets, logs, the report pipe) survives the exec.
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 65536; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  execve(argv[0], argv, envp);
  const int e = errno;
  (void)!write(report, &e, sizeof e);
  _exit(127);
}

std::vector<std::string> HookEnvironment(const std::map<std::string, std::string>& facts) {
  std::vector<std::string> env = {kHookLang, kHookPath};
  for (const auto& [k, v] : facts) env.push_back(k + "=" + v);
  return env;
}

}  // namespace

Status RunHook(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               int timeout_seconds) {
  if (argv.empty()) return Status::Ok();
  for (const auto& [k, v] : env) {
    // Callers validate what they pass; this keeps a newline from ever forging another variable.
    if (HasControlCharacter(v) || v.size() > 4096) {
      return InvalidArgument("hook environment variable " + k +
                             " holds a control character or is too long");
    }
  }
  const std::vector<std::string> env_strings = HookEnvironment(env);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env_strings) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  int out[2], report[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Internal("hook: cannot create pipe");
  if (pipe2(report, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return Internal("hook: cannot create pipe");
  }
  const pid_t pid = fork();
  if (pid == 0) ExecHook(cargv.data(), cenv.data(), out[1], report[1]);
  close(out[1]);
  close(report[1]);
  if (pid < 0) {
    close(out[0]);
    close(report[0]);
    return Internal(std::string("hook: cannot fork: ") + std::strerror(errno));
  }
  // The report pipe closes on exec; an errno on it means the hook never started.
  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = read(report[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    close(out[0]);
    int ignored = 0;
    waitpid(pid, &ignored, 0);
    return {Code::kFailedPrecondition,
            "hook " + argv[0] + " could not be started: " + std::strerror(exec_errno)};
  }

  setpgid(pid, pid);  // as the child does, whichever runs first
  // The hook ends when its process exits, not when its output closes: a hook that redirects its
  // output must still be bounded, and a background child holding the pipe must not hold us.
  const int exited = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  std::string output;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool timed_out = false;
  bool output_open = true;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p[2] = {{output_open ? out[0] : -1, POLLIN, 0}, {exited, POLLIN, 0}};
    if (!output_open && exited < 0) break;  // no pidfd: waitpid below blocks as before
    if (poll(p, 2, static_cast<int>(left.count())) <= 0) continue;
    if (p[0].revents != 0) {
      char buf[1024];
      ssize_t r = read(out[0], buf, sizeof buf);
      if (r <= 0) output_open = false;
      if (r > 0 && output.size() < 4096) output.append(buf, static_cast<size_t>(r));
    }
    if (p[1].revents != 0) break;
  }
  if (output_open && !timed_out) {  // what the hook wrote just before it exited
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    char buf[1024];
    for (ssize_t r = 0; output.size() < 4096 && (r = read(out[0], buf, sizeof buf)) > 0;) {
      output.append(buf, static_cast<size_t>(r));
    }
  }
  close(out[0]);
  if (exited >= 0) close(exited);
  if (timed_out) kill(-pid, SIGKILL);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  if (!output.empty()) spdlog::info("hook {} output: {}", argv[0], output);
  if (timed_out) {
    return {Code::kDeadlineExceeded,
            "hook " + argv[0] + " did not finish within " + std::to_string(timeout_seconds) + "s"};
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return Status::Ok();
  std::string how = WIFEXITED(wstatus)
                        ? "exited with status " + std::to_string(WEXITSTATUS(wstatus))
                        : "was killed by signal " + std::to_string(WTERMSIG(wstatus));
  return {Code::kFailedPrecondition, "hook " + argv[0] + " " + how};
}

}  // namespace rotagent::platform
