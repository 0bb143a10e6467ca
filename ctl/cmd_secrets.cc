// rotctl secrets list | show PROFILE [--version N] [--to FILE] | init-kek | purge [--dry-run]
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/ossl.h"
#include "common/unique_fd.h"
#include "ctl/cli.h"
#include "ctl/fabric_lock.h"
#include "ctl/operation.h"
#include "ctl/secret_retention.h"
#include "ctl/secret_store.h"

namespace rotagent::ctl {
namespace {

// An inventory profile, or one the lab kit stored ("validate-<account>").
bool Known(const Inventory& inv, const SecretStore& store, const std::string& profile) {
  for (const auto& p : inv.password_profiles) {
    if (p.name == profile) return true;
  }
  const bool plain = !profile.empty() && profile[0] != '.' &&
                     profile.find_first_not_of(
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789_.-") == std::string::npos;
  auto versions = plain ? store.Versions(profile) : Result<std::vector<int>>(std::vector<int>{});
  return versions.ok() && !versions->empty();
}

// A secret goes to a terminal or to a new 0600 file, never into a pipe or a shared file.
int Show(const Inventory& inv, const Options& o) {
  const std::string& profile = o.args[2];
  const SecretStore store = SecretStore::For(inv);
  if (!Known(inv, store, profile)) {
    return Fail(NotFound("no password profile '" + profile + "' in " + inv.source));
  }
  int version = o.version;
  if (version == 0) {
    auto current = store.Current(profile);
    if (!current.ok()) return Fail(current.status());
    if (*current == 0) return Fail(NotFound("password profile " + profile + " has no version"));
    version = *current;
  }
  UniqueFd fd;
  std::string destination;
  if (!o.to.empty()) {
    // O_EXCL | O_NOFOLLOW: never an existing file, never through a planted symlink.
    fd.reset(open(o.to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
      return Fail(FailedPrecondition("--to " + o.to + " cannot be created as a new file (" +
                                     std::strerror(errno) + "); rotctl never overwrites one"));
    }
    destination = "file " + o.to;
  } else if (isatty(STDOUT_FILENO) == 1) {
    fd.reset(dup(STDOUT_FILENO));
    destination = "terminal";
  } else {
    return Fail(FailedPrecondition(
        "standard output is not a terminal: a secret is only shown on a terminal or written "
        "to a new 0600 file with --to FILE"));
  }
  auto secret = store.Read(profile, version);
  if (!secret.ok()) {
    if (!o.to.empty()) unlink(o.to.c_str());
    return Fail(secret.status());
  }
  // Recorded before it is shown: a reveal that cannot be logged does not happen.
  if (Status s = store.LogReveal(profile, version, destination); !s.ok()) {
    Wipe(*secret);
    if (!o.to.empty()) unlink(o.to.c_str());
    return Fail(s);
  }
  *secret += "\n";
  const bool ok =
      write(fd.get(), secret->data(), secret->size()) == static_cast<ssize_t>(secret->size());
  Wipe(*secret);
  if (!ok) return Fail(Internal("cannot write the secret to " + destination));
  std::cerr << "rotctl: revealed version " << version << " of " << profile << " to " << destination
            << " (recorded in " << (store.dir() / "reveals.log").string() << ")\n";
  return kExitOk;
}

int List(const Inventory& inv, const Options& o) {
  const SecretStore store = SecretStore::For(inv);
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {{"PROFILE", "ACCOUNT", "CURRENT", "STORED"}};
  for (const auto& p : inv.password_profiles) {
    auto versions = store.Versions(p.name);
    if (!versions.ok()) return Fail(versions.status());
    out.push_back({{"profile", p.name},
                   {"account", p.account},
                   {"current", versions->empty() ? 0 : versions->back()},
                   {"versions", *versions}});
    std::string stored;
    for (int v : *versions) stored += (stored.empty() ? "" : " ") + VersionLabel(v);
    rows.push_back({p.name, p.account, versions->empty() ? "-" : VersionLabel(versions->back()),
                    stored.empty() ? "-" : stored});
  }
  if (o.json()) {
    std::cout << out.dump(2) << "\n";
  } else {
    PrintTable(rows);
  }
  return kExitOk;
}

int Purge(const Inventory& inv, const Options& o) {
  // No rotation may add or push versions while the plan is made and carried out.
  auto lock = FabricLock::Acquire(inv.state_dir, OperationLog::NewId(), "secrets purge");
  if (!lock.ok()) return Fail(lock.status());
  const SecretStore store = SecretStore::For(inv);
  auto plans = PlanRetention(inv, store, o.concurrency);
  if (!plans.ok()) return Fail(plans.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& plan : *plans) {
    nlohmann::json held = nlohmann::json::object();
    for (const auto& [v, devices] : plan.held_by) held[VersionLabel(v)] = devices;
    for (int v : plan.purge) {
      if (o.dry_run) continue;
      if (Status s = store.Purge(plan.profile, v,
                                 "older than every version a device holds, beyond keep_older");
          !s.ok()) {
        return Fail(s);
      }
    }
    out.push_back({{"profile", plan.profile},
                   {"current", plan.current},
                   {"heldBy", held},
                   {"kept", plan.keep},
                   {o.dry_run ? "wouldPurge" : "purged", plan.purge}});
  }
  if (o.json()) {
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& p : out) {
      std::cout << p["profile"].get<std::string>() << ": kept " << p["kept"].dump() << ", "
                << (o.dry_run ? "would purge " : "purged ")
                << p[o.dry_run ? "wouldPurge" : "purged"].dump() << "\n";
    }
  }
  return kExitOk;
}

int InitKek(const Inventory& inv, const Options& o) {
  // No rotation may add versions while they are sealed again.
  auto lock = FabricLock::Acquire(inv.state_dir, OperationLog::NewId(), "secrets init-kek");
  if (!lock.ok()) return Fail(lock.status());
  auto done = SecretStore::For(inv).InitKek();
  if (!done.ok()) return Fail(done.status());
  if (o.json()) {
    std::cout << nlohmann::json{{"kek", done->kek},
                                {"created", done->created},
                                {"resealedVersions", done->resealed}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "key-encryption key: " << done->kek << (done->created ? " (created)" : " (exists)")
              << "\nsealed again under it: " << done->resealed << " version(s)\n";
  }
  return kExitOk;
}

}  // namespace

int SecretsCommand(const Inventory& inv, const Options& o) {
  const std::string& verb = o.args[1];
  if (verb == "show") return Show(inv, o);
  if (verb == "purge") return Purge(inv, o);
  if (verb == "init-kek") return InitKek(inv, o);
  return List(inv, o);
}

}  // namespace rotagent::ctl
