// The owner of a home attacks the agent's reads and writes of authorized_keys and
// authorized_principals (both under the home here) while the controller pushes and rolls back:
// symlink swaps driven by inotify, renameat2(RENAME_EXCHANGE) flips, hard links, FIFOs and
// directories where the files should be. Whatever the attacker does, the root-owned stand-ins in
// /etc never change, no byte of them reaches the home, and every push either fails with
// FAILED_PRECONDITION naming the path or lands as the account's 0600 file in a 0700 directory of
// the account.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>  // renameat2
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>

#include "tests/integration/credentialz/credentialz_fixture.h"

namespace rotagent::testing {
namespace {
namespace fs = std::filesystem;

constexpr const char* kAccount = "admin";
constexpr const char* kStandinDir = "/etc/rotagent-standin";
constexpr const char* kStandinFile = "/etc/rotagent-standin.secret";
constexpr const char* kSecret = "root-only-secret-7f3a";

// What the attacker does once armed.
enum Attack : char {
  kCreateSwap = 'c',  // no .ssh: when inotify shows it created, swap in a symlink to the stand-in
  kDirFlip = 'x',     // .ssh and a symlink to the stand-in dir exchanged in a tight loop
  kTempSwap = 't',    // every inotify event inside .ssh (the agent's temp file) flips .ssh
  kFileFlip = 'f',    // the files exchanged with symlinks to the stand-in file in a tight loop
  kHardLink = 'h',    // the files are hard links of a file the account owns
  kFifo = 'p',        // FIFOs where the files should be
  kDirectory = 'd',   // directories where the files should be
};
constexpr char kResume = 'g', kStop = 's', kAck = 'k';

void WriteAs(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) _exit(3);
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) _exit(3);
  close(fd);
}

void Exchange(const std::string& a, const std::string& b) {
  renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
}

// True once the parent asked to stop; the parent closing the pipe ends the process.
bool StopRequested(int cmd, int timeout_ms) {
  pollfd p{cmd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char c = 0;
  if (read(cmd, &c, 1) != 1) _exit(0);
  return c == kStop;
}

// Lays out the home for `a`; runs as the account.
void Setup(Attack a, const std::string& home) {
  const std::string ssh = home + "/.ssh";
  if (a == kCreateSwap) return;  // the parent removed .ssh
  if (mkdir(ssh.c_str(), 0700) != 0) _exit(4);
  if (a == kDirFlip || a == kTempSwap) {
    if (symlink(kStandinDir, (home + "/.ssh.flip").c_str()) != 0) _exit(4);
    return;
  }
  for (const char* name : {"authorized_keys", "authorized_principals"}) {
    const std::string file = ssh + "/" + name;
    if (a == kFileFlip) {
      WriteAs(file, "attacker\n");
      if (symlink(kStandinFile, (file + ".link").c_str()) != 0) _exit(4);
    } else if (a == kHardLink) {
      WriteAs(home + "/bait", "attacker\n");
      if (link((home + "/bait").c_str(), file.c_str()) != 0) _exit(4);
    } else if (a == kFifo) {
      if (mkfifo(file.c_str(), 0600) != 0) _exit(4);
    } else if (a == kDirectory) {
      if (mkdir(file.c_str(), 0700) != 0) _exit(4);
    }
  }
}

// For the inotify-driven attacks, a watch on the directory the agent will change: the home for
// kCreateSwap, the real .ssh (wherever the flips left it) for kTempSwap. Made before the parent is
// told the attacker is ready, so no event is missed.
int Watch(Attack a, const std::string& home) {
  if (a != kCreateSwap && a != kTempSwap) return -1;
  int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0) _exit(5);
  const uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR;
  if (a == kCreateSwap) {
    if (inotify_add_watch(in, home.c_str(), mask) < 0) _exit(5);
  } else if (inotify_add_watch(in, (home + "/.ssh").c_str(), mask | IN_DONT_FOLLOW) < 0 &&
             inotify_add_watch(in, (home + "/.ssh.flip").c_str(), mask | IN_DONT_FOLLOW) < 0) {
    _exit(5);
  }
  return in;
}

