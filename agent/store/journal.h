// The record of open transactions, written before anything on the box changes. At start an
// entry whose commit decision was not taken means the stream died: its items are rolled back. The
// decision is a `committing` entry, or, for an entry of one item (written without that record),
// the item's committed pointer naming its candidate: such entries are rolled forward.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace rotagent::store {

struct JournalItem {
  std::string domain;     // which store holds the item ("profiles", "accounts", "ssh")
  std::string id;         // the item within it
  std::string previous;   // committed slot when the transaction first touched it; empty if none
  std::string candidate;  // newest staged slot; empty until written
};

struct JournalEntry {
  // Unique per transaction ("<service>.<opened ns>.<random>"), so an entry a failed rollback
  // leaves for the next start is never overwritten by a later transaction. Also the file name.
  std::string name;
  std::vector<JournalItem> items;
  bool committing = false;
  int64_t opened_ns = 0;  // when the transaction opened: recovery resolves entries oldest first
};

// A fresh entry name for a transaction of `service`.
std::string NewEntryName(const std::string& service);

class Journal {
 public:
  explicit Journal(std::filesystem::path dir);
  Status Init();
  Status Write(const JournalEntry& e);
  // Write in two halves, for a caller that flushes several writes at once: Prepare leaves the
  // entry's bytes beside its file and returns where, Publish renames them into place. Neither
  // flushes: the caller's SyncFilesystem follows Publish, and Prepare too when the entry's file
  // already exists (its name must then not reach the disk before its new bytes).
  Result<std::filesystem::path> Prepare(const JournalEntry& e);
  Status Publish(const std::filesystem::path& prepared, const JournalEntry& e);
  Status Remove(const std::string& name);
  // Remove without the directory fsync, once the caller has made everything the entry covers
  // durable (a lost removal only replays an idempotent roll-forward).
  Status Close(const std::string& name);
  const std::filesystem::path& dir() const { return dir_; }
  // Every open entry, oldest first. An empty entry (its first write cut short by a crash before
  // its flush, so nothing it names had changed) is removed.
  std::vector<JournalEntry> List() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace rotagent::store
