// A scratch directory for one test: named after the process and the running test, empty when
// the test starts, removed with everything in it when the fixture goes.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace rotagent::testing {

class TestDir : public std::filesystem::path {
 public:
  explicit TestDir(const std::string& prefix)
      : std::filesystem::path(std::filesystem::temp_directory_path() /
                              ("rotagent-" + prefix + "-" + std::to_string(getpid()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(*this);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  ~TestDir() {
    std::error_code ec;
    std::filesystem::remove_all(*this, ec);
  }
};

}  // namespace rotagent::testing
