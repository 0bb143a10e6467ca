// A strict parser of the Prometheus text exposition format (0.0.4), for tests of rotctl's
// `--output prometheus`: it refuses what Prometheus or promtool would, or should, refuse.
#pragma once

#include <map>
#include <string>

#include "common/status.h"

namespace rotagent::testing {

struct PromMetrics {
  // "name{a=\"x\",b=\"y\"}" (labels sorted) -> value.
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;  // family -> gauge, counter, ...
  std::map<std::string, std::string> help;   // family -> help text
};

// INVALID_ARGUMENT naming the line and the problem: a malformed name, label or value, a sample
// before its family's TYPE, a TYPE or HELP given twice, a family split in two, a duplicate series,
// a repeated label, a counter not ending in _total, a missing final newline.
Result<PromMetrics> ParsePromText(const std::string& text);

}  // namespace rotagent::testing
