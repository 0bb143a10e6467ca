#include "agent/rotation_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

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

TEST(RotationGateTest, WorkAfterAnEmptyHoldRunsAtOnce) {
  RotationGate::Hold none;
  bool ran = false;
  none.ReleaseAfter([&ran] { ran = true; });
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace rotagent
