#include "ctl/operation.h"

#include <openssl/rand.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

#include "common/atomic_file.h"
#include "ctl/device_status.h"

namespace rotagent::ctl {
namespace {

bool ValidId(const std::string& id) {
  return !id.empty() && id.size() < 64 &&
         id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
}

}  // namespace

nlohmann::json OperationJson(const Operation& op) {
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d : op.devices) {
    nlohmann::json j = {{"device", d.device},
                        {"status", Name(d.status)},
                        {"seconds", d.seconds},
                        {"attempts", d.attempts}};
    if (!d.detail.empty()) j["detail"] = d.detail;
    if (d.preflight_failed) j["preflightFailed"] = true;
    if (d.not_before != 0) j["notBefore"] = RenderTime(d.not_before);
    if (d.started != 0) j["started"] = RenderTime(static_cast<int64_t>(d.started));
    devices.push_back(std::move(j));
  }
  nlohmann::json j = {{"id", op.id},
                      {"kind", Name(op.kind)},
                      {"scope", op.scope},
                      {"fabric", op.fabric},
                      {"status", Name(op.status)},
                      {"startTime", RenderTime(op.start_time)},
                      {"endTime", RenderTime(op.end_time)},
                      {"devices", devices}};
  if (!op.error.empty()) j["error"] = op.error;
  if (!op.certificate_version.empty()) j["certificateVersion"] = op.certificate_version;
  if (!op.resync_of.empty()) j["resyncOf"] = op.resync_of;
  if (!op.password_versions.empty()) j["passwordVersions"] = op.password_versions;
  if (!op.ca_step.empty()) j["caRotationStep"] = op.ca_step;
  return j;
}

std::string NewRecordId(std::string_view prefix) {
  const time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  unsigned char r[3];
  RAND_bytes(r, sizeof r);
  char suffix[8];
  snprintf(suffix, sizeof suffix, "%02x%02x%02x", r[0], r[1], r[2]);
  return std::string(prefix) + stamp + "-" + suffix;
}

std::string OperationLog::NewId() { return NewRecordId("op-"); }

Status OperationLog::Save(const Operation& op) const {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(dir_, 0700));
  nlohmann::json j = OperationJson(op);
  j["startTime"] = op.start_time;
  j["endTime"] = op.end_time;
  j["runner"] = op.runner;
  for (size_t i = 0; i < op.devices.size(); ++i) {  // the record keeps times as numbers
    auto& d = j["devices"][i];
    if (op.devices[i].not_before != 0) d["notBefore"] = op.devices[i].not_before;
    if (op.devices[i].started != 0) d["started"] = op.devices[i].started;
  }
  return WriteFileAtomic(dir_ / (op.id + ".json"), j.dump(2) + "\n", 0600);
}

Result<Operation> OperationLog::Load(const std::string& id) const {
  if (!ValidId(id)) return InvalidArgument("'" + id + "' is not an operation id");
  auto text = ReadFile(dir_ / (id + ".json"));
  if (!text.ok()) return NotFound("no operation " + id + " in " + dir_.string());
  try {
    const auto j = nlohmann::json::parse(*text);
    Operation op;
    op.id = j.at("id");
    const auto kind = ParseOperationKind(j.at("kind").get<std::string>());
    const auto status = ParseOperationStatus(j.at("status").get<std::string>());
    if (!kind || !status)
      return Internal("operation record " + id + " has an unknown kind or status");
    op.kind = *kind;
    op.status = *status;
    op.scope = j.at("scope");
    op.fabric = j.at("fabric");
    op.error = j.value("error", "");
    op.start_time = j.at("startTime");
    op.end_time = j.at("endTime");
    op.runner = j.value("runner", 0);
    op.certificate_version = j.value("certificateVersion", "");
    op.resync_of = j.value("resyncOf", "");
    op.password_versions = j.value("passwordVersions", std::map<std::string, int>{});
    op.ca_step = j.value("caRotationStep", "");
    for (const auto& d : j.at("devices")) {
      const auto state = ParseDeviceState(d.at("status").get<std::string>());
      if (!state) return Internal("operation record " + id + " has an unknown device status");
      op.devices.push_back({d.at("device"), *state, d.value("detail", ""), d.value("seconds", 0.0),
                            d.value("attempts", 0), d.value("preflightFailed", false),
                            d.value("notBefore", int64_t{0}), d.value("started", 0.0)});
    }
    if (!op.Done() && op.runner > 0 && kill(op.runner, 0) != 0 && errno == ESRCH) {
      op.status = OperationStatus::kFailed;
      op.error = "the rotctl process running this operation (pid " + std::to_string(op.runner) +
                 ") ended before finishing it";
    }
    return op;
  } catch (const nlohmann::json::exception& e) {
    return Internal("operation record " + id + " is damaged: " + e.what());
  }
}

}  // namespace rotagent::ctl
