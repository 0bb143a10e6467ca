#include "ctl/bounded_process.h"

#include <gtest/gtest.h>

#include <chrono>

namespace rotagent::ctl {
namespace {

TEST(RunBounded, FeedsStdinAndPassesTheEnvironment) {
  auto r = RunBounded({"/bin/sh", "-c", "cat; printf \" $ROTCTL_X\""}, "csr", {"ROTCTL_X=y"},
                      {.timeout_seconds = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, "csr y");
}

TEST(RunBounded, KillsAHangingProgramWithItsChildren) {
  const auto start = std::chrono::steady_clock::now();
  // The grandchild holds stdout open; the whole group must go.
  auto r = RunBounded({"/bin/sh", "-c", "sleep 300 & sleep 300"}, "", {}, {.timeout_seconds = 1});
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(RunBounded, BoundsOutput) {
  auto r = RunBounded({"/bin/sh", "-c", "cat /dev/zero"}, "", {},
                      {.timeout_seconds = 20, .max_output = 1 << 16});
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted);
}

TEST(RunBounded, ReportsAMissingProgram) {
  auto r = RunBounded({"/nonexistent/signer"}, "", {}, {});
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace rotagent::ctl
