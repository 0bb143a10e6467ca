#include "ctl/prometheus.h"

#include <ctime>
#include <map>
#include <sstream>
#include <vector>

namespace rotagent::ctl {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

int64_t ParseRfc3339(const std::string& text) {
  tm t{};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &t) == nullptr) return 0;
  return timegm(&t);
}

// One metric family: HELP and TYPE once, then its samples, as the format requires.
class Family {
 public:
  Family(std::string name, std::string type, std::string help)
      : name_(std::move(name)), type_(std::move(type)), help_(std::move(help)) {}
  void Add(const Labels& labels, double value) {
    std::ostringstream line;
    line << name_;
    if (!labels.empty()) {
      line << "{";
      for (size_t i = 0; i < labels.size(); ++i) {
        line << (i ? "," : "") << labels[i].first << "=\"" << EscapeLabel(labels[i].second) << "\"";
      }
      line << "}";
    }
    line.precision(15);
    line << " " << value << "\n";
    samples_ += line.str();
  }
  void Write(std::string& out) const {
    out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " " + type_ + "\n" + samples_;
  }

 private:
  std::string name_, type_, help_, samples_;
};

}  // namespace

std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string CredentialMetrics(const FabricStatus& s, int64_t now) {
  Family up("rotagent_device_up", "gauge",
            "1 if the device's agent answered over gNMI, 0 if it could not be asked.");
  Family expiry("rotagent_credential_expiry_timestamp_seconds", "gauge",
                "When the certificate expires, in seconds since the epoch.");
  Family left("rotagent_credential_expiry_remaining_seconds", "gauge",
              "Seconds until the certificate expires (negative once expired).");
  Family days("rotagent_credential_expiry_remaining_days", "gauge",
              "Whole days until the certificate expires (negative once expired).");
  Family sync("rotagent_credential_in_sync", "gauge",
              "1 if the device reports the credential InSync, else 0.");
  Family rotated("rotagent_credential_last_rotation_timestamp_seconds", "gauge",
                 "When the credential was last rotated on the device, in seconds since the "
                 "epoch (absent if never rotated there).");
  for (const auto& name : s.unreachable) up.Add({{"fabric", s.fabric}, {"device", name}}, 0);
  for (const auto& d : s.devices) {
    up.Add({{"fabric", s.fabric}, {"device", d.device}}, 1);
    for (const auto& c : d.credentials) {
      const Labels l = {
          {"fabric", s.fabric}, {"device", d.device}, {"credential", c.name}, {"type", c.type}};
      sync.Add(l, c.synchronization_status == "InSync" ? 1 : 0);
      if (c.last_rotation_time > 0) rotated.Add(l, static_cast<double>(c.last_rotation_time));
      const int64_t t = c.expire_time.empty() ? 0 : ParseRfc3339(c.expire_time);
      if (t == 0) continue;
      expiry.Add(l, static_cast<double>(t));
      left.Add(l, static_cast<double>(t - now));
      // Floor division: a certificate 1 s past its end has -1 days left, not 0.
      const int64_t secs = t - now;
      days.Add(l, static_cast<double>(secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400)));
    }
  }
  std::string out;
  for (const Family* f : {&up, &expiry, &left, &days, &sync, &rotated}) f->Write(out);
  return out;
}

std::string FabricMetrics(const Inventory& inv, const FabricStatus& s, int64_t now) {
  const Labels fabric = {{"fabric", s.fabric}};
  Family sets("rotagent_fabric_password_sets", "gauge",
              "Distinct password sets the fabric's devices hold (1 when converged).");
  sets.Add(fabric, static_cast<double>(s.unique_password_sets));
  Family max_sets("rotagent_fabric_password_sets_max", "gauge",
                  "max_password_versions: at this many sets a password rotation is refused.");
  max_sets.Add(fabric, inv.max_password_versions);
  Family guard("rotagent_fabric_guardrail_blocking", "gauge",
               "1 while the named guardrail refuses rotations, else 0.");
  guard.Add({{"fabric", s.fabric}, {"guardrail", "administrative_lock"}},
            inv.administrative_lock ? 1 : 0);
  guard.Add({{"fabric", s.fabric}, {"guardrail", "upgrade"}}, inv.upgrade_status == "none" ? 0 : 1);
  guard.Add({{"fabric", s.fabric}, {"guardrail", "password_sets"}},
            static_cast<int>(s.unique_password_sets) >= inv.max_password_versions ? 1 : 0);
  Family devices("rotagent_fabric_devices", "gauge", "Devices of the fabric by sync state.");
  const std::map<std::string, size_t> by_state = {{"in_sync", s.in_sync.size()},
                                                  {"out_of_sync", s.out_of_sync.size()},
                                                  {"unreachable", s.unreachable.size()},
                                                  {"skipped", s.skipped.size()}};
  for (const auto& [state, n] : by_state) {
    devices.Add({{"fabric", s.fabric}, {"state", state}}, static_cast<double>(n));
  }
  Family last("rotagent_fabric_last_rotation_timestamp_seconds", "gauge",
              "When a credential of the fabric was last rotated, in seconds since the epoch.");
  if (s.last_rotation_time > 0) last.Add(fabric, static_cast<double>(s.last_rotation_time));
  std::string out;
  for (const Family* f : {&sets, &max_sets, &guard, &devices, &last}) f->Write(out);
  return out + CredentialMetrics(s, now);
}

}  // namespace rotagent::ctl