// Races the agent until the parent asks to stop.
void Race(Attack a, const std::string& home, int cmd, int in) {
  const std::string ssh = home + "/.ssh", flip = home + "/.ssh.flip";
  if (a == kDirFlip || a == kFileFlip) {
    for (unsigned i = 0;; ++i) {
      if (a == kDirFlip) {
        Exchange(ssh, flip);
      } else {
        Exchange(ssh + "/authorized_keys", ssh + "/authorized_keys.link");
        Exchange(ssh + "/authorized_principals", ssh + "/authorized_principals.link");
      }
      if (i % 16 == 0 && StopRequested(cmd, 0)) return;
    }
  }
  if (in < 0) {
    while (!StopRequested(cmd, -1)) {
    }
    return;
  }
  // inotify-driven: react to the agent's own directory operations.
  bool swapped = false;
  for (;;) {
    pollfd p[2] = {{cmd, POLLIN, 0}, {in, POLLIN, 0}};
    if (poll(p, 2, -1) <= 0) continue;
    if ((p[0].revents & (POLLIN | POLLHUP)) != 0 && StopRequested(cmd, 0)) return;
    alignas(inotify_event) char buf[4096];
    const ssize_t n = read(in, buf, sizeof buf);
    for (ssize_t off = 0; off < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      if (a == kCreateSwap && !swapped && e->len > 0 && std::string(e->name) == ".ssh" &&
          (e->mask & IN_CREATE) != 0) {
        // The agent just made .ssh: move it aside and leave a symlink in its place.
        rename(ssh.c_str(), (home + "/.ssh.stolen").c_str());
        symlink(kStandinDir, ssh.c_str());
        swapped = true;
      } else if (a == kTempSwap) {
        Exchange(ssh, flip);
      }
    }
  }
}

[[noreturn]] void AttackerMain(int cmd, int ack, const passwd& pw) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (setgroups(0, nullptr) != 0 || setgid(pw.pw_gid) != 0 || setuid(pw.pw_uid) != 0) _exit(2);
  if (setuid(0) == 0) _exit(2);  // must not be able to regain root
  umask(077);
  const std::string home = pw.pw_dir;
  Attack a = kHardLink;
  for (;;) {
    char c = 0;
    if (read(cmd, &c, 1) != 1) _exit(0);
    if (c != kResume) {
      a = static_cast<Attack>(c);
      Setup(a, home);
    }
    const int in = Watch(a, home);
    if (write(ack, &kAck, 1) != 1) _exit(0);
    Race(a, home, cmd, in);
    if (in >= 0) close(in);
    if (write(ack, &kAck, 1) != 1) _exit(0);
  }
}

