#include "agent/rotation_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace rotagent {
namespace {

// A clean-up handed to a hold's ReleaseAfter that runs until Finish() (or until the object goes,
// so that a test that stops early leaves no job waiting). The job owns what it writes.
class BlockedCleanUp {
 public:
  explicit BlockedCleanUp(RotationGate::Hold& hold) {
    hold.ReleaseAfter([done = done_, finishing = finish_.get_future().share()] {
      finishing.wait();
      *done = true;
    });
  }
  BlockedCleanUp(const BlockedCleanUp&) = delete;
  BlockedCleanUp& operator=(const BlockedCleanUp&) = delete;
  ~BlockedCleanUp() {
    if (!finished_) Finish();
  }
  void Finish() {
    finished_ = true;
    finish_.set_value();
  }
  bool done() const { return done_->load(); }

 private:
  std::promise<void> finish_;
  std::atomic<bool> finished_{false};
  std::shared_ptr<std::atomic<bool>> done_ = std::make_shared<std::atomic<bool>>(false);
};

// A committed rotation's clean-up runs after its client is answered. A caller that changes the
// store at once (kNow) arriving meanwhile waits for it, as for a rollback, instead of failing or
// overlapping.
TEST(RotationGateTest, ANewcomerWaitsForTheWorkLeftAfterARotation) {
  RotationGate gate;
  auto hold = gate.Enter([] { return true; }, "busy");
  ASSERT_TRUE(hold.ok());
  // The work ends only once the newcomer is on its way in, so a gate opened before the work
  // ended would let the newcomer in first.
  BlockedCleanUp cleanup(*hold);
  auto newcomer = std::async(std::launch::async, [&gate, &cleanup] {
    cleanup.Finish();
    auto h = gate.Enter([] { return true; }, "busy");
    return h.ok() && cleanup.done();
  });
  EXPECT_TRUE(newcomer.get()) << "the newcomer entered while the clean-up still ran, or failed";
}

// A rotation stream enters while the clean-up runs, so that it validates meanwhile, but does not
// get past Settled (its first change) until the clean-up is done.
TEST(RotationGateTest, ALaterEntrantGetsInDuringTheCleanUpAndSettlesAfterIt) {
  RotationGate gate;
  auto first = gate.Enter([] { return true; }, "busy");
  ASSERT_TRUE(first.ok());
  BlockedCleanUp cleanup(*first);
  // The clean-up is blocked: a kLater entrant still gets in at once.
  auto later =
      gate.Enter([] { return true; }, "busy", Code::kAborted, RotationGate::Cleanup::kLater);
  ASSERT_TRUE(later.ok()) << later.status().message();
  EXPECT_FALSE(cleanup.done());
  auto settled = std::async(std::launch::async, [&later, &cleanup] {
    Status s = later->Settled();
    return s.ok() && cleanup.done();
  });
  cleanup.Finish();
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
