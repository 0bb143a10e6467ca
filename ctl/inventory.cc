#include "ctl/inventory.h"

#include <set>

#include "common/atomic_file.h"
#include "common/yaml_reader.h"

namespace rotagent::ctl {
namespace {

Inventory Parse(const std::string& text, const std::string& source) {
  const Reader r(source);
  const YAML::Node root = YAML::Load(text);
  std::set<std::string> keys = {"fabric",
                                "client",
                                "trust_bundle",
                                "server_name",
                                "ca_dir",
                                "state_dir",
                                "certificate_days",
                                "certificate_profiles",
                                "password_profiles",
                                "administrative_lock",
                                "upgrade_status",
                                "max_password_versions",
                                "devices"};
  keys.insert(std::begin(kPkiKeys), std::end(kPkiKeys));
  r.AllowKeys(root, "", keys);
  Inventory inv;
  inv.source = source;
  inv.fabric = r.Required(root, "fabric", "fabric");
  const YAML::Node client = At(root, "client");
  r.AllowKeys(client, "client", {"cert", "key"});
  inv.client_cert = r.Required(client, "cert", "client.cert");
  inv.client_key = r.Required(client, "key", "client.key");
  inv.trust_bundle = r.Required(root, "trust_bundle", "trust_bundle");
  inv.server_name = r.Str(At(root, "server_name"), "server_name", inv.server_name);
  inv.ca_dir = r.Str(At(root, "ca_dir"), "ca_dir", "rotctl-ca");
  inv.state_dir = r.Str(At(root, "state_dir"), "state_dir", "rotctl-state");
  inv.certificate_days =
      r.Int(At(root, "certificate_days"), "certificate_days", inv.certificate_days, 1, 3650);
  if (const YAML::Node cp = At(root, "certificate_profiles"); cp.IsDefined() && !cp.IsNull()) {
    if (!cp.IsSequence()) r.Fail(cp, "certificate_profiles", "expected a list");
    for (size_t i = 0; i < cp.size(); ++i) {
      const std::string key = "certificate_profiles[" + std::to_string(i) + "]";
      r.AllowKeys(cp[i], key, {"id", "role"});
      CertificateProfile p{r.Required(cp[i], "id", key + ".id"),
                           r.Str(At(cp[i], "role"), key + ".role", "server")};
      if (p.role != "server" && p.role != "client") {
        r.Fail(At(cp[i], "role"), key + ".role", "must be server or client");
      }
      inv.certificate_profiles.push_back(std::move(p));
    }
  } else {
    inv.certificate_profiles.push_back({});
  }
  std::set<std::string> profile_names;
  if (const YAML::Node pp = At(root, "password_profiles"); pp.IsDefined() && !pp.IsNull()) {
    if (!pp.IsSequence()) r.Fail(pp, "password_profiles", "expected a list");
    for (size_t i = 0; i < pp.size(); ++i) {
      const std::string key = "password_profiles[" + std::to_string(i) + "]";
      r.AllowKeys(pp[i], key, {"name", "account"});
      PasswordProfile p{r.Required(pp[i], "name", key + ".name"),
                        r.Required(pp[i], "account", key + ".account")};
      // The name becomes a directory of the secret store.
      if (p.name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789_.-") != std::string::npos ||
          p.name[0] == '.') {
        r.Fail(At(pp[i], "name"), key + ".name", "only letters, digits, '_', '.' and '-'");
      }
      if (!profile_names.insert(p.name).second) {
        r.Fail(At(pp[i], "name"), key + ".name", "duplicate password profile");
      }
      inv.password_profiles.push_back(std::move(p));
    }
  }
  inv.administrative_lock = r.Bool(At(root, "administrative_lock"), "administrative_lock", false);
  inv.upgrade_status = r.Str(At(root, "upgrade_status"), "upgrade_status", "none");
  if (inv.upgrade_status != "none" && inv.upgrade_status != "in-progress" &&
      inv.upgrade_status != "failed") {
    r.Fail(At(root, "upgrade_status"), "upgrade_status", "must be none, in-progress or failed");
  }
  inv.max_password_versions = r.Int(At(root, "max_password_versions"), "max_password_versions",
                                    inv.max_password_versions, 1, 16);
  const YAML::Node devices = At(root, "devices");
  if (!devices.IsSequence() || devices.size() == 0) {
    r.Fail(devices, "devices", "expected a non-empty list of devices");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < devices.size(); ++i) {
    const YAML::Node dev = devices[i];
    const std::string key = "devices[" + std::to_string(i) + "]";
    r.AllowKeys(dev, key, {"name", "address", "role", "admin_state"});
    Device d{r.Required(dev, "name", key + ".name"), r.Required(dev, "address", key + ".address"),
             r.Str(At(dev, "role"), key + ".role", "switch"),
             r.Str(At(dev, "admin_state"), key + ".admin_state", "enabled")};
    if (!names.insert(d.name).second) r.Fail(At(dev, "name"), key + ".name", "duplicate device");
    if (d.role != "switch" && d.role != "terminal-server") {
      r.Fail(At(dev, "role"), key + ".role", "must be switch or terminal-server");
    }
    if (d.admin_state != "enabled" && d.admin_state != "disabled" && d.admin_state != "rma" &&
        d.admin_state != "maintenance") {
      r.Fail(At(dev, "admin_state"), key + ".admin_state",
             "must be enabled, disabled, rma or maintenance");
    }
    inv.devices.push_back(std::move(d));
  }
  inv.pki = ParsePkiConfig(r, root);
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
    for (auto* p :
         {&inv.client_cert, &inv.client_key, &inv.trust_bundle, &inv.ca_dir, &inv.state_dir}) {
      if (p->is_relative()) *p = path.parent_path() / *p;
    }
    ResolvePkiPaths(inv.pki, path.parent_path(), inv.state_dir);
    return inv;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(path.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const YamlError& e) {
    return InvalidArgument(e.what());
  }
}

}  // namespace rotagent::ctl
