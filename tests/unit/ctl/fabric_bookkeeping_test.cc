// Pure parts of the controller's bookkeeping: operation kinds and statuses by name, version labels
// and the intent they carry, the retry backoff, and what an operation's outcome does to the
// ledger's per-class history.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "ctl/fabric_versions.h"
#include "ctl/ledger.h"
#include "ctl/operation_kind.h"
#include "ctl/retry.h"

namespace rotagent::ctl {
namespace {

TEST(OperationKindTest, NamesRoundTrip) {
  for (auto k : {OperationKind::kRotateCertificates, OperationKind::kRotatePasswords,
                 OperationKind::kResyncCertificates, OperationKind::kResyncPasswords}) {
    EXPECT_EQ(ParseOperationKind(Name(k)), k);
  }
  EXPECT_EQ(Name(OperationKind::kResyncPasswords), "ResyncPasswords");
  EXPECT_TRUE(IsResync(OperationKind::kResyncCertificates));
  EXPECT_TRUE(IsCertificates(OperationKind::kResyncCertificates));
  EXPECT_FALSE(IsCertificates(OperationKind::kRotatePasswords));
  EXPECT_EQ(ParseOperationKind("RotateEverything"), std::nullopt);
  EXPECT_EQ(ParseOperationStatus(Name(OperationStatus::kPartialSuccess)),
            OperationStatus::kPartialSuccess);
  EXPECT_EQ(ParseDeviceState("Skipped"), DeviceState::kSkipped);
}

TEST(VersionLabelTest, ResyncLabelsCarryTheirIntent) {
  EXPECT_EQ(ResyncLabel(3, 2), "v3-r2");
  EXPECT_EQ(IntentOf("v3"), 3);
  EXPECT_EQ(IntentOf("v3-r2"), 3);
  EXPECT_EQ(IntentOf("v3-r"), 0);
  EXPECT_EQ(IntentOf("v3-r0"), 0);
  EXPECT_EQ(IntentOf("validate-1700000000-abcdef"), 0);
  EXPECT_EQ(IntentOf(""), 0);
}

TEST(RetryTest, BackoffDoublesUpToTheCapWithJitterInTheUpperHalf) {
  const RetryPolicy p{.max_attempts = 5, .initial_backoff_ms = 100, .max_backoff_ms = 1000};
  EXPECT_EQ(Backoff(p, 1, 0.0).count(), 50);
  EXPECT_EQ(Backoff(p, 1, 1.0).count(), 100);
  EXPECT_EQ(Backoff(p, 2, 1.0).count(), 200);
  EXPECT_EQ(Backoff(p, 4, 1.0).count(), 800);
  EXPECT_EQ(Backoff(p, 5, 1.0).count(), 1000);
  EXPECT_EQ(Backoff(p, 30, 0.0).count(), 500);
}

TEST(RetryTest, TransientErrorsAreRetriedPermanentOnesAreNot) {
  const RetryPolicy p{.max_attempts = 4, .initial_backoff_ms = 1, .max_backoff_ms = 2};
  int tries = 0;
  Status s = WithRetries(
      p, [](int n) { return n < 3 ? Unavailable("down") : Status::Ok(); }, &tries);
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(tries, 3);
  s = WithRetries(
      p, [](int) { return FailedPrecondition("no such account"); }, &tries);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(tries, 1);
  s = WithRetries(
      p, [](int) { return Status(Code::kAborted, "busy"); }, &tries);
  EXPECT_EQ(s.code(), Code::kAborted);
  EXPECT_EQ(tries, 4);
}

TEST(LedgerTest, HistoryIsPerClassAndInSyncSkipsKeepTheOutcome) {
  LedgerData l;
  Operation rotate;
  rotate.id = "op-1";
  rotate.kind = OperationKind::kRotateCertificates;
  rotate.devices = {{"a", DeviceState::kSucceeded},
                    {"b", DeviceState::kFailed, "certz Rotate gnsi: UNAVAILABLE"},
                    {"c", DeviceState::kSkipped, "admin state maintenance"}};
  RecordOutcomes(l, rotate);
  Operation passwords;
  passwords.id = "op-2";
  passwords.kind = OperationKind::kRotatePasswords;
  passwords.devices = {{"b", DeviceState::kSucceeded}};
  RecordOutcomes(l, passwords);
  Operation resync;
  resync.id = "op-3";
  resync.kind = OperationKind::kResyncCertificates;
  resync.devices = {{"a", DeviceState::kSkipped, kAlreadyInSync}, {"b", DeviceState::kSucceeded}};
  RecordOutcomes(l, resync);
  const ClassHistory& certs = l.history[CredentialClass::kCertificates];
  EXPECT_EQ(certs.last_operation, "op-3");
  EXPECT_EQ(certs.devices.at("a").state, DeviceState::kSucceeded);
  EXPECT_EQ(certs.devices.at("a").operation, "op-1");
  EXPECT_EQ(certs.devices.at("b").state, DeviceState::kSucceeded);
  EXPECT_EQ(certs.devices.at("c").detail, "admin state maintenance");
  EXPECT_EQ(l.history[CredentialClass::kPasswords].devices.size(), 1u);
  EXPECT_EQ(l.last_operation, "op-3");

  // It survives a write and a read, under its lock.
  const auto dir = std::filesystem::temp_directory_path() / ("ledger-" + std::to_string(getpid()));
  const Ledger ledger(dir);
  ASSERT_TRUE(ledger.Update([&](LedgerData& d) { d = l; }).ok());
  auto back = ledger.Load();
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(LedgerJson(*back), LedgerJson(l));
  EXPECT_EQ(std::filesystem::status(dir / "ledger.json").permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rotagent::ctl