// A process running as the account, driven over pipes: each command is answered once done, so
// the test never waits on a timer.
class Attacker {
 public:
  explicit Attacker(const passwd& pw) {
    int cmd[2], ack[2];
    if (pipe2(cmd, O_CLOEXEC) != 0 || pipe2(ack, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      close(cmd[1]);
      close(ack[0]);
      AttackerMain(cmd[0], ack[1], pw);
    }
    close(cmd[0]);
    close(ack[1]);
    cmd_ = cmd[1];
    ack_ = ack[0];
  }
  ~Attacker() {
    close(cmd_);
    close(ack_);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  Attacker(const Attacker&) = delete;
  Attacker& operator=(const Attacker&) = delete;

  // Lays out the home for `a` and starts racing.
  void Arm(Attack a) { Send(static_cast<char>(a)); }
  void Resume() { Send(kResume); }
  // Returns once the attacker has stopped touching the home.
  void Pause() { Send(kStop); }

 private:
  void Send(char c) {
    char r = 0;
    if (write(cmd_, &c, 1) != 1 || read(ack_, &r, 1) != 1 || r != kAck) {
      throw std::runtime_error("the attacker process died");
    }
  }
  pid_t pid_ = -1;
  int cmd_ = -1, ack_ = -1;
};

struct Snapshot {
  uid_t uid;
  gid_t gid;
  mode_t mode;
  std::string content;  // files: the bytes; directories: the sorted entry names
  bool operator==(const Snapshot&) const = default;
};

// Owner, mode and size only: the stand-ins' bytes stay out of the test output.
std::ostream& operator<<(std::ostream& os, const Snapshot& s) {
  return os << "uid " << s.uid << " gid " << s.gid << " mode " << std::oct << s.mode << std::dec
            << ", " << s.content.size() << " bytes";
}

Snapshot Snap(const fs::path& p) {
  struct stat st {};
  if (lstat(p.c_str(), &st) != 0) return {0, 0, 0, "<missing>"};
  Snapshot s{st.st_uid, st.st_gid, st.st_mode, ""};
  if (S_ISDIR(st.st_mode)) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(p)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    for (const auto& n : names) s.content += n + "\n";
  } else if (S_ISREG(st.st_mode)) {
    s.content = ReadFileText(p);
  }
  return s;
}

class HomeRaceTest : public CredentialzTest {
 public:
  void SetUp() override {
    fs::create_directories(kStandinDir);
    fs::permissions(kStandinDir, fs::perms(0755));
    for (const fs::path p : {fs::path(kStandinFile), fs::path(kStandinDir) / "authorized_keys",
                             fs::path(kStandinDir) / "authorized_principals"}) {
      std::ofstream(p) << kSecret << "\n";
      fs::permissions(p, fs::perms(0600));
    }
    for (const fs::path p :
         {fs::path(kStandinDir), fs::path(kStandinDir) / "authorized_keys",
          fs::path(kStandinDir) / "authorized_principals", fs::path(kStandinFile)}) {
      standins_[p] = Snap(p);
    }
    const passwd* pw = getpwnam(kAccount);
    ASSERT_NE(pw, nullptr);
    pw_ = *pw;
    home_ = pw->pw_dir;
    // Forked before the fixture starts any thread.
    attacker_ = std::make_unique<Attacker>(pw_);
    CredentialzTest::SetUp();
    agent_->Stop();
    // Both files under the home, so the attacker can reach both.
    agent_ = std::make_unique<AgentProcess>(
        dir_ / "agent",
        Config() + "    authorized_principals_file: \"%h/.ssh/authorized_principals\"\n");
    agent_->Start();
    stub_ = Stub();
    key_ = MakeSshKey(dir_.string(), "pushed", "ed25519");
  }
  void TearDown() override {
    attacker_.reset();
    CredentialzTest::TearDown();
  }

 protected:
  // Removes whatever the last round left in the home (as root, following no symlink).
  void ResetHome() {
    for (const char* n : {".ssh", ".ssh.flip", ".ssh.stolen", "bait"}) fs::remove_all(home_ / n);
  }

  cz::RotateAccountCredentialsRequest Keys(int round) const {
    auto req = AuthorizedKeys(kAccount, {key_.public_line}, cz::KEY_TYPE_ED25519,
                              "k" + std::to_string(round));
    req.mutable_credential()->mutable_credentials(0)->mutable_authorized_keys(0)->set_description(
        "round-" + std::to_string(round));
    return req;
  }
  cz::RotateAccountCredentialsRequest Names(int round) const {
    return Principals(kAccount, {"p-" + std::to_string(round)}, "p" + std::to_string(round));
  }

  void ExpectStandinsIntact() {
    for (const auto& [path, before] : standins_) {
      const Snapshot now = Snap(path);
      EXPECT_TRUE(now == before) << path << " changed from " << before << " to " << now;
    }
  }

  // Nothing under the home holds a byte of the stand-ins (read as root, following no symlink).
  void ExpectNoSecretInHome() {
    for (auto it = fs::recursive_directory_iterator(home_); it != fs::end(it); ++it) {
      if (it->is_symlink() || !it->is_regular_file()) continue;
      EXPECT_EQ(ReadFileText(it->path()).find(kSecret), std::string::npos)
          << it->path() << " holds the root-only stand-in's content";
    }
  }

