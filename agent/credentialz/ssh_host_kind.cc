#include "agent/credentialz/ssh_host_kind.h"

#include <memory>

#include "agent/credentialz/engine.h"
#include "agent/credentialz/slots.h"

namespace rotagent::credentialz {
namespace {

constexpr const char* kOc = "openconfig";
constexpr const char* kSshState = "/system/ssh-server/state/";

// Whether a host key of the committed slot came with a host certificate. Public files only are
// read, once per committed slot.
class HostCertificateCheck {
 public:
  explicit HostCertificateCheck(const store::SlotStore& ssh) : ssh_(ssh) {}
  bool operator()(const std::string& slot) {
    if (slot == slot_) return present_;
    present_ = false;
    for (size_t i = 0;; ++i) {
      const std::string key = "host_key." + std::to_string(i);
      auto pub = ssh_.ReadOne(kHostId, slot, key + ".pub");
      if (!pub.ok() || !*pub) break;
      auto cert = ssh_.ReadOne(kHostId, slot, key + "-cert.pub");
      if (cert.ok() && *cert && !(*cert)->empty()) present_ = true;
    }
    slot_ = slot;
    return present_;
  }

 private:
  const store::SlotStore& ssh_;
  std::string slot_;
  bool present_ = false;
};

}  // namespace

state::CredentialKind MakeSshHostKind(
    store::SlotStore* ssh, txn::Applier* applier,
    const std::function<std::optional<platform::SshAuthCounters>()>& counters) {
  state::CredentialKind k;
  k.domain = kSshDomain;
  k.store = ssh;
  k.applier = applier;
  k.entities = {{kCaKeys, "SshTrustedUserCaKeys", "active-trusted-user-ca-keys"},
                {kHostKeys, "SshHostKey", "active-host-key"}};
  k.oc_container = [](const std::string&) { return std::string(kSshState); };
  k.oc_schema_container = kSshState;
  // The host certificate is versioned with the host keys it certifies (one server_keys request
  // carries both): its leaves report that version while a committed host key has a certificate.
  auto has_certificate = std::make_shared<HostCertificateCheck>(*ssh);
  k.report = [ssh, has_certificate, counters](state::ReportContext& r) {
    const std::string ssh_state = kSshState;
    if (auto slot = ssh->Get(kHostId, store::Pointer::kCommitted)) {
      const state::SlotFacts* f = r.Committed(*ssh, kHostId, false);
      const store::EntityMeta m = f ? f->meta.Meta(kHostKeys) : store::EntityMeta{};
      if (m.present() && (*has_certificate)(*slot)) {
        r.Add(kOc, ssh_state + "active-host-certificate-version", m.version);
        r.Add(kOc, ssh_state + "active-host-certificate-created-on", r.CreatedOn(m.created_on));
      }
    }
    const auto c = counters ? counters() : std::nullopt;
    if (!c) return;
    r.Add(kOc, ssh_state + "counters/access-accepts", c->accepts);
    r.Add(kOc, ssh_state + "counters/access-rejects", c->rejects);
    r.Add(kOc, ssh_state + "counters/last-access-accept", c->last_accept_ns);
    r.Add(kOc, ssh_state + "counters/last-access-reject", c->last_reject_ns);
  };
  for (const char* leaf : {"active-host-certificate-version", "active-host-certificate-created-on",
                           "counters/access-accepts", "counters/access-rejects",
                           "counters/last-access-accept", "counters/last-access-reject"}) {
    k.extra_oc_leaves.push_back(std::string(kSshState) + leaf);
  }
  return k;
}

}  // namespace rotagent::credentialz
