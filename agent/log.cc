#include "agent/log.h"

#include <grpc/support/log.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace rotagent {
namespace {

// gRPC logs handshake failures from probes and rejected clients; keep them at debug.
void GrpcLog(gpr_log_func_args* args) {
  auto level =
      args->severity == GPR_LOG_SEVERITY_ERROR ? spdlog::level::debug : spdlog::level::trace;
  spdlog::log(level, "grpc: {}", args->message);
}

}  // namespace

void SetupLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("rotagentd");
  // Under journald the timestamp is added by the journal; on a terminal show it.
  logger->set_pattern(isatty(STDERR_FILENO) ? "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v" : "<%l> %v");
  spdlog::set_default_logger(logger);
  SetLogLevel(level);
  gpr_set_log_function(GrpcLog);
  gpr_set_log_verbosity(GPR_LOG_SEVERITY_DEBUG);
}

void SetLogLevel(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

}  // namespace rotagent