  // The pushed content sits in exactly one place: a regular file of the account, 0600, single
  // link, in a real 0700 directory of the account under the home (which one depends on where the
  // attacker's flips left it).
  void ExpectLanded(const std::string& marker) {
    int found = 0;
    for (const char* d : {".ssh", ".ssh.flip", ".ssh.stolen"}) {
      const fs::path dir = home_ / d;
      struct stat ds {};
      if (lstat(dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode)) continue;
      for (const auto& e : fs::directory_iterator(dir)) {
        struct stat fst {};
        if (lstat(e.path().c_str(), &fst) != 0 || !S_ISREG(fst.st_mode)) continue;
        if (ReadFileText(e.path()).find(marker) == std::string::npos) continue;
        ++found;
        EXPECT_EQ(fst.st_uid, pw_.pw_uid) << e.path();
        EXPECT_EQ(fst.st_gid, pw_.pw_gid) << e.path();
        EXPECT_EQ(fst.st_mode & 07777, 0600u) << e.path();
        EXPECT_EQ(fst.st_nlink, 1u) << e.path();
        EXPECT_EQ(ds.st_uid, pw_.pw_uid) << dir;
        EXPECT_EQ(ds.st_mode & 07777, 0700u) << dir;
      }
    }
    EXPECT_EQ(found, 1) << "'" << marker << "' is not in exactly one file of the account";
  }

  // A refusal is FAILED_PRECONDITION and names a path under the home.
  void ExpectPreciseRefusal(const grpc::Status& s) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_NE(s.error_message().find(home_.string() + "/.ssh"), std::string::npos)
        << s.error_message();
    EXPECT_EQ(s.error_message().find(kSecret), std::string::npos);
  }

  struct Tally {
    int landed = 0, refused = 0;
  };

  // One push of keys and principals under attack `a`, checked, then dropped (rolled back) under
  // the same attack.
  void Round(Attack a, int round, Tally& tally) {
    ResetHome();
    attacker_->Arm(a);
    grpc::ClientContext ctx;
    // A FIFO must never hang the agent: a deadline turns a hang into a failure.
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto rw = stub_->RotateAccountCredentials(&ctx);
    cz::RotateAccountCredentialsResponse resp;
    // Keys only, principals only, or both in one stream.
    const bool keys = round % 3 != 1, names = round % 3 != 0;
    const bool staged = (!keys || (rw->Write(Keys(round)) && rw->Read(&resp))) &&
                        (!names || (rw->Write(Names(round)) && rw->Read(&resp)));
    attacker_->Pause();
    if (staged) {
      ++tally.landed;
      if (keys) ExpectLanded("round-" + std::to_string(round) + "\n");
      if (names) ExpectLanded("p-" + std::to_string(round) + "\n");
      attacker_->Resume();
      ctx.TryCancel();  // dropped: the agent rolls back while the attacker races on
      (void)rw->Finish();
    } else {
      ++tally.refused;
      rw->WritesDone();
      ExpectPreciseRefusal(rw->Finish());
      attacker_->Resume();
    }
    ASSERT_TRUE(WaitCredentialzIdle(*stub_));
    attacker_->Pause();
    ExpectStandinsIntact();
    ExpectNoSecretInHome();
  }

  passwd pw_{};
  fs::path home_;
  std::map<fs::path, Snapshot> standins_;
  std::unique_ptr<Attacker> attacker_;
  std::unique_ptr<cz::Credentialz::Stub> stub_;
  SshKeyPair key_;
};

// One attack per test process; 7 x 30 = 210 pushes and rollbacks under attack.
class HomeRaceAttackTest : public HomeRaceTest, public ::testing::WithParamInterface<Attack> {};

TEST_P(HomeRaceAttackTest, RacingHomeOwnerNeverReachesRootFiles) {
  constexpr int kRounds = 30;
  const Attack a = GetParam();
  Tally t;
  for (int round = 0; round < kRounds; ++round) {
    Round(a, round, t);
    if (HasFailure()) FAIL() << "the attack succeeded or the agent misanswered in round " << round;
  }
  std::cout << "attack '" << static_cast<char>(a) << "': " << t.landed << " pushes landed, "
            << t.refused << " refused\n";
  if (a == kHardLink || a == kDirectory || a == kFifo) {
    EXPECT_EQ(t.landed, 0) << "an unsafe file must always be refused";
  }
}

