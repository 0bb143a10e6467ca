// How account and SSH host state is laid out in store slots. An account slot holds files
// "password" (the crypt hash), "authorized_keys" and "authorized_principals", present only when
// the box has them; the SSH host slot holds the managed sshd material.
#pragma once

#include "agent/store/slot_store.h"
#include "platform/platform.h"

namespace rotagent::credentialz {

inline constexpr const char* kPassword = "password";
inline constexpr const char* kAuthorizedKeys = "authorized_keys";
inline constexpr const char* kAuthorizedPrincipals = "authorized_principals";
inline constexpr const char* kCaKeys = "trusted_user_ca_keys";
inline constexpr const char* kHostKeys = "host_keys";

platform::AccountState AccountFromSlot(const store::Slot& s);
// Replaces the slot's files with `state`, keeping its metadata.
void AccountToSlot(const platform::AccountState& state, store::Slot& s);

platform::SshHostState HostFromSlot(const store::Slot& s);
void HostToSlot(const platform::SshHostState& state, store::Slot& s);

}  // namespace rotagent::credentialz
