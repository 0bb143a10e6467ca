// Arista EOS, through eAPI. A certz profile is the EOS `ssl profile` of the same name: the
// version's leaf, key, intermediates (`chain certificate`) and trust certificates are copied into
// the certificate: and sslkey: stores under names unique to the version, and the profile is
// repointed in a configuration session committed under a commit timer, so the change is live at
// once and EOS rolls it back by itself if the agent dies before Finalize. Passwords go the same
// way as `username NAME secret sha512 $6$...`; plaintext never reaches eAPI.
//
// EOS lets one session wait on a commit timer at a time, and on 4.32 an abort or expiry restores
// the whole running-config from a checkpoint. So every change of one agent transaction (all the
// accounts of a credentialz Rotate, or the profile of a certz Rotate) lives in ONE session: a
// further change of the same transaction aborts the waiting session and re-stages all of them
// together in a new one; Finalize (the transaction's last Commit) confirms it by name and an
// abort or rollback aborts it by name. A change of another transaction meanwhile is refused with
// ABORTED, and a timer the agent did not start (an operator's) with UNAVAILABLE. The session's
// name is recorded durably before `commit timer` is sent, so after a restart the agent confirms
// (rolling forward) or aborts (rolling back) exactly that session, whichever form
// `show configuration sessions detail` takes. After each change the profile must read valid in
// `show management security ssl profile`, and where platform.eos.listeners names a listener
// serving it, a fresh TLS handshake must present the new certificate.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "platform/eos/eapi_client.h"
#include "platform/eos/eos_config.h"
#include "platform/eos/running_config.h"
#include "platform/platform.h"

namespace rotagent::platform::eos {

class EosPlatform final : public Platform, public CertSink, public AccountSink {
 public:
  explicit EosPlatform(PlatformConfig config);

  std::string Name() const override { return "eos"; }
  CertSink& Certs() override { return *this; }
  AccountSink* Accounts() override { return this; }
  Facts Describe() const override;

  Status StageCert(const CertInstall& candidate) override;
  Status CommitCert(const CertInstall& committed) override;
  Status RollbackCert(const std::string& profile,
                      const std::optional<CertInstall>& previous) override;
  Result<std::string> CertDrift(const CertInstall& committed) const override;

  Status CheckAccount(const std::string& account) const override;
  Result<AccountState> ReadAccount(const std::string& account) const override;
  Status StageAccount(const std::string& account, const AccountState& state) override;
  Status CommitAccount(const std::string& account, const AccountState& state) override;
  Status RestoreAccount(const std::string& account, const AccountState& state) override;
  Result<LoginProbe> PasswordProbe() const override;

  std::string PasswordHashPrefix() const override { return "$6$"; }

 private:
  // One change of the open transaction.
  struct Change {
    std::vector<std::string> body;  // session lines, relative to the config before the txn
    std::string fingerprint;        // what it applies (a file name, a digest of a hash)
    std::vector<std::string> new_files, old_files;  // "certificate:x"; dropped on abort / confirm
    bool open = true;  // neither committed nor restored by the agent yet
  };
  // The changes of one agent transaction and the session that holds them.
  struct Txn {
    std::string group;    // "cert" or "user"
    std::string session;  // waiting on its commit timer; empty when none is
    std::vector<std::pair<std::string, Change>> changes;  // by key, in staging order
  };

  // Stages change `key` of `group`: `make` builds it once the box is back at the transaction's
  // start, `verify` proves it once it is live.
  Status Stage(const std::string& key, const std::string& group,
               const std::function<Result<Change>()>& make,
               const std::function<Status(const Change&)>& verify);
  // Commit: confirms the session with the transaction's last change; `ensure` makes the box hold
  // the committed state when the change is not the open transaction's (after a restart).
  Status Commit(const std::string& key, const std::string& fingerprint,
                const std::function<Status()>& ensure);
  // Restore: aborts the session, then `ensure` makes the box hold the state handed back.
  Status Restore(const std::string& key, const std::string& fingerprint,
                 const std::function<Status()>& ensure);
  // Confirms (when `key` rolls forward to what the record says it applied) or aborts the session
  // an earlier run recorded, if EOS still waits on it.
  Status ResolveRecorded(const std::string& key, const std::string& fingerprint);
  Result<std::optional<std::string>> PendingTimer() const;
  Status AbortSession(const std::string& session) const;
  std::filesystem::path RecordFile() const;

  Result<std::string> RunningConfig(const std::string& section) const;
  // Applies `body` in a new session: under the commit timer, or committed outright.
  Status Apply(const std::string& session, const std::vector<std::string>& body, bool timer) const;
  // Copies the version's files into the stores; returns the profile config that uses them.
  Result<SslProfileConfig> Import(const CertInstall& c, std::vector<std::string>& files) const;
  Result<Change> CertChange(const CertInstall& c) const;
  Status VerifyCert(const CertInstall& c) const;
  Status EnsureCert(const std::string& profile, const std::optional<CertInstall>& c) const;
  Status VerifySecret(const std::string& account, const std::string& hash) const;
  Status EnsureSecret(const std::string& account, const AccountState& state) const;
  void DeleteFiles(const std::vector<std::string>& files) const;
  std::string NewSession(const std::string& group);

  PlatformConfig config_;
  EosConfig eos_;  // platform.eos
  EapiClient eapi_;
  std::mutex mu_;  // one eAPI transaction step at a time; guards txn_ and the record file
  std::optional<Txn> txn_;
  unsigned sessions_made_ = 0;
};

}  // namespace rotagent::platform::eos
