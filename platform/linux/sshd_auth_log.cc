#include "platform/linux/sshd_auth_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <string_view>

#include "common/safe_path.h"

namespace rotagent::platform {
namespace {

constexpr size_t kMaxRead = 1 << 20;  // per poll: a flood is counted over several polls
constexpr size_t kMaxLine = 4096;     // sshd's own log lines are shorter

// sshd's auth.c: "<Accepted|Failed> <method>[/<submethod>] for [invalid user ]<user> from <addr>
// port <port> ssh2[: <key>]", each line ended by "\r\n" on stderr. Nothing else is counted.
const std::regex& AcceptedLine() {
  static const std::regex re(
      R"(Accepted [a-z0-9-]+(/[a-z0-9-]+)? for \S+ from \S+ port [0-9]+ ssh2(: .*)?\r?)");
  return re;
}
const std::regex& FailedLine() {
  static const std::regex re(
      R"(Failed [a-z0-9-]+(/[a-z0-9-]+)? for .* from \S+ port [0-9]+ ssh2(: .*)?\r?)");
  return re;
}

uint64_t Nanos(const timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

// The file, opened through root-owned directories only, if it is fit to be trusted.
Result<UniqueFd> OpenLog(const std::filesystem::path& file, struct stat& st) {
  auto dir = OpenSafeDir(file.parent_path(), {}, false);
  if (!dir.ok()) return dir.status();
  UniqueFd fd(openat(dir->get(), file.filename().c_str(),
                     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return FailedPrecondition("cannot open " + file.string());
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
      (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 || st.st_nlink != 1) {
    return FailedPrecondition(file.string() +
                              " is not a root-owned regular file, unwritable by group and others, "
                              "with one link: not counted");
  }
  return fd;
}

}  // namespace

SshdAuthLog::SshdAuthLog(std::filesystem::path file) : file_(std::move(file)) {
  std::lock_guard lock(mu_);
  ReadNew(/*count=*/false);  // what happened before the agent started is not counted
}

SshAuthCounters SshdAuthLog::Poll() {
  std::lock_guard lock(mu_);
  ReadNew(/*count=*/true);
  return counts_;
}

void SshdAuthLog::ReadNew(bool count) {
  struct stat st {};
  auto fd = OpenLog(file_, st);
  if (!fd.ok()) {
    if (!refused_)
      spdlog::warn("platform.ssh.auth_log refused, not counting: {}", fd.status().message());
    refused_ = true;
    return;
  }
  if (refused_) {
    // What was written while the file was refused (writable by others, say) is never counted.
    spdlog::info("platform.ssh.auth_log: {} is trusted again; counting from its end",
                 file_.string());
    refused_ = false;
    count = false;
  }
  if (st.st_dev != dev_ || st.st_ino != ino_ || st.st_size < offset_) {
    // A new file (rotated) or a truncated one: read it from its start, but only once counting.
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    offset_ = count ? 0 : st.st_size;
    partial_.clear();
  }
  if (!count) {
    offset_ = st.st_size;
    return;
  }
  std::string buf(std::min<size_t>(kMaxRead, static_cast<size_t>(st.st_size - offset_)), '\0');
  ssize_t n = buf.empty() ? 0 : pread(fd->get(), buf.data(), buf.size(), offset_);
  if (n <= 0) return;
  offset_ += n;
  buf.resize(static_cast<size_t>(n));
  const uint64_t when = Nanos(st.st_mtim);
  std::string_view rest(buf);
  for (size_t nl; (nl = rest.find('\n')) != std::string_view::npos; rest.remove_prefix(nl + 1)) {
    std::string line = partial_;
    line.append(rest.substr(0, nl));
    partial_.clear();
    if (line.size() > kMaxLine) continue;  // not one of sshd's; keeps the regex cheap
    if (std::regex_match(line, AcceptedLine())) {
      ++counts_.accepts;
      counts_.last_accept_ns = when;
    } else if (std::regex_match(line, FailedLine())) {
      ++counts_.rejects;
      counts_.last_reject_ns = when;
    }
  }
  partial_.append(rest.substr(0, kMaxLine - std::min(kMaxLine, partial_.size())));
}

}  // namespace rotagent::platform
