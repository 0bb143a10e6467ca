#include "ctl/inventory.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "common/atomic_file.h"

namespace rotagent::ctl {
namespace {

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}
  [[noreturn]] void Fail(const YAML::Node& n, const std::string& key,
                         const std::string& msg) const {
    std::string where = source_;
    if (n.IsDefined() && n.Mark().line >= 0) where += ":" + std::to_string(n.Mark().line + 1);
    throw std::runtime_error(where + ": " + key + ": " + msg);
  }
  std::string Str(const YAML::Node& map, const char* key, const std::string& path,
                  const std::string& fallback, bool required = false) const {
    const YAML::Node n = map.IsMap() ? map[key] : YAML::Node();
    if (!n.IsDefined() || n.IsNull()) {
      if (required) Fail(map, path + key, "is required");
      return fallback;
    }
    if (!n.IsScalar()) Fail(n, path + key, "expected a string");
    return n.as<std::string>();
  }
  void Allow(const YAML::Node& map, const std::string& path,
             const std::set<std::string>& keys) const {
    if (!map.IsDefined() || map.IsNull()) return;
    if (!map.IsMap()) Fail(map, path, "expected a mapping");
    for (const auto& kv : map) {
      const auto k = kv.first.as<std::string>();
      if (keys.count(k) == 0) Fail(kv.first, path.empty() ? k : path + "." + k, "unknown key");
    }
  }

 private:
  std::string source_;
};

Inventory Parse(const std::string& text, const std::string& source) {
  const Reader r(source);
  YAML::Node root = YAML::Load(text);
  r.Allow(root, "",
          {"fabric", "client", "trust_bundle", "server_name", "ca_dir", "password_profiles",
           "devices"});
  Inventory inv;
  inv.source = source;
  inv.fabric = r.Str(root, "fabric", "", "", true);
  const YAML::Node client = root["client"];
  r.Allow(client, "client", {"cert", "key"});
  inv.client_cert = r.Str(client, "cert", "client.", "", true);
  inv.client_key = r.Str(client, "key", "client.", "", true);
  inv.trust_bundle = r.Str(root, "trust_bundle", "", "", true);
  inv.server_name = r.Str(root, "server_name", "", inv.server_name);
  inv.ca_dir = r.Str(root, "ca_dir", "", "rotctl-ca");
  if (const YAML::Node pp = root["password_profiles"]; pp.IsDefined() && !pp.IsNull()) {
    if (!pp.IsSequence()) r.Fail(pp, "password_profiles", "expected a list");
    for (size_t i = 0; i < pp.size(); ++i) {
      const std::string key = "password_profiles[" + std::to_string(i) + "].";
      r.Allow(pp[i], key, {"name", "account"});
      inv.password_profiles.push_back(
          {r.Str(pp[i], "name", key, "", true), r.Str(pp[i], "account", key, "", true)});
    }
  }
  const YAML::Node devices = root["devices"];
  if (!devices.IsSequence() || devices.size() == 0) {
    r.Fail(devices, "devices", "expected a non-empty list of devices");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < devices.size(); ++i) {
    const std::string key = "devices[" + std::to_string(i) + "].";
    r.Allow(devices[i], key, {"name", "address", "role", "admin_state"});
    Device d{r.Str(devices[i], "name", key, "", true), r.Str(devices[i], "address", key, "", true),
             r.Str(devices[i], "role", key, "switch"),
             r.Str(devices[i], "admin_state", key, "enabled")};
    if (!names.insert(d.name).second) r.Fail(devices[i]["name"], key + "name", "duplicate device");
    if (d.role != "switch" && d.role != "terminal-server") {
      r.Fail(devices[i]["role"], key + "role", "must be switch or terminal-server");
    }
    if (d.admin_state != "enabled" && d.admin_state != "disabled" && d.admin_state != "rma" &&
        d.admin_state != "maintenance") {
      r.Fail(devices[i]["admin_state"], key + "admin_state",
             "must be enabled, disabled, rma or maintenance");
    }
    inv.devices.push_back(std::move(d));
  }
  return inv;
}

}  // namespace

const Device* Inventory::Find(const std::string& name) const {
  for (const auto& d : devices) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

Result<Inventory> LoadInventory(const std::filesystem::path& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status().WithContext("inventory");
  try {
    Inventory inv = Parse(*text, path.string());
    // Relative paths are relative to the inventory file.
    for (auto* p : {&inv.client_cert, &inv.client_key, &inv.trust_bundle, &inv.ca_dir}) {
      if (p->is_relative()) *p = path.parent_path() / *p;
    }
    return inv;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(path.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const std::runtime_error& e) {
    return InvalidArgument(e.what());
  }
}

}  // namespace rotagent::ctl