INSTANTIATE_TEST_SUITE_P(Attacks, HomeRaceAttackTest,
                         ::testing::Values(kCreateSwap, kDirFlip, kTempSwap, kFileFlip, kHardLink,
                                           kDirectory, kFifo),
                         [](const ::testing::TestParamInfo<Attack>& info) {
                           switch (info.param) {
                             case kCreateSwap:
                               return std::string("CreateSwap");
                             case kDirFlip:
                               return std::string("DirFlip");
                             case kTempSwap:
                               return std::string("TempSwap");
                             case kFileFlip:
                               return std::string("FileFlip");
                             case kHardLink:
                               return std::string("HardLink");
                             case kFifo:
                               return std::string("Fifo");
                             case kDirectory:
                               return std::string("Directory");
                           }
                           return std::string("Unknown");
                         });

// The exact answers to a hostile home that does not move.
class HostileLayoutTest : public HomeRaceTest {
 protected:
  grpc::Status PushKeys(int round) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto rw = stub_->RotateAccountCredentials(&ctx);
    cz::RotateAccountCredentialsResponse resp;
    if (rw->Write(Keys(round)) && rw->Read(&resp)) {
      rw->Write(FinalizeAccounts());
    }
    rw->WritesDone();
    return rw->Finish();
  }
  void ExpectRefused(Attack a, const std::string& component, const std::string& why) {
    ResetHome();
    attacker_->Arm(a);
    grpc::Status s = PushKeys(static_cast<int>(a));
    attacker_->Pause();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_NE(s.error_message().find(home_.string() + "/" + component), std::string::npos)
        << s.error_message();
    EXPECT_NE(s.error_message().find(why), std::string::npos) << s.error_message();
    ExpectStandinsIntact();
  }
};

TEST_F(HostileLayoutTest, EachUnsafeFileIsRefusedByName) {
  ExpectRefused(kHardLink, ".ssh/authorized_keys", "hard link");
  ExpectRefused(kDirectory, ".ssh/authorized_keys", "is a directory");
  ExpectRefused(kFifo, ".ssh/authorized_keys", "not a regular file");
}

TEST_F(HostileLayoutTest, SymlinkedSshDirectoryIsRefusedByName) {
  ResetHome();
  ASSERT_EQ(symlink(kStandinDir, (home_ / ".ssh").c_str()), 0);
  ASSERT_EQ(lchown((home_ / ".ssh").c_str(), pw_.pw_uid, pw_.pw_gid), 0);
  grpc::Status s = PushKeys(1);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find(home_.string() + "/.ssh is a symlink"), std::string::npos)
      << s.error_message();
  ExpectStandinsIntact();
}

// The rollback to "no file" once removed the root-owned file behind a symlinked .ssh.
TEST_F(HostileLayoutTest, RollbackToNoFileRemovesNothingBehindASymlink) {
  ResetHome();
  grpc::ClientContext ctx;
  auto rw = stub_->RotateAccountCredentials(&ctx);
  cz::RotateAccountCredentialsResponse resp;
  ASSERT_TRUE(rw->Write(Keys(1)) && rw->Read(&resp));
  // While staged, the account swaps its .ssh for a symlink to the root-owned directory.
  ASSERT_EQ(rename((home_ / ".ssh").c_str(), (home_ / ".ssh.stolen").c_str()), 0);
  ASSERT_EQ(symlink(kStandinDir, (home_ / ".ssh").c_str()), 0);
  ASSERT_EQ(lchown((home_ / ".ssh").c_str(), pw_.pw_uid, pw_.pw_gid), 0);
  ctx.TryCancel();
  (void)rw->Finish();
  ASSERT_TRUE(WaitCredentialzIdle(*stub_));
  ExpectStandinsIntact();
  EXPECT_NE(agent_->Log().find(home_.string() + "/.ssh is a symlink"), std::string::npos);
}

}  // namespace
}  // namespace rotagent::testing
