#include "ctl/renew.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <set>

#include "common/atomic_file.h"
#include "ctl/device_status.h"
#include "ctl/fabric_operations.h"
#include "ctl/fabric_versions.h"
#include "ctl/guardrails.h"
#include "ctl/prometheus.h"

namespace rotagent::ctl {
namespace {

int64_t ParseRfc3339(const std::string& text) {
  tm t{};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &t) == nullptr) return 0;
  return timegm(&t);
}

bool IsLeafOf(const Inventory& inv, const std::string& credential) {
  for (const auto& p : inv.certificate_profiles) {
    if (credential == "profiles/" + p.id + "/chain") return true;
  }
  return false;
}

// node_exporter's textfile collector reads *.prom files whole: written atomically, world-readable.
Status WriteTextfile(const Inventory& inv, const Options& o) {
  if (o.textfile.empty()) return Status::Ok();
  auto target = LoadTarget(inv);
  if (!target.ok()) return target.status();
  const FabricStatus s = FetchFabricStatus(inv, *target, o.concurrency);
  return WriteFileAtomic(o.textfile, FabricMetrics(inv, s, time(nullptr)), 0644)
      .WithContext("--textfile " + o.textfile);
}

void PrintPlan(const std::vector<RenewCandidate>& plan, int64_t now, bool dry_run) {
  std::vector<std::vector<std::string>> rows = {
      {"DEVICE", "CREDENTIAL", "EXPIRES", "LEFT", "DELAY"}};
  for (const auto& c : plan) {
    const double left = c.lifetime > 0 ? 100.0 * static_cast<double>(c.expires - now) /
                                             static_cast<double>(c.lifetime)
                                       : 0;
    char pct[16];
    snprintf(pct, sizeof pct, "%.0f%%", left);
    rows.push_back(
        {c.device, c.credential, RenderTime(c.expires), pct, std::to_string(c.delay) + "s"});
  }
  std::cout << (dry_run ? "would renew" : "renewing") << " " << plan.size() << " certificate(s):\n";
  PrintTable(rows);
}

}  // namespace

Result<double> ParseThreshold(const std::string& text) {
  double v = -1;
  try {
    size_t used = 0;
    const size_t slash = text.find('/');
    if (slash != std::string::npos) {
      const double num = std::stod(text.substr(0, slash), &used);
      if (used != slash) throw std::invalid_argument("numerator");
      const std::string den_text = text.substr(slash + 1);
      const double den = std::stod(den_text, &used);
      if (used != den_text.size() || den == 0) throw std::invalid_argument("denominator");
      v = num / den;
    } else {
      v = std::stod(text, &used);
      if (used != text.size()) throw std::invalid_argument("trailing");
    }
  } catch (const std::exception&) {
    v = -1;
  }
  if (!(v > 0 && v < 1)) {
    return InvalidArgument(
        "--threshold must be a fraction of the lifetime between 0 and 1, "
        "e.g. 1/3 or 0.25, not '" +
        text + "'");
  }
  return v;
}

Result<int64_t> ParseJitter(const std::string& text) {
  size_t used = 0;
  int64_t n = -1;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    n = -1;
  }
  const std::string unit = n < 0 ? "" : text.substr(used);
  int64_t scale = 0;
  if (unit == "s" || (unit.empty() && n == 0)) scale = 1;
  if (unit == "m") scale = 60;
  if (unit == "h") scale = 3600;
  if (n < 0 || scale == 0 || n * scale > int64_t{24} * 3600) {
    return InvalidArgument("--jitter must be a window of up to 24h such as 90s, 15m or 1h, not '" +
                           text + "'");
  }
  return n * scale;
}

int64_t JitterDelay(const std::string& fabric, const std::string& device, int64_t window) {
  if (window <= 0) return 0;
  // FNV-1a: the same delay for a device on every run and every machine.
  uint64_t h = 1469598103934665603ULL;
  for (char c : fabric + "/" + device) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return static_cast<int64_t>(h % static_cast<uint64_t>(window + 1));
}

