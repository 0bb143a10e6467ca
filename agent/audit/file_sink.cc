#include "agent/audit/file_sink.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rotagent::audit {
namespace fs = std::filesystem;

namespace {

Result<UniqueFd> OpenAppend(const fs::path& path) {
  // O_NOFOLLOW: a symlink planted at the path must not redirect records elsewhere.
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    return FailedPrecondition("audit.file " + path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return FailedPrecondition("audit.file " + path.string() + ": not a regular file");
  }
  // A file left readable by others (created before, or by hand) is made private again.
  if ((st.st_mode & 077) != 0) fchmod(fd.get(), 0600);
  return fd;
}

}  // namespace

Result<std::unique_ptr<FileSink>> FileSink::Open(const Settings& s) {
  // Its own directory (e.g. /var/log/rotagent) is made private; parents must exist.
  if (mkdir(s.file.parent_path().c_str(), 0700) != 0 && errno != EEXIST) {
    return FailedPrecondition("audit.file " + s.file.string() + ": " + std::strerror(errno));
  }
  auto fd = OpenAppend(s.file);
  if (!fd.ok()) return fd.status();
  struct stat st {};
  fstat(fd->get(), &st);
  return std::unique_ptr<FileSink>(new FileSink(s, std::move(*fd), st.st_size));
}

void FileSink::Rotate() {
  std::error_code ec;
  const auto numbered = [&](int n) { return fs::path(path_.string() + "." + std::to_string(n)); };
  fs::remove(numbered(max_files_), ec);
  for (int n = max_files_ - 1; n >= 1; --n) fs::rename(numbered(n), numbered(n + 1), ec);
  fs::rename(path_, numbered(1), ec);
  auto fd = OpenAppend(path_);
  if (!fd.ok()) {
    spdlog::error("audit: {}", fd.status().message());
    return;  // keep appending to the renamed file rather than lose records
  }
  fd_ = std::move(*fd);
  size_ = 0;
}

void FileSink::Write(const Event& /*e*/, const std::string& json) {
  const std::string line = json + "\n";
  if (size_ > 0 && size_ + static_cast<int64_t>(line.size()) > max_bytes_) Rotate();
  // One write of the whole line: with O_APPEND it lands whole at the end, never interleaved.
  const ssize_t n = write(fd_.get(), line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    spdlog::error("audit: writing {} failed: {}", path_.string(),
                  n < 0 ? std::strerror(errno) : "short write");
    return;
  }
  size_ += n;
}

}  // namespace rotagent::audit
