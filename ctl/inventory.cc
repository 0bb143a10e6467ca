#include "ctl/inventory.h"

#include <algorithm>
#include <set>

#include "common/atomic_file.h"
#include "common/yaml_reader.h"

namespace rotagent::ctl {
namespace {

bool IsName(const std::string& s) {
  return !s.empty() &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-._") == std::string::npos;
}

// A list of profile references, each naming a profile that exists.
std::vector<std::string> Refs(const Reader& r, const YAML::Node& n, const std::string& key,
                              const std::set<std::string>& known, const char* what) {
  std::vector<std::string> out = r.List(n, key);
  for (const auto& x : out) {
    if (known.count(x) == 0) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      r.Fail(n, key, "no " + std::string(what) + " '" + x + "' (defined: " + list + ")");
    }
  }
  return out;
}

void ParsePlans(const Reader& r, const YAML::Node& root, Inventory& inv) {
  std::set<std::string> certs, passwords;
  for (const auto& p : inv.certificate_profiles) certs.insert(p.id);
  for (const auto& p : inv.password_profiles) passwords.insert(p.name);
  const YAML::Node plans = At(root, "plans");
  if (!plans.IsDefined() || plans.IsNull()) return;
  if (!plans.IsMap()) r.Fail(plans, "plans", "expected a mapping of role -> plan");
  for (const auto& kv : plans) {
    const std::string role = kv.first.as<std::string>();
    const std::string key = "plans." + role;
    if (!IsName(role)) r.Fail(kv.first, key, "a role is lower-case letters, digits, '-', '.', '_'");
    r.AllowKeys(kv.second, key, {"certificates", "passwords"});
    inv.plans[role] = {
        Refs(r, At(kv.second, "certificates"), key + ".certificates", certs, "certificate profile"),
        Refs(r, At(kv.second, "passwords"), key + ".passwords", passwords, "password profile")};
  }
}

void ParseRetry(const Reader& r, const YAML::Node& n, RetryPolicy& retry) {
  if (!n.IsDefined() || n.IsNull()) return;
  r.AllowKeys(n, "retry", {"max_attempts", "initial_backoff_ms", "max_backoff_ms"});
  retry.max_attempts =
      r.Int(At(n, "max_attempts"), "retry.max_attempts", retry.max_attempts, 1, 20);
  retry.initial_backoff_ms = r.Int(At(n, "initial_backoff_ms"), "retry.initial_backoff_ms",
                                   retry.initial_backoff_ms, 1, 600000);
  retry.max_backoff_ms =
      r.Int(At(n, "max_backoff_ms"), "retry.max_backoff_ms", retry.max_backoff_ms, 1, 3600000);
  if (retry.max_backoff_ms < retry.initial_backoff_ms) {
    r.Fail(At(n, "max_backoff_ms"), "retry.max_backoff_ms",
           "must not be below retry.initial_backoff_ms");
  }
}

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
                                "devices",
                                "features",
                                "plans",
                                "strict_preflight",
                                "retry"};
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
      r.AllowKeys(pp[i], key, {"name", "account", "feature"});
      PasswordProfile p{r.Required(pp[i], "name", key + ".name"),
                        r.Required(pp[i], "account", key + ".account"),
                        r.Str(At(pp[i], "feature"), key + ".feature", "")};
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
  inv.strict_preflight = r.Bool(At(root, "strict_preflight"), "strict_preflight", false);
  ParseRetry(r, At(root, "retry"), inv.retry);
  for (const auto& f : r.List(At(root, "features"), "features")) inv.features.insert(f);
  ParsePlans(r, root, inv);
  std::set<std::string> cert_ids, password_names;
  for (const auto& p : inv.certificate_profiles) cert_ids.insert(p.id);
  for (const auto& p : inv.password_profiles) password_names.insert(p.name);
  const YAML::Node devices = At(root, "devices");
  if (!devices.IsSequence() || devices.size() == 0) {
    r.Fail(devices, "devices", "expected a non-empty list of devices");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < devices.size(); ++i) {
    const YAML::Node dev = devices[i];
    const std::string key = "devices[" + std::to_string(i) + "]";
    r.AllowKeys(dev, key, {"name", "address", "role", "admin_state", "certificates", "passwords"});
    Device d{r.Required(dev, "name", key + ".name"), r.Required(dev, "address", key + ".address"),
             r.Str(At(dev, "role"), key + ".role", "switch"),
             r.Str(At(dev, "admin_state"), key + ".admin_state", "enabled")};
    if (!names.insert(d.name).second) r.Fail(At(dev, "name"), key + ".name", "duplicate device");
    if (!inv.plans.empty() && inv.plans.count(d.role) == 0) {
      std::string roles;
      for (const auto& [role, plan] : inv.plans) roles += (roles.empty() ? "" : ", ") + role;
      r.Fail(At(dev, "role"), key + ".role",
             "no plan for role '" + d.role + "' (plans: " + roles + ")");
    }
    if (!IsName(d.role)) {
      r.Fail(At(dev, "role"), key + ".role", "a role is lower-case letters, digits, '-', '.', '_'");
    }
    if (At(dev, "certificates").IsDefined()) {
      d.certificates =
          Refs(r, At(dev, "certificates"), key + ".certificates", cert_ids, "certificate profile");
    }
    if (At(dev, "passwords").IsDefined()) {
      d.passwords =
          Refs(r, At(dev, "passwords"), key + ".passwords", password_names, "password profile");
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

ResolvedPlan Inventory::PlanFor(const Device& device) const {
  const auto plan = plans.find(device.role);
  const std::vector<std::string>* certs = device.certificates ? &*device.certificates : nullptr;
  const std::vector<std::string>* passwords = device.passwords ? &*device.passwords : nullptr;
  if (plan != plans.end()) {
    if (certs == nullptr) certs = &plan->second.certificates;
    if (passwords == nullptr) passwords = &plan->second.passwords;
  }
  ResolvedPlan out;
  // In the inventory's order, so every device pushes its profiles in the same order.
  for (const auto& p : certificate_profiles) {
    if (certs == nullptr || std::find(certs->begin(), certs->end(), p.id) != certs->end()) {
      out.certificates.push_back(p);
    }
  }
  for (const auto& p : password_profiles) {
    if (!Active(p)) continue;
    if (passwords == nullptr ||
        std::find(passwords->begin(), passwords->end(), p.name) != passwords->end()) {
      out.passwords.push_back(p);
    }
  }
  return out;
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