std::vector<RenewCandidate> PlanRenewal(const Inventory& inv, const FabricStatus& s,
                                        const RenewPolicy& p, int64_t now) {
  std::vector<RenewCandidate> out;
  for (const auto& d : s.devices) {
    const Device* device = inv.Find(d.device);
    if (device == nullptr || device->admin_state != "enabled") continue;
    for (const auto& c : d.credentials) {
      if (!IsLeafOf(inv, c.name) || c.expire_time.empty()) continue;
      const int64_t expires = ParseRfc3339(c.expire_time);
      if (expires == 0) continue;
      int64_t lifetime = int64_t{inv.certificate_days} * 86400;
      if (c.last_rotation_time > 0 && c.last_rotation_time < expires) {
        lifetime = expires - c.last_rotation_time;
      }
      if (static_cast<double>(expires - now) >= p.threshold * static_cast<double>(lifetime)) {
        continue;
      }
      out.push_back({d.device, c.name, expires, lifetime,
                     JitterDelay(inv.fabric, d.device, p.jitter_seconds)});
    }
  }
  std::sort(out.begin(), out.end(), [](const RenewCandidate& a, const RenewCandidate& b) {
    return a.delay != b.delay ? a.delay < b.delay : a.device < b.device;
  });
  return out;
}

int RenewCommand(const Inventory& inv, const Options& o) {
  auto threshold = ParseThreshold(o.threshold);
  if (!threshold.ok()) return Fail(threshold.status());
  auto jitter = ParseJitter(o.jitter);
  if (!jitter.ok()) return Fail(jitter.status());
  // Checked first, also for --dry-run: a renewal the guardrails would refuse is reported as such.
  if (Status s = CheckFabricWorkflow(inv); !s.ok()) return Fail(s);
  auto target = LoadTarget(inv);
  if (!target.ok()) return Fail(target.status());
  const FabricStatus status = FetchFabricStatus(inv, *target, o.concurrency);
  int64_t now = time(nullptr);
  if (!o.at.empty()) {
    const int64_t at = ParseRfc3339(o.at);
    if (at < now) {
      return Fail(InvalidArgument(
          "--at must be a time from now on, as 2027-01-31T00:00:00Z, not '" + o.at + "'"));
    }
    now = at;
  }
  const auto plan = PlanRenewal(inv, status, {*threshold, *jitter}, now);
  for (const auto& d : status.unreachable)
    std::cerr << "rotctl: not asked (unreachable): " << d << "\n";
  if (plan.empty()) {
    std::cout << "nothing to renew: every certificate has at least " << o.threshold
              << " of its lifetime left\n";
    if (o.dry_run) return kExitOk;
    if (Status s = WriteTextfile(inv, o); !s.ok()) return Fail(s);
    return status.unreachable.empty() ? kExitOk : kExitPartial;
  }
  PrintPlan(plan, now, o.dry_run);
  if (o.dry_run) return kExitOk;
  // A resync of the planned devices with a new label of the fabric's certificate version, through
  // the same guardrails, lock, pre-flight, signer, archive and ledger as every operation.
  OperationRequest req{OperationKind::kRenewCertificates, "", o.concurrency, o.strict};
  for (const auto& c : plan) req.renew_delays[c.device] = c.delay;
  auto sub = Submit(inv, req);
  if (!sub.ok()) return Fail(sub.status());
  // Every device waits out its own delay at once, so the window is not stretched by queueing.
  const int concurrency = std::max<int>(o.concurrency, static_cast<int>(req.renew_delays.size()));
  auto task = MakeTask(inv, sub->op);
  if (!task.ok()) return Fail(task.status());
  const Operation done = RunOperation(std::move(sub->op), inv, concurrency, *task,
                                      OperationLog(inv.state_dir), !o.json());
  std::cout << "operation " << done.id << ": " << Name(done.kind) << " " << Name(done.status)
            << "\n";
  if (Status s = WriteTextfile(inv, o); !s.ok()) return Fail(s);
  if (done.status == OperationStatus::kSucceeded) return kExitOk;
  return done.status == OperationStatus::kPartialSuccess ? kExitPartial : kExitFailed;
}

}  // namespace rotagent::ctl
