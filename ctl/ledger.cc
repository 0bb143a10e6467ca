#include "ctl/ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/atomic_file.h"

namespace rotagent::ctl {
namespace {

// Holds an flock for the lifetime of a read-modify-write.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path)
      : fd_(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0 && flock(fd_, LOCK_EX) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() {
    if (fd_ >= 0) close(fd_);
  }
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

LedgerData FromJson(const nlohmann::json& j) {
  LedgerData l;
  l.last_operation = j.value("lastOperation", "");
  // items() iterates in place: every object it walks is bound to a name first.
  const nlohmann::json devices = j.value("devices", nlohmann::json::object());
  for (const auto& [name, d] : devices.items()) {
    DeviceEntry& e = l.devices[name];
    e.last_seen = d.value("lastSeen", int64_t{0});
    e.last_error = d.value("lastError", "");
    const nlohmann::json credentials = d.value("credentials", nlohmann::json::object());
    for (const auto& [cred, c] : credentials.items()) {
      e.credentials[cred] = {c.value("wanted", ""), c.value("acknowledged", ""),
                             c.value("acknowledgedAt", int64_t{0}), c.value("resync", false)};
    }
  }
  const nlohmann::json history = j.value("history", nlohmann::json::object());
  for (const CredentialClass cls : {CredentialClass::kCertificates, CredentialClass::kPasswords}) {
    const nlohmann::json h = history.value(std::string(Name(cls)), nlohmann::json::object());
    if (h.empty()) continue;
    ClassHistory& out = l.history[cls];
    out.last_operation = h.value("lastOperation", "");
    const nlohmann::json outcomes = h.value("devices", nlohmann::json::object());
    for (const auto& [name, d] : outcomes.items()) {
      const auto state = ParseDeviceState(d.value("state", ""));
      if (!state) continue;
      out.devices[name] = {*state, d.value("operation", ""), d.value("detail", "")};
    }
  }
  return l;
}

}  // namespace

nlohmann::json LedgerJson(const LedgerData& l) {
  nlohmann::json devices = nlohmann::json::object();
  for (const auto& [name, e] : l.devices) {
    nlohmann::json creds = nlohmann::json::object();
    for (const auto& [cred, c] : e.credentials) {
      creds[cred] = {{"wanted", c.wanted},
                     {"acknowledged", c.acknowledged},
                     {"acknowledgedAt", c.acknowledged_at},
                     {"resync", c.resync}};
    }
    devices[name] = {
        {"lastSeen", e.last_seen}, {"lastError", e.last_error}, {"credentials", creds}};
  }
  nlohmann::json history = nlohmann::json::object();
  for (const auto& [cls, h] : l.history) {
    nlohmann::json ds = nlohmann::json::object();
    for (const auto& [name, r] : h.devices) {
      ds[name] = {{"state", Name(r.state)}, {"operation", r.operation}, {"detail", r.detail}};
    }
    history[std::string(Name(cls))] = {{"lastOperation", h.last_operation}, {"devices", ds}};
  }
  return {{"lastOperation", l.last_operation}, {"devices", devices}, {"history", history}};
}

Result<LedgerData> Ledger::Load() const {
  auto text = ReadFile(path_);
  if (!text.ok()) return LedgerData{};
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return Internal(path_.string() + " is damaged (not a JSON object)");
  try {
    return FromJson(j);
  } catch (const nlohmann::json::exception& e) {
    return Internal(path_.string() + " is damaged: " + e.what());
  }
}

Status Ledger::Update(const std::function<void(LedgerData&)>& change) const {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(path_.parent_path(), 0700));
  const FileLock lock(lock_);
  if (!lock.held()) return Internal("cannot lock " + lock_.string());
  auto l = Load();
  if (!l.ok()) return l.status();
  change(*l);
  return WriteFileAtomic(path_, LedgerJson(*l).dump(2) + "\n", 0600);
}

void RecordOutcomes(LedgerData& l, const Operation& op) {
  l.last_operation = op.id;
  ClassHistory& h = l.history[ClassOf(op.kind)];
  h.last_operation = op.id;
  for (const auto& d : op.devices) {
    if (d.status == DeviceState::kPending || d.status == DeviceState::kInProgress) continue;
    if (d.status == DeviceState::kSkipped && d.detail == kAlreadyInSync &&
        h.devices.count(d.device)) {
      continue;
    }
    h.devices[d.device] = {d.status == DeviceState::kSkipped && d.detail == kAlreadyInSync
                               ? DeviceState::kSucceeded
                               : d.status,
                           op.id, d.detail};
  }
}

}  // namespace rotagent::ctl
