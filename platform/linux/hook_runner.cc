#include "platform/linux/hook_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

extern char** environ;

namespace rotagent::platform {

Status RunHook(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               int timeout_seconds) {
  if (argv.empty()) return Status::Ok();
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env_strings) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Internal("hook: cannot create pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, out[1], 2);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return {Code::kFailedPrecondition,
            "hook " + argv[0] + " could not be started: " + std::strerror(rc)};
  }

  std::string output;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool timed_out = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n <= 0) continue;
    char buf[1024];
    ssize_t r = read(out[0], buf, sizeof buf);
    if (r <= 0) break;  // EOF: the hook closed its output
    if (output.size() < 4096) output.append(buf, static_cast<size_t>(r));
  }
  close(out[0]);
  if (timed_out) kill(pid, SIGKILL);
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
