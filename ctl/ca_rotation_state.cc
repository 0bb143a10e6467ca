#include "ctl/ca_rotation_state.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace rotagent::ctl {
namespace {

using nlohmann::json;

json StepJson(const CaRotationStep& s) {
  return {{"action", s.action},      {"phase", s.phase},     {"label", s.label},
          {"intent", s.intent},      {"resumes", s.resumes}, {"operations", s.operations},
          {"converged", s.converged}};
}

CaRotationStep StepFrom(const json& j) {
  CaRotationStep s;
  s.action = j.at("action");
  s.phase = j.at("phase");
  s.label = j.at("label");
  s.intent = j.value("intent", 0);
  s.resumes = j.value("resumes", 0);
  s.operations = j.value("operations", std::vector<std::string>{});
  s.converged = j.value("converged", std::vector<std::string>{});
  return s;
}

}  // namespace

std::filesystem::path CaRotationPath(const Inventory& inv) {
  return inv.state_dir / "ca-rotation.json";
}

Result<std::optional<CaRotation>> LoadCaRotation(const Inventory& inv) {
  const auto path = CaRotationPath(inv);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<CaRotation>();
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  try {
    const json j = json::parse(*text);
    CaRotation r;
    r.id = j.at("id");
    r.state = j.at("state");
    r.started = j.at("started");
    r.ended = j.value("ended", int64_t{0});
    r.old_ca_pem = j.at("oldCa");
    r.new_ca_pem = j.at("newCa");
    for (const auto& i : j.at("clientIdentities")) {
      r.identities.push_back({i.at("cert").get<std::string>(), i.at("key").get<std::string>()});
    }
    for (const auto& s : j.at("steps")) r.steps.push_back(StepFrom(s));
    if (r.steps.empty() || (r.state != "open" && r.state != "done" && r.state != "abandoned")) {
      return Internal(path.string() + " is damaged: no steps or an unknown state");
    }
    return std::optional<CaRotation>(std::move(r));
  } catch (const json::exception& e) {
    return Internal(path.string() + " is damaged: " + e.what());
  }
}

Status SaveCaRotation(const Inventory& inv, const CaRotation& r) {
  json ids = json::array(), steps = json::array();
  for (const auto& i : r.identities) ids.push_back({{"cert", i.cert}, {"key", i.key}});
  for (const auto& s : r.steps) steps.push_back(StepJson(s));
  const json j = {{"id", r.id},
                  {"state", r.state},
                  {"started", r.started},
                  {"ended", r.ended},
                  {"oldCa", r.old_ca_pem},
                  {"newCa", r.new_ca_pem},
                  {"clientIdentities", ids},
                  {"steps", steps}};
  ROTAGENT_RETURN_IF_ERROR(MakeDirs(inv.state_dir, 0700));
  return WriteFileAtomic(CaRotationPath(inv), j.dump(2) + "\n", 0600);
}

Status CheckNoOpenCaRotation(const Inventory& inv) {
  auto r = LoadCaRotation(inv);
  if (!r.ok()) return r.status();
  if (*r && (*r)->open()) {
    return FailedPrecondition("CA rotation " + (*r)->id + " is open (phase " +
                              std::to_string((*r)->step().phase) +
                              "): certificates are issued by its phases only; finish it with "
                              "`rotctl ca rotate advance` or undo it with `rotctl ca rotate "
                              "rollback` (docs/pki.md)");
  }
  return Status::Ok();
}

std::vector<ClientIdentity> ClientIdentities(const Inventory& inv) {
  std::vector<ClientIdentity> out;
  if (auto r = LoadCaRotation(inv); r.ok() && *r) out = (*r)->identities;
  out.push_back({inv.client_cert, inv.client_key});
  return out;
}

std::string CaRotationRoots(const Inventory& inv) {
  auto r = LoadCaRotation(inv);
  if (!r.ok() || !*r || !(*r)->open()) return "";
  return (*r)->new_ca_pem;
}

}  // namespace rotagent::ctl
