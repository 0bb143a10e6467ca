#include "platform/linux/sshd_auth_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rotagent::platform {
namespace {
namespace fs = std::filesystem;

class SshdAuthLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sshd-auth-log-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directory(dir_);
    chmod(dir_.c_str(), 0700);
    Append(
        "Server listening on 127.0.0.1 port 2222.\r\n"
        "Accepted password for admin from 127.0.0.1 port 1 ssh2\r\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Append(const std::string& text) {
    std::ofstream(dir_ / "sshd.log", std::ios::app) << text;
    chmod((dir_ / "sshd.log").c_str(), 0644);
  }
  fs::path dir_;
};

TEST_F(SshdAuthLogTest, CountsSshdsOwnLinesAfterItStarted) {
  SshdAuthLog log(dir_ / "sshd.log");
  EXPECT_EQ(log.Poll().accepts, 0u);  // what the file held at start is history
  Append(
      "Accepted publickey for admin from 127.0.0.1 port 2 ssh2: ED25519 SHA256:abc\r\n"
      "Failed password for admin from 127.0.0.1 port 3 ssh2\r\n"
      "Failed password for invalid user no body from 127.0.0.1 port 4 ssh2\r\n"
      "Invalid user nobody from 127.0.0.1 port 4\r\n"
      // Not sshd's formats: never counted.
      "Accepted password for root from 127.0.0.1 port 5\r\n"
      "error: Accepted password for root from 127.0.0.1 port 5 ssh2\r\n"
      "Accepted password for admin from 127.0.0.1 port 6 ssh2");  // unfinished line
  SshAuthCounters c = log.Poll();
  EXPECT_EQ(c.accepts, 1u);
  EXPECT_EQ(c.rejects, 2u);
  EXPECT_GT(c.last_accept_ns, 0u);
  EXPECT_GT(c.last_reject_ns, 0u);
  Append("\r\n");  // the line is finished: counted once
  EXPECT_EQ(log.Poll().accepts, 2u);
  EXPECT_EQ(log.Poll().accepts, 2u);
}

TEST_F(SshdAuthLogTest, ARotatedFileIsReadFromItsStart) {
  SshdAuthLog log(dir_ / "sshd.log");
  fs::rename(dir_ / "sshd.log", dir_ / "sshd.log.1");
  Append("Failed password for admin from 127.0.0.1 port 7 ssh2\r\n");
  EXPECT_EQ(log.Poll().rejects, 1u);
  fs::resize_file(dir_ / "sshd.log", 0);  // truncated in place (seen as the file shrinking)
  Append("Failed password for a from ::1 port 8 ssh2\r\n");
  EXPECT_EQ(log.Poll().rejects, 2u);
}

TEST_F(SshdAuthLogTest, AFileOthersCanWriteIsNotCountedNorWhatTheyWroteMeanwhile) {
  SshdAuthLog log(dir_ / "sshd.log");
  chmod((dir_ / "sshd.log").c_str(), 0666);
  std::ofstream(dir_ / "sshd.log", std::ios::app)
      << "Accepted password for root from 10.0.0.1 port 1 ssh2\r\n";
  EXPECT_EQ(log.Poll().accepts, 0u);
  chmod((dir_ / "sshd.log").c_str(), 0644);
  EXPECT_EQ(log.Poll().accepts, 0u);  // trusted again, from its end
  Append("Accepted password for admin from 127.0.0.1 port 9 ssh2\r\n");
  EXPECT_EQ(log.Poll().accepts, 1u);
  // A symlink in its place is refused too.
  fs::rename(dir_ / "sshd.log", dir_ / "real.log");
  std::ofstream(dir_ / "fake.log") << "Accepted password for root from 10.0.0.1 port 1 ssh2\r\n";
  fs::create_symlink(dir_ / "fake.log", dir_ / "sshd.log");
  EXPECT_EQ(log.Poll().accepts, 1u);
}

}  // namespace
}  // namespace rotagent::platform
