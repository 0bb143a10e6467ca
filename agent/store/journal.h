// The record of open transactions, written before anything on the box changes. At start an
// entry that is not `committing` means the stream died: its items are rolled back; a
// `committing` entry is rolled forward, because the commit decision was already taken.
#pragma once

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
  std::string name;  // one open transaction per name (per service)
  std::vector<JournalItem> items;
  bool committing = false;
};

class Journal {
 public:
  explicit Journal(std::filesystem::path dir);
  Status Init();
  Status Write(const JournalEntry& e);
  Status Remove(const std::string& name);
  std::vector<JournalEntry> List() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace rotagent::store
