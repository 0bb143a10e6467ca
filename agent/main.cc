// rotagentd: the on-device credential rotation agent.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstring>
#include <iostream>

#include "agent/config/config.h"
#include "agent/daemon.h"
#include "agent/log.h"

namespace {

constexpr const char* kUsage = R"(usage: rotagentd [--config PATH] [--check-config] [--version]

Runs the rotation agent: gNSI certz over mTLS on the configured listener.

  --config PATH    YAML configuration (schema: config/README.md). Without it the embedded
                   default is used: 127.0.0.1:9339, state in ./var/rotagent, a bootstrap
                   CA and identities generated on first start.
  --check-config   validate the configuration, print a summary and exit (0 valid, 2 invalid)
  --version        print the version and exit
  --help           this text

Signals: SIGHUP reloads the configuration without dropping connections; SIGTERM drains
and exits (open rotations roll back).
)";

}  // namespace

int main(int argc, char** argv) {
  // Keys and passwords pass through this process's memory: no core dump, no ptrace by other
  // processes of the same user, no /proc/<pid>/mem for them.
  struct rlimit no_core {};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  std::string config_path;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = a.substr(9);
    } else if (a == "--check-config") {
      check_only = true;
    } else if (a == "--version") {
      std::cout << "rotagentd " << ROTAGENT_VERSION << "\n";
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "rotagentd: unknown argument '" << a << "'\n" << kUsage;
      return 2;
    }
  }

  auto config = config_path.empty() ? rotagent::Result<rotagent::Config>(rotagent::DefaultConfig())
                                    : rotagent::LoadConfig(config_path);
  if (!config.ok()) {
    std::cerr << "rotagentd: " << config.status().message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << config->source << ": valid (listen " << config->listen << ", state_dir "
              << config->state_dir.string() << ", platform " << config->platform.kind << ", "
              << config->certz.profiles.size() << " configured profiles)\n";
    return 0;
  }

  // Signals are taken synchronously by Daemon::Run; block them before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  umask(077);

  rotagent::SetupLogging(config->log_level);
  rotagent::Daemon daemon(std::move(*config), config_path);
  rotagent::Status s = daemon.Start();
  if (!s.ok()) {
    spdlog::critical("cannot start: {}", s.message());
    return 1;
  }
  daemon.Run();
  return 0;
}
