// Credential kinds as data. A kind (certz profiles, accounts, SSH host parameters, ...) declares
// its transaction domain, the entities of its items with their rotation-tree type and OpenConfig
// leaf, its own extra leaves and its drift check. The daemon registers each kind's domain with the
// transaction and the ledger, the reporter and the drift checker loop over the kinds, and gNMI
// learns the kind's OpenConfig leaves from it: none of them names a kind.
//
// Registering a new kind is two steps:
//   1. a factory returning a CredentialKind, beside the kind's engine (examples:
//      agent/certz/profiles_kind.cc, agent/credentialz/{accounts,ssh_host}_kind.cc,
//      agent/authz/policy_kind.cc): domain,
//      store, applier, entities {entity, type, oc_leaf}, the OpenConfig container of an item, the
//      keyless paths of any extra leaves its `report` hook adds, and an optional drift check;
//   2. one line in Daemon::Start: `kinds_.push_back(MakeXKind(...))`.
// Its items then appear in the rotation tree (/rotation/credentials/credential[name=
// <domain>/<id>/<entity>]), its OpenConfig leaves are served and drift is checked.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/state/sync_ledger.h"
#include "agent/state/tree.h"
#include "agent/store/slot_store.h"
#include "agent/txn/applier.h"

namespace rotagent::state {

// A certificate's leaf as the state tree reports it.
struct LeafFacts {
  int64_t not_before = 0, not_after = 0;
  std::string fingerprint, subject;
};

// What the reporter reads of a committed slot (once per slot: a published slot never changes).
struct SlotFacts {
  store::Slot meta;               // entity metadata only, no file
  std::optional<LeafFacts> leaf;  // certificate kinds: the chain's first certificate
  int64_t crl_next_update = 0;    // certificate kinds: the earliest CRL nextUpdate, 0 for none
};

// One entity of a kind's items: a part rotated and versioned on its own.
struct EntityKind {
  enum class Facts { kNone, kCertificate, kCrl };  // expiry facts the rotation tree reports
  std::string entity;   // name in the slot's metadata and in the credential name
  std::string type;     // the rotation tree's `type`
  std::string oc_leaf;  // "<oc_leaf>-version" and "-created-on" in the item's container; "": none
  Facts facts = Facts::kNone;
};

struct ReportSettings {
  bool created_on_ns = true;  // report created-on in ns (the YANG) or as sent (seconds)
  int expiry_warning_days = 30;
  int expiry_critical_days = 7;
  std::string server_name = "rotagent";  // the grpc-server list key
};

// What a kind's `report` hook may use during one refresh.
class ReportContext {
 public:
  virtual ~ReportContext() = default;
  virtual void Add(const char* origin, const std::string& path, Value v) = 0;
  // A created-on value as sent (seconds), in the configured unit.
  virtual uint64_t CreatedOn(uint64_t seconds) const = 0;
  virtual const ReportSettings& settings() const = 0;
  // Facts of an item's committed slot, nullptr when nothing is committed.
  virtual const SlotFacts* Committed(const store::SlotStore& store, const std::string& id,
                                     bool certificates) = 0;
};

struct CredentialKind {
  std::string domain;  // the transaction domain, as journaled; first part of credential names
  store::SlotStore* store = nullptr;
  txn::Applier* applier = nullptr;  // how an item reaches the box
  std::vector<EntityKind> entities;
  bool certificates = false;  // slots hold chain.pem / crl.pem to read expiry facts from
  // The OpenConfig container of an item's entity leaves, e.g. ".../user[username=<id>]/state/".
  std::function<std::string(const std::string& id)> oc_container;
  // The same container without keys, for gNMI's schema ("/system/.../user/state/").
  std::string oc_schema_container;
  // The rotation tree's type when it depends on the item (a profile's role); empty: entity.type.
  std::function<std::string(const std::string& id, const EntityKind&)> type_of;
  // Leaves of the kind as a whole, added after its items' (the grpc-server, sshd's counters), and
  // their keyless paths for gNMI's schema.
  std::function<void(ReportContext&)> report;
  std::vector<std::string> extra_oc_leaves;
  // Compares the box with one committed item not in a transaction, and records each entity's
  // verdict with ledger.SetDrift (an empty reason clears it). Empty: the kind has no drift check.
  std::function<void(const std::string& id, SyncLedger& ledger)> drift;

  // Every OpenConfig leaf the kind can report, keyless, for gNMI's "names nothing" check.
  std::vector<std::string> OcSchema() const;
};

using Kinds = std::vector<CredentialKind>;

}  // namespace rotagent::state
