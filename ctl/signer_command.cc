#include "ctl/signer_command.h"

#include "ctl/bounded_process.h"

namespace rotagent::ctl {
namespace {

// The program's own words, on one line and short, for an error message.
std::string Excerpt(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 300)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.empty() ? "" : ": " + out;
}

}  // namespace

Result<std::string> CommandSigner::Sign(const std::string& csr_pem, const LeafSpec& spec) const {
  std::string dns;
  for (const auto& d : spec.dns_names) dns += (dns.empty() ? "" : ",") + d;
  const std::vector<std::string> env = {
      "ROTCTL_CN=" + spec.common_name, "ROTCTL_DNS=" + dns,
      std::string("ROTCTL_USAGE=") + (spec.server ? "server" : "client"),
      "ROTCTL_DAYS=" + std::to_string(spec.days)};
  auto run =
      RunBounded(config_.command, csr_pem, env, {.timeout_seconds = config_.timeout_seconds});
  if (!run.ok()) return run.status().WithContext("signer " + Describe());
  if (run->exit_code != 0) {
    return Unavailable("signer " + Describe() +
                       (run->exit_code < 0
                            ? " was killed by a signal"
                            : " exited with status " + std::to_string(run->exit_code)) +
                       Excerpt(run->err));
  }
  if (run->out.empty()) return Unavailable("signer " + Describe() + " printed no certificate");
  return std::move(run->out);
}

}  // namespace rotagent::ctl
