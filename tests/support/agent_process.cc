#include "tests/support/agent_process.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace rotagent::testing {
namespace fs = std::filesystem;

// ROTAGENTD_UNDER_TEST runs the tests against another build, e.g. to see an attack succeed on an
// older agent.
std::string AgentBinary() {
  const char* other = std::getenv("ROTAGENTD_UNDER_TEST");
  return other != nullptr && *other != '\0' ? other : ROTAGENTD_PATH;
}

AgentProcess::AgentProcess(fs::path dir, std::string config_yaml) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  config_path_ = dir_ / "agent.yaml";
  std::ofstream(config_path_) << config_yaml;
  notify_ = std::make_unique<NotifySocket>(dir_ / "notify.sock");
}

AgentProcess::AgentProcess(fs::path dir, std::string binary, fs::path config)
    : dir_(std::move(dir)), config_path_(std::move(config)), binary_(std::move(binary)) {
  fs::create_directories(dir_);
  notify_ = std::make_unique<NotifySocket>(dir_ / "notify.sock");
}

AgentProcess::~AgentProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

std::string AgentProcess::Log() const {
  std::ifstream in(dir_ / "agent.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool AgentProcess::WaitNotify(const std::string& token, std::chrono::seconds timeout) {
  return notify_->Wait(token, timeout);
}

void AgentProcess::Start(const std::map<std::string, std::string>& env) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) env_strings.emplace_back(*e);
  }
  env_strings.push_back("NOTIFY_SOCKET=" + (dir_ / "notify.sock").string());
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> cenv;
  for (auto& s : env_strings) cenv.push_back(s.data());
  cenv.push_back(nullptr);
  const std::string bin = binary_.empty() ? AgentBinary() : binary_;
  const std::string cfg = config_path_.string();
  const std::string log = (dir_ / "agent.log").string();
  const std::string etc = private_etc_.string();
  const rlimit fds{fd_limit_, fd_limit_};
  // The agent's children (ogcli runs on the Opengear adapter) outlive a killed agent and may still
  // write into the test's directory: as their subreaper, Stop kills and reaps them too.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    FILE* f = std::freopen(log.c_str(), "a", stderr);
    (void)f;
    if (!etc.empty() && (unshare(CLONE_NEWNS) != 0 ||
                         mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                         mount(etc.c_str(), "/etc", nullptr, MS_BIND, nullptr) != 0)) {
      _exit(126);
    }
    if (fd_limit_ != 0 && setrlimit(RLIMIT_NOFILE, &fds) != 0) _exit(125);
    execle(bin.c_str(), bin.c_str(), "--config", cfg.c_str(), nullptr, cenv.data());
    _exit(127);
  }
  setpgid(pid_, pid_);  // as the child does, whichever runs first
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (WaitNotify("READY=1", std::chrono::seconds(1))) {
      const std::string& status = notify_->last_status();
      port_ = std::stoi(status.substr(status.rfind(':') + 1));
      return;
    }
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      ReapGroup();
      throw std::runtime_error("rotagentd exited before READY:\n" + Log());
    }
  }
  throw std::runtime_error("rotagentd not READY within 30s:\n" + Log());
}

void AgentProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int AgentProcess::Stop(int sig) {
  if (pid_ <= 0) return 0;
  kill(pid_, sig);
  int st = 0;
  waitpid(pid_, &st, 0);
  ReapGroup();
  return st;
}

void AgentProcess::ReapGroup() {
  // The agent is reaped, so its children are ours now: none may outlive the test's checks.
  kill(-pid_, SIGKILL);
  while (waitpid(-pid_, nullptr, 0) > 0) {
  }
  pid_ = -1;
}

int AgentProcess::WaitExit(std::chrono::seconds timeout) {
  if (pid_ <= 0) return 0;
  // A pidfd becomes readable when the process exits.
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (fd < 0) throw std::runtime_error("pidfd_open failed");
  pollfd p{fd, POLLIN, 0};
  int ready = poll(&p, 1, static_cast<int>(timeout.count() * 1000));
  close(fd);
  if (ready <= 0) return Stop(SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  ReapGroup();
  return st;
}

}  // namespace rotagent::testing
