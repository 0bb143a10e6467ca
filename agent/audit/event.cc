#include "agent/audit/event.h"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace rotagent::audit {

const char* CodeName(int code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : "UNKNOWN";
}

namespace {

// RFC 3339 in UTC with milliseconds: what journald and log shippers sort on.
std::string Rfc3339(int64_t ns) {
  const time_t secs = static_cast<time_t>(ns / 1000000000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>((ns / 1000000) % 1000));
  return buf;
}

}  // namespace

std::string ToJson(const Event& e) {
  nlohmann::ordered_json j;
  j["time"] = Rfc3339(e.time_ns);
  j["event"] = e.event;
  j["rpc"] = e.rpc;
  j["client"] = e.client;
  j["peer"] = e.peer;
  j["target"] = e.target;
  j["version_before"] = e.version_before;
  j["version_after"] = e.version_after;
  j["outcome"] = e.outcome;
  if (!e.cause.empty()) j["cause"] = e.cause;
  j["code"] = CodeName(e.code);
  j["message"] = e.message;
  // Replace, not throw, on invalid UTF-8 (a client-sent name): the record must still be written.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace rotagent::audit
