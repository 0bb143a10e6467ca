#include "agent/rotation_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace rotagent {
namespace {

// A committed rotation's clean-up runs after its client is answered, but still inside the gate: a
// rotation arriving meanwhile waits for it (as for a rollback) instead of failing or overlapping.
TEST(RotationGateTest, ANewcomerWaitsForTheWorkLeftAfterARotation) {
  RotationGate gate;
  auto hold = gate.Enter([] { return true; }, "busy");
  ASSERT_TRUE(hold.ok());
  // The work ends only once the newcomer is on its way in, so a gate opened before the work
  // ended would let the newcomer in first.
  std::promise<void> coming;
  std::shared_future<void> on_its_way = coming.get_future().share();
  std::atomic<bool> done{false};
  hold->ReleaseAfter([on_its_way, &done] {
    on_its_way.wait();
    done = true;
  });
  auto newcomer = std::async(std::launch::async, [&gate, &done, &coming] {
    coming.set_value();
    auto h = gate.Enter([] { return true; }, "busy");
    return h.ok() && done.load();
  });
  EXPECT_TRUE(newcomer.get()) << "the newcomer entered while the clean-up still ran, or failed";
}

// A rotation stream enters while the clean-up runs, so that it validates meanwhile, but does not
// get past Settled (its first change) until the clean-up is done.
TEST(RotationGateTest, ALaterEntrantGetsInDuringTheCleanUpAndSettlesAfterIt) {
  RotationGate gate;
  auto first = gate.Enter([] { return true; }, "busy");
  ASSERT_TRUE(first.ok());
  std::promise<void> finish;
  std::shared_future<void> finishing = finish.get_future().share();
  std::atomic<bool> done{false};
  first->ReleaseAfter([finishing, &done] {
    finishing.wait();
    done = true;
  });
  // The clean-up is blocked: a kLater entrant still gets in at once.
  auto later =
      gate.Enter([] { return true; }, "busy", Code::kAborted, RotationGate::Cleanup::kLater);
  ASSERT_TRUE(later.ok()) << later.status().message();
  EXPECT_FALSE(done.load());
  auto settled = std::async(std::launch::async, [&later, &done] {
    Status s = later->Settled();
    return s.ok() && done.load();
  });
  finish.set_value();
  EXPECT_TRUE(settled.get()) << "Settled returned before the clean-up was done";
}

TEST(RotationGateTest, WorkAfterAnEmptyHoldRunsAtOnce) {
  RotationGate::Hold none;
  std::vector<std::string> ran;
  none.ReleaseAfter([&ran] { ran.emplace_back("work"); }, [&ran] { ran.emplace_back("then"); });
  EXPECT_EQ(ran, (std::vector<std::string>{"work", "then"}));
}

}  // namespace
}  // namespace rotagent
