#include "tests/support/sshd_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/run_command.h"

namespace rotagent::testing {
namespace fs = std::filesystem;

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("no free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

SshdProcess::SshdProcess(fs::path dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_ / "sshd_config.d");
  // An RSA base key, so host keys the agent installs (Ed25519, ECDSA) are told apart by type.
  const std::string key = (dir_ / "base_host_key").string();
  if (RunCommand({"ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "", "-f", key}) !=
      0) {
    throw std::runtime_error("ssh-keygen failed");
  }
  port_ = FreePort();
  // The agent's fragment comes first: for most keywords sshd keeps the first value it reads.
  std::ofstream(config()) << "Include " << (dir_ / "sshd_config.d").string() << "/*.conf\n"
                          << "Port " << port_ << "\n"
                          << "ListenAddress 127.0.0.1\n"
                          << "HostKey " << key << "\n"
                          << "PidFile " << pid_file().string() << "\n"
                          << "UsePAM yes\n"
                          << "PasswordAuthentication yes\n"
                          << "KbdInteractiveAuthentication no\n"
                          << "PubkeyAuthentication yes\n"
                          << "AuthorizedKeysFile .ssh/authorized_keys\n"
                          // The agent's default; StrictModes refuses a path under /tmp.
                          << "AuthorizedPrincipalsFile /etc/ssh/rotagent/authorized_principals/%u\n"
                          << "StrictModes yes\n"
                          << "MaxStartups 100\n";
  notify_ = std::make_unique<NotifySocket>(dir_ / "notify.sock");
}

SshdProcess::~SshdProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

std::string SshdProcess::Log() const {
  std::stringstream ss;
  ss << std::ifstream(dir_ / "sshd.log").rdbuf();
  return ss.str();
}

void SshdProcess::Start() {
  const std::string cfg = config().string();
  const std::string log = (dir_ / "sshd.log").string();
  const std::string notify = "NOTIFY_SOCKET=" + notify_->path().string();
  pid_ = fork();
  if (pid_ == 0) {
    FILE* f = std::freopen(log.c_str(), "a", stderr);
    (void)f;
    putenv(const_cast<char*>(notify.c_str()));
    // sshd re-executes itself on SIGHUP, which needs the absolute path.
    execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", cfg.c_str(), nullptr);
    _exit(127);
  }
  if (!notify_->Wait("READY=1", std::chrono::seconds(20))) {
    throw std::runtime_error("sshd not READY:\n" + Log());
  }
}

}  // namespace rotagent::testing
