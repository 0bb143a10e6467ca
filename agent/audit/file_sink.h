// Audit records appended to a JSON-lines file (0600, opened O_APPEND|O_NOFOLLOW), rotated by size:
// beyond max_file_bytes the file becomes <file>.1, <file>.1 becomes <file>.2, ..., and the oldest
// beyond max_files is removed.
#pragma once

#include <filesystem>
#include <memory>

#include "agent/audit/settings.h"
#include "agent/audit/sink.h"
#include "common/status.h"
#include "common/unique_fd.h"

namespace rotagent::audit {

class FileSink : public Sink {
 public:
  // Opens (creates) the file, and its directory (0700) if missing. FAILED_PRECONDITION naming
  // the path.
  static Result<std::unique_ptr<FileSink>> Open(const Settings& s);
  void Write(const Event& e, const std::string& json) override;

 private:
  FileSink(const Settings& s, UniqueFd fd, int64_t size)
      : path_(s.file),
        max_bytes_(s.max_file_bytes),
        max_files_(s.max_files),
        fd_(std::move(fd)),
        size_(size) {}
  void Rotate();

  std::filesystem::path path_;
  int64_t max_bytes_;
  int max_files_;
  UniqueFd fd_;
  int64_t size_;
};

}  // namespace rotagent::audit
