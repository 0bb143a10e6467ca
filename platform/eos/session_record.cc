#include "platform/eos/session_record.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace rotagent::platform::eos {

Status WriteSessionRecord(const std::filesystem::path& file, const SessionRecord& r) {
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(file.parent_path(), 0700));
  const nlohmann::json j = {{"session", r.session}, {"group", r.group}, {"members", r.members}};
  return WriteFileAtomic(file, j.dump(), 0600);
}

Result<std::optional<SessionRecord>> ReadSessionRecord(const std::filesystem::path& file) {
  auto text = ReadFile(file);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return std::optional<SessionRecord>();
    return text.status().WithContext("eos session record");
  }
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("session") || !j["session"].is_string() ||
      !j.contains("members") || !j["members"].is_object()) {
    return Internal("eos session record " + file.string() + " is malformed");
  }
  SessionRecord r{j["session"], j.value("group", ""), {}};
  for (const auto& [k, v] : j["members"].items()) {
    if (v.is_string()) r.members[k] = v.get<std::string>();
  }
  return std::optional<SessionRecord>(std::move(r));
}

Status RemoveSessionRecord(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::remove(file, ec);
  if (ec) return Internal("cannot remove " + file.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace rotagent::platform::eos
