// EOS and Opengear checks for `rotctl validate --platform-checks`, run ON the lab box (where
// rotctl can reach eAPI's unix socket or ogcli) to confirm what public sources could not: how
// this release marks the session waiting on a commit timer, that it keeps one such session,
// the JSON the adapter reads for SSL profile validity, and ogcli's output form and secret
// masking. They leave the box's configuration as they found it.
#pragma once

#include <string>
#include <vector>

#include "ctl/validate.h"

namespace rotagent::ctl {

// `spec`: "eos" (eAPI on /var/run/command-api.sock), "eos:SOCKET", "opengear" (/usr/bin/ogcli)
// or "opengear:OGCLI"; `profile` is the SSL profile checked on EOS. Unknown kinds fail one check
// naming the problem.
std::vector<CheckResult> ValidatePlatform(const std::string& spec, const std::string& profile);

}  // namespace rotagent::ctl
