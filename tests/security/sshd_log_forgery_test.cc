// A local user tries to forge sshd's authentication counters by writing "Accepted ..." lines into
// the file the agent counts them from (platform.ssh.auth_log): directly once an operator left it
// writable by others, and through a symlink swapped in for it. Neither forged line is ever
// counted, and counting of sshd's real lines resumes once the file is fit again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/integration/credentialz/credentialz_fixture.h"
#include "tests/support/certz_client.h"
#include "tests/support/gnmi_client.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

const std::string kCounters = "openconfig:/system/ssh-server/state/counters/";
const std::string kForged = "Accepted password for root from 10.9.9.9 port 1 ssh2\n";

// Appends `line` to `path` as the account `user`, in a child that drops to its uid; true when
// the write went through.
bool AppendAs(const std::string& user, const fs::path& path, const std::string& line) {
  const passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return false;
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  pid_t child = fork();
  if (child == 0) {
    if (setgid(gid) != 0 || setuid(uid) != 0) _exit(2);
    int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0644);
    if (fd < 0) _exit(1);
    _exit(write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find(what, at)) != std::string::npos; at += what.size()) ++n;
  return n;
}

class SshdLogForgeryTest : public CredentialzTest {
 protected:
  // Waits until the agent's log holds `what` `n` times (the agent polls the file each second).
  bool WaitForLog(const std::string& what, size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Occurrences(agent_->Log(), what) >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a condition
    }
    return false;
  }
  static uint64_t Last(const GnmiSubscription& sub, const std::string& counter) {
    auto h = sub.History(kCounters + counter);
    return h.empty() ? 0 : std::stoull(h.back());
  }
};

TEST_F(SshdLogForgeryTest, ForgedLinesFromALocalUserAreNeverCounted) {
  const fs::path log = sshd_->dir() / "sshd.log";
  auto stub = gnmi::gNMI::NewStub(NewChannel(agent_->port(), ca_.cert_pem, admin_));
  GnmiSubscription sub(
      *stub, StreamRequest({GnmiPath("openconfig", "/system/ssh-server/state/counters")}));
  ASSERT_TRUE(sub.WaitFor([&] { return sub.synced(); }));
  ASSERT_EQ(Last(sub, "access-accepts"), 0u);
  // As shipped (root's 0644 file), the local user cannot write it at all.
  EXPECT_FALSE(AppendAs("guest", log, kForged));

  // An operator leaves it writable by others: the user's line lands, but the file is refused.
  ASSERT_EQ(chmod(log.c_str(), 0666), 0);
  ASSERT_TRUE(AppendAs("guest", log, kForged));
  const std::string refused = "platform.ssh.auth_log refused";
  ASSERT_TRUE(WaitForLog(refused, 1)) << agent_->Log();
  ASSERT_EQ(chmod(log.c_str(), 0644), 0);
  ASSERT_TRUE(WaitForLog("is trusted again", 1)) << agent_->Log();
  // The real login after it is counted; the forged line written meanwhile never is.
  ASSERT_TRUE(PasswordLogin(ssh_port(), "admin", InitialPassword("admin")));
  ASSERT_TRUE(sub.WaitFor([&] { return Last(sub, "access-accepts") >= 1; }));
  EXPECT_EQ(Last(sub, "access-accepts"), 1u);

  // The user swaps a symlink to a file of their own in for the log.
  const fs::path own = fs::path(getpwnam("guest")->pw_dir) / "fake.log";
  ASSERT_TRUE(AppendAs("guest", own, kForged + kForged));
  fs::rename(log, sshd_->dir() / "sshd.log.real");
  fs::create_symlink(own, log);
  ASSERT_TRUE(WaitForLog(refused, 2)) << agent_->Log();
  gnmi::GetRequest req;
  *req.add_path() = GnmiPath("openconfig", "/system/ssh-server/state/counters/access-accepts");
  req.set_encoding(gnmi::PROTO);
  gnmi::GetResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub->Get(&ctx, req, &resp).ok());
  EXPECT_EQ(Leaves(resp)[kCounters + "access-accepts"], "1");
}

}  // namespace
}  // namespace rotagent::testing
